"""``archgen init NAME NEW_SPEC``: a new spec started from a zoo spec, named after the file."""

from __future__ import annotations

import argparse
import errno
import json
import os
import re
import tempfile
from pathlib import Path

from archgen import zoo
from archgen.cli.arguments import path_text
from archgen.cli.inputs import SPEC_SUFFIXES
from archgen.cli.report import EXIT_USAGE, Report
from archgen.codes import diagnostic
from archgen.config import Config
from archgen.diagnostics import Diagnostic
from archgen.pipeline import compile_spec
from archgen.source import load

NAME = "init"
HELP = "Start a new spec from a zoo spec, named after the new file."

_NAME_LINE = re.compile(r"^name:[^\n]*$", re.MULTILINE)
_CLASS_NAME_LINE = re.compile(r"^class_name:[^\n]*\n", re.MULTILINE)
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="a zoo name (see `archgen list`)")
    parser.add_argument(
        "target",
        type=path_text,
        metavar="NEW_SPEC",
        help="the file to create (.yaml, .yml or .json); never overwritten",
    )


def run(args: argparse.Namespace, config: Config) -> int:
    report = Report()
    source = zoo.zoo_path(args.name)
    if source is None:
        message = (
            f"no zoo spec named '{args.name}'{zoo.suggestion(args.name)} "
            "(`archgen list` lists the zoo)"
        )
        report.diagnostics([diagnostic("AG001", message, args.name)], config)
        return EXIT_USAGE
    target = Path(args.target)
    shown = target.as_posix()
    if os.path.lexists(target):
        report.error(f"{shown}: already exists; archgen init never overwrites a file")
        return EXIT_USAGE
    suffix = target.suffix.lower()
    if suffix not in SPEC_SUFFIXES:
        report.error(
            f"{shown}: expected a spec file name ending in .yaml, .yml or .json"
        )
        return EXIT_USAGE
    text = renamed_spec(source, target.stem, as_json=suffix == ".json")
    # Checked before it is written: a file stem that cannot name a module is refused.
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / target.name
        trial.write_text(text, encoding="utf-8", newline="\n")
        result = compile_spec(trial, config, shown)
    if result.plan is None:
        report.diagnostics(list(result.diagnostics), config)
        report.error(f"{shown}: not written; name the file after a valid spec name")
        return EXIT_USAGE
    if report.write(target, shown, text, force=False):
        report.note(
            f"started {shown} from zoo spec {args.name}; edit it, then "
            f"`archgen show {shown}` and `archgen build {shown}`"
        )
    return report.status


def renamed_spec(source: Path, name: str, *, as_json: bool) -> str:
    """The zoo spec's text with ``name:`` set to ``name`` and ``class_name:`` dropped (the
    class then follows the new name). YAML keeps its comments; JSON is written anew."""
    document = load(source)
    if isinstance(document, Diagnostic):
        raise OSError(errno.EINVAL, document.message, str(source))
    if as_json:
        data = {
            key: value for key, value in document.data.items() if key != "class_name"
        }
        data["name"] = name
        return json.dumps(data, indent=2) + "\n"
    text = _CLASS_NAME_LINE.sub("", source.read_text(encoding="utf-8"))
    # Plain when YAML reads it back as the same text; quoted otherwise (`yes`, `null`, `1e3`).
    plain = _PLAIN_NAME.fullmatch(name) and name.lower() not in _YAML_WORDS
    value = name if plain else json.dumps(name)
    return _NAME_LINE.sub(lambda _: f"name: {value}", text, count=1)
