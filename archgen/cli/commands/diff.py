"""``archgen diff``: two specs compared stage by stage."""

from __future__ import annotations

import argparse
import json

from archgen.cli.commands.common import compile_one, input_options, override, side
from archgen.cli.report import Report
from archgen.config import Config
from archgen.summary import diff_json, diff_text, input_differences

NAME = "diff"
HELP = "Compare two specs stage by stage."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("left", metavar="A", help="a spec file or a zoo name")
    parser.add_argument("right", metavar="B", help="a spec file or a zoo name")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    input_options(parser, "both specs")


def run(args: argparse.Namespace, config: Config) -> int:
    report = Report()
    assumed = override(args)
    left = compile_one(args.left, config, report, assumed)
    if left is None:
        return report.status
    right = compile_one(args.right, config, report, assumed)
    if right is None:
        return report.status
    a, b = left[1], right[1]
    # Also on stderr, so that a reader of the table alone, or of the JSON, cannot miss it.
    for note in input_differences(side(a), side(b)):
        hint = (
            ""
            if note.startswith("classes")
            else " (compare both at one input with --image-size N and --channels N)"
        )
        report.note(f"archgen: warning: {note}; the figures are not comparable{hint}")
    if args.format == "json":
        report.out.write(
            json.dumps(diff_json(side(a, raw=True), side(b, raw=True)), indent=2) + "\n"
        )
    else:
        report.out.write(diff_text(side(a), side(b)))
    return report.status
