"""Candidates per second: archgen's batch path versus the per-spec pipeline versus torch.

For each design space, in one run, times three ways of getting the parameters and MACs of drawn
candidates:

* batch: :func:`archgen.fastspace.draw` and :func:`archgen.fastspace.costs` on batches of
  candidates (numpy), what `archgen sample` runs on every draw;
* per spec: write each candidate as a spec and validate, lower, analyse and lint it
  (:func:`archgen.analysis.compile_data`), what `archgen sample` ran on every draw before, and now
  runs on kept candidates only;
* torch: build the generated model on the meta device (or the CPU) and count parameters and
  FlopCounterMode MACs with one forward pass. The modules are rendered and imported beforehand,
  outside the timing, so torch is timed at its cheapest.

It checks that all three give the same counts on every candidate the slower routes see, then
prints candidates per second and the batch path's speed-up over each. A RegNet draw that does not
expand to 4 stages is a candidate too (it has to be drawn and expanded to be rejected); the
per-spec and torch routes see 4-stage ones only. Then it times the sampler itself under a budget
(draws per second, kept samples per second).

    python benchmarks/bench_sample.py [--seconds S] [--count N] [--torch-count N] [--device meta|cpu]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from archgen import fastspace
from archgen.analysis import compile_data
from archgen.config import Config
from archgen.render import render
from archgen.sample import Budget, parse_quantity, sample, spec_data

CONFIG = Config(root=Path.cwd())
SPACES = ("anynetx", "anynetx_e", "regnet", "regnety")


def batch_rate(space: str, seconds: float, seed: int) -> tuple[float, float]:
    """Candidates drawn and costed per second, and 4-stage networks per second."""
    rng = np.random.default_rng(seed)
    drawn = networks = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        batch = fastspace.draw(space, rng, 8192)
        fastspace.costs(batch)
        drawn += batch.drawn
        networks += len(batch)
    elapsed = time.perf_counter() - start
    return drawn / elapsed, networks / elapsed


def specs_of(
    space: str, count: int, seed: int
) -> tuple[list[dict[str, Any]], list[tuple[int, int]]]:
    """``count`` candidates as specs, with their batch figures (params, MACs)."""
    rng = np.random.default_rng(seed)
    specs: list[dict[str, Any]] = []
    figures: list[tuple[int, int]] = []
    while len(specs) < count:
        batch = fastspace.draw(space, rng, 4096)
        params, macs, _ = fastspace.costs(batch)
        for row in range(min(len(batch), count - len(specs))):
            specs.append(spec_data(f"{space}_{len(specs)}", space, batch, row))
            figures.append((int(params[row]), int(macs[row])))
    return specs, figures


def per_spec(specs: list[dict[str, Any]]) -> list[tuple[int, int]]:
    counts = []
    for data in specs:
        result = compile_data(data, CONFIG)
        assert result.complexity is not None, result.diagnostics
        counts.append((result.complexity.total.params, result.complexity.total.macs))
    return counts


def builders(specs: list[dict[str, Any]], scratch: Path) -> list[Callable[[], Any]]:
    """Each spec's generated builder, rendered and imported (not timed)."""
    found = []
    for data in specs:
        result = compile_data(data, CONFIG)
        assert result.plan and result.complexity
        name = data["name"]
        target = scratch / f"{name}.py"
        target.write_text(
            render(result.plan, result.complexity, f"{name}.yaml", "0" * 64)
        )
        spec = importlib.util.spec_from_file_location(name, target)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.append(getattr(module, name))
    return found


def with_torch(build: list[Callable[[], Any]], device: str) -> list[tuple[int, int]]:
    counts = []
    for builder in build:
        with torch.device(device):
            model = builder()
            x = torch.randn(1, 3, 224, 224)
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            model.eval()(x)
        params = sum(p.numel() for p in model.parameters())
        counts.append((params, counter.get_total_flops() // 2))
    return counts


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def compare(space: str, args: argparse.Namespace) -> None:
    drawn_rate, network_rate = batch_rate(space, args.seconds, args.seed)
    specs, figures = specs_of(space, args.count, args.seed)
    s_time, s_counts = timed(lambda: per_spec(specs))
    assert s_counts == figures, "batch and per-spec figures disagree"
    few = specs[: args.torch_count]
    with tempfile.TemporaryDirectory() as scratch:
        build = builders(few, Path(scratch))
        with_torch(build[:1], args.device)  # warm-up: first-call overheads
        t_time, t_counts = timed(lambda: with_torch(build, args.device))
    assert t_counts == figures[: len(few)], "batch and torch figures disagree"
    s_rate, t_rate = len(specs) / s_time, len(few) / t_time
    rows = [
        ("batch (numpy), candidates drawn", "-", drawn_rate, ""),
        ("batch (numpy), 4-stage networks", "-", network_rate, ""),
        ("per spec (validate+lower+lint)", f"{len(specs)}", s_rate, s_rate),
        ("torch build + FlopCounterMode", f"{len(few)}", t_rate, t_rate),
    ]
    for route, n, rate, base in rows:
        ratio = f"{network_rate / base:>10,.0f}x" if base else ""
        print(f"{space:<10} {route:<34} {n:>6} {rate:>13,.0f} {ratio:>11}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--seconds", type=float, default=2.0, help="batch timing per space"
    )
    parser.add_argument("--count", type=int, default=200, help="candidates per spec")
    parser.add_argument(
        "--torch-count", type=int, default=20, help="of those, built in torch"
    )
    parser.add_argument("--device", choices=("meta", "cpu"), default="meta")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--macs", default="400M", help="budget of the sampler timing")
    parser.add_argument("--kept", type=int, default=100, help="samples kept per space")
    args = parser.parse_args()
    print(
        f"numpy {np.__version__}, torch {torch.__version__}, {torch.get_num_threads()} "
        f"threads, Python {sys.version.split()[0]}, torch on {args.device}"
    )
    print(
        "speed-up: 4-stage networks per second of the batch path over the route's rate\n"
    )
    print(f"{'space':<10} {'route':<34} {'n':>6} {'per second':>13} {'speed-up':>11}")
    for space in SPACES:
        compare(space, args)
    budget = Budget(macs=parse_quantity(args.macs))
    print(
        f"\nsampler under {budget}, {args.kept} samples kept per space (specs not written):"
    )
    for space in SPACES:
        start = time.perf_counter()
        run = sample(space, args.kept, args.seed, budget, 10**8, CONFIG)
        elapsed = time.perf_counter() - start
        print(
            f"  {space:<10} {run.drawn / elapsed:>11,.0f} draws/s, "
            f"{len(run.samples) / elapsed:>8,.1f} kept/s ({run.report()})"
        )
    print("figures agree exactly between the batch path, the per-spec path and torch")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
