"""Structural rules (AG2xx): specs whose network cannot be built as written, or not as meant.

Each rule is a :class:`~archgen.rules.base.Rule` that owns its code; its check reads the plan
through a :class:`~archgen.rules.base.Context`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from archgen import limits
from archgen.diagnostics import Fix, Severity
from archgen.ops import Attention, Conv, Norm, Op
from archgen.recipes import BLOCKS
from archgen.rules import expect
from archgen.rules.base import Context, Finding, Rule, code
from archgen.rules.common import (
    ceil_div,
    depth,
    divisors_near,
    gcd,
    label,
    multiples_near,
    square,
    stage_fixes,
    stage_fixes_for_width,
    value_fixes,
    written,
)

if TYPE_CHECKING:
    from archgen.plan import NetworkPlan, StagePlan

_E, _W = Severity.ERROR, Severity.WARNING


def _groups_divide_width(ctx: Context) -> Iterator[Finding]:
    """AG201: a grouped convolution needs groups that divide its channels."""
    plan = ctx.plan
    expected = ctx.once(expect.of)
    for stage in plan.stages:
        notation = stage.notation
        want = expected[stage.index]
        # A width the design rules expect otherwise may be the root cause, and its fix fix this
        # too; the pipeline prefers it when the design rule reports that width.
        root = (
            stage_fixes(stage, width=want.width, out_channels=want.out_channels)
            if want.width is not None and want.width != stage.width
            else ()
        )
        gw = notation.group_width
        if gw is not None and stage.width % gw:
            fixes = (
                *root,
                *stage_fixes_for_width(stage, multiples_near(stage.width, gw)),
                *value_fixes(
                    written(stage, "group_width"),
                    gw,
                    divisors_near(stage.width, gw),
                ),
            )
            yield Finding(
                "AG201",
                f"{label(stage)} splits width {stage.width} into groups of {gw} channels, "
                f"which does not divide it; expected a width that is a multiple of {gw}, or "
                f"channels per group that divide {stage.width}",
                stage.origin("group_width"),
                fixes=fixes,
                clause=f"groups of {gw} channels that do not divide the width (AG201)",
            )
            continue
        split = [("width", stage.width)]
        if depth(stage) < 3:  # every convolution of a depth-2 block is grouped
            split.append(("output channels", stage.out_channels))
            # Its first convolution splits the channels the stage receives.
            split.append(("input channels", stage.blocks[0].in_channels))
        for what, channels in split:
            if channels and channels % stage.groups:
                groups_key = next(
                    (f for f in ("groups", "cardinality") if written(stage, f)), None
                )
                fixes = (
                    *root,
                    *value_fixes(
                        written(stage, groups_key) if groups_key else None,
                        stage.groups,
                        divisors_near(channels, stage.groups),
                    ),
                    *stage_fixes_for_width(
                        stage, multiples_near(stage.width, stage.groups)
                    ),
                )
                yield Finding(
                    "AG201",
                    f"{label(stage)} splits {what} {channels} into {stage.groups} groups, "
                    f"which does not divide it; expected {what} that is a multiple of "
                    f"{stage.groups}, or groups that divide {channels}",
                    stage.origin(
                        "groups", "cardinality", "group_width", "width", "planes"
                    ),
                    fixes=fixes,
                    clause=f"{stage.groups} groups that do not divide the {what} (AG201)",
                )


def _notation_agrees(ctx: Context) -> Iterator[Finding]:
    """AG202: when both notations are given they must describe the same stage."""
    plan = ctx.plan
    for stage in plan.stages:
        yield from _widths_agree(stage)
        yield from _groups_agree(stage)


def _widths_agree(stage: StagePlan) -> Iterator[Finding]:
    """AG202 for the width and the output channels."""
    n = stage.notation
    if n.planes is not None and n.width is not None and n.paper_width != n.width:
        yield Finding(
            "AG202",
            f"{label(stage)} gives width {n.width}, but planes {n.planes} with "
            f"{n.cardinality or 1}x{n.base_width or 64}d makes "
            f"int({n.planes} * {n.base_width or 64} / 64) * {n.cardinality or 1} = "
            f"{n.paper_width}; expected the two to agree",
            stage.origin("width"),
            fixes=(
                *value_fixes(written(stage, "width"), n.width, [n.paper_width or 0]),
                *(
                    fix
                    for fix in stage_fixes(stage, width=n.width)
                    if fix.loc != written(stage, "width")
                ),
            ),
            clause="notations that disagree on the width (AG202)",
        )
    expansion = BLOCKS[stage.recipe].expansion
    if (
        n.planes is not None
        and n.out_channels is not None
        and n.planes * expansion != n.out_channels
    ):
        yield Finding(
            "AG202",
            f"{label(stage)} gives out_channels {n.out_channels}, but planes {n.planes} x "
            f"expansion {expansion} makes {n.planes * expansion}; expected the two to agree",
            stage.origin("out_channels"),
            fixes=(
                *value_fixes(
                    written(stage, "out_channels"),
                    n.out_channels,
                    [n.planes * expansion],
                ),
                *(
                    value_fixes(
                        written(stage, "planes"),
                        n.planes,
                        [n.out_channels // expansion],
                    )
                    if n.out_channels % expansion == 0
                    else ()
                ),
            ),
            clause="notations that disagree on the output channels (AG202)",
        )


def _groups_agree(stage: StagePlan) -> Iterator[Finding]:
    """AG202 for the groups (cardinality, group width)."""
    n = stage.notation
    if n.cardinality is not None and n.groups is not None and n.cardinality != n.groups:
        yield Finding(
            "AG202",
            f"{label(stage)} gives groups {n.groups} but cardinality {n.cardinality}; "
            "expected the two to agree",
            stage.origin("groups"),
            fixes=(
                *value_fixes(written(stage, "groups"), n.groups, [n.cardinality]),
                *value_fixes(written(stage, "cardinality"), n.cardinality, [n.groups]),
            ),
            clause="groups and cardinality that disagree (AG202)",
        )
    if (
        n.groups is not None
        and n.group_width is not None
        and n.groups * n.group_width != stage.width
    ):
        fixes: list[Fix] = []
        if stage.width % n.groups == 0:
            fixes += value_fixes(
                written(stage, "group_width"),
                n.group_width,
                [stage.width // n.groups],
            )
        if stage.width % n.group_width == 0:
            fixes += value_fixes(
                written(stage, "groups"), n.groups, [stage.width // n.group_width]
            )
        fixes += stage_fixes_for_width(stage, [n.groups * n.group_width])
        yield Finding(
            "AG202",
            f"{label(stage)} gives {n.groups} groups of {n.group_width} channels = "
            f"{n.groups * n.group_width}, but its width is {stage.width}; "
            "expected the two to agree",
            stage.origin("group_width"),
            fixes=tuple(fixes),
            clause="groups times group_width that is not the width (AG202)",
        )


def _stride_one_or_two(ctx: Context) -> Iterator[Finding]:
    """AG203: the template either keeps the map (stride 1) or halves it (stride 2)."""
    plan = ctx.plan
    for stage in plan.stages:
        if stage.declared_stride not in (1, 2):
            yield Finding(
                "AG203",
                f"{label(stage)} has stride {stage.declared_stride}; expected 1 (keep the "
                "map) or 2 (halve it)",
                stage.origin("stride"),
                fixes=value_fixes(
                    written(stage, "stride"), stage.declared_stride, [2, 1]
                ),
            )


def _map_not_exhausted(ctx: Context) -> Iterator[Finding]:
    """AG204: halving a 1x1 map does nothing; the input is too small for the network."""
    plan = ctx.plan
    halving = [s for s in plan.stages if s.declared_stride > 1 and not s.dilate]
    if not halving:
        return
    # Every step maps a side n to ceil(n / stride), so a stage sees ceil(S / P) for the product
    # P of the strides before it: at least 2 exactly when S > P.
    last = halving[-1]
    needed = last.reduction // last.declared_stride + 1
    # The nearest input at which every stride divides the map exactly (the map keeps halving
    # cleanly, so per-block cost stays balanced): the one fix proposed.
    exact = ceil_div(needed, last.reduction) * last.reduction
    for stage in halving:
        if stage.in_size == 1:
            large_enough = needed <= limits.MAX_IMAGE_SIZE
            fix = (
                f" or an input of at least {square(needed)} ({square(exact)} halves every map "
                "exactly)"
                if large_enough and exact != needed
                else f" or an input of at least {square(needed)}"
                if large_enough
                else f"; no input up to {square(limits.MAX_IMAGE_SIZE)} is large enough"
            )
            yield Finding(
                "AG204",
                f"{label(stage)} halves a map that is already 1x1 for an input of "
                f"{square(plan.image_size)}; expected stride 1 here{fix}",
                stage.origin("stride"),
                fixes=(
                    *value_fixes(written(stage, "stride"), stage.declared_stride, [1]),
                    *value_fixes(
                        ("input", "image_size"),
                        plan.image_size,
                        [exact] if exact <= limits.MAX_IMAGE_SIZE else [],
                    ),
                ),
            )


def _basic_block_not_grouped(ctx: Context) -> Iterator[Finding]:
    """AG205: grouping a depth-2 block makes no new topology (the paper, section 3.3)."""
    plan = ctx.plan
    for stage in plan.stages:
        if depth(stage) >= 3:
            continue
        if stage.groups != 1:
            fixes = list(stage_fixes(stage, groups=1))
            block = written(stage, "block")
            if block is not None:
                fixes.append(Fix(block, stage.recipe, "bottleneck"))
            yield Finding(
                "AG205",
                f"{label(stage)} groups a basic block into {stage.groups}; a grouped depth-2 "
                "block collapses to a plain wide one (Xie et al., 3.3) and torchvision refuses "
                "it; expected groups 1 or bottleneck blocks",
                stage.origin("groups", "cardinality", "group_width"),
                fixes=tuple(fixes),
            )
        elif stage.width != stage.out_channels:
            yield Finding(
                "AG205",
                f"{label(stage)} gives a basic block inner width {stage.width} and output "
                f"{stage.out_channels}; torchvision's basic block has one width; expected "
                f"{stage.out_channels}",
                stage.origin("width", "base_width", "planes"),
                fixes=stage_fixes(stage, width=stage.out_channels),
            )


def _width_not_zero(ctx: Context) -> Iterator[Finding]:
    """AG206: paper notation can round a width down to nothing."""
    plan = ctx.plan
    expected = ctx.once(expect.of)
    for stage in plan.stages:
        n = stage.notation
        if stage.width != 0:
            continue
        want = expected[stage.index]
        base_width = n.base_width or 64
        fixes: tuple[Fix, ...] = ()
        if want.width is not None:  # never 0: expectations come from non-zero widths
            fixes = stage_fixes(stage, width=want.width, out_channels=want.out_channels)
        fixes = (
            *fixes,
            *value_fixes(
                written(stage, "planes"),
                n.planes,
                [ceil_div(64, base_width)],
            ),
            *value_fixes(
                written(stage, "base_width"),
                n.base_width,
                [ceil_div(64, n.planes or 1)],
            ),
        )
        yield Finding(
            "AG206",
            f"{label(stage)} width resolves to int({n.planes} * {base_width} / 64) * "
            f"{n.cardinality or 1} = 0 channels; expected planes * base_width of at least 64",
            stage.origin("base_width", "planes"),
            fixes=fixes,
            clause="a width that rounds to 0 (AG206)",
        )
    yield from _zero_layers(ctx)


def _zero_layers(ctx: Context) -> Iterator[Finding]:
    """AG206 for a layer whose width rounds to 0 although the stage's does not: a
    squeeze-excitation whose ratio reduces its channels to none, or any convolution of 0
    channels (torch refuses to construct either)."""
    for stage in ctx.plan.stages:
        if stage.width == 0:
            continue  # reported by the stage's own AG206
        for op in (op for block in stage.blocks for op in block.all_ops):
            if isinstance(op, Attention) and op.kind == "se" and op.hidden < 1:
                what = f"squeeze-excitation of {op.channels} channels ({op.path})"
                where = stage.origin("attention", "se_ratio")
            elif isinstance(op, Conv) and min(op.in_channels, op.out_channels) < 1:
                what = f"convolution {op.path} ({op.in_channels} -> {op.out_channels})"
                where = stage.loc
            else:
                continue
            yield Finding(
                "AG206",
                f"{label(stage)} has a {what} that rounds to 0 channels; expected at least "
                "1 channel in every layer (a larger ratio or width)",
                where,
                clause="a layer that rounds to 0 channels (AG206)",
            )
            break


def _place(plan: NetworkPlan, op: Op) -> str:
    """Where an operation is, for a message: ``layer2 (stages[1]), bn1`` for one in a block
    (whose path is relative to the block), its path for one of the stem or head."""
    for stage in plan.stages:
        for block in stage.blocks:
            if any(candidate is op for candidate in block.all_ops):
                return f"{stage.label}, {op.path}"
    return op.path


def _all_ops(plan: NetworkPlan) -> Iterator[Op]:
    yield from plan.stem
    for block in plan.blocks:
        yield from block.all_ops
    yield from plan.head


def _group_norms(plan: NetworkPlan) -> list[Norm]:
    return [op for op in _all_ops(plan) if isinstance(op, Norm) and op.kind == "group"]


def _common_divisor(norms: list[Norm]) -> int:
    """The greatest count of channels that divides every one of ``norms``."""
    common = 0
    for norm in norms:
        common = gcd(common, norm.channels)
    return common


def _group_setting(norm: Norm) -> tuple[str, int]:
    """The ``norm`` key a group norm's groups come from, and its value."""
    if norm.group_size:
        return "group_size", norm.group_size
    return "groups", norm.groups


def _norm_groups_divide(ctx: Context) -> Iterator[Finding]:
    """AG207: GroupNorm splits channels into equal groups, at every norm of the network."""
    plan = ctx.plan
    norms = _group_norms(plan)
    counts = sorted({op.channels for op in norms})
    common = _common_divisor(norms)
    seen: set[int] = set()
    for op in norms:
        if op.channels in seen:
            continue
        seen.add(op.channels)
        key, value = _group_setting(op)
        if op.channels % value == 0:
            continue
        choices = divisors_near(common, value)
        verb = f"make {value} groups" if key == "groups" else f"make groups of {value}"
        wanted = "group count" if key == "groups" else "group_size"
        yield Finding(
            "AG207",
            f"group norm of {op.channels} channels ({_place(plan, op)}) cannot {verb}; "
            f"expected a {wanted} that divides every channel count "
            f"({', '.join(map(str, counts))})",
            ("norm", key),
            fixes=value_fixes(("norm", key), value, choices),
        )
        return


def _group_norm_single_value(ctx: Context) -> Iterator[Finding]:
    """AG209: a group norm normalises each group of each sample over its channels and the map.
    A group of one channel on a 1x1 map holds one value, which always normalises to 0: the
    layer outputs its bias whatever the input (torch refuses it for a batch of one)."""
    plan = ctx.plan
    norms = _group_norms(plan)
    if not norms or any(
        not op.group_count or op.channels % op.group_count for op in norms
    ):
        return  # AG207 reports groups that do not divide (or exceed the channels) first
    single = [op for op in norms if op.size == 1 and op.channels == op.group_count]
    if not single:
        return
    op = single[0]
    key, value = _group_setting(op)
    common = _common_divisor(norms)
    if key == "group_size":
        least, most = 2, common
        expected = "a group_size of at least 2 that divides every channel count"
    else:
        least, most = 1, value // 2
        expected = f"at most {most} groups (two channels or more in each)"
    nearest = divisors_near(common, value, count=common)
    choices = [d for d in nearest if least <= d <= most][:3]
    yield Finding(
        "AG209",
        f"group norm of {op.channels} channels ({_place(plan, op)}) on a 1x1 map has one "
        f"value per group, which normalises to 0 whatever the input; expected {expected}",
        ("norm", key),
        fixes=value_fixes(("norm", key), value, choices),
    )


def _stem_width(ctx: Context) -> Iterator[Finding]:
    """AG208: a deep stem's convolutions take fractions of its width; none may be empty."""
    plan = ctx.plan
    widths = [op.out_channels for op in plan.stem if isinstance(op, Conv)]
    if min(widths) == 0 or (plan.stem_type != "conv" and plan.stem_width % 2):
        least = 8 if plan.stem_type == "deep_tiered" else 2
        width = plan.stem_width
        above = max(least, width + width % 2)
        below = width - width % 2
        choices = [above] + ([below] if below >= least and below != width else [])
        yield Finding(
            "AG208",
            f"a {plan.stem_type} stem of width {width} has convolutions of widths "
            f"{', '.join(map(str, widths))}; expected an even width of at least {least}",
            ("stem", "width"),
            fixes=value_fixes(("stem", "width"), width, choices),
        )


# --- the rules -----------------------------------------------------------------------------------

groups_divide_width = Rule(
    (
        code(
            "AG201",
            "groups-divide-width",
            _E,
            "groups divide the widths they split (and, in a basic block, its input and output "
            "channels)",
            configurable=False,  # the module could not be built
        ),
    ),
    "A grouped convolution splits its input and output channels into equal groups, so the "
    "group count (or `group_width`, the channels per group) must divide every channel count the "
    "convolution splits: the bottleneck width, and in a basic block, whose two convolutions "
    "are both grouped, also the stage's input and output channels. torch refuses any other.",
    "defaults: {block: bottleneck}\n"
    "stages:\n  - {blocks: 3, block: bottleneck, width: 256, out_channels: 256, groups: 30}\n",
    "defaults: {block: bottleneck}\n"
    "stages:\n  - {blocks: 3, block: bottleneck, width: 256, out_channels: 256, groups: 32}\n",
    "the nearest group counts (or channels per group) that divide the channels, or the nearest "
    "widths the groups divide",
    _groups_divide_width,
)

notation_agrees = Rule(
    (
        code(
            "AG202",
            "notation-mismatch",
            _E,
            "paper notation and explicit widths agree",
        ),
    ),
    "A stage may give both the paper's notation (`planes`, `cardinality`, `base_width`: width "
    "`int(planes * base_width / 64) * cardinality`, output `planes * expansion`) and explicit "
    "figures (`width`, `out_channels`, `groups`, `group_width`). When it gives both, they must "
    "describe the same stage, or one of them is a mistake.",
    "defaults: {block: bottleneck}\n"
    "stages:\n  - {blocks: 3, block: bottleneck, planes: 64, width: 128}\n",
    "defaults: {block: bottleneck}\n"
    "stages:\n  - {blocks: 3, block: bottleneck, planes: 64, width: 64}\n",
    "the explicit figure the notation implies, or the notation that gives the explicit figure",
    _notation_agrees,
)

stride_one_or_two = Rule(
    (code("AG203", "stride-one-or-two", _E, "stage strides are 1 or 2"),),
    "The template either keeps the map (stride 1) or halves it (stride 2) at a stage; other "
    "strides skip sizes the design rules relate, so the rules cannot compare the stages around "
    "them.",
    "defaults: {block: bottleneck}\n"
    "stages:\n  - {blocks: 3, planes: 64}\n  - {blocks: 4, planes: 128, stride: 4}\n",
    "defaults: {block: bottleneck}\n"
    "stages:\n  - {blocks: 3, planes: 64}\n  - {blocks: 4, planes: 128, stride: 2}\n",
    "stride 2 or 1",
    _stride_one_or_two,
)

map_not_exhausted = Rule(
    (
        code(
            "AG204",
            "map-too-small",
            _E,
            "no stage halves a map that is already 1x1 at the declared input size",
        ),
    ),
    "Halving a 1x1 map does nothing: the input is too small for the network's strides, and "
    "every later stage computes on one pixel.",
    "defaults: {block: bottleneck}\n"
    "input: {image_size: 16}\nstem: {type: conv, width: 64}\nstages:\n"
    "  - {blocks: 1, planes: 64}\n  - {blocks: 1, planes: 128, stride: 2}\n"
    "  - {blocks: 1, planes: 256, stride: 2}\n  - {blocks: 1, planes: 512, stride: 2}\n",
    "defaults: {block: bottleneck}\n"
    "input: {image_size: 32}\nstem: {type: conv, width: 64}\nstages:\n"
    "  - {blocks: 1, planes: 64}\n  - {blocks: 1, planes: 128, stride: 2}\n"
    "  - {blocks: 1, planes: 256, stride: 2}\n  - {blocks: 1, planes: 512, stride: 2}\n",
    "stride 1 at the stage, or the nearest input size every stride halves exactly",
    _map_not_exhausted,
)

basic_block_not_grouped = Rule(
    (
        code(
            "AG205",
            "grouped-basic-block",
            _W,
            "basic blocks are not grouped or widened (torchvision refuses them; a grouped "
            "depth-2 block collapses to a plain wide one, paper 3.3)",
        ),
    ),
    "Grouping only makes a new topology for blocks of depth 3 or more (Xie et al., section "
    "3.3): a grouped basic block is a plain wide one, and torchvision's BasicBlock refuses "
    "groups other than 1 and a width other than its output. A grouped basic block whose groups "
    "do not divide its channels is an error (AG201).",
    "defaults: {block: bottleneck}\n"
    "stages:\n  - {blocks: 2, block: basic, planes: 64, groups: 4}\n",
    "defaults: {block: bottleneck}\n"
    "stages:\n  - {blocks: 2, block: basic, planes: 64}\n",
    "groups 1, or bottleneck blocks",
    _basic_block_not_grouped,
)

width_not_zero = Rule(
    (
        code(
            "AG206",
            "zero-width",
            _E,
            "no width rounds to 0 channels (paper notation, or a squeeze-excitation's "
            "reduction)",
            configurable=False,  # the module could not be built
        ),
    ),
    "The paper's width `int(planes * base_width / 64) * cardinality` rounds down: a `planes` "
    "times `base_width` under 64 gives a convolution of 0 channels. Likewise a layer inside a "
    "block, such as a squeeze-excitation that reduces a narrow block's channels by its ratio, "
    "may round to 0 channels; torch refuses such a layer.",
    "defaults: {block: bottleneck}\n"
    "stages:\n  - {blocks: 3, block: bottleneck, planes: 4, base_width: 8}\n",
    "defaults: {block: bottleneck}\n"
    "stages:\n  - {blocks: 3, block: bottleneck, planes: 8, base_width: 8}\n",
    "the width the design rules expect, or the least planes or base_width that gives one channel",
    _width_not_zero,
)

norm_groups_divide = Rule(
    (
        code(
            "AG207",
            "norm-groups-divide-channels",
            _E,
            "group norm's groups (or group size) divide every channel count it normalises",
            configurable=False,  # the module could not be built
        ),
    ),
    "GroupNorm splits a layer's channels into equal groups; with `norm: {type: group}` every "
    "norm of the network is one, so `groups` (or `group_size`, the channels per group) must "
    "divide every channel count, and a group size may not exceed a layer's channels.",
    "defaults: {block: bottleneck}\n"
    "norm: {type: group, groups: 24}\nstages:\n  - {blocks: 3, planes: 64}\n",
    "defaults: {block: bottleneck}\n"
    "norm: {type: group, groups: 32}\nstages:\n  - {blocks: 3, planes: 64}\n",
    "the nearest values that divide every channel count",
    _norm_groups_divide,
)

stem_width = Rule(
    (
        code(
            "AG208",
            "stem-width",
            _E,
            "a deep stem's width splits into whole, non-empty convolutions",
            configurable=False,  # the module could not be built
        ),
    ),
    "A deep stem's first convolutions take half of its width (`deep_tiered`: 3/8 and 1/2), so "
    "its width must be even and large enough that none of them is empty.",
    "defaults: {block: bottleneck}\n"
    "stem: {type: deep, width: 63}\nstages:\n  - {blocks: 3, planes: 64}\n",
    "defaults: {block: bottleneck}\n"
    "stem: {type: deep, width: 64}\nstages:\n  - {blocks: 3, planes: 64}\n",
    "the nearest even width, at least the least the stem allows",
    _stem_width,
)

_TINY = (
    "input: {image_size: 32}\nnorm: {type: group, group_size: %d}\n"
    "defaults: {block: bottleneck}\nstem: {type: conv, width: 8}\nstages:\n"
    "  - {blocks: 1, planes: 2}\n  - {blocks: 1, planes: 4, stride: 2}\n"
    "  - {blocks: 1, planes: 8, stride: 2}\n  - {blocks: 1, planes: 16, stride: 2}\n"
)

group_norm_single_value = Rule(
    (
        code(
            "AG209",
            "group-norm-single-value",
            _E,
            "no group norm normalises a single value: one channel per group on a 1x1 map "
            "always gives 0 (torch refuses it for a batch of one)",
        ),
    ),
    "A group norm normalises each group of each sample over its channels and the map. A group "
    "of one channel on a 1x1 map holds one value, which always normalises to 0: the layer "
    "outputs its bias whatever the input, and torch refuses it for a batch of one.",
    _TINY % 1,
    _TINY % 2,
    "fewer groups (two channels or more in each) or a group size of at least 2",
    _group_norm_single_value,
)

RULES: tuple[Rule, ...] = (
    groups_divide_width,
    notation_agrees,
    stride_one_or_two,
    map_not_exhausted,
    basic_block_not_grouped,
    width_not_zero,
    norm_groups_divide,
    group_norm_single_value,
    stem_width,
)
