"""Lint rules: the ResNeXt design rules and structural checks, read off the plan.

Each rule is a function from the plan (and its complexity) to findings. A finding names the spec
node to point at; :func:`archgen.lint.lint` turns it into a located diagnostic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from archgen import limits
from archgen.complexity import Complexity
from archgen.ops import Conv, Norm, Op
from archgen.plan import NetworkPlan, StagePlan
from archgen.recipes import BLOCKS
from archgen.source import Loc

BALANCE_THRESHOLD = 2.0
"""AG401 reports when the costliest stage's blocks cost this many times the cheapest's."""


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    loc: Loc
    at_key: bool = False
    """Point at the key naming ``loc`` rather than at its value."""


Rule = Callable[[NetworkPlan, Complexity], Iterator[Finding]]


def _depth(stage: StagePlan) -> int:
    """Convolutions on a block's residual branch (attention excluded): 2 for a basic block."""
    return sum(isinstance(op, Conv) for op in stage.blocks[-1].ops)


def _size(size: int) -> str:
    return f"{size}x{size}"


def groups_divide_width(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG201: a grouped convolution needs groups that divide its channels."""
    for stage in plan.stages:
        notation = stage.notation
        if notation.group_width is not None and stage.width % notation.group_width:
            yield Finding(
                "AG201",
                f"{stage.name} splits width {stage.width} into groups of {notation.group_width} "
                f"channels, which does not divide it; expected a width that is a multiple of "
                f"{notation.group_width}",
                stage.origin("group_width"),
            )
            continue
        split = [("width", stage.width)]
        if _depth(stage) < 3:  # every convolution of a depth-2 block is grouped
            split.append(("output channels", stage.out_channels))
        for what, channels in split:
            if channels and channels % stage.groups:
                yield Finding(
                    "AG201",
                    f"{stage.name} splits {what} {channels} into {stage.groups} groups, which "
                    f"does not divide it; expected {what} that is a multiple of {stage.groups}",
                    stage.origin(
                        "groups", "cardinality", "group_width", "width", "planes"
                    ),
                )


def notation_agrees(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG202: when both notations are given they must describe the same stage."""
    for stage in plan.stages:
        n = stage.notation
        if n.planes is not None and n.width is not None and n.paper_width != n.width:
            yield Finding(
                "AG202",
                f"{stage.name} gives width {n.width}, but planes {n.planes} with "
                f"{n.cardinality or 1}x{n.base_width or 64}d makes "
                f"int({n.planes} * {n.base_width or 64} / 64) * {n.cardinality or 1} = "
                f"{n.paper_width}; expected the two to agree",
                stage.origin("width"),
            )
        expansion = BLOCKS[stage.recipe].expansion
        if (
            n.planes is not None
            and n.out_channels is not None
            and n.planes * expansion != n.out_channels
        ):
            yield Finding(
                "AG202",
                f"{stage.name} gives out_channels {n.out_channels}, but planes {n.planes} x "
                f"expansion {expansion} makes {n.planes * expansion}; expected the two to agree",
                stage.origin("out_channels"),
            )
        if (
            n.cardinality is not None
            and n.groups is not None
            and n.cardinality != n.groups
        ):
            yield Finding(
                "AG202",
                f"{stage.name} gives groups {n.groups} but cardinality {n.cardinality}; "
                "expected the two to agree",
                stage.origin("groups"),
            )
        if (
            n.groups is not None
            and n.group_width is not None
            and n.groups * n.group_width != stage.width
        ):
            yield Finding(
                "AG202",
                f"{stage.name} gives {n.groups} groups of {n.group_width} channels = "
                f"{n.groups * n.group_width}, but its width is {stage.width}; "
                "expected the two to agree",
                stage.origin("group_width"),
            )


def stride_one_or_two(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG203: the template either keeps the map (stride 1) or halves it (stride 2)."""
    for stage in plan.stages:
        if stage.declared_stride not in (1, 2):
            yield Finding(
                "AG203",
                f"{stage.name} has stride {stage.declared_stride}; expected 1 (keep the map) "
                "or 2 (halve it)",
                stage.origin("stride"),
            )


def map_not_exhausted(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG204: halving a 1x1 map does nothing; the input is too small for the network."""
    halving = [s for s in plan.stages if s.declared_stride > 1 and not s.dilate]
    if not halving:
        return
    # Every step maps a side n to ceil(n / stride), so a stage sees ceil(S / P) for the product
    # P of the strides before it: at least 2 exactly when S > P.
    last = halving[-1]
    needed = last.reduction // last.declared_stride + 1
    for stage in halving:
        if stage.in_size == 1:
            fix = (
                f" or an input of at least {_size(needed)}"
                if needed <= limits.MAX_IMAGE_SIZE
                else f"; no input up to {_size(limits.MAX_IMAGE_SIZE)} is large enough"
            )
            yield Finding(
                "AG204",
                f"{stage.name} halves a map that is already 1x1 for a "
                f"{_size(plan.image_size)} input; expected stride 1 here{fix}",
                stage.origin("stride"),
            )


def basic_block_not_grouped(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG205: grouping a depth-2 block makes no new topology (the paper, section 3.3)."""
    for stage in plan.stages:
        if _depth(stage) >= 3:
            continue
        if stage.groups != 1:
            yield Finding(
                "AG205",
                f"{stage.name} groups a basic block into {stage.groups}; a grouped depth-2 "
                "block collapses to a plain wide one (Xie et al., 3.3) and torchvision refuses "
                "it; expected groups 1 or bottleneck blocks",
                stage.origin("groups", "cardinality", "group_width"),
            )
        elif stage.width != stage.out_channels:
            yield Finding(
                "AG205",
                f"{stage.name} gives a basic block inner width {stage.width} and output "
                f"{stage.out_channels}; torchvision's basic block has one width; expected "
                f"{stage.out_channels}",
                stage.origin("width", "base_width", "planes"),
            )


def width_not_zero(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG206: paper notation can round a width down to nothing."""
    for stage in plan.stages:
        n = stage.notation
        if stage.width == 0:
            yield Finding(
                "AG206",
                f"{stage.name} width resolves to int({n.planes} * {n.base_width or 64} / 64) * "
                f"{n.cardinality or 1} = 0 channels; expected planes * base_width of at least 64",
                stage.origin("base_width", "planes"),
            )


def _all_ops(plan: NetworkPlan) -> Iterator[Op]:
    yield from plan.stem
    for block in plan.blocks:
        yield from block.all_ops
    yield from plan.head


def _divisors_near(channels: int, wanted: int) -> list[int]:
    divisors = [d for d in range(1, channels + 1) if channels % d == 0]
    return sorted(divisors, key=lambda d: (abs(d - wanted), d))[:3]


def norm_groups_divide(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG207: GroupNorm splits channels into equal groups, at every norm of the network."""
    seen: set[int] = set()
    for op in _all_ops(plan):
        if not isinstance(op, Norm) or op.kind != "group" or op.channels in seen:
            continue
        seen.add(op.channels)
        if op.group_size:
            if op.channels % op.group_size:
                yield Finding(
                    "AG207",
                    f"group norm of {op.channels} channels ({op.path}) cannot make groups of "
                    f"{op.group_size}; expected a group_size that divides every channel count, "
                    f"such as {', '.join(map(str, _divisors_near(op.channels, op.group_size)))}",
                    ("norm", "group_size"),
                )
                return
        elif op.channels % op.groups:
            yield Finding(
                "AG207",
                f"group norm of {op.channels} channels ({op.path}) cannot make {op.groups} "
                "groups; expected groups that divide every channel count, such as "
                f"{', '.join(map(str, _divisors_near(op.channels, op.groups)))}",
                ("norm", "groups"),
            )
            return


def stem_width(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG208: a deep stem's convolutions take fractions of its width; none may be empty."""
    widths = [op.out_channels for op in plan.stem if isinstance(op, Conv)]
    if min(widths) == 0 or (plan.stem_type != "conv" and plan.stem_width % 2):
        yield Finding(
            "AG208",
            f"a {plan.stem_type} stem of width {plan.stem_width} has convolutions of widths "
            f"{', '.join(map(str, widths))}; expected an even width of at least "
            f"{8 if plan.stem_type == 'deep_tiered' else 2}",
            ("stem", "width"),
        )


def _pairs(plan: NetworkPlan) -> Iterator[tuple[StagePlan, StagePlan]]:
    yield from zip(plan.stages, plan.stages[1:], strict=False)


def same_size_same_shape(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG301, rule (i): blocks on maps of the same size share their hyper-parameters."""
    for before, stage in _pairs(plan):
        if stage.declared_stride != 1:
            continue
        size = _size(stage.nominal_out_size)
        for what, old, new, fields in (
            ("block type", before.recipe, stage.recipe, ("block",)),
            ("width", before.width, stage.width, ("width", "planes", "base_width")),
            (
                "groups",
                before.groups,
                stage.groups,
                ("groups", "cardinality", "group_width"),
            ),
            (
                "output channels",
                before.out_channels,
                stage.out_channels,
                ("out_channels", "planes"),
            ),
        ):
            if old != new:
                yield Finding(
                    "AG301",
                    f"{stage.name} keeps the {size} map of {before.name} but changes its {what} "
                    f"{old} -> {new}; blocks on maps of the same size share their "
                    f"hyper-parameters (rule i); expected {old}",
                    stage.origin(*fields),
                )


def halving_doubles(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG302 and AG303, rule (ii): when the map is halved, the width doubles."""
    for before, stage in _pairs(plan):
        if not stage.halves:
            continue
        sizes = f"{before.nominal_out_size} -> {stage.nominal_out_size}"
        if stage.dilate:
            sizes += " nominally; dilation replaces the stride"
        for code, what, old, new, fields in (
            (
                "AG302",
                "width goes",
                before.width,
                stage.width,
                ("width", "planes", "base_width"),
            ),
            (
                "AG303",
                "output channels go",
                before.out_channels,
                stage.out_channels,
                ("out_channels", "planes"),
            ),
        ):
            if new != 2 * old:
                yield Finding(
                    code,
                    f"{stage.name} halves the map ({sizes}) but the {what} {old} -> {new}; "
                    f"expected {2 * old} (rule ii)",
                    stage.origin(*fields),
                )


def cost_balance(plan: NetworkPlan, complexity: Complexity) -> Iterator[Finding]:
    """AG401: rule (ii) exists to keep every block at about the same cost."""
    per_block = [(cost.macs_per_block, cost.stage.name) for cost in complexity.stages]
    cheapest, costliest = min(per_block), max(per_block)
    if cheapest[0] > 0 and costliest[0] / cheapest[0] > BALANCE_THRESHOLD:
        yield Finding(
            "AG401",
            f"a block of {costliest[1]} costs {costliest[0] / 1e6:,.1f} M MACs and one of "
            f"{cheapest[1]} {cheapest[0] / 1e6:,.1f} M, a {costliest[0] / cheapest[0]:.1f}x "
            f"spread; expected at most {BALANCE_THRESHOLD:.1f}x, which doubling the width "
            "at each halving keeps",
            ("stages",),
            at_key=True,
        )


RULES: tuple[Rule, ...] = (
    groups_divide_width,
    notation_agrees,
    stride_one_or_two,
    map_not_exhausted,
    basic_block_not_grouped,
    width_not_zero,
    norm_groups_divide,
    stem_width,
    same_size_same_shape,
    halving_doubles,
    cost_balance,
)


RESNEXT_RULES: tuple[Rule, ...] = (same_size_same_shape, halving_doubles, cost_balance)
"""The ResNeXt paper's design rules: on for ResNet-style specs, off in AnyNet and RegNet."""


def check(plan: NetworkPlan, complexity: Complexity) -> list[Finding]:
    from archgen.space_rules import SPACE_RULES

    if plan.design_space == "resnext":
        rules = RULES
    else:
        rules = tuple(r for r in RULES if r not in RESNEXT_RULES) + SPACE_RULES
    return [finding for rule in rules for finding in rule(plan, complexity)]
