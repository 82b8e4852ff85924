"""Helpers the rule sets share: how messages name things, and fixes in the user's notation.

A finding proposes edits of the keys the spec writes (``planes: 192 -> planes: 256``, never a
derived width). The proposals are guesses: the pipeline keeps those that resolve the finding
without causing another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archgen import limits
from archgen.diagnostics import Fix, Loc
from archgen.ops import Conv, Graph
from archgen.recipes import BLOCKS

if TYPE_CHECKING:
    from archgen.plan import StagePlan


def label(stage: StagePlan) -> str:
    """How every message names a stage: ``layer2 (stages[1])``."""
    return f"{stage.name} (stages[{stage.index - 1}])"


def depth(stage: StagePlan) -> int:
    """Convolutions on a block's residual branch (attention excluded): 2 for a basic block; a
    graph's branches run side by side, one layer deep."""
    return sum(isinstance(op, Conv | Graph) for op in stage.blocks[-1].ops)


def square(size: int) -> str:
    return f"{size}x{size}"


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def written(stage: StagePlan, field: str) -> Loc | None:
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
        guesses["planes"].append(ceil_div(64 * per_group, base_width))
        if n.planes:
            guesses["base_width"].append(ceil_div(64 * per_group, n.planes))
    if n.planes and n.planes * base_width // 64:
        paper = n.planes * base_width // 64
        if width % paper == 0:
            guesses["cardinality"].append(width // paper)
    if groups and width % groups == 0:
        guesses["group_width"].append(width // groups)
    fixes: list[Fix] = []
    for field, values in guesses.items():
        loc = written(stage, field)
        if loc is None:
            continue
        old = getattr(n, field, None) if field != "block" else stage.recipe
        for value in dict.fromkeys(values):
            if value != old and (not isinstance(value, int) or value >= 1):
                fixes.append(Fix(loc, old, value))
    return tuple(fixes)


def divisors_near(channels: int, wanted: int, count: int = 3) -> list[int]:
    divisors = [d for d in range(1, channels + 1) if channels % d == 0]
    return sorted(divisors, key=lambda d: (abs(d - wanted), d))[:count]


def multiples_near(value: int, step: int) -> list[int]:
    """The multiples of ``step`` nearest ``value``, below and above (never 0)."""
    below, above = value // step * step, ceil_div(value, step) * step
    return [m for m in dict.fromkeys((below, above)) if 0 < m <= limits.MAX_CHANNELS]


def stage_fixes_for_width(stage: StagePlan, widths: list[int]) -> tuple[Fix, ...]:
    """Edits that may give the stage one of ``widths``, its output channels as they are."""
    return tuple(fix for width in widths for fix in stage_fixes(stage, width=width))


def value_fixes(loc: Loc | None, old: object, values: list[int]) -> tuple[Fix, ...]:
    if loc is None:
        return ()
    return tuple(Fix(loc, old, value) for value in values if value != old)


def gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a
