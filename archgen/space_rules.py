"""Rules of the AnyNet and RegNet design spaces (Radosavovic et al. 2020), read off the plan.

A spec in those spaces is not held to the ResNeXt paper's rules (its widths grow by RegNet's
quantised linear rule, not by doubling); it is held to its own space's constraints (AG501) and,
as advice, to the paper's findings about good networks (AG502, AG503).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from archgen.complexity import Complexity
from archgen.plan import NetworkPlan
from archgen.rules import Finding, Rule

QUANTUM = 8
"""RegNet widths are multiples of 8 (the paper's q)."""


def quantised_widths(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG501: stage widths are multiples of 8 and bottleneck widths of the group width."""
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


def growing(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG502: good networks do not narrow or get shallower from one stage to the next. The last
    stage is exempt from the depth finding: the paper's RegNets often end with a short one."""
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


def shared(plan: NetworkPlan, _: Complexity) -> Iterator[Finding]:
    """AG503: the best networks share one bottleneck ratio and one group width."""
    ratios = {(stage.width, stage.out_channels) for stage in plan.stages}
    group_widths = {
        stage.width // stage.groups for stage in plan.stages if stage.groups
    }
    if len({round(width / out, 6) for width, out in ratios}) > 1:
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


SPACE_RULES: tuple[Rule, ...] = (quantised_widths, growing, shared)
