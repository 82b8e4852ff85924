"""Lint rules: the ResNeXt design rules and structural checks, read off the plan.

Each rule is a function from the plan (and its complexity) to findings. A finding names the spec
node to point at, and proposes fixes in the user's notation: edits of the keys the spec writes
(``planes: 192 -> planes: 256``, never a derived width). The pipeline
(:mod:`archgen.pipeline`) keeps the proposals that resolve the finding without causing another,
and locates the finding at the value they change.

Root causes. The design rules relate each stage to its neighbours, so one wrong value breaks two
relations: a stage that does not double breaks its own doubling and the next stage's. The rules
therefore compare every stage with what the rules expect of it (:func:`expectations`), computed
from the stages that agree with one another, never from a neighbour's wrong value: only the
stage that is wrong is reported, and a suggestion never repeats an earlier mistake.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from archgen import limits
from archgen.complexity import Complexity
from archgen.diagnostics import Fix
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
    fixes: tuple[Fix, ...] = ()
    """Proposed edits, at locations of the validated data; the pipeline keeps those that work."""
    clause: str = ""
    """The finding in a few words, for when another finding at the same value absorbs it."""


Rule = Callable[[NetworkPlan, Complexity], Iterator[Finding]]


def label(stage: StagePlan) -> str:
    """How every message names a stage: ``layer2 (stages[1])``."""
    return f"{stage.name} (stages[{stage.index - 1}])"


def _depth(stage: StagePlan) -> int:
    """Convolutions on a block's residual branch (attention excluded): 2 for a basic block."""
    return sum(isinstance(op, Conv) for op in stage.blocks[-1].ops)


def _size(size: int) -> str:
    return f"{size}x{size}"


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


# --- what the design rules expect of each stage --------------------------------------------------


@dataclass(frozen=True)
class Expectation:
    """What rules (i) and (ii) expect of one stage; None where they expect nothing."""

    width: int | None
    out_channels: int | None
    groups: int | None
    block: str | None


def _segments(plan: NetworkPlan) -> list[list[StagePlan]]:
    """Runs of stages the rules relate: a stride other than 1 or 2 (AG203) starts a new run."""
    segments: list[list[StagePlan]] = []
    for stage in plan.stages:
        if not segments or stage.declared_stride not in (1, 2):
            segments.append([stage])
        else:
            segments[-1].append(stage)
    return segments


def _doubling(segment: list[StagePlan], values: list[int]) -> list[int | None]:
    """Rules (i) and (ii) together: a value that keeps on a same-size stage and doubles on a
    halving one is ``a * 2**halvings``. The ``a`` most stages agree on wins (the earliest on a
    tie); 0 is never a candidate, so nothing is expected to be 0."""
    factors, factor = [], 1
    for position, stage in enumerate(segment):
        if position and stage.halves:
            factor *= 2
        factors.append(factor)
    votes: Counter[int] = Counter()
    first: dict[int, int] = {}
    for position, (value, factor) in enumerate(zip(values, factors, strict=True)):
        if value > 0 and value % factor == 0:
            votes[value // factor] += 1
            first.setdefault(value // factor, position)
    if not votes:
        return [None] * len(segment)
    anchor = max(votes, key=lambda a: (votes[a], -first[a]))
    return [
        anchor * factor if anchor * factor <= limits.MAX_CHANNELS else None
        for factor in factors
    ]


def _sharing(segment: list[StagePlan], values: list[object]) -> list[object]:
    """Rule (i): stages on one map size share a value; the majority of each run of them (the
    earliest on a tie) says which."""
    expected: list[object] = [None] * len(segment)
    for run in _runs(segment):
        counts = Counter(values[p] for p in run)
        best = max(run, key=lambda p: (counts[values[p]], -p))
        for position in run:
            expected[position] = values[best]
    return expected


def expectations(plan: NetworkPlan) -> dict[int, Expectation]:
    """What the design rules expect of each stage, by stage index."""
    result: dict[int, Expectation] = {}
    for segment in _segments(plan):
        widths = _doubling(segment, [s.width for s in segment])
        outs = _doubling(segment, [s.out_channels for s in segment])
        groups = _sharing(segment, [s.groups for s in segment])
        blocks = _sharing(segment, [s.recipe for s in segment])
        for position, stage in enumerate(segment):
            group = groups[position]
            block = blocks[position]
            result[stage.index] = Expectation(
                widths[position],
                outs[position],
                group if isinstance(group, int) else None,
                block if isinstance(block, str) else None,
            )
    return result


# --- fixes in the user's notation ----------------------------------------------------------------


def _written(stage: StagePlan, field: str) -> Loc | None:
    """Where the spec writes ``field`` for this stage (the stage or defaults), if it does."""
    return dict(stage.origins).get(field)


def stage_fixes(
    stage: StagePlan,
    *,
    width: int | None = None,
    out_channels: int | None = None,
    groups: int | None = None,
    block: str | None = None,
) -> tuple[Fix, ...]:
    """Edits of one key the stage writes that may give it these figures (None: as it is).

    Only guesses: each is computed from the key's own notation (``planes`` from the output
    channels, ``base_width`` from the width, ...), and the pipeline keeps those that work.
    """
    n = stage.notation
    width = stage.width if width is None else width
    out = stage.out_channels if out_channels is None else out_channels
    groups = stage.groups if groups is None else groups
    expansion = BLOCKS[block or stage.recipe].expansion
    cardinality, base_width = n.cardinality or 1, n.base_width or 64
    guesses: dict[str, list[object]] = {
        "width": [width],
        "out_channels": [out],
        "groups": [groups],
        "cardinality": [groups],
        "block": [block] if block is not None else [],
        "planes": [],
        "base_width": [],
        "group_width": [],
    }
    if out % expansion == 0:
        guesses["planes"].append(out // expansion)
    if width % cardinality == 0:
        per_group = width // cardinality  # int(planes * d / 64) must come to this
        guesses["planes"].append(_ceil_div(64 * per_group, base_width))
        if n.planes:
            guesses["base_width"].append(_ceil_div(64 * per_group, n.planes))
    if n.planes and n.planes * base_width // 64:
        paper = n.planes * base_width // 64
        if width % paper == 0:
            guesses["cardinality"].append(width // paper)
    if groups and width % groups == 0:
        guesses["group_width"].append(width // groups)
    fixes: list[Fix] = []
    for field, values in guesses.items():
        loc = _written(stage, field)
        if loc is None:
            continue
        old = getattr(n, field, None) if field != "block" else stage.recipe
        for value in dict.fromkeys(values):
            if value != old and (not isinstance(value, int) or value >= 1):
                fixes.append(Fix(loc, old, value))
    return tuple(fixes)


def _divisors_near(channels: int, wanted: int, count: int = 3) -> list[int]:
    divisors = [d for d in range(1, channels + 1) if channels % d == 0]
    return sorted(divisors, key=lambda d: (abs(d - wanted), d))[:count]


def _multiples_near(value: int, step: int) -> list[int]:
    """The multiples of ``step`` nearest ``value``, below and above (never 0)."""
    below, above = value // step * step, _ceil_div(value, step) * step
    return [m for m in dict.fromkeys((below, above)) if 0 < m <= limits.MAX_CHANNELS]


# --- structural rules ----------------------------------------------------------------------------


def groups_divide_width(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG201: a grouped convolution needs groups that divide its channels."""
    expected = expectations(plan)
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
                *stage_fixes_for_width(stage, _multiples_near(stage.width, gw)),
                *_value_fixes(
                    _written(stage, "group_width"),
                    gw,
                    _divisors_near(stage.width, gw),
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
        if _depth(stage) < 3:  # every convolution of a depth-2 block is grouped
            split.append(("output channels", stage.out_channels))
        for what, channels in split:
            if channels and channels % stage.groups:
                groups_key = next(
                    (f for f in ("groups", "cardinality") if _written(stage, f)), None
                )
                fixes = (
                    *root,
                    *_value_fixes(
                        _written(stage, groups_key) if groups_key else None,
                        stage.groups,
                        _divisors_near(channels, stage.groups),
                    ),
                    *stage_fixes_for_width(
                        stage, _multiples_near(stage.width, stage.groups)
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


def stage_fixes_for_width(stage: StagePlan, widths: list[int]) -> tuple[Fix, ...]:
    """Edits that may give the stage one of ``widths``, its output channels as they are."""
    return tuple(fix for width in widths for fix in stage_fixes(stage, width=width))


def _value_fixes(loc: Loc | None, old: object, values: list[int]) -> tuple[Fix, ...]:
    if loc is None:
        return ()
    return tuple(Fix(loc, old, value) for value in values if value != old)


def notation_agrees(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG202: when both notations are given they must describe the same stage."""
    for stage in plan.stages:
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
                    *_value_fixes(
                        _written(stage, "width"), n.width, [n.paper_width or 0]
                    ),
                    *(
                        fix
                        for fix in stage_fixes(stage, width=n.width)
                        if fix.loc != _written(stage, "width")
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
                    *_value_fixes(
                        _written(stage, "out_channels"),
                        n.out_channels,
                        [n.planes * expansion],
                    ),
                    *(
                        _value_fixes(
                            _written(stage, "planes"),
                            n.planes,
                            [n.out_channels // expansion],
                        )
                        if n.out_channels % expansion == 0
                        else ()
                    ),
                ),
                clause="notations that disagree on the output channels (AG202)",
            )
        if (
            n.cardinality is not None
            and n.groups is not None
            and n.cardinality != n.groups
        ):
            yield Finding(
                "AG202",
                f"{label(stage)} gives groups {n.groups} but cardinality {n.cardinality}; "
                "expected the two to agree",
                stage.origin("groups"),
                fixes=(
                    *_value_fixes(_written(stage, "groups"), n.groups, [n.cardinality]),
                    *_value_fixes(
                        _written(stage, "cardinality"), n.cardinality, [n.groups]
                    ),
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
                fixes += _value_fixes(
                    _written(stage, "group_width"),
                    n.group_width,
                    [stage.width // n.groups],
                )
            if stage.width % n.group_width == 0:
                fixes += _value_fixes(
                    _written(stage, "groups"), n.groups, [stage.width // n.group_width]
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


def stride_one_or_two(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG203: the template either keeps the map (stride 1) or halves it (stride 2)."""
    for stage in plan.stages:
        if stage.declared_stride not in (1, 2):
            yield Finding(
                "AG203",
                f"{label(stage)} has stride {stage.declared_stride}; expected 1 (keep the "
                "map) or 2 (halve it)",
                stage.origin("stride"),
                fixes=_value_fixes(
                    _written(stage, "stride"), stage.declared_stride, [2, 1]
                ),
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
    # The nearest input at which every stride divides the map exactly (the map keeps halving
    # cleanly, so per-block cost stays balanced): the one fix proposed.
    exact = _ceil_div(needed, last.reduction) * last.reduction
    for stage in halving:
        if stage.in_size == 1:
            large_enough = needed <= limits.MAX_IMAGE_SIZE
            fix = (
                f" or an input of at least {_size(needed)} ({_size(exact)} halves every map "
                "exactly)"
                if large_enough and exact != needed
                else f" or an input of at least {_size(needed)}"
                if large_enough
                else f"; no input up to {_size(limits.MAX_IMAGE_SIZE)} is large enough"
            )
            yield Finding(
                "AG204",
                f"{label(stage)} halves a map that is already 1x1 for an input of "
                f"{_size(plan.image_size)}; expected stride 1 here{fix}",
                stage.origin("stride"),
                fixes=(
                    *_value_fixes(
                        _written(stage, "stride"), stage.declared_stride, [1]
                    ),
                    *_value_fixes(
                        ("input", "image_size"),
                        plan.image_size,
                        [exact] if exact <= limits.MAX_IMAGE_SIZE else [],
                    ),
                ),
            )


def basic_block_not_grouped(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG205: grouping a depth-2 block makes no new topology (the paper, section 3.3)."""
    for stage in plan.stages:
        if _depth(stage) >= 3:
            continue
        if stage.groups != 1:
            fixes = list(stage_fixes(stage, groups=1))
            block = _written(stage, "block")
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


def width_not_zero(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG206: paper notation can round a width down to nothing."""
    expected = expectations(plan)
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
            *_value_fixes(
                _written(stage, "planes"),
                n.planes,
                [_ceil_div(64, base_width)],
            ),
            *_value_fixes(
                _written(stage, "base_width"),
                n.base_width,
                [_ceil_div(64, n.planes or 1)],
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
        common = _gcd(common, norm.channels)
    return common


def _group_setting(norm: Norm) -> tuple[str, int]:
    """The ``norm`` key a group norm's groups come from, and its value."""
    if norm.group_size:
        return "group_size", norm.group_size
    return "groups", norm.groups


def norm_groups_divide(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG207: GroupNorm splits channels into equal groups, at every norm of the network."""
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
        choices = _divisors_near(common, value)
        verb = f"make {value} groups" if key == "groups" else f"make groups of {value}"
        wanted = "group count" if key == "groups" else "group_size"
        yield Finding(
            "AG207",
            f"group norm of {op.channels} channels ({_place(plan, op)}) cannot {verb}; "
            f"expected a {wanted} that divides every channel count "
            f"({', '.join(map(str, counts))})",
            ("norm", key),
            fixes=_value_fixes(("norm", key), value, choices),
        )
        return


def group_norm_single_value(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG209: a group norm normalises each group of each sample over its channels and the map.
    A group of one channel on a 1x1 map holds one value, which always normalises to 0: the
    layer outputs its bias whatever the input (torch refuses it for a batch of one)."""
    norms = _group_norms(plan)
    if not norms or any(op.channels % op.group_count for op in norms):
        return  # AG207 reports groups that do not divide first
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
    nearest = _divisors_near(common, value, count=common)
    choices = [d for d in nearest if least <= d <= most][:3]
    yield Finding(
        "AG209",
        f"group norm of {op.channels} channels ({_place(plan, op)}) on a 1x1 map has one "
        f"value per group, which normalises to 0 whatever the input; expected {expected}",
        ("norm", key),
        fixes=_value_fixes(("norm", key), value, choices),
    )


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def stem_width(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG208: a deep stem's convolutions take fractions of its width; none may be empty."""
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
            fixes=_value_fixes(("stem", "width"), width, choices),
        )


# --- the design rules ----------------------------------------------------------------------------


def _design_findings(plan: NetworkPlan) -> Iterator[Finding]:
    """Every stage that breaks a relation of rules (i) or (ii), reported at that stage only.

    A stage is compared with what the rules expect of it, so a wrong value is reported once, at
    the stage that has it, and the stages around it are not blamed for its mistake.
    """
    expected = expectations(plan)
    for segment in _segments(plan):
        runs = _runs(segment)
        for position, stage in enumerate(segment):
            want = expected[stage.index]
            before = segment[position - 1] if position else None
            after = segment[position + 1] if position + 1 < len(segment) else None
            fixes = (
                *stage_fixes(
                    stage,
                    width=want.width,
                    out_channels=want.out_channels,
                    groups=want.groups,
                    block=want.block,
                ),
                # Or the map size is what is wrong: a stride, here or next door.
                *(
                    Fix(loc, other.declared_stride, 3 - other.declared_stride)
                    for other in (stage, before, after)
                    if other is not None
                    and other.declared_stride in (1, 2)
                    and (loc := _written(other, "stride")) is not None
                    and loc[:2] == other.loc
                ),
            )
            run = next(r for r in runs if position in r)
            # Rule (i) for what only it constrains: the other stages on the same map.
            twin = (
                (before, True)
                if position - 1 in run
                else ((after, False) if position + 1 in run else (None, False))
            )
            # Width and output channels: the stage before, or for the first, the one after.
            neighbour = (before, True) if before is not None else (after, False)
            for what, attribute, verb in (
                ("block type", "block", ""),
                ("width", "width", "goes"),
                ("groups", "groups", ""),
                ("output channels", "out_channels", "go"),
            ):
                actual = (
                    stage.recipe if attribute == "block" else getattr(stage, attribute)
                )
                wanted = getattr(want, attribute)
                partner, partner_before = (
                    twin if attribute in ("block", "groups") else neighbour
                )
                if partner is None or wanted is None or actual == wanted:
                    continue
                halving = (stage if partner_before else partner).halves
                code = (
                    ("AG302" if attribute == "width" else "AG303")
                    if halving
                    else "AG301"
                )
                yield Finding(
                    code,
                    _design_message(
                        stage,
                        partner,
                        partner_before,
                        halving,
                        expected[partner.index],
                        what,
                        attribute,
                        verb,
                        wanted,
                    ),
                    stage.origin(*_FIELDS[attribute]),
                    fixes=fixes,
                    clause=(
                        f"{what} {actual}, not {wanted} "
                        f"({code}, rule {'ii' if halving else 'i'})"
                    ),
                )


def _runs(segment: list[StagePlan]) -> list[list[int]]:
    """Positions of the stages of ``segment`` that share one map size, run by run."""
    runs: list[list[int]] = []
    for position, stage in enumerate(segment):
        if position == 0 or stage.declared_stride != 1:
            runs.append([position])
        else:
            runs[-1].append(position)
    return runs


_FIELDS = {
    "block": ("block",),
    "width": ("width", "planes", "base_width", "cardinality"),
    "groups": ("groups", "cardinality", "group_width"),
    "out_channels": ("out_channels", "planes"),
}


def _value(stage: StagePlan, attribute: str) -> object:
    return stage.recipe if attribute == "block" else getattr(stage, attribute)


def _design_message(
    stage: StagePlan,
    partner: StagePlan,
    partner_before: bool,
    halving: bool,
    partner_wants: Expectation,
    what: str,
    attribute: str,
    verb: str,
    wanted: object,
) -> str:
    actual = _value(stage, attribute)
    theirs = _value(partner, attribute)
    trusted = theirs == getattr(partner_wants, attribute)
    same = "blocks on maps of the same size share their hyper-parameters (rule i)"
    if partner_before:
        if halving:
            sizes = f"{partner.nominal_out_size} -> {stage.nominal_out_size}"
            if stage.dilate:
                sizes += " nominally; dilation replaces the stride"
            if trusted:
                return (
                    f"{label(stage)} halves the map ({sizes}) but the {what} {verb} "
                    f"{theirs} -> {actual}; expected {wanted} (rule ii)"
                )
            return (
                f"{label(stage)} halves the map ({sizes}) and has {what} {actual}; expected "
                f"{wanted}, twice the {getattr(partner_wants, attribute)} the rules expect "
                f"of {label(partner)} (rule ii)"
            )
        size = _size(stage.nominal_out_size)
        if trusted:
            return (
                f"{label(stage)} keeps the {size} map of {label(partner)} but changes its "
                f"{what} {theirs} -> {actual}; {same}; expected {wanted}"
            )
        return (
            f"{label(stage)} keeps the {size} map of {label(partner)} and has {what} {actual}; "
            f"{same}; expected {wanted}"
        )
    if halving:
        return (
            f"{label(stage)} has {what} {actual}, but {label(partner)}, which halves the map "
            f"after it, has {theirs}; expected {wanted} (rule ii)"
        )
    return (
        f"{label(stage)} has {what} {actual}, but {label(partner)} on the same "
        f"{_size(stage.nominal_out_size)} map has {theirs}; {same}; expected {wanted}"
    )


def same_size_same_shape(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG301, rule (i): blocks on maps of the same size share their hyper-parameters."""
    yield from (f for f in _design_findings(plan) if f.code == "AG301")


def halving_doubles(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG302 and AG303, rule (ii): when the map is halved, the width doubles."""
    yield from (f for f in _design_findings(plan) if f.code != "AG301")


def cost_balance(plan: NetworkPlan, complexity: Complexity) -> Iterator[Finding]:
    """AG401: rule (ii) exists to keep every block at about the same cost."""
    per_block = [(cost.macs_per_block, cost.stage) for cost in complexity.stages]
    cheapest = min(per_block, key=lambda pair: pair[0])
    costliest = max(per_block, key=lambda pair: pair[0])
    if cheapest[0] > 0 and costliest[0] / cheapest[0] > BALANCE_THRESHOLD:
        yield Finding(
            "AG401",
            f"a block of {label(costliest[1])} costs {costliest[0] / 1e6:,.1f} M MACs and one "
            f"of {label(cheapest[1])} {cheapest[0] / 1e6:,.1f} M, a "
            f"{costliest[0] / cheapest[0]:.1f}x spread; expected at most "
            f"{BALANCE_THRESHOLD:.1f}x, which doubling the width at each halving keeps",
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
    group_norm_single_value,
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
