"""``archgen scale``: a variant of a spec at equal complexity (the ResNeXt paper's Table 2).

It writes ``<name>.yaml`` into the working folder, or where ``-o`` says; never beside a zoo
spec, never over an existing file without ``--force``.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from archgen import service
from archgen.cli.arguments import parsed, path_text, whole
from archgen.cli.commands.common import compile_one, side
from archgen.cli.inputs import shown
from archgen.cli.report import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Report
from archgen.config import Config
from archgen.pipeline import compile_spec
from archgen.summary import Side, diff_text
from archgen.text import printable

NAME = "scale"
HELP = "Derive a variant of a spec at equal complexity (the ResNeXt paper's Table 2)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from archgen import limits
    from archgen.scale import parse_multiplier

    parser.add_argument("spec", metavar="SPEC", help="a spec file or a zoo name")
    knob = parser.add_mutually_exclusive_group(required=True)
    knob.add_argument(
        "--cardinality",
        type=whole(1, limits.MAX_CHANNELS),
        metavar="C",
        help="set C on every bottleneck stage in paper notation; solve the base width d",
    )
    knob.add_argument(
        "--depth-multiplier",
        type=parsed(parse_multiplier),
        metavar="X",
        help="multiply every stage's blocks (rounded, at least 1); solve the widths",
    )
    knob.add_argument(
        "--width-multiplier",
        type=parsed(parse_multiplier),
        metavar="X",
        help="multiply every channel count of the stages; solve the blocks",
    )
    parser.add_argument(
        "--keep",
        choices=("params", "macs"),
        default="params",
        help="the figure to keep equal (default: params)",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=path_text,
        metavar="OUT",
        help="file (or folder) to write; default: <name>.yaml in the working folder",
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite an existing file"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the comparison, write nothing"
    )


def run(args: argparse.Namespace, config: Config) -> int:
    from archgen.analysis import clean, dump_spec
    from archgen.scale import ScaleError, by_cardinality, by_depth, by_width

    report = Report()
    compiled = compile_one(args.spec, config, report)
    if compiled is None:
        return report.status
    one, original = compiled
    assert original.document is not None
    source = original.document.display
    if service.blocking(original, config, ignore_lint=False):
        report.error(f"{source}: not scaled: fix the errors above first", EXIT_FINDINGS)
        return report.status
    data = original.document.data
    try:
        if args.cardinality is not None:
            flag = f"--cardinality {args.cardinality}"
            scaled = by_cardinality(data, args.cardinality, args.keep, config)
        elif args.depth_multiplier is not None:
            flag = f"--depth-multiplier {float(args.depth_multiplier):g}"
            scaled = by_depth(data, args.depth_multiplier, args.keep, config)
        else:
            flag = f"--width-multiplier {float(args.width_multiplier):g}"
            scaled = by_width(data, args.width_multiplier, args.keep, config)
    except ScaleError as error:
        report.error(f"archgen scale: {source}: {error}", EXIT_USAGE)
        return report.status
    target = _target(args.output, scaled.name)
    target_shown = shown(target)
    result = scaled.result
    if result.plan is None or result.complexity is None or not clean(result, config):
        report.show(list(result.diagnostics))
        report.error(
            f"{target_shown}: not written: the derived spec does not lint clean",
            EXIT_FINDINGS,
        )
        return report.status
    right = Side(result.plan, result.complexity, printable(target_shown))
    report.out.write(diff_text(side(original), right))
    changes = (
        f"params {scaled.change('params'):+.2%}, MACs {scaled.change('macs'):+.2%}"
    )
    report.say(f"\n{scaled.setting}: {changes}")
    for note in scaled.notes:
        report.say(f"note: {note}")
    if args.dry_run:
        report.note("archgen: dry run, nothing written")
        return EXIT_OK
    comment = (
        f"Derived from {printable(one.header_source(config))} by "
        f"`archgen scale {flag} --keep {args.keep}`:\n"
        f"{printable(scaled.setting)}; {changes}."
    )
    if target.suffix.lower() == ".json":
        text = json.dumps(scaled.data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = dump_spec(scaled.data, comment)
    if not report.write(target, target_shown, text, force=args.force):
        return report.status
    written = compile_spec(target, config, target_shown)
    if written.plan is None or written.failing(
        config
    ):  # archgen wrote what it cannot read
        report.diagnostics(list(written.diagnostics), config)
        report.fail(EXIT_FINDINGS)
    return report.status


def _target(output: str | None, name: str) -> Path:
    """``-o FILE``, ``-o FOLDER/`` (then ``FOLDER/<name>.yaml``), else the working folder's
    ``<name>.yaml``."""
    if output is None:
        return Path(f"{name}.yaml")
    target = Path(output)
    if target.is_dir() or output.endswith(("/", os.sep)):
        return target / f"{name}.yaml"
    return target
