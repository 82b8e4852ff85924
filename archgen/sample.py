"""Draw networks from the design spaces of Radosavovic et al. 2020 under a complexity budget.

Radosavovic et al. (2020), "Designing Network Design Spaces", study populations of networks drawn
from a design space rather than single networks. The spaces (AnyNetX_A .. AnyNetX_E of section 3,
RegNetX and RegNetY of section 4) and their distributions are :mod:`archgen.fastspace`'s.

Sampling is rejection sampling in batches: :func:`archgen.fastspace.draw` draws a batch of
candidates and :func:`archgen.fastspace.costs` gives all their parameters, MACs and activations at
once; a candidate within the budget is then written as a spec and goes through the full pipeline
(validate, lower, analyse, lint), and is kept when it lints clean and the full pipeline's figures
are within the budget too (they equal the fast figures; :attr:`Sampling.mismatched` counts any that
did not). At most ``max_attempts`` candidates are drawn. One seed gives the same draws, in the same
order, on every run (numpy's ``default_rng``, batches of a fixed size).

AnyNetX samples are explicit-stage specs (``width`` the bottleneck width, ``group_width``,
``out_channels`` the stage width); RegNet samples are written in the ``regnet:`` form, which
archgen expands to the same stages as timm. The ResNeXt design rules do not hold in these spaces,
so each spec names its ``design_space`` (:func:`design_space`) and the linter applies that space's
rules instead.
"""

from __future__ import annotations

import csv
import errno
import importlib
import importlib.util
import io
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from archgen import fastspace
from archgen.analysis import clean, compile_data, dump_spec
from archgen.complexity import Cost
from archgen.config import Config
from archgen.fastspace import Candidates
from archgen.pipeline import compile_spec
from archgen.spaces import SPACES, quantity_text
from archgen.spaces import parse_quantity as parse_quantity  # re-exported
from archgen.text import printable
from archgen.writer import WriteError, check_in_place, resolve_target, write_text

Space = str
STAGES = fastspace.STAGES
BATCH = 4096
"""Candidates drawn at a time; fixed, so that a seed gives the same draws for any count."""


def design_space(space: Space) -> str:
    """The ``design_space:`` of a sample of ``space``, so that the linter applies that space's
    rules (AG5xx) instead of the ResNeXt paper's (width doubles when the map halves)."""
    return "regnet" if space in fastspace.REGNET_SPACES else "anynet"


STEM: dict[str, Any] = {
    "type": "conv",
    "width": 32,
    "kernel_size": 3,
    "stride": 2,
    "pool": "none",
}
"""pycls's and timm's RegNet/AnyNet stem: a 3x3 stride-2 convolution of width 32, no pool."""


def _number(value: Any) -> int | float:
    """A numpy scalar as a Python int or float."""
    return value.item() if isinstance(value, np.generic) else value  # type: ignore[no-any-return]


def design_of(batch: Candidates, row: int) -> dict[str, int | float]:
    return {key: _number(values[row]) for key, values in batch.design.items()}


def regnet_section(design: dict[str, int | float]) -> dict[str, int | float]:
    """The ``regnet:`` section of a RegNet sample (defaults left out, as the zoo's specs do)."""
    section = {key: design[key] for key in ("w0", "wa", "wm", "depth", "group_width")}
    if design["bottleneck_ratio"] != 1:
        section["bottleneck_ratio"] = design["bottleneck_ratio"]
    if design["se_ratio"]:
        section["se_ratio"] = design["se_ratio"]
    return section


def description(space: Space, design: dict[str, int | float]) -> str:
    if space in fastspace.REGNET_SPACES:
        kind = "RegNetY" if space == "regnety" else "RegNetX"
        text = ", ".join(f"{key}={design[key]}" for key in regnet_section(design))
        return f"{kind} sample (Radosavovic et al. 2020, section 4): {text}."
    text = "; ".join(
        f"{key}=[{', '.join(str(design[f'{key}{i}']) for i in range(1, STAGES + 1))}]"
        for key in ("d", "w", "b", "g")
    )
    label = "AnyNetX" if space == "anynetx" else f"AnyNetX_{space[-1].upper()}"
    return f"{label} sample (Radosavovic et al. 2020, section 3): {text}."


def spec_data(name: str, space: Space, batch: Candidates, row: int) -> dict[str, Any]:
    """The spec of candidate ``row`` of ``batch``."""
    design = design_of(batch, row)
    data: dict[str, Any] = {
        "name": name,
        "description": description(space, design),
        "input": {"channels": 3, "image_size": fastspace.IMAGE_SIZE},
        "layout": "timm",
    }
    if space in fastspace.REGNET_SPACES:
        data["stem"] = dict(STEM)
        data["regnet"] = regnet_section(design)
    else:
        data["design_space"] = design_space(space)
        data["stem"] = dict(STEM)
        data["defaults"] = {"block": "regnet", "stride": 2}
        data["stages"] = [
            {
                "blocks": int(batch.depth[row, i]),
                "width": int(batch.bottleneck[row, i]),
                "group_width": int(batch.group_width[row, i]),
                "out_channels": int(batch.width[row, i]),
            }
            for i in range(STAGES)
        ]
    data["head"] = {"num_classes": fastspace.NUM_CLASSES}
    return data


# --- budgets -------------------------------------------------------------------------------------


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

    def admits_all(self, params: fastspace.Ints, macs: fastspace.Ints) -> Any:
        """:meth:`admits` for arrays of figures: a boolean array."""
        keep = np.ones(len(params), dtype=bool)
        for target, values in ((self.macs, macs), (self.params, params)):
            if target is not None:
                keep &= np.abs(values - target) <= self.tolerance * target
        return keep

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
    fast: Cost
    """The figures of :func:`archgen.fastspace.costs`, which equal ``cost``."""


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
    mismatched: int = 0
    """Candidates whose fast figures differ from the full pipeline's (none expected)."""
    interrupted: bool = False

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
        text += f"; rejected {', '.join(rejected)}" if rejected else ""
        if self.mismatched:
            text += f"; {self.mismatched} fast figures differed from the pipeline's"
        return text + ("; interrupted" if self.interrupted else "")


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


def sample_name(space: Space, seed: int, index: int) -> str:
    return f"{space}_{seed}_{index}"


def _consider(
    run: Sampling,
    batch: Candidates,
    row: int,
    fast: Cost,
    config: Config,
) -> None:
    """Run candidate ``row`` through the full pipeline; keep it when clean and within budget."""
    name = sample_name(run.space, run.seed, len(run.samples))
    data = spec_data(name, run.space, batch, row)
    result = compile_data(data, config, f"{name}.yaml")
    if not clean(result, config) or result.complexity is None:
        run.not_clean += 1
        return
    cost = result.complexity.total
    if cost != fast:
        run.mismatched += 1
    if not run.budget.admits(cost):
        run.over_budget += 1
        return
    run.samples.append(Sample(name, data, design_of(batch, row), cost, fast))


def _batch(
    run: Sampling,
    batch: Candidates,
    count: int,
    config: Config,
    progress: Progress | None,
) -> None:
    """Go through one batch in draw order until ``count`` samples are kept."""
    params, macs, acts = fastspace.costs(batch)
    admitted = run.budget.admits_all(params, macs)
    start, last = run.drawn, -1
    for row in np.flatnonzero(admitted):
        last = int(batch.index[row])
        run.drawn = start + last + 1
        fast = Cost(int(params[row]), int(macs[row]), int(acts[row]))
        _consider(run, batch, int(row), fast, config)
        if progress is not None:
            progress.update(len(run.samples), run.drawn)
        if len(run.samples) >= count:
            break
    else:
        last = batch.drawn - 1
    run.drawn = start + last + 1
    seen = batch.index <= last
    run.not_four_stages += last + 1 - int(seen.sum())
    run.over_budget += int((seen & ~admitted).sum())


def sample(
    space: Space,
    count: int,
    seed: int,
    budget: Budget,
    max_attempts: int,
    config: Config,
    progress: Progress | None = None,
) -> Sampling:
    """Draw until ``count`` samples are kept or ``max_attempts`` draws were made.

    Ctrl-C (KeyboardInterrupt) stops the draws: the samples kept so far are returned, with
    :attr:`Sampling.interrupted` set.
    """
    if space not in SPACES:
        raise ValueError(f"unknown design space {space!r}; expected one of {SPACES}")
    rng = np.random.default_rng(seed)
    run = Sampling(space, seed, budget)
    try:
        while len(run.samples) < count and run.drawn < max_attempts:
            batch = fastspace.draw(space, rng, min(BATCH, max_attempts - run.drawn))
            _batch(run, batch, count, config, progress)
            if progress is not None:
                progress.update(len(run.samples), run.drawn)
    except KeyboardInterrupt:
        run.interrupted = True
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


def table_rows(
    samples: list[tuple[Space, Sample]], with_space: bool = False
) -> list[dict[str, int | float | str]]:
    return [
        {
            **({"space": space} if with_space else {}),
            "name": s.name,
            "params": s.cost.params,
            "macs": s.cost.macs,
            "acts": s.cost.acts,
            **s.design,
        }
        for space, s in samples
    ]


def table_text(
    samples: list[tuple[Space, Sample]], suffix: str, with_space: bool = False
) -> str:
    """Every sample's name, params, MACs, acts and design parameters, as CSV or JSON lines;
    ``with_space``: a first column names each sample's space (its columns are the union)."""
    rows = table_rows(samples, with_space)
    if suffix == ".jsonl":
        return "".join(json.dumps(row) + "\n" for row in rows)
    if suffix != ".csv":
        raise ValueError(f"a table is .csv or .jsonl, not {suffix!r}")
    stream = io.StringIO()
    columns = list(dict.fromkeys(key for row in rows for key in row))
    columns = columns or ["name", "params", "macs", "acts"]
    writer = csv.DictWriter(stream, columns, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return stream.getvalue()


def plot_available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


PLOT_MISSING = (
    "--plot needs matplotlib, which is not installed; "
    "install it with `pip install 'archgen[plot]'` (or `pip install matplotlib`)"
)


QUANTITIES: tuple[tuple[str, str, float], ...] = (
    ("params", "parameters (M)", 1e6),
    ("macs", "MACs (G)", 1e9),
    ("acts", "activations (M)", 1e6),
)
"""The figures whose distributions are drawn and tabulated: attribute, label, unit."""


def edf(values: list[int]) -> tuple[list[int], list[float]]:
    """The empirical distribution function of ``values``: sorted values and, for each, the
    fraction of values at or below it (the paper's EDF, section 2.2)."""
    ordered = sorted(values)
    n = len(ordered)
    return ordered, [(i + 1) / n for i in range(n)]


def _pyplot() -> Any:
    try:
        matplotlib = importlib.import_module("matplotlib")
        matplotlib.use("Agg")
        return importlib.import_module("matplotlib.pyplot")
    except ImportError:
        raise RuntimeError(PLOT_MISSING) from None


def plot(runs: list[tuple[str, list[Sample]]], path: Path, title: str) -> None:
    """EDFs of the params, MACs and activations of each run's samples, one line per run, written
    atomically to ``path``."""
    pyplot = _pyplot()
    figure, axes = pyplot.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
    for axis, (what, label, unit) in zip(axes, QUANTITIES, strict=True):
        values = [getattr(s.cost, what) for _, samples in runs for s in samples]
        for name, samples in runs:
            if not samples:
                continue
            xs, ys = edf([getattr(s.cost, what) for s in samples])
            axis.step(
                [x / unit for x in xs], ys, where="post", label=f"{name} ({len(xs)})"
            )
        if values and max(values) > 10 * min(
            values
        ):  # a log axis when it spans a decade
            axis.set_xscale("log")
        axis.set_xlabel(label)
        axis.set_ylabel("cumulative fraction")
        axis.set_ylim(0, 1)
        axis.grid(True, alpha=0.3)
    axes[0].legend(fontsize="small")
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


def _quantile(values: list[int], q: float) -> int:
    """The smallest value with at least ``q`` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def compare_text(runs: list[Sampling]) -> str:
    """One row per space: samples kept of drawn, and the 10th, 50th and 90th percentiles of
    params, MACs and activations of the samples kept."""
    header = f"{'space':<10} {'kept':>6} {'drawn':>11}"
    for what, _, _ in QUANTITIES:
        header += f"  {what + ' p10/p50/p90':>24}"
    lines = [header]
    for run in runs:
        line = f"{run.space:<10} {len(run.samples):>6,} {run.drawn:>11,}"
        for what, _, _ in QUANTITIES:
            values = [getattr(s.cost, what) for s in run.samples]
            cells = (
                "/".join(quantity_text(_quantile(values, q)) for q in (0.1, 0.5, 0.9))
                if values
                else "-"
            )
            line += f"  {cells:>24}"
        lines.append(line)
    return "\n".join(lines) + "\n"


# --- the command ---------------------------------------------------------------------------------

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _error(message: str) -> None:
    print(printable(message), file=sys.stderr)


def shown(path: Path) -> str:
    """A path as the user would write it: relative to the working folder when inside it."""
    try:
        return (
            Path(os.path.realpath(path))
            .relative_to(os.path.realpath(Path.cwd()))
            .as_posix()
        )
    except ValueError:
        return str(path)


def _refused(targets: list[Path], force: bool) -> int | None:
    """The exit code when archgen's write policy (:mod:`archgen.writer`) refuses a target:
    an existing one without ``force``, a read-only one, one inside archgen's package..."""
    existing = [path for path in targets if os.path.lexists(path)]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        _error(
            f"{shown(existing[0])}{more} exists; refusing to overwrite. Pass --force, "
            "or --out another folder."
        )
        return EXIT_FINDINGS
    for path in targets:
        try:
            check_in_place(path, resolve_target(path), force=force)
        except WriteError as error:
            _error(f"archgen: {shown(path)}: {error.reason}")
            return EXIT_FINDINGS if error.exists else EXIT_USAGE
    return None


def _run(
    space: Space, count: int, seed: int, budget: Budget, attempts: int, config: Config
) -> Sampling:
    progress = Progress(count, sys.stderr) if sys.stderr.isatty() else None
    if (
        progress is None
    ):  # no bar: say that a long run has begun (Ctrl-C keeps what it kept)
        print(f"archgen: drawing {space} under {budget}", file=sys.stderr, flush=True)
    run = sample(space, count, seed, budget, attempts, config, progress)
    print(f"archgen: {run.report()}", file=sys.stderr)
    return run


def _written(path: Path, text: str) -> bool:
    """Write one checked target (:func:`_refused` ran before the sampling); False, said, when
    the write fails all the same (a full disk, a folder that became read-only)."""
    try:
        write_text(path, text, force=True)
    except WriteError as error:
        _error(f"archgen: {shown(path)}: {error.reason}")
        return False
    return True


def _write_specs(run: Sampling, out_dir: Path, config: Config) -> int:
    """Write every sample, check that archgen reads each back to the same figures."""
    for kept in run.samples:
        path = out_dir / f"{kept.name}.yaml"
        if not _written(path, spec_text(kept, run.space, run.seed)):
            return EXIT_USAGE
        written = compile_spec(path, config, shown(path))
        if written.complexity is None or written.complexity.total != kept.cost:
            for d in written.diagnostics:
                _error(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}")
            _error(f"archgen sample: {shown(path)} does not read back as written")
            return EXIT_FINDINGS
    print(f"wrote {len(run.samples)} spec(s) to {printable(shown(out_dir))}")
    return EXIT_OK


def _outcome(runs: list[Sampling], count: int) -> int:
    """The exit code of finished runs, with the advice of one that fell short."""
    if any(run.interrupted for run in runs):
        _error("archgen sample: interrupted; what was kept is written")
        return EXIT_INTERRUPTED
    for run in runs:
        if not run.samples:
            _error(
                f"archgen sample: {run.space}: no network within the budget in "
                f"{run.drawn:,} draws; widen --tolerance, change the budget, or raise "
                "--max-attempts"
            )
            return EXIT_FINDINGS
        if len(run.samples) < count:
            _error(
                f"archgen sample: {run.space}: found {len(run.samples)} of {count} in "
                f"{run.drawn:,} draws; widen --tolerance, change the budget, or raise "
                "--max-attempts"
            )
            return EXIT_FINDINGS
    return EXIT_OK


def command(
    spaces: list[str],
    *,
    compare: bool,
    count: int,
    seed: int,
    budget: Budget,
    max_attempts: int | None,
    out: Path,
    table: Path | None,
    plot_path: Path | None,
    force: bool,
    config: Config,
) -> int:
    """``archgen sample``: draw ``count`` samples of one space and write them (specs, table,
    plot); or, with ``compare``, draw each of ``spaces``, print one table of their distributions
    and write only the table and plot asked for. Returns the exit code."""
    unknown = [space for space in spaces if space not in SPACES]
    if unknown or not spaces or (not compare and len(spaces) != 1):
        _error(
            "archgen sample: give --space SPACE or --compare SPACE..., with spaces among "
            f"{', '.join(SPACES)}" + (f"; not {', '.join(unknown)}" if unknown else "")
        )
        return EXIT_USAGE
    if table is None and not compare:
        table = out / f"{spaces[0]}_{seed}.csv"
    if table is not None and table.suffix.lower() not in TABLE_SUFFIXES:
        _error(
            f"archgen sample: --table {shown(table)}: expected a .csv or .jsonl file, "
            f"not {table.suffix.lower() or 'no extension'}"
        )
        return EXIT_USAGE
    if plot_path is not None and not plot_available():
        _error(f"archgen sample: {PLOT_MISSING}")
        return EXIT_USAGE
    targets = [path for path in (table, plot_path) if path is not None]
    if not compare:
        check_output_folder(out)
        names = [sample_name(spaces[0], seed, i) for i in range(count)]
        targets += [out / f"{name}.yaml" for name in names]
    refused = _refused(targets, force)
    if refused is not None:
        return refused
    attempts = max_attempts or 1000 * count
    runs: list[Sampling] = []
    for space in spaces:
        runs.append(_run(space, count, seed, budget, attempts, config))
        if runs[-1].interrupted:
            break
    return _write(runs, compare, count, out, (table, plot_path), config)


def _write(
    runs: list[Sampling],
    compare: bool,
    count: int,
    out: Path,
    files: tuple[Path | None, Path | None],
    config: Config,
) -> int:
    """Write the specs (unless comparing), the table and the plot; the exit code."""
    table, plot_path = files
    kept = [s for run in runs for s in run.samples]
    if compare:
        sys.stdout.write(compare_text(runs))
    elif runs[0].samples:
        code = _write_specs(runs[0], out, config)
        if code:
            return code
    if table is not None and kept:
        rows = [(run.space, s) for run in runs for s in run.samples]
        if not _written(table, table_text(rows, table.suffix.lower(), compare)):
            return EXIT_USAGE
        print(f"wrote {printable(shown(table))}")
    if plot_path is not None and kept:
        budget, seed = runs[0].budget, runs[0].seed
        title = f"{', '.join(run.space for run in runs)}, seed {seed}: {budget}"
        plot([(run.space, run.samples) for run in runs], plot_path, title)
        print(f"wrote {printable(shown(plot_path))}")
    return _outcome(runs, count)


def check_output_folder(out_dir: Path) -> None:
    """Raise the OSError (exit 2) of an output folder that is a file or a link to nothing."""
    if os.path.islink(out_dir) and not out_dir.exists():
        raise FileNotFoundError(
            errno.ENOENT, "output folder is a link to nothing", str(out_dir)
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(
            errno.ENOTDIR, "output folder is not a folder", str(out_dir)
        )
