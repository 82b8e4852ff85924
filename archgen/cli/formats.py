"""How diagnostics are printed: one small class per format, chosen by name (``--format``)."""

from __future__ import annotations

import json
from typing import ClassVar, TextIO

from archgen.diagnostics import Diagnostic, Severity, sort_key
from archgen.text import printable


class Format:
    """Prints a sorted list of diagnostics to a stream."""

    name: ClassVar[str] = ""

    def write(self, diagnostics: list[Diagnostic], out: TextIO) -> None:
        ordered = sorted(diagnostics, key=sort_key)
        for line in self.lines(ordered):
            print(line, file=out)

    def lines(self, diagnostics: list[Diagnostic]) -> list[str]:
        raise NotImplementedError


class Text(Format):
    """``path:line:col: CODE [severity] message``, the severity named unless it is an error."""

    name = "text"

    def lines(self, diagnostics: list[Diagnostic]) -> list[str]:
        return [
            printable(
                f"{d.path}:{d.line}:{d.column}: {d.code}"
                f"{'' if d.severity is Severity.ERROR else f' [{d.severity.label}]'} "
                f"{d.message}"
            )
            for d in diagnostics
        ]


class Json(Format):
    """One JSON array of every diagnostic (``Diagnostic.to_json``)."""

    name = "json"

    def lines(self, diagnostics: list[Diagnostic]) -> list[str]:
        return [json.dumps([d.to_json() for d in diagnostics], indent=2)]


def gh_data(text: str) -> str:
    """A GitHub workflow command's message, escaped."""
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def gh_property(text: str) -> str:
    """A GitHub workflow command's property value, escaped."""
    return gh_data(text).replace(":", "%3A").replace(",", "%2C")


class Github(Format):
    """GitHub Actions workflow commands: annotations on the pull request's files."""

    name = "github"
    LEVEL: ClassVar[dict[Severity, str]] = {
        Severity.ERROR: "error",
        Severity.WARNING: "warning",
        Severity.INFO: "notice",
    }

    def lines(self, diagnostics: list[Diagnostic]) -> list[str]:
        return [
            f"::{self.LEVEL[d.severity]} file={gh_property(d.path)},line={d.line},"
            f"col={d.column},title={d.code} {d.rule}::{gh_data(d.message)}"
            for d in diagnostics
        ]


class Markdown(Format):
    """A Markdown table, for a pull-request comment or a report."""

    name = "markdown"

    def lines(self, diagnostics: list[Diagnostic]) -> list[str]:
        if not diagnostics:
            return ["No findings."]
        rows = ["| where | code | severity | message |", "|---|---|---|---|"]
        for d in diagnostics:
            cells = [
                f"`{d.path}:{d.line}:{d.column}`",
                f"{d.code} {d.rule}",
                d.severity.label,
                d.message,
            ]
            rows.append(
                "| "
                + " | ".join(printable(c).replace("|", "\\|") for c in cells)
                + " |"
            )
        return rows


FORMATS: dict[str, type[Format]] = {
    cls.name: cls for cls in (Text, Json, Github, Markdown)
}


def format_named(name: str) -> Format:
    return FORMATS[name]()
