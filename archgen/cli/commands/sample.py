"""``archgen sample``: specs drawn from the AnyNetX A-E or RegNet design spaces under a budget.

This module owns the arguments; :func:`archgen.sample.command` samples and writes, under
archgen's write policy (:mod:`archgen.writer`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from archgen.cli.arguments import fraction_below_one, path_text, quantity, whole
from archgen.config import Config
from archgen.spaces import SPACES

NAME = "sample"
HELP = "Draw specs from the AnyNetX A-E or RegNet design spaces under a MACs/params budget."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    space = parser.add_mutually_exclusive_group(required=True)
    space.add_argument("--space", choices=SPACES, help="the design space to draw from")
    space.add_argument(
        "--compare",
        nargs="+",
        choices=SPACES,
        metavar="SPACE",
        help="draw from each SPACE and compare their distributions (a table on stdout; "
        "--table and --plot when given); writes no specs",
    )
    parser.add_argument(
        "--count", type=whole(1, 100_000), default=10, metavar="N", help="default 10"
    )
    parser.add_argument(
        "--seed", type=whole(0, 2**63 - 1), default=0, metavar="S", help="default 0"
    )
    parser.add_argument(
        "--macs", type=quantity, metavar="N", help="target MACs: 400M, 4G, ..."
    )
    parser.add_argument(
        "--params", type=quantity, metavar="N", help="target parameters: 5M, 5.2M, ..."
    )
    parser.add_argument(
        "--tolerance",
        type=fraction_below_one,
        default=0.1,
        metavar="T",
        help="relative tolerance of the targets (default 0.1 = 10%%)",
    )
    parser.add_argument(
        "--max-attempts",
        type=whole(1, 10**9),
        metavar="N",
        help="draws to make at most (default: 1000 per sample)",
    )
    parser.add_argument(
        "--out",
        type=path_text,
        default="samples",
        metavar="DIR",
        help="where specs go (default: samples/)",
    )
    parser.add_argument(
        "--table",
        type=path_text,
        metavar="FILE",
        help="table of every sample, .csv or .jsonl (default: DIR/<space>_<seed>.csv)",
    )
    parser.add_argument(
        "--plot",
        type=path_text,
        metavar="PNG",
        help="empirical distribution functions of params, MACs and activations "
        "(needs matplotlib)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing files")


def run(args: argparse.Namespace, config: Config) -> int:
    from archgen import sample as sampling

    return sampling.command(
        args.compare or [args.space],
        compare=bool(args.compare),
        count=args.count,
        seed=args.seed,
        budget=sampling.Budget(args.macs, args.params, args.tolerance),
        max_attempts=args.max_attempts,
        out=Path(args.out),
        table=Path(args.table) if args.table else None,
        plot_path=Path(args.plot) if args.plot else None,
        force=args.force,
        config=config,
    )
