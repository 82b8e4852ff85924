"""Derive a variant of a spec at equal complexity: the ResNeXt paper's Table 2, as a command.

Xie et al. (2017) compare networks "at preserved complexity": raise the cardinality C, and shrink
the bottleneck width d until parameters and multiply-adds are back where they were. ResNet-50
(1x64d) becomes 2x40d, 4x24d, 8x14d, 32x4d. :func:`by_cardinality` does exactly that for every
bottleneck stage in paper notation; :func:`by_depth` and :func:`by_width` trade depth against
width the same way.

One knob is set and one is solved:

* ``by_cardinality``: C is given; the base width d, an integer >= 1, is solved;
* ``by_depth``: every stage's block count is multiplied (rounded half up, at least 1); the widths
  are solved;
* ``by_width``: the widths are multiplied; the block counts are solved.

"Solved" means: of all values of the free knob, the one whose network has the kept metric
(parameters or MACs, as :mod:`archgen.complexity` counts them) closest to the original's, in
relative terms; ties go to the smaller relative error of the other metric, then to the smaller
knob. Candidates that do not lint clean (at the configured failing severity) are skipped, so the
result is always a spec ``archgen build`` accepts.

Widths scale as a whole: every channel count a stage declares (``planes`` in paper notation,
``width`` and ``out_channels`` in explicit notation, in the stages and in ``defaults``) is written
as an integer multiple of their greatest common divisor U, and the solved (or given) multiplier
is k / U for an integer k. The ratios between stages are kept exactly, so a spec that doubles its
width at every halving still does. Groups, group widths, C, d and the stem are left as they are.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from archgen import limits
from archgen.analysis import clean, compile_data
from archgen.complexity import Cost
from archgen.config import Config
from archgen.pipeline import Compiled

Metric = Literal["params", "macs"]
METRICS: tuple[Metric, ...] = ("params", "macs")
CHANNEL_KEYS = ("planes", "width", "out_channels")
"""The stage keys that hold channel counts, which a width multiplier scales."""
_EXPLICIT_KEYS = ("width", "groups", "group_width")


class ScaleError(Exception):
    """The spec cannot be scaled as asked; the message says why (the CLI exits 2)."""


@dataclass(frozen=True)
class Scaled:
    """A derived spec and what it came to."""

    data: dict[str, Any]
    result: Compiled
    name: str
    setting: str
    """What was set and what was solved, for people: ``cardinality 32, base width 4 (solved)``."""
    original: Cost
    notes: tuple[str, ...] = ()

    @property
    def cost(self) -> Cost:
        assert self.result.complexity is not None
        return self.result.complexity.total

    def change(self, metric: Metric) -> float:
        """Relative change of ``metric`` from the original: +0.035 is 3.5 % more."""
        old = getattr(self.original, metric)
        return (getattr(self.cost, metric) - old) / old if old else math.inf


def parse_multiplier(text: str) -> Fraction:
    """A positive multiplier, read exactly (``0.75`` is 3/4). Raises ValueError."""
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{text!a} is not a number such as 2 or 0.75") from None
    if value <= 0:
        raise ValueError(f"{text!a} is not positive")
    if value > limits.MAX_BLOCKS_PER_STAGE:
        raise ValueError(f"{text!a} is over {limits.MAX_BLOCKS_PER_STAGE}")
    return value


def other(metric: Metric) -> Metric:
    return "macs" if metric == "params" else "params"


def _relative(value: int, target: int) -> float:
    return abs(value - target) / target if target else float(value != target)


# --- the search ----------------------------------------------------------------------------------

_SCAN = 64
"""How many candidates the search looks at on either side of the crossing for clean ones."""


def _solve(
    count: int,
    make: Callable[[int], dict[str, Any]],
    target: Cost,
    keep: Metric,
    config: Config,
) -> tuple[int, Compiled] | None:
    """The candidate index in ``range(count)`` whose network is closest to ``target``.

    ``make(i)`` builds candidate i; the kept metric must not decrease with i. Candidates that do
    not lower (a width over archgen's limits) count as infinitely costly; candidates that lower
    but do not lint clean are passed over. None when no candidate near the crossing is clean.
    """
    cache: dict[int, Compiled] = {}

    def compiled(i: int) -> Compiled:
        if i not in cache:
            cache[i] = compile_data(make(i), config)
        return cache[i]

    def value(i: int) -> float:
        complexity = compiled(i).complexity
        return math.inf if complexity is None else getattr(complexity.total, keep)

    wanted = getattr(target, keep)
    low, high = 0, count  # the first i with value(i) >= wanted lies in [low, high]
    while low < high:
        middle = (low + high) // 2
        if value(middle) >= wanted:
            high = middle
        else:
            low = middle + 1
    below = [i for i in range(low - 1, max(low - 1 - _SCAN, -1), -1)]
    above = list(range(low, min(low + _SCAN, count)))
    chosen: list[int] = []
    for side in (below, above):
        best_value: float | None = None
        for i in side:
            if best_value is not None and value(i) != best_value:
                break  # past the nearest clean value on this side
            if clean(compiled(i), config):
                best_value = value(i)
                chosen.append(i)

    def rank(i: int) -> tuple[float, float, int]:
        total = compiled(i).complexity
        assert total is not None
        cost = total.total
        keep_error = _relative(getattr(cost, keep), wanted)
        other_error = _relative(
            getattr(cost, other(keep)), getattr(target, other(keep))
        )
        return keep_error, other_error, i

    if not chosen:
        return None
    best = min(chosen, key=rank)
    return best, compiled(best)


# --- reading and rewriting specs -----------------------------------------------------------------


def _stages(data: dict[str, Any]) -> list[dict[str, Any]]:
    stages = data.get("stages")
    if not isinstance(stages, list) or not all(isinstance(s, dict) for s in stages):
        raise ScaleError("the spec has no list of stages to scale")
    return stages


def _defaults(data: dict[str, Any]) -> dict[str, Any]:
    defaults = data.get("defaults")
    return defaults if isinstance(defaults, dict) else {}


def _merged(data: dict[str, Any], stage: dict[str, Any]) -> dict[str, Any]:
    return {**_defaults(data), **stage}


def _with_defaults(data: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """``data`` with ``defaults`` set, placed before ``stages`` when it was not there."""
    if "defaults" in data:
        return {**data, "defaults": defaults}
    result: dict[str, Any] = {}
    for key, value in data.items():
        if key == "stages":
            result["defaults"] = defaults
        result[key] = value
    result.setdefault("defaults", defaults)
    return result


def _renamed(
    data: dict[str, Any], suffix: str, sentence: str
) -> tuple[dict[str, Any], str]:
    """``data`` named ``<name>_<suffix>`` (its class_name too), with ``sentence`` appended to
    the description."""
    name = f"{data['name']}_{suffix}"
    result = {**data, "name": name}
    if isinstance(data.get("class_name"), str):
        result["class_name"] = f"{data['class_name']}_{suffix}"
    description = data.get("description")
    if isinstance(description, str) and description:
        result["description"] = f"{description.rstrip()} {sentence}"
    else:
        result["description"] = sentence
    return result, name


def _multiplier_text(value: Fraction) -> str:
    """``1.5`` -> ``1p5``: a multiplier as part of an identifier."""
    text = f"{float(value):g}" if value.denominator != 1 else str(value.numerator)
    return text.replace(".", "p").replace("-", "m").replace("+", "")


def _original_cost(data: dict[str, Any], config: Config) -> Cost:
    result = compile_data(data, config)
    if result.complexity is None:
        raise ScaleError("the spec does not compile; run `archgen lint` on it")
    return result.complexity.total


# --- cardinality ---------------------------------------------------------------------------------


def _paper_bottleneck(merged: dict[str, Any]) -> bool:
    return (
        merged.get("block") == "bottleneck"
        and "planes" in merged
        and not any(key in merged for key in _EXPLICIT_KEYS)
    )


def by_cardinality(
    data: dict[str, Any], cardinality: int, keep: Metric, config: Config
) -> Scaled:
    """Set C on every bottleneck stage in paper notation and solve the base width d."""
    if cardinality < 1:
        raise ScaleError(f"cardinality must be at least 1, got {cardinality}")
    stages = _stages(data)
    eligible = [_paper_bottleneck(_merged(data, stage)) for stage in stages]
    if not any(eligible):
        raise ScaleError(
            "no stage has bottleneck blocks in paper notation ('planes', with 'cardinality' "
            "and 'base_width' or their defaults C = 1, d = 64); --cardinality sets C and "
            "solves d there. Explicit stages ('width', 'groups', 'group_width') have no d, "
            "and basic blocks are not grouped"
        )
    original = _original_cost(data, config)
    planes = max(
        int(_merged(data, s)["planes"])
        for s, e in zip(stages, eligible, strict=True)
        if e
    )
    # int(planes * d / 64) * C <= MAX_CHANNELS for the widest stage bounds d.
    d_max = max(1, (limits.MAX_CHANNELS // cardinality + 1) * 64 // planes + 1)

    def make(i: int) -> dict[str, Any]:
        return _set_cardinality(data, eligible, cardinality, i + 1)

    solved = _solve(d_max, make, original, keep, config)
    if solved is None:
        raise ScaleError(
            f"no base width gives a network that lints clean with cardinality {cardinality}"
        )
    d = solved[0] + 1
    sentence = (
        f"Cardinality {cardinality}, base width {d}: derived by archgen scale at equal "
        f"{keep}."
    )
    new, name = _renamed(make(solved[0]), f"{cardinality}x{d}d", sentence)
    notes = tuple(
        f"layer{index} is left as it is (not a bottleneck stage in paper notation)"
        for index, ok in enumerate(eligible, start=1)
        if not ok
    )
    return Scaled(
        new,
        compile_data(new, config),
        name,
        f"cardinality {cardinality} (set), base width {d} (solved, keep {keep})",
        original,
        notes,
    )


def _set_cardinality(
    data: dict[str, Any], eligible: list[bool], cardinality: int, d: int
) -> dict[str, Any]:
    setting = {"cardinality": cardinality, "base_width": d}
    stages = copy.deepcopy(_stages(data))
    if all(eligible):
        # One setting for the whole network: it goes into defaults, as in resnext50_32x4d.yaml.
        for stage in stages:
            for key in setting:
                stage.pop(key, None)
        new = _with_defaults(data, {**_defaults(data), **setting})
        return {**new, "stages": stages}
    for stage, ok in zip(stages, eligible, strict=True):
        if ok:
            stage.update(setting)
    return {**data, "stages": stages}


# --- depth and width -----------------------------------------------------------------------------


def _channel_slots(data: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """Every mapping and key of a channel count the stages declare (and defaults)."""
    for container in (_defaults(data), *_stages(data)):
        for key in CHANNEL_KEYS:
            value = container.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                yield container, key


def _width_unit(data: dict[str, Any]) -> int:
    values = [container[key] for container, key in _channel_slots(data)]
    if not values:
        raise ScaleError("the stages declare no channel counts to scale")
    return math.gcd(*values)


def _set_width(data: dict[str, Any], unit: int, k: int) -> dict[str, Any]:
    """Every channel count v becomes v / unit * k."""
    new = copy.deepcopy(data)
    for container, key in _channel_slots(new):
        container[key] = container[key] // unit * k
    return new


def _widest(data: dict[str, Any], unit: int) -> int:
    """The largest k that keeps every channel count within archgen's limit."""
    largest = max(int(c[key]) for c, key in _channel_slots(data)) // unit
    # paper notation widens by d / 64 * C on top of planes; the search treats what does not
    # lower (AG109) as too costly, so a generous bound is enough.
    return max(1, limits.MAX_CHANNELS // largest)


def _blocks(data: dict[str, Any]) -> list[int]:
    counts = [stage.get("blocks") for stage in _stages(data)]
    if not all(isinstance(c, int) and not isinstance(c, bool) for c in counts):
        raise ScaleError("every stage needs an integer 'blocks' to scale its depth")
    return [int(c) for c in counts]  # type: ignore[arg-type]


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def scaled_blocks(blocks: list[int], multiplier: Fraction) -> list[int]:
    """Each count times ``multiplier``, rounded half up, at least 1 and at most archgen's limit."""
    return [
        min(limits.MAX_BLOCKS_PER_STAGE, max(1, _round_half_up(b * multiplier)))
        for b in blocks
    ]


def _set_blocks(data: dict[str, Any], blocks: list[int]) -> dict[str, Any]:
    stages = copy.deepcopy(_stages(data))
    for stage, count in zip(stages, blocks, strict=True):
        stage["blocks"] = count
    return {**data, "stages": stages}


def _depth_candidates(blocks: list[int]) -> list[list[int]]:
    """Every distinct vector of block counts ``scaled_blocks(blocks, t)`` gives, t increasing.

    A stage of b blocks gets n blocks from t = (n - 1/2) / b on; those are all the breakpoints.
    """
    points = sorted(
        {
            Fraction(2 * n - 1, 2 * b)
            for b in blocks
            for n in range(2, limits.MAX_BLOCKS_PER_STAGE + 1)
        }
    )
    candidates = [[1] * len(blocks)]
    for t in points:
        vector = scaled_blocks(blocks, t)
        if vector != candidates[-1]:
            candidates.append(vector)
    return candidates


def by_depth(
    data: dict[str, Any], multiplier: Fraction, keep: Metric, config: Config
) -> Scaled:
    """Multiply every stage's block count and solve the width multiplier."""
    if multiplier <= 0:
        raise ScaleError(f"the depth multiplier must be positive, got {multiplier}")
    original = _original_cost(data, config)
    blocks = scaled_blocks(_blocks(data), multiplier)
    deeper = _set_blocks(data, blocks)
    unit = _width_unit(data)
    solved = _solve(
        _widest(data, unit),
        lambda i: _set_width(deeper, unit, i + 1),
        original,
        keep,
        config,
    )
    if solved is None:
        raise ScaleError(
            f"no width gives a network that lints clean with blocks {blocks}"
        )
    k = solved[0] + 1
    width = Fraction(k, unit)
    label = _multiplier_text(multiplier)
    sentence = (
        f"Blocks x{float(multiplier):g} ({', '.join(map(str, blocks))}), widths "
        f"x{float(width):.4g}: derived by archgen scale at equal {keep}."
    )
    new, name = _renamed(_set_width(deeper, unit, k), f"depth{label}", sentence)
    return Scaled(
        new,
        compile_data(new, config),
        name,
        f"depth x{float(multiplier):g}: blocks {_blocks(data)} -> {blocks} (set), widths "
        f"x{float(width):.4g} = {k}/{unit} (solved, keep {keep})",
        original,
    )


def by_width(
    data: dict[str, Any], multiplier: Fraction, keep: Metric, config: Config
) -> Scaled:
    """Multiply every channel count and solve the block counts."""
    if multiplier <= 0:
        raise ScaleError(f"the width multiplier must be positive, got {multiplier}")
    original = _original_cost(data, config)
    unit = _width_unit(data)
    k = max(1, _round_half_up(unit * multiplier))
    wider = _set_width(data, unit, k)
    check = compile_data(wider, config)
    if not clean(check, config):
        found = ", ".join(sorted({d.code for d in check.failing(config)})) or "errors"
        raise ScaleError(
            f"widths x{float(Fraction(k, unit)):.4g} ({k}/{unit} of each channel count) give "
            f"a network that does not lint clean ({found}); try another multiplier"
        )
    original_blocks = _blocks(data)
    candidates = _depth_candidates(original_blocks)
    solved = _solve(
        len(candidates),
        lambda i: _set_blocks(wider, candidates[i]),
        original,
        keep,
        config,
    )
    if solved is None:
        raise ScaleError("no block counts give a network that lints clean")
    blocks = candidates[solved[0]]
    label = _multiplier_text(multiplier)
    achieved = float(Fraction(k, unit))
    sentence = (
        f"Widths x{achieved:.4g}, blocks {', '.join(map(str, blocks))}: derived by archgen "
        f"scale at equal {keep}."
    )
    new, name = _renamed(_set_blocks(wider, blocks), f"width{label}", sentence)
    return Scaled(
        new,
        compile_data(new, config),
        name,
        f"widths x{achieved:.4g} = {k}/{unit} (set), blocks {original_blocks} -> "
        f"{blocks} (solved, keep {keep})",
        original,
    )
