"""``archgen import SOURCE:NAME``: a network of timm or torchvision as a spec
(:mod:`archgen.importer`); printed, or written with ``-o``."""

from __future__ import annotations

import argparse
from pathlib import Path

from archgen.cli.arguments import add_output_file
from archgen.cli.report import EXIT_USAGE, Report
from archgen.config import Config
from archgen.service import ArchgenError

NAME = "import"
HELP = (
    "Write the spec of a timm or torchvision network of the ResNet lineage "
    "(`timm:resnet152d`), read from the reference's own configuration."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "reference",
        metavar="SOURCE:NAME",
        help="timm:NAME or torchvision:NAME; needs that package installed",
    )
    add_output_file(parser, "write the spec there (default: print it)")


def run(args: argparse.Namespace, config: Config) -> int:
    from archgen.importer import import_spec

    report = Report()
    try:
        imported = import_spec(args.reference)
    except ArchgenError as error:
        report.show(list(error.diagnostics))
        return EXIT_USAGE
    if args.output is None:
        report.out.write(imported.text)
        return report.status
    target = Path(args.output)
    report.write(target, target.as_posix(), imported.text, force=args.force)
    return report.status
