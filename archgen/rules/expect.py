"""What the ResNeXt design rules expect of each stage.

The design rules relate each stage to its neighbours, so one wrong value breaks two relations: a
stage that does not double breaks its own doubling and the next stage's. The rules therefore
compare every stage with what the rules expect of it (:func:`expectations`), computed from the
stages that agree with one another, never from a neighbour's wrong value: only the stage that is
wrong is reported, and a suggestion never repeats an earlier mistake.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archgen import limits

if TYPE_CHECKING:
    from archgen.plan import NetworkPlan, StagePlan
    from archgen.rules.base import Context


@dataclass(frozen=True)
class Expectation:
    """What rules (i) and (ii) expect of one stage; None where they expect nothing."""

    width: int | None
    out_channels: int | None
    groups: int | None
    block: str | None


def segments(plan: NetworkPlan) -> list[list[StagePlan]]:
    """Runs of stages the rules relate: a stride other than 1 or 2 (AG203) starts a new run."""
    segments: list[list[StagePlan]] = []
    for stage in plan.stages:
        if not segments or stage.declared_stride not in (1, 2):
            segments.append([stage])
        else:
            segments[-1].append(stage)
    return segments


def doubling(segment: list[StagePlan], values: list[int]) -> list[int | None]:
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


def sharing(segment: list[StagePlan], values: list[object]) -> list[object]:
    """Rule (i): stages on one map size share a value; the majority of each run of them (the
    earliest on a tie) says which."""
    expected: list[object] = [None] * len(segment)
    for run in runs(segment):
        counts = Counter(values[p] for p in run)
        best = max(run, key=lambda p: (counts[values[p]], -p))
        for position in run:
            expected[position] = values[best]
    return expected


def expectations(
    plan: NetworkPlan, runs_of_stages: list[list[StagePlan]] | None = None
) -> dict[int, Expectation]:
    """What the design rules expect of each stage, by stage index (from the plan's
    :func:`segments`, or ``runs_of_stages`` when they are already computed)."""
    result: dict[int, Expectation] = {}
    for segment in segments(plan) if runs_of_stages is None else runs_of_stages:
        # Each family's own width doubles (Res2Net's width x scale), in the stage's terms.
        designed = doubling(segment, [s.design_width for s in segment])
        widths = [
            None if want is None or want % s.width_factor else want // s.width_factor
            for want, s in zip(designed, segment, strict=True)
        ]
        outs = doubling(segment, [s.out_channels for s in segment])
        groups = sharing(segment, [s.groups for s in segment])
        blocks = sharing(segment, [s.recipe for s in segment])
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


def runs(segment: list[StagePlan]) -> list[list[int]]:
    """Positions of the stages of ``segment`` that share one map size, run by run."""
    runs: list[list[int]] = []
    for position, stage in enumerate(segment):
        if position == 0 or stage.declared_stride != 1:
            runs.append([position])
        else:
            runs[-1].append(position)
    return runs


def segments_of(ctx: Context) -> list[list[StagePlan]]:
    """The segments of the context's plan (once per context: ``ctx.once(segments_of)``)."""
    return segments(ctx.plan)


def of(ctx: Context) -> dict[int, Expectation]:
    """The expectations of the context's plan (computed once per context: ``ctx.once(of)``)."""
    return expectations(ctx.plan, ctx.once(segments_of))
