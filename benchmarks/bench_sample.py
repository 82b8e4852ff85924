"""Samples per second: archgen's analytic counts versus building each sampled network with torch.

For each design space, draws samples as `archgen sample` does (same seed, same samples), then
times two ways of getting their parameters and MACs:

* archgen: validate, lower, analyse and lint the spec (what `archgen sample` runs per draw);
* torch: build the generated model on the meta device (or the CPU) and count parameters and
  FlopCounterMode MACs with one forward pass. The modules are rendered and imported beforehand,
  outside the timing, so torch is timed at its cheapest.

It checks that both give the same counts, then prints samples per second of each and the
speed-up. Then it times the sampler itself under a budget (draws per second, kept samples per
second), which is where the speed-up matters: every rejected draw has to be counted too.

    python benchmarks/bench_sample.py [--count N] [--torch-count N] [--device meta|cpu]
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

import torch
from torch.utils.flop_counter import FlopCounterMode

from archgen.analysis import compile_data
from archgen.config import Config
from archgen.render import render
from archgen.sample import SPACES, Budget, Sample, Space, parse_quantity, sample

CONFIG = Config(root=Path.cwd())


def analytic(samples: list[Sample]) -> list[tuple[int, int]]:
    counts = []
    for s in samples:
        result = compile_data(s.data, CONFIG)
        assert result.complexity is not None, result.diagnostics
        counts.append((result.complexity.total.params, result.complexity.total.macs))
    return counts


def builders(samples: list[Sample], scratch: Path) -> list[Callable[[], Any]]:
    """Each sample's generated builder, rendered and imported (not timed)."""
    found = []
    for s in samples:
        result = compile_data(s.data, CONFIG)
        assert result.plan and result.complexity and result.document
        target = scratch / f"{s.name}.py"
        target.write_text(
            render(result.plan, result.complexity, f"{s.name}.yaml", "0" * 64)
        )
        spec = importlib.util.spec_from_file_location(s.name, target)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.append(getattr(module, s.name))
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


def timed(function: Callable[[], list[tuple[int, int]]]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200, help="samples for archgen")
    parser.add_argument(
        "--torch-count", type=int, default=20, help="of those, how many torch builds"
    )
    parser.add_argument("--device", choices=("meta", "cpu"), default="meta")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--macs", default="400M", help="budget of the sampler timing (default 400M)"
    )
    parser.add_argument(
        "--kept", type=int, default=10, help="samples to keep in the sampler timing"
    )
    args = parser.parse_args()
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, Python "
        f"{sys.version.split()[0]}, torch on {args.device}"
    )
    print()
    header = (
        f"{'space':<8} {'route':<34} {'samples':>7} {'samples/s':>11} {'speed-up':>9}"
    )
    print(header)
    spaces: tuple[Space, ...] = SPACES
    for space in spaces:
        drawn = sample(space, args.count, args.seed, Budget(), 100 * args.count, CONFIG)
        samples = drawn.samples
        a_time, a_counts = timed(lambda samples=samples: analytic(samples))
        few = samples[: args.torch_count]
        with tempfile.TemporaryDirectory() as scratch:
            build = builders(few, Path(scratch))
            with_torch(build[:1], args.device)  # warm-up: first-call overheads
            t_time, t_counts = timed(lambda b=build: with_torch(b, args.device))
        assert t_counts == a_counts[: len(few)], "archgen and torch disagree"
        a_rate, t_rate = len(samples) / a_time, len(few) / t_time
        print(
            f"{space:<8} {'archgen analytic (no torch)':<34} {len(samples):>7} "
            f"{a_rate:>11,.1f} {a_rate / t_rate:>8,.1f}x"
        )
        print(
            f"{space:<8} {'torch build + FlopCounterMode':<34} {len(few):>7} "
            f"{t_rate:>11,.1f} {1:>8,.1f}x"
        )
    print()
    budget = Budget(macs=parse_quantity(args.macs))
    print(f"sampler under {budget}, {args.kept} samples kept per space:")
    for space in spaces:
        start = time.perf_counter()
        run = sample(space, args.kept, args.seed, budget, 10**7, CONFIG)
        elapsed = time.perf_counter() - start
        print(
            f"  {space:<8} {run.drawn / elapsed:>9,.0f} draws/s, "
            f"{len(run.samples) / elapsed:>7,.2f} kept/s ({run.report()})"
        )
    print("counts agree exactly between archgen and torch on every sample built")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
