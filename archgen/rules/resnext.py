"""The ResNeXt paper's design rules (AG3xx) and their purpose, balanced cost (AG4xx).

Rules (i) and (ii) of Xie et al., section 3.1: blocks on maps of the same size share their
hyper-parameters, and halving the map doubles the width. Each stage is compared with what the
rules expect of it (:mod:`archgen.rules.expect`), so one wrong value is reported once, at the
stage that has it. These rules apply to specs of the ResNeXt design space only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from archgen.diagnostics import Fix, Severity
from archgen.recipes import BLOCKS
from archgen.rules import expect
from archgen.rules.base import Context, Finding, Rule, code
from archgen.rules.common import label, square, stage_fixes, written
from archgen.rules.expect import Expectation, runs

if TYPE_CHECKING:
    from archgen.plan import StagePlan

_E, _I = Severity.ERROR, Severity.INFO

BALANCE_THRESHOLD = 2.0
"""AG401 reports when the costliest stage's blocks cost this many times the cheapest's."""


def _design_findings(ctx: Context) -> list[Finding]:
    return list(_design_iter(ctx))


def _design_iter(ctx: Context) -> Iterator[Finding]:
    """Every stage that breaks a relation of rules (i) or (ii), reported at that stage only.

    A stage is compared with what the rules expect of it, so a wrong value is reported once, at
    the stage that has it, and the stages around it are not blamed for its mistake.
    """
    expected = ctx.once(expect.of)
    for segment in ctx.once(expect.segments_of):
        stage_runs = runs(segment)
        for position, stage in enumerate(segment):
            want = expected[stage.index]
            before = segment[position - 1] if position else None
            after = segment[position + 1] if position + 1 < len(segment) else None
            fixes = (
                *_factor_fixes(stage, want.width),
                *stage_fixes(
                    stage,
                    width=want.width,
                    out_channels=want.out_channels,
                    groups=want.groups,
                    block=want.block,
                ),
                # Or the map size is what is wrong: a stride, here or next door.
                *_stride_fixes(stage, before, after),
            )
            run = next(r for r in stage_runs if position in r)
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


_FIELDS = {
    "block": ("block",),
    "width": ("width", "planes", "base_width", "cardinality"),
    "groups": ("groups", "cardinality", "group_width"),
    "out_channels": ("out_channels", "planes"),
}


def _factor_fixes(stage: StagePlan, want: int | None) -> Iterator[Fix]:
    """The option that multiplies the width (Res2Net's scale), where the stage writes it, set
    to what gives the block the width the rules expect."""
    factors = BLOCKS[stage.recipe].width_factors
    if want is None or want == stage.width or len(factors) != 1 or not stage.width:
        return
    designed = want * stage.width_factor
    loc = written(stage, factors[0])
    if loc is not None and designed % stage.width == 0:
        yield Fix(loc, stage.width_factor, designed // stage.width)


def _stride_fixes(*stages: StagePlan | None) -> Iterator[Fix]:
    """The other stride (1 or 2) at each of ``stages`` (not the first of the network): edited
    where the stage writes it, added where the stage leaves it out (a forgotten ``stride: 2``)."""
    for other in stages:
        if other is None or other.declared_stride not in (1, 2):
            continue
        loc = written(other, "stride")
        if loc is not None and loc[:2] == other.loc:
            yield Fix(loc, other.declared_stride, 3 - other.declared_stride)
        elif other.index > 1 and other.declared_stride == 1 and len(other.loc) == 2:
            yield Fix((*other.loc, "stride"), None, 2, insert=True)


def _value(stage: StagePlan, attribute: str) -> object:
    """A stage's value as messages show it: a family's own width where it has one (Res2Net's
    width x scale)."""
    if attribute == "width":
        return stage.design_width
    return stage.recipe if attribute == "block" else getattr(stage, attribute)


def _wanted(stage: StagePlan, attribute: str, wanted: object) -> object:
    """What the rules expect of ``stage``, in the terms of :func:`_value`."""
    if attribute == "width" and isinstance(wanted, int):
        return wanted * stage.width_factor
    return wanted


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
    wanted = _wanted(stage, attribute, wanted)
    partner_wanted = _wanted(partner, attribute, getattr(partner_wants, attribute))
    trusted = theirs == partner_wanted
    if attribute == "width" and BLOCKS[stage.recipe].width_factors:
        what = " x ".join(("width", *BLOCKS[stage.recipe].width_factors))
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
                f"{wanted}, twice the {partner_wanted} the rules expect "
                f"of {label(partner)} (rule ii)"
            )
        size = square(stage.nominal_out_size)
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
        f"{square(stage.nominal_out_size)} map has {theirs}; {same}; expected {wanted}"
    )


def _same_size_same_shape(ctx: Context) -> Iterator[Finding]:
    """AG301, rule (i): blocks on maps of the same size share their hyper-parameters."""
    yield from (f for f in ctx.once(_design_findings) if f.code == "AG301")


def _halving_doubles(ctx: Context) -> Iterator[Finding]:
    """AG302 and AG303, rule (ii): when the map is halved, the width doubles."""
    yield from (f for f in ctx.once(_design_findings) if f.code != "AG301")


def _cost_balance(ctx: Context) -> Iterator[Finding]:
    """AG401: rule (ii) exists to keep every block at about the same cost."""
    per_block = [(cost.macs_per_block, cost.stage) for cost in ctx.complexity.stages]
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


# --- the rules -----------------------------------------------------------------------------------

_RESNET = (
    "defaults: {block: bottleneck}\n"
    "stages:\n  - {blocks: 3, planes: 64}\n  - {blocks: 4, planes: 128, stride: 2}\n"
    "  - {blocks: 6, planes: %d, stride: 2}\n  - {blocks: 3, planes: 512, stride: 2}\n"
)

same_size_same_shape = Rule(
    (
        code(
            "AG301",
            "same-size-same-shape",
            _E,
            "rule (i): stages at the same map size share block type, width, groups and output "
            "channels",
        ),
    ),
    "Rule (i) of the ResNeXt template (Xie et al., 3.1): blocks whose outputs have the same "
    "spatial size share their hyper-parameters: the same block type, width, groups and output "
    "channels. Two stages on one map size that differ break the template.",
    "defaults: {block: bottleneck}\n"
    "stages:\n  - {blocks: 3, planes: 64}\n  - {blocks: 4, planes: 128, stride: 2}\n"
    "  - {blocks: 2, planes: 192}\n",
    "defaults: {block: bottleneck}\n"
    "stages:\n  - {blocks: 3, planes: 64}\n  - {blocks: 4, planes: 128, stride: 2}\n"
    "  - {blocks: 2, planes: 128}\n",
    "the figures the other stages on the same map have, or a stride that makes the stage halve "
    "the map",
    _same_size_same_shape,
    "resnext",
)

halving_doubles = Rule(
    (
        code(
            "AG302",
            "halve-map-double-width",
            _E,
            "rule (ii): when the map halves, the width doubles (the stem is exempt; a dilation "
            "that replaces a stride counts as a halving)",
        ),
        code(
            "AG303",
            "halve-map-double-channels",
            _E,
            "rule (ii) for output channels",
        ),
    ),
    "Rule (ii) of the ResNeXt template (Xie et al., 3.1): whenever the map is halved, the block "
    "width (AG302) and the output channels (AG303) double, which keeps every block at about the "
    "same cost in multiply-adds. A stage that forgets `stride: 2` keeps the map, so the stage "
    "that doubles its width breaks the rule too.",
    _RESNET % 192,
    _RESNET % 256,
    "the width the template expects, or stride 2 at a stage that should halve the map (first: "
    "the fix that keeps the network nearest the template and its cost)",
    _halving_doubles,
    "resnext",
)

cost_balance = Rule(
    (
        code(
            "AG401",
            "cost-balance",
            _I,
            "per-block MACs of the costliest stage are within 2x of the cheapest",
        ),
    ),
    "Rule (ii) exists to keep every block at about the same cost; a block of one stage that "
    "costs more than twice a block of another shows a stage that does not follow it.",
    "lint: {ignore: [AG302, AG303]}\n" + _RESNET % 1024,
    "lint: {ignore: [AG302, AG303]}\n" + _RESNET % 256,
    "none of its own: the design rule that explains the spread has the fix",
    _cost_balance,
    "resnext",
)

RULES: tuple[Rule, ...] = (same_size_same_shape, halving_doubles, cost_balance)
