"""``archgen rule CODE``: what a rule checks, why, a bad and a good example, and its fix."""

from __future__ import annotations

import argparse

from archgen.cli.report import EXIT_OK, EXIT_USAGE, Report
from archgen.codes import CODES
from archgen.config import Config
from archgen.selection import code_problem

NAME = "rule"
HELP = "Explain a lint code: what it checks, an example that breaks it and one that keeps it."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", metavar="CODE", help="a code such as AG302")


def run(args: argparse.Namespace, config: Config) -> int:
    report = Report()
    code = args.code.strip().upper()
    entry = CODES.get(code)
    if entry is None:
        problem = code_problem(code) or "is not a code"
        report.error(
            f"archgen rule: {args.code!a} {problem}; `archgen lint --list-rules` lists them",
            EXIT_USAGE,
        )
        return report.status
    always = "" if entry.configurable else " (always on: cannot be ignored)"
    report.say(f"{entry.code} {entry.rule}")
    report.say("")
    report.say(f"{entry.summary}.")
    report.say(f"Default severity: {entry.severity.label}{always}.")
    for title, text in (
        ("Why", entry.explanation),
        ("Example that breaks it", entry.bad),
        ("Example that keeps it", entry.good),
        ("Fix", entry.fix),
    ):
        if text:
            report.say("")
            report.say(f"{title}:")
            for line in text.rstrip("\n").split("\n"):
                report.say(f"    {line}" if line else "")
    return EXIT_OK
