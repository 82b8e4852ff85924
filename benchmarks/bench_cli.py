"""How long `archgen lint specs` takes, against the floor of starting Python and importing pydantic.

archgen's checks are pure Python over a few hundred values per spec, so a lint run should cost
little more than the interpreter and its imports: lint imports neither jinja2 (only build renders)
nor torch. Each command runs N times as a fresh process, alternating; the report is the median
wall time of each and their ratio.

    python benchmarks/bench_cli.py [-n 15] [SPEC_OR_DIR ...]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        command,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=15, help="runs of each command")
    parser.add_argument("specs", nargs="*", default=["specs"])
    args = parser.parse_args(argv)
    commands = {
        "import pydantic": [sys.executable, "-c", "import pydantic"],
        "archgen lint": [sys.executable, "-m", "archgen", "lint", *args.specs],
    }
    for command in commands.values():  # warm the file cache and the bytecode
        wall(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.n):
        for name, command in commands.items():
            times[name].append(wall(command))
    base = statistics.median(times["import pydantic"])
    print(f"median of {args.n} runs ({', '.join(args.specs)}):")
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"  {name:<16} {median * 1e3:8.1f} ms  {median / base:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
