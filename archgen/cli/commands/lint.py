"""``archgen lint``: check specs; ``--fix`` rewrites the values with one correction, ``--diff``
prints those fixes as a patch."""

from __future__ import annotations

import argparse
import hashlib

from archgen import fixer, limits
from archgen.cli.arguments import codes
from archgen.cli.commands.common import show_info_option
from archgen.cli.formats import FORMATS
from archgen.cli.inputs import discover, name_clashes
from archgen.cli.patch import unified, write_bytes
from archgen.cli.report import EXIT_FINDINGS, EXIT_OK, Report, summary
from archgen.codes import CODES
from archgen.config import Config
from archgen.diagnostics import Diagnostic
from archgen.fixer import Applied
from archgen.pipeline import Compiled
from archgen.source import read_bounded
from archgen.text import printable

NAME = "lint"
HELP = "Check specs against the schema and the ResNeXt design rules."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from archgen.cli.commands.build import SPECS_HELP

    parser.add_argument("specs", nargs="*", metavar="SPEC_OR_DIR", help=SPECS_HELP)
    parser.add_argument("--format", choices=tuple(FORMATS), default="text")
    parser.add_argument(
        "--select",
        type=codes,
        metavar="CODES",
        help="comma-separated code prefixes to report",
    )
    parser.add_argument(
        "--ignore",
        type=codes,
        metavar="CODES",
        help="comma-separated code prefixes to drop",
    )
    parser.add_argument(
        "--list-rules", action="store_true", help="list every code and exit"
    )
    parser.add_argument(
        "--fix",
        action="store_true",
        help="rewrite the values that have exactly one correction, keeping comments and "
        "layout, and say what changed",
    )
    parser.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes as a unified diff (for patch -p0) instead of writing them",
    )
    show_info_option(parser)


def run(args: argparse.Namespace, config: Config) -> int:
    report = Report()
    if args.list_rules:
        for code in CODES.values():
            kind = "" if code.configurable else "  (always on)"
            report.say(
                f"{code.code}  {code.rule:<26} {code.severity.label:<8} {code.summary}{kind}"
            )
        return EXIT_OK
    config = config.with_rules(args.select, args.ignore, args.show_info)
    files, found = discover(args.specs, config)
    results = [one.compile(config) for one in files]
    fixed: list[Applied] = []
    changed = 0
    fixable = 0
    if args.fix or args.diff:
        results, fixed, changed = _fix_all(results, config, report, write=not args.diff)
    else:
        fixable = sum(fixer.fixable(result, config) for result in results)
    found += [d for r in results for d in r.diagnostics] + name_clashes(results)
    visible = [d for d in found if config.shows(d)]
    hidden = len(found) - len(visible)
    # With --diff, stdout carries the diff alone (for `patch`); what remains goes to stderr.
    fmt = "text" if args.diff else args.format
    report.diagnostics(visible, config, fmt, to_stderr=args.diff)
    verb = "would fix" if args.diff else "fixed"
    for applied in fixed:
        d = applied.diagnostic
        change = applied.change()
        report.note(
            f"{verb} {d.path}:{d.line}:{d.column}: {d.code} {applied.fix.text()}"
            + (f"; {change}" if change else "")
        )
    if args.format == "text" or args.diff:
        line = _summary_line(visible, hidden, fixable, fixed, changed, args.diff)
        report.note(line)
    if args.diff and changed:
        report.fail(EXIT_FINDINGS)
    return report.status


def _summary_line(
    visible: list[Diagnostic],
    hidden: int,
    fixable: int,
    fixed: list[Applied],
    changed: int,
    diff: bool,
) -> str:
    line = summary(visible, hidden, fixable)
    if not fixed:
        return line
    count = f"{len(fixed)} finding{'s' if len(fixed) != 1 else ''}"
    files = f"{changed} file{'s' if changed != 1 else ''}"
    if diff:
        return (
            f"Would fix {count} in {files} (`archgen lint --fix` applies the fixes); "
            f"then: {line}"
        )
    return f"Fixed {count} in {files}. {line}"


def _fix_all(
    results: list[Compiled], config: Config, report: Report, *, write: bool
) -> tuple[list[Compiled], list[Applied], int]:
    """Apply each spec's unique fixes: write them, or print them as a diff.

    Each file is reported as it is written; one that cannot be written is named and the others
    still go on. Returns the specs as compiled after their fixes (as before, for a file not
    written), the fixes applied and the number of files changed.
    """
    after: list[Compiled] = []
    applied: list[Applied] = []
    changed = 0
    for result in results:
        outcome = fixer.fix(result, config)
        if outcome is None or result.document is None:
            after.append(result)
            continue
        display = result.document.display
        if outcome.problem is not None:
            report.note(f"archgen: {display}: {outcome.problem}")
        if not outcome.changed:
            after.append(result)
            continue
        if write:
            if not _unchanged_on_disk(result, report):
                after.append(result)
                continue
            # The spec the user named is rewritten: forced, under the in-place policy.
            if not report.write(
                result.path, display, outcome.text, force=True, to_stderr=True
            ):
                after.append(result)
                continue
        else:
            write_bytes(unified(outcome.original, outcome.text, display), report.out)
        changed += 1
        applied += list(outcome.applied)
        after.append(outcome.result)
    return after, applied, changed


def _unchanged_on_disk(result: Compiled, report: Report) -> bool:
    assert result.document is not None
    display = result.document.display
    try:
        raw = read_bounded(result.path, limits.MAX_FILE_BYTES)
    except OSError as error:
        report.error(f"archgen: {display}: {printable(error.strerror or str(error))}")
        return False
    if hashlib.sha256(raw).hexdigest() != result.document.sha256:
        report.error(f"archgen: {display}: changed while being fixed; not written")
        return False
    return True
