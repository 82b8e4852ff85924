"""``archgen schema``: the JSON Schema of specs, for editors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from archgen.cli.arguments import path_text
from archgen.cli.report import Report
from archgen.config import Config
from archgen.spec import json_schema

NAME = "schema"
HELP = "Print the JSON Schema of specs (for editors)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o", "--output", type=path_text, metavar="FILE", help="write it to FILE"
    )
    parser.add_argument(
        "--force", action="store_true", help="replace FILE when it exists"
    )


def run(args: argparse.Namespace, config: Config) -> int:
    report = Report()
    text = json.dumps(json_schema(), indent=2) + "\n"
    if args.output:
        report.write(Path(args.output), args.output, text, force=args.force)
    else:
        report.out.write(text)
    return report.status
