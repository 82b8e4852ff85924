"""The report of one command: what it printed, wrote and failed to write, and its exit code.

Exit codes: 0 success; 1 findings (lint errors at the failing severity, stale or protected
generated files, an existing target without ``--force``); 2 usage or I/O errors. The code of a
report is the worst of what happened.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from archgen.cli.formats import Text, format_named
from archgen.config import Config
from archgen.diagnostics import Diagnostic, Severity
from archgen.pipeline import is_io_error
from archgen.text import printable
from archgen.writer import WriteError, write_text

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class Report:
    """Counts, messages and the exit code of one command.

    Messages for the user go to stderr; results (tables, diffs, ``wrote PATH``) go to stdout.
    """

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self._out = out
        self._err = err
        self.status = EXIT_OK
        self.written = 0
        self.unchanged = 0
        self.failed = 0

    @property
    def out(self) -> TextIO:
        return self._out if self._out is not None else sys.stdout

    @property
    def err(self) -> TextIO:
        return self._err if self._err is not None else sys.stderr

    def fail(self, code: int) -> None:
        """Raise the exit code to ``code`` (it never goes down)."""
        self.status = max(self.status, code)

    def error(self, message: str, code: int = EXIT_USAGE) -> None:
        """One line on stderr, control characters escaped, and the exit code raised."""
        print(printable(message), file=self.err)
        self.fail(code)

    def note(self, message: str) -> None:
        """One line on stderr that changes no exit code."""
        print(printable(message), file=self.err)

    def say(self, message: str) -> None:
        """One line of results on stdout."""
        print(printable(message), file=self.out)

    def diagnostics(
        self,
        found: list[Diagnostic],
        config: Config,
        fmt: str = "text",
        *,
        to_stderr: bool = True,
    ) -> None:
        """Print findings and count them: an I/O error exits 2, a finding at ``fail-on`` 1."""
        self.show(found, fmt, to_stderr=to_stderr)
        self.fail(exit_code(found, config))

    def show(
        self, found: list[Diagnostic], fmt: str = "text", *, to_stderr: bool = True
    ) -> None:
        """Print findings without counting them."""
        if found or fmt in ("json", "markdown"):
            formatter = format_named(fmt) if fmt != "text" else Text()
            formatter.write(found, self.err if to_stderr else self.out)

    def write(
        self, path: Path, shown: str, text: str, *, force: bool, to_stderr: bool = False
    ) -> bool:
        """Write one file under archgen's write policy (:mod:`archgen.writer`), report it, and
        go on: a failure is named and raises the exit code, but does not stop the command."""
        try:
            write_text(path, text, force=force)
        except WriteError as error:
            self.failed += 1
            self.error(
                f"archgen: {shown}: {error.reason}",
                EXIT_FINDINGS if error.exists else EXIT_USAGE,
            )
            return False
        self.written += 1
        if to_stderr:  # stdout carries the command's output (lint --fix --format json)
            self.note(f"wrote {shown}")
        else:
            self.say(f"wrote {shown}")
        return True


def exit_code(diagnostics: list[Diagnostic], config: Config) -> int:
    if any(is_io_error(d) for d in diagnostics):
        return EXIT_USAGE
    if any(d.severity >= config.fail_on for d in diagnostics):
        return EXIT_FINDINGS
    return EXIT_OK


def summary(
    diagnostics: list[Diagnostic], hidden: int = 0, fixable: int | None = None
) -> str:
    """``Found 2 errors, 1 warning (1 fixable with `archgen lint --fix`).``

    ``fixable`` is how many findings ``--fix`` would resolve (default: those with one fix).
    """
    counts = {severity: 0 for severity in Severity}
    for d in diagnostics:
        counts[d.severity] += 1
    parts = [
        f"{counts[severity]} {severity.label}{'s' if counts[severity] != 1 else ''}"
        for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        if counts[severity]
    ]
    tail = (
        f" ({hidden} info finding{'s' if hidden != 1 else ''} hidden; --show-info shows "
        f"{'them' if hidden != 1 else 'it'})"
        if hidden
        else ""
    )
    if not parts:
        return f"All checks passed.{tail}"
    if fixable is None:
        fixable = sum(d.fix is not None for d in diagnostics)
    hint = f" ({fixable} fixable with `archgen lint --fix`)" if fixable else ""
    return "Found " + ", ".join(parts) + hint + "." + tail
