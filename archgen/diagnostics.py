"""Diagnostics: every problem archgen finds is a value of this type until the CLI prints it."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.IntEnum):
    """Ordered so that ``severity >= Severity.WARNING`` reads naturally."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


@dataclass(frozen=True)
class Diagnostic:
    """One finding, located at a line and column (both 1-based) of a file."""

    code: str
    rule: str
    severity: Severity
    message: str
    path: str
    line: int = 1
    column: int = 1

    def with_severity(self, severity: Severity) -> Diagnostic:
        return Diagnostic(
            self.code,
            self.rule,
            severity,
            self.message,
            self.path,
            self.line,
            self.column,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "rule": self.rule,
            "severity": self.severity.label,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
        }


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, str]:
    return (diagnostic.path, diagnostic.line, diagnostic.column, diagnostic.code)
