"""``archgen list [PATTERN]``: the zoo, filtered with a glob as ``timm.list_models`` does, with
each spec's layout and the reference implementation whose weights it loads."""

from __future__ import annotations

import argparse
import fnmatch
import json

from archgen import zoo
from archgen.cli.inputs import shown
from archgen.cli.report import EXIT_USAGE, Report
from archgen.config import Config
from archgen.pipeline import compile_spec

NAME = "list"
HELP = "List the zoo: the specs archgen ships, with params, MACs and reference weights."

_REFERENCE = {
    "torchvision": "torchvision.models.{name}",
    "timm": "timm.create_model('{name}')",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "pattern",
        nargs="?",
        default="*",
        metavar="PATTERN",
        help="a glob on the names, as timm.list_models: 'resnext*', '*50*' (default: all)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def reference(layout: str, name: str) -> str:
    """The call that makes the reference model whose weights a zoo spec's module loads."""
    return _REFERENCE.get(layout, "{name}").format(name=name)


def entries(pattern: str, report: Report) -> list[dict[str, object]]:
    """Every zoo spec whose name matches ``pattern`` (case-insensitive), with its figures.

    The project's lint configuration does not apply: the zoo is listed, not checked.
    """
    found: list[dict[str, object]] = []
    matching = [
        n for n in zoo.zoo_names() if fnmatch.fnmatch(n.lower(), pattern.lower())
    ]
    for name in matching:
        path = zoo.zoo_dir() / f"{name}{zoo.SUFFIX}"
        result = compile_spec(path, Config(zoo.zoo_dir()), shown(path))
        if result.plan is None or result.complexity is None:
            report.diagnostics(list(result.diagnostics), Config(zoo.zoo_dir()))
            continue
        overall = result.complexity.total
        found.append(
            {
                "name": name,
                "spec": shown(path),
                "layout": result.plan.layout,
                "reference": reference(result.plan.layout, name),
                "input": {
                    "channels": result.plan.in_channels,
                    "image_size": result.plan.image_size,
                },
                "params": overall.params,
                "macs": overall.macs,
                "acts": overall.acts,
                "description": result.plan.description,
            }
        )
    return found


def run(args: argparse.Namespace, config: Config) -> int:
    report = Report()
    if args.pattern == "":
        report.error(
            "archgen list: an empty pattern; expected a glob such as 'resnext*'"
        )
        return EXIT_USAGE
    found = entries(args.pattern, report)
    if args.format == "json":
        report.out.write(json.dumps(found, indent=2) + "\n")
        return report.status
    if not found:
        report.error(
            f"archgen list: no zoo spec matches {args.pattern!a}"
            f"{zoo.suggestion(args.pattern.strip('*'))}",
            1,
        )
        return report.status
    cells = [["name", "layout", "params", "MACs", "reference"]]
    for entry in found:
        cells.append(
            [
                str(entry["name"]),
                str(entry["layout"]),
                f"{entry['params']:,}",
                f"{entry['macs']:,}",
                str(entry["reference"]),
            ]
        )
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    for row in cells:
        report.say(
            f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  "
            f"{row[3]:>{widths[3]}}  {row[4]}".rstrip()
        )
    return report.status
