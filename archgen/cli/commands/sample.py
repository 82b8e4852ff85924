"""``archgen sample``: specs drawn from the AnyNetX or RegNet design space under a budget.

This module owns the arguments and the writes; :mod:`archgen.sample` does the sampling.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from archgen.cli.arguments import fraction_below_one, path_text, quantity, whole
from archgen.cli.commands.build import check_output_folder
from archgen.cli.inputs import shown
from archgen.cli.report import EXIT_FINDINGS, EXIT_USAGE, Report
from archgen.config import Config
from archgen.pipeline import compile_spec
from archgen.writer import WriteError, check_in_place, resolve_target

NAME = "sample"
HELP = "Draw specs from the AnyNetX or RegNet design space under a MACs/params budget."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--space", choices=("anynetx", "regnet"), required=True)
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
        help="histograms of MACs and params (needs matplotlib)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing files")


def run(args: argparse.Namespace, config: Config) -> int:
    from archgen import sample as sampling

    report = Report()
    out_dir = Path(args.out)
    table = (
        Path(args.table) if args.table else out_dir / f"{args.space}_{args.seed}.csv"
    )
    suffix = table.suffix.lower()
    if suffix not in sampling.TABLE_SUFFIXES:
        report.error(
            f"archgen sample: --table {shown(table)}: expected a .csv or .jsonl file, "
            f"not {suffix or 'no extension'}"
        )
        return EXIT_USAGE
    plot = Path(args.plot) if args.plot else None
    if plot is not None and not sampling.plot_available():
        report.error(f"archgen sample: {sampling.PLOT_MISSING}")
        return EXIT_USAGE
    check_output_folder(out_dir)
    if plot is not None:
        # matplotlib writes the plot itself: the policy is checked before it does.
        try:
            check_in_place(plot, resolve_target(plot), force=args.force)
        except WriteError as error:
            report.error(
                f"archgen: {shown(plot)}: {error.reason}",
                EXIT_FINDINGS if error.exists else EXIT_USAGE,
            )
            return report.status
    names = [sampling.sample_name(args.space, args.seed, i) for i in range(args.count)]
    targets = [out_dir / f"{name}.yaml" for name in names] + [table]
    targets += [plot] if plot is not None else []
    existing = [path for path in targets if os.path.lexists(path)]
    if existing and not args.force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        report.error(
            f"{shown(existing[0])}{more} exists; refusing to overwrite. Pass --force, "
            "or --out another folder.",
            EXIT_FINDINGS,
        )
        return report.status
    budget = sampling.Budget(args.macs, args.params, args.tolerance)
    attempts = args.max_attempts or 1000 * args.count
    progress = (
        sampling.Progress(args.count, sys.stderr) if sys.stderr.isatty() else None
    )
    drawn = sampling.sample(
        args.space, args.count, args.seed, budget, attempts, config, progress
    )
    report.note(f"archgen: {drawn.report()}")
    if not drawn.samples:
        report.error(
            f"archgen sample: no network within the budget in {drawn.drawn:,} draws; widen "
            "--tolerance, change the budget, or raise --max-attempts",
            EXIT_FINDINGS,
        )
        return report.status
    for sample in drawn.samples:
        path = out_dir / f"{sample.name}.yaml"
        text = sampling.spec_text(sample, args.space, args.seed)
        if report.write(path, shown(path), text, force=args.force):
            written = compile_spec(path, config, shown(path))
            if written.plan is None or written.failing(config):  # unreadable output
                report.diagnostics(list(written.diagnostics), config)
                report.fail(EXIT_FINDINGS)
    report.write(
        table,
        shown(table),
        sampling.table_text(drawn.samples, suffix),
        force=args.force,
    )
    if plot is not None:
        sampling.plot(
            drawn.samples,
            plot,
            f"{args.space}, seed {args.seed}: {len(drawn.samples)} samples, {budget}",
        )
        report.say(f"wrote {shown(plot)}")
    if len(drawn.samples) < args.count:
        report.error(
            f"archgen sample: found {len(drawn.samples)} of {args.count} in "
            f"{drawn.drawn:,} draws; widen --tolerance, change the budget, or raise "
            "--max-attempts",
            EXIT_FINDINGS,
        )
    return report.status
