"""Analytic complexity (archgen, no torch) versus building each model and counting with torch.

For every spec in specs/ (or the folder given), in one run:

* archgen: load, validate, lower and analyse the spec file (what `archgen show` does);
* torch on the meta device: build the generated model without allocating weights and count
  parameters and FlopCounterMode MACs (the cheapest way torch can count);
* torch on the CPU: build the model for real (torchvision's initialisation) and count with a real
  forward pass, as a user without archgen would.

It checks that all three agree, then prints specs per second of each and their ratios.

    python benchmarks/bench_complexity.py [SPEC_DIR] [--skip-cpu] [--seconds S]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from archgen.config import Config
from archgen.pipeline import compile_spec
from archgen.render import render

ROOT = Path(__file__).resolve().parent.parent


def analytic(paths: list[Path]) -> list[tuple[int, int]]:
    counts = []
    for path in paths:
        result = compile_spec(path, Config(root=path.parent))
        assert result.complexity is not None, result.diagnostics
        counts.append((result.complexity.total.params, result.complexity.total.macs))
    return counts


def torch_counts(
    builders: list[tuple[object, int, int]], device: str
) -> list[tuple[int, int]]:
    counts = []
    for build, channels, size in builders:
        with torch.device(device):
            model = build()  # type: ignore[operator]
            x = torch.randn(1, channels, size, size)
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            model.eval()(x)
        counts.append(
            (sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2)
        )
    return counts


def rate(
    function, argument, minimum_seconds: float
) -> tuple[float, list[tuple[int, int]]]:  # type: ignore[no-untyped-def]
    """Specs per second, repeating whole passes until ``minimum_seconds`` have passed."""
    passes, start = 0, time.perf_counter()
    while True:
        counts = function(argument)
        passes += 1
        elapsed = time.perf_counter() - start
        if elapsed >= minimum_seconds:
            return passes * len(counts) / elapsed, counts


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("specs", nargs="?", default=str(ROOT / "specs"))
    parser.add_argument(
        "--skip-cpu", action="store_true", help="leave out the CPU route (slow)"
    )
    parser.add_argument(
        "--seconds", type=float, default=2.0, help="minimum time per measurement"
    )
    args = parser.parse_args()
    paths = sorted(Path(args.specs).glob("*.yaml"))
    torch.set_num_threads(torch.get_num_threads())

    builders = []
    with tempfile.TemporaryDirectory() as scratch:
        for path in paths:
            result = compile_spec(path, Config(root=path.parent))
            assert result.plan and result.complexity and result.document
            target = Path(scratch) / f"{result.plan.name}.py"
            target.write_text(
                render(result.plan, result.complexity, path.name, result.spec_sha256)
            )
            spec = importlib.util.spec_from_file_location(result.plan.name, target)
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            builders.append(
                (
                    getattr(module, result.plan.name),
                    result.plan.in_channels,
                    result.plan.image_size,
                )
            )

    a_rate, a_counts = rate(analytic, paths, args.seconds)
    m_rate, m_counts = rate(lambda b: torch_counts(b, "meta"), builders, args.seconds)
    assert a_counts == m_counts, (
        "archgen's analysis disagrees with torch on the meta device"
    )
    rows = [("archgen analytic (no torch)", a_rate), ("torch, meta device", m_rate)]
    if not args.skip_cpu:
        c_rate, c_counts = rate(lambda b: torch_counts(b, "cpu"), builders, 0.0)
        assert a_counts == c_counts, (
            "archgen's analysis disagrees with torch on the CPU"
        )
        rows.append(("torch, CPU (build + forward)", c_rate))

    print(f"{len(paths)} specs from {args.specs}; counts agree exactly on every route")
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, Python {sys.version.split()[0]}"
    )
    print()
    print(f"{'route':<30} {'specs/s':>12} {'archgen is':>14}")
    for name, value in rows:
        ratio = a_rate / value
        print(f"{name:<30} {value:>12,.1f} {ratio:>12,.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
