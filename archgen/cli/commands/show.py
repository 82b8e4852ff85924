"""``archgen show``: a spec's stages, parameters and MACs, as Table 1 of the ResNeXt paper."""

from __future__ import annotations

import argparse
import json

from archgen.cli.commands.common import compile_one, input_options, override, side
from archgen.cli.report import Report
from archgen.config import Config
from archgen.summary import show_json, show_markdown, show_text

NAME = "show"
HELP = "Print a spec's stages, parameters and MACs, like Table 1."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", help="a spec file or a zoo name")
    parser.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text"
    )
    input_options(parser, "the spec")


def run(args: argparse.Namespace, config: Config) -> int:
    report = Report()
    compiled = compile_one(args.spec, config, report, override(args))
    if compiled is None:
        return report.status
    one = side(compiled[1], raw=args.format == "json")
    if args.format == "json":
        report.out.write(
            json.dumps(show_json(one.plan, one.complexity, one.source), indent=2) + "\n"
        )
    elif args.format == "markdown":
        report.out.write(show_markdown(one.plan, one.complexity, one.source))
    else:
        report.out.write(show_text(one.plan, one.complexity, one.source))
    return report.status
