"""``archgen fit``: RegNet's quantized linear fit of a network's block widths (the RegNet
paper's e_fit); :func:`archgen.fit.command` fits, prints and writes."""

from __future__ import annotations

import argparse
from pathlib import Path

from archgen.cli.arguments import add_output_file, path_text
from archgen.cli.inputs import shown
from archgen.config import Config

NAME = "fit"
HELP = "Fit RegNet's w0, wa, wm to a network's block widths (the RegNet paper's e_fit)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=path_text, metavar="SPEC")
    add_output_file(
        parser,
        "write the spec in the regnet: form, when it is exactly the same network",
    )


def run(args: argparse.Namespace, config: Config) -> int:
    from archgen import fit

    output = Path(args.output) if args.output else None
    return fit.command(args.spec, output, args.force, config, shown(Path(args.spec)))
