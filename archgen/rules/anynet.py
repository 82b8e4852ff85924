"""Rules (AG5xx) of the AnyNet and RegNet design spaces (Radosavovic et al. 2020), read off the plan.

A spec in those spaces is not held to the ResNeXt paper's rules (its widths grow by RegNet's
quantised linear rule, not by doubling); it is held to its own space's constraints (AG501) and,
as advice, to the paper's findings about good networks (AG502, AG503).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from archgen.diagnostics import Severity
from archgen.rules.base import Context, Finding, Rule, code

QUANTUM = 8
"""RegNet widths are multiples of 8 (the paper's q)."""


def _quantised_widths(ctx: Context) -> Iterator[Finding]:
    """AG501: stage widths are multiples of 8 and bottleneck widths of the group width."""
    plan = ctx.plan
    for stage in plan.stages:
        if stage.out_channels % QUANTUM:
            below = stage.out_channels // QUANTUM * QUANTUM
            yield Finding(
                "AG501",
                f"{stage.label} is {stage.out_channels} wide, not a multiple of {QUANTUM}; "
                f"expected {max(below, QUANTUM)} or {below + QUANTUM}",
                stage.origin("out_channels", "planes", "width"),
            )
        group_width = stage.width // stage.groups if stage.groups else 0
        if group_width and stage.width % group_width:
            yield Finding(
                "AG501",
                f"{stage.label} bottleneck width {stage.width} is not a multiple of its group "
                f"width {group_width}",
                stage.origin("groups", "group_width", "width"),
            )


def _growing(ctx: Context) -> Iterator[Finding]:
    """AG502: good networks do not narrow or get shallower from one stage to the next. The last
    stage is exempt from the depth finding: the paper's RegNets often end with a short one."""
    plan = ctx.plan
    for before, stage in pairwise(plan.stages):
        for what, old, new, fields in (
            (
                "width",
                before.out_channels,
                stage.out_channels,
                ("out_channels", "planes"),
            ),
            ("depth", len(before.blocks), len(stage.blocks), ("blocks",)),
        ):
            if new < old and not (what == "depth" and stage is plan.stages[-1]):
                yield Finding(
                    "AG502",
                    f"{stage.label} {what} goes {old} -> {new}; the RegNet paper finds that "
                    f"good networks do not decrease {what} across stages; expected at least {old}",
                    stage.origin(*fields),
                )


def _shared(ctx: Context) -> Iterator[Finding]:
    """AG503: the best networks share one bottleneck ratio and one group width."""
    plan = ctx.plan
    ratios = {(stage.width, stage.out_channels) for stage in plan.stages}
    group_widths = {
        stage.width // stage.groups for stage in plan.stages if stage.groups
    }
    if len({round(width / out, 6) for width, out in ratios if out}) > 1:
        yield Finding(
            "AG503",
            "stages use different bottleneck ratios; the RegNet paper finds a shared ratio "
            "loses nothing; expected one ratio for every stage",
            ("stages",)
            if plan.stages and plan.stages[0].loc[0] == "stages"
            else ("regnet",),
            at_key=True,
        )
    if len(group_widths) > 1:
        yield Finding(
            "AG503",
            f"stages use group widths {', '.join(map(str, sorted(group_widths)))}; the RegNet "
            "paper finds a shared group width loses nothing; expected one group width",
            ("stages",)
            if plan.stages and plan.stages[0].loc[0] == "stages"
            else ("regnet",),
            at_key=True,
        )


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

_REGNET = "design_space: anynet\nstages:\n  - {blocks: %d, block: regnet, width: %d, out_channels: %d, group_width: 8}\n  - {blocks: 2, block: regnet, width: %d, out_channels: %d, group_width: 8, stride: 2}\n"

quantised_widths = Rule(
    (
        code(
            "AG501",
            "quantised-widths",
            _E,
            "AnyNet/RegNet: stage widths are multiples of 8, bottleneck widths of the group "
            "width",
        ),
    ),
    "RegNet quantises its widths (Radosavovic et al. 2020): every stage width is a multiple of "
    "q = 8, and a stage's bottleneck width a multiple of its group width, so that its groups "
    "are whole.",
    _REGNET % (1, 24, 24, 60, 60),
    _REGNET % (1, 24, 24, 56, 56),
    "the multiples of 8 nearest the width",
    _quantised_widths,
    "anynet",
)

growing = Rule(
    (
        code(
            "AG502",
            "non-decreasing-stages",
            _W,
            "AnyNet/RegNet: widths and depths do not decrease from stage to stage (the last "
            "stage's depth is exempt)",
        ),
    ),
    "The RegNet paper finds that good networks do not narrow or get shallower from one stage "
    "to the next; the last stage is exempt from the depth finding, since the paper's RegNets "
    "often end with a short one.",
    _REGNET % (1, 64, 64, 32, 32),
    _REGNET % (1, 32, 32, 64, 64),
    "none: which stage to change is a design decision",
    _growing,
    "anynet",
)

shared = Rule(
    (
        code(
            "AG503",
            "shared-ratio-and-groups",
            _I,
            "AnyNet/RegNet: one bottleneck ratio and one group width for all stages (the "
            "RegNet paper's finding)",
        ),
    ),
    "The RegNet paper finds that sharing one bottleneck ratio and one group width across all "
    "stages loses nothing, and simplifies the design space.",
    _REGNET % (1, 32, 32, 128, 64),
    _REGNET % (1, 32, 32, 64, 64),
    "none: which ratio to keep is a design decision",
    _shared,
    "anynet",
)

RULES: tuple[Rule, ...] = (quantised_widths, growing, shared)
