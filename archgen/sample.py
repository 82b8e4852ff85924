"""Draw networks from the AnyNetX and RegNet design spaces under a complexity budget.

Radosavovic et al. (2020), "Designing Network Design Spaces", study populations of networks drawn
from a design space rather than single networks. Two spaces are drawn from here:

* ``anynetx`` (section 3, AnyNetX_A, unconstrained): a 3x3 stride-2 stem of width 32, then 4
  stages of X blocks (bottleneck blocks with a grouped 3x3), each stage with its own depth
  d_i in 1..16, width w_i in 8, 16, ..., 1024, bottleneck ratio b_i in {1, 2, 4} (bottleneck
  width w_i / b_i) and group width g_i in {1, 2, 4, 8, 16, 32}; every stage halves the map.
  As pycls does (``adjust_ws_gs_comp``), the group width is capped at the bottleneck width and
  the bottleneck width rounded to a multiple of it, which may move w_i off the grid of 8;
  the table records the values the network has.
* ``regnet`` (section 4): w0, wa, wm, depth, group width and b drawn uniformly from
  :data:`archgen.regnet.PAPER_RANGES` ``["regnet"]`` (wa on a grid of 0.1 and wm of 0.001, as
  pycls's sweeps quantise them), expanded by :func:`archgen.regnet.expand`; only parameters
  that expand to exactly 4 stages are kept, as timm builds no other RegNet. RegNetX: no
  squeeze-excitation.

Both are written as explicit-stage specs (``width`` the bottleneck width, ``group_width``,
``out_channels`` the stage width), which lower to the same layers as pycls's and timm's. The
ResNeXt design rules do not hold in these spaces, so each spec names its ``design_space``
(:data:`DESIGN_SPACE`) and the linter applies that space's rules instead.

Sampling is rejection sampling: a draw is kept when its network lints clean and its MACs and/or
parameters are within the tolerance of the budget; at most ``max_attempts`` draws are made. One
seed gives the same draws, in the same order, on every run and platform (``random.Random``).
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import io
import json
import math
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from random import Random
from typing import Any, Literal, TextIO

from archgen.analysis import clean, compile_data, dump_spec
from archgen.complexity import Cost
from archgen.config import Config
from archgen.regnet import PAPER_RANGES, Interval, RegNetParams, expand

Space = Literal["anynetx", "regnet"]
SPACES: tuple[Space, ...] = ("anynetx", "regnet")
STAGES = 4

DESIGN_SPACE: dict[str, str] = {"anynetx": "anynet", "regnet": "regnet"}
"""The ``design_space:`` of every sample, so the linter applies that space's rules (AG5xx)
instead of the ResNeXt paper's (width doubles when the map halves)."""

STEM: dict[str, Any] = {
    "type": "conv",
    "width": 32,
    "kernel_size": 3,
    "stride": 2,
    "pool": "none",
}
"""pycls's and timm's RegNet/AnyNet stem: a 3x3 stride-2 convolution of width 32, no pool."""

# AnyNetX, section 3 of the paper.
ANYNETX_DEPTHS = range(1, 17)
ANYNETX_WIDTHS = range(8, 1025, 8)
ANYNETX_BOTTLENECKS = (1, 2, 4)
ANYNETX_GROUP_WIDTHS = (1, 2, 4, 8, 16, 32)

WA_GRID = 10
"""wa is drawn on a grid of 1 / WA_GRID (pycls's sweeps: 0.1)."""
WM_GRID = 1000
"""wm is drawn on a grid of 1 / WM_GRID (pycls's sweeps: 0.001)."""


@dataclass(frozen=True)
class Draw:
    """One drawn network: its stages, as spec entries, and the design parameters drawn."""

    stages: list[dict[str, Any]]
    design: dict[str, int | float]
    description: str
    space: str = "anynetx"


def _stage(depth: int, width: int, bottleneck: int, group_width: int) -> dict[str, Any]:
    return {
        "blocks": depth,
        "width": bottleneck,
        "group_width": group_width,
        "out_channels": width,
    }


def draw_anynetx(rng: Random) -> Draw:
    """Four stages of AnyNetX_A, made compatible as pycls does."""
    stages = []
    design: dict[str, int | float] = {}
    for i in range(1, STAGES + 1):
        depth = rng.choice(ANYNETX_DEPTHS)
        width = rng.choice(ANYNETX_WIDTHS)
        b = rng.choice(ANYNETX_BOTTLENECKS)
        group_width = rng.choice(ANYNETX_GROUP_WIDTHS)
        # pycls adjust_ws_gs_comp: cap g at the bottleneck width, round that to a multiple of g.
        bottleneck = width // b  # exact: widths are multiples of 8
        group_width = min(group_width, bottleneck)
        bottleneck = round(bottleneck / group_width) * group_width
        width = bottleneck * b
        stages.append(_stage(depth, width, bottleneck, group_width))
        design.update(
            {f"d{i}": depth, f"w{i}": width, f"b{i}": b, f"g{i}": group_width}
        )
    text = "; ".join(
        f"{key}=[{', '.join(str(design[f'{key}{i}']) for i in range(1, STAGES + 1))}]"
        for key in ("d", "w", "b", "g")
    )
    return Draw(
        stages,
        design,
        f"AnyNetX sample (Radosavovic et al. 2020, section 3): {text}.",
    )


def _on_grid(rng: Random, interval: Interval) -> int:
    """An integer point of ``interval``'s grid, uniformly."""
    step = int(interval.step)
    last = int(interval.high) - (step if interval.high_open else 0)
    return int(interval.low) + step * rng.randrange(
        (last - int(interval.low)) // step + 1
    )


def _on_fine_grid(rng: Random, interval: Interval, grid: int) -> float:
    """A point of ``interval`` on a grid of 1 / ``grid``, uniformly."""
    low, high = round(interval.low * grid), round(interval.high * grid)
    if interval.high_open:
        high -= 1
    return round((low + rng.randrange(high - low + 1)) / grid, len(str(grid)) - 1)


def draw_regnet_params(rng: Random) -> RegNetParams:
    space = PAPER_RANGES["regnet"]
    assert not isinstance(space.group_width, Interval)
    depth = _on_grid(rng, space.depth)
    w0 = _on_grid(rng, space.w0)
    wa = _on_fine_grid(rng, space.wa, WA_GRID)
    wm = _on_fine_grid(rng, space.wm, WM_GRID)
    group_width = rng.choice(space.group_width)
    b = rng.choice(space.bottleneck_b)
    return RegNetParams(
        w0=w0,
        wa=wa,
        wm=wm,
        depth=depth,
        group_width=group_width,
        bottleneck_ratio=1 / b,
    )


def regnet_design(params: RegNetParams) -> dict[str, int | float]:
    """The parameters of a ``regnet:`` spec section, as the table records them."""
    return {
        "w0": params.w0,
        "wa": params.wa,
        "wm": params.wm,
        "depth": params.depth,
        "group_width": params.group_width,
        "bottleneck_ratio": params.bottleneck_ratio,
        "se_ratio": params.se_ratio,
    }


def draw_regnet(rng: Random) -> Draw | None:
    """A RegNetX; None when the parameters do not expand to exactly 4 stages."""
    params = draw_regnet_params(rng)
    try:
        stages = expand(params)
    except ValueError:
        return None
    if len(stages) != STAGES:
        return None
    design = regnet_design(params)
    text = ", ".join(f"{key}={value}" for key, value in design.items())
    for i, stage in enumerate(stages, start=1):
        design.update({f"d{i}": stage.depth, f"w{i}": stage.width})
    return Draw(
        [_stage(s.depth, s.width, s.bottleneck_width, s.group_width) for s in stages],
        design,
        f"RegNetX sample (Radosavovic et al. 2020, section 4): {text}.",
        "regnet",
    )


DRAWS: dict[Space, Callable[[Random], Draw | None]] = {
    "anynetx": draw_anynetx,
    "regnet": draw_regnet,
}


def spec_data(name: str, draw: Draw) -> dict[str, Any]:
    return {
        "name": name,
        "description": draw.description,
        "input": {"channels": 3, "image_size": 224},
        "layout": "timm",
        "design_space": DESIGN_SPACE[draw.space],
        "stem": dict(STEM),
        "defaults": {"block": "regnet", "stride": 2},
        "stages": draw.stages,
        "head": {"num_classes": 1000},
    }


# --- budgets -------------------------------------------------------------------------------------

_QUANTITY = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([kKmMgGtT]?)\s*\Z")
_SUFFIXES = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def parse_quantity(text: str) -> int:
    """``400M`` -> 400_000_000; ``4G``, ``5.2M``, ``25e6``, ``1500`` too. Raises ValueError."""
    match = _QUANTITY.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a number such as 400M, 4G, 5.2M or 25000000")
    try:
        value = Decimal(match.group(1)) * _SUFFIXES[match.group(2).upper()]
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if value < 1:
        raise ValueError(f"{text!r} must be at least 1")
    return int(value.to_integral_value())


def quantity_text(value: int) -> str:
    """400_000_000 -> ``400M``; the inverse of :func:`parse_quantity`, to 3 significant digits."""
    for suffix, scale in (("G", 10**9), ("M", 10**6), ("K", 10**3)):
        if value >= scale:
            return f"{value / scale:.3g}{suffix}"
    return str(value)


@dataclass(frozen=True)
class Budget:
    """Targets of MACs and parameters (None: any), each within ``tolerance`` (0.1: +-10 %)."""

    macs: int | None = None
    params: int | None = None
    tolerance: float = 0.1

    def admits(self, cost: Cost) -> bool:
        for target, value in ((self.macs, cost.macs), (self.params, cost.params)):
            if target is not None and abs(value - target) > self.tolerance * target:
                return False
        return True

    def __str__(self) -> str:
        parts = [
            f"{what} {quantity_text(target)}"
            for what, target in (("MACs", self.macs), ("params", self.params))
            if target is not None
        ]
        if not parts:
            return "no budget"
        return " and ".join(parts) + f" (+-{self.tolerance:.0%})"


# --- sampling ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    name: str
    data: dict[str, Any]
    design: dict[str, int | float]
    cost: Cost


@dataclass
class Sampling:
    """What one run drew: the samples kept and why the others were not."""

    space: Space
    seed: int
    budget: Budget
    samples: list[Sample] = field(default_factory=list)
    drawn: int = 0
    not_four_stages: int = 0
    not_clean: int = 0
    over_budget: int = 0

    def report(self) -> str:
        rejected = [
            f"{count:,} {why}"
            for count, why in (
                (self.not_four_stages, "not of 4 stages"),
                (self.not_clean, "not lint-clean"),
                (self.over_budget, "outside the budget"),
            )
            if count
        ]
        text = (
            f"{self.space}, seed {self.seed}: kept {len(self.samples):,} of {self.drawn:,} "
            f"drawn under {self.budget}"
        )
        return text + (f"; rejected {', '.join(rejected)}" if rejected else "")


class Progress:
    """A one-line progress bar on a terminal: ``[#####.....] 12/100 kept, 340 drawn``."""

    WIDTH = 30

    def __init__(self, total: int, stream: TextIO, interval: float = 0.1) -> None:
        self.total, self.stream, self.interval = total, stream, interval
        self.last = -math.inf
        self.shown = False

    def update(self, kept: int, drawn: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        filled = self.WIDTH * kept // max(1, self.total)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {kept}/{self.total} kept, {drawn:,} drawn")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def quick_cost(draw: Draw, config: Config) -> Cost | None:
    """The exact cost of ``draw``'s network, from a network of at most 2 blocks per stage.

    Every block of a stage after the first has the same input, output and map size, so the same
    cost: a stage of n blocks costs its first block plus n - 1 times its second. Most draws are
    rejected on this figure, several times faster than analysing the whole network. None when
    the shortened network does not lint clean.
    """
    short = [{**stage, "blocks": min(2, stage["blocks"])} for stage in draw.stages]
    result = compile_data(
        spec_data("probe", Draw(short, {}, "", draw.space)), config, "probe.yaml"
    )
    if result.complexity is None or not clean(result, config):
        return None
    complexity = result.complexity
    total = complexity.stem + complexity.head
    for stage, cost in zip(draw.stages, complexity.stages, strict=True):
        total = total + cost.blocks[0]
        repeat, extra = cost.blocks[-1], stage["blocks"] - 1
        if extra:
            total = total + Cost(
                repeat.params * extra, repeat.macs * extra, repeat.acts * extra
            )
    return total


def sample_name(space: Space, seed: int, index: int) -> str:
    return f"{space}_{seed}_{index}"


def sample(
    space: Space,
    count: int,
    seed: int,
    budget: Budget,
    max_attempts: int,
    config: Config,
    progress: Progress | None = None,
) -> Sampling:
    """Draw until ``count`` samples are kept or ``max_attempts`` draws were made."""
    rng = Random(seed)
    draw = DRAWS[space]
    run = Sampling(space, seed, budget)
    while len(run.samples) < count and run.drawn < max_attempts:
        run.drawn += 1
        if progress is not None:
            progress.update(len(run.samples), run.drawn)
        drawn = draw(rng)
        if drawn is None:
            run.not_four_stages += 1
            continue
        name = sample_name(space, seed, len(run.samples))
        if budget.macs is not None or budget.params is not None:
            quick = quick_cost(drawn, config)
            if quick is None:
                run.not_clean += 1
                continue
            if not budget.admits(quick):
                run.over_budget += 1
                continue
        data = spec_data(name, drawn)
        result = compile_data(data, config, f"{name}.yaml")
        if not clean(result, config) or result.complexity is None:
            run.not_clean += 1
            continue
        cost = result.complexity.total
        if not budget.admits(cost):
            run.over_budget += 1
            continue
        run.samples.append(Sample(name, data, drawn.design, cost))
    if progress is not None:
        progress.update(len(run.samples), run.drawn, force=True)
        progress.close()
    return run


def spec_text(sample: Sample, space: Space, seed: int) -> str:
    index = sample.name.rsplit("_", 1)[1]
    comment = (
        f"Drawn by `archgen sample --space {space} --seed {seed}` (sample {index}).\n"
        f"params {sample.cost.params:,}, MACs {sample.cost.macs:,}, acts {sample.cost.acts:,}."
    )
    return dump_spec(sample.data, comment)


# --- the table and the plot ----------------------------------------------------------------------

TABLE_SUFFIXES = (".csv", ".jsonl")


def table_rows(samples: list[Sample]) -> list[dict[str, int | float | str]]:
    return [
        {
            "name": s.name,
            "params": s.cost.params,
            "macs": s.cost.macs,
            "acts": s.cost.acts,
            **s.design,
        }
        for s in samples
    ]


def table_text(samples: list[Sample], suffix: str) -> str:
    """Every sample's name, params, MACs, acts and design parameters, as CSV or JSON lines."""
    rows = table_rows(samples)
    if suffix == ".jsonl":
        return "".join(json.dumps(row) + "\n" for row in rows)
    if suffix != ".csv":
        raise ValueError(f"a table is .csv or .jsonl, not {suffix!r}")
    stream = io.StringIO()
    columns = list(rows[0]) if rows else ["name", "params", "macs", "acts"]
    writer = csv.DictWriter(stream, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return stream.getvalue()


def plot_available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


PLOT_MISSING = (
    "--plot needs matplotlib, which is not installed; "
    "install it with `pip install 'archgen[plot]'` (or `pip install matplotlib`)"
)


def plot(samples: list[Sample], path: Path, title: str) -> None:
    """Histograms of the samples' MACs and parameters, written atomically to ``path``."""
    try:
        matplotlib = importlib.import_module("matplotlib")
        matplotlib.use("Agg")
        pyplot = importlib.import_module("matplotlib.pyplot")
    except ImportError:
        raise RuntimeError(PLOT_MISSING) from None
    figure, axes = pyplot.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
    bins = max(5, min(50, round(math.sqrt(len(samples)))))
    for axis, what, values in (
        (axes[0], "MACs (G)", [s.cost.macs / 1e9 for s in samples]),
        (axes[1], "parameters (M)", [s.cost.params / 1e6 for s in samples]),
    ):
        axis.hist(values, bins=bins, color="tab:blue", edgecolor="white")
        axis.set_xlabel(what)
        axis.set_ylabel("samples")
    figure.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix
    )
    os.close(handle)
    try:
        figure.savefig(temporary, format=path.suffix.lstrip(".") or "png")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        pyplot.close(figure)
