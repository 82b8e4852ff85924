"""Diagnostics: every problem archgen finds is a value of this type until the CLI prints it."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass

Loc = tuple[str | int, ...]
"""A path into a spec document: mapping keys and sequence indices, as Pydantic reports them."""


class Severity(enum.IntEnum):
    """Ordered so that ``severity >= Severity.WARNING`` reads naturally."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    def __str__(self) -> str:
        """``error``, not ``3``: severities print as names."""
        return self.label

    def __format__(self, spec: str) -> str:
        return format(self.label, spec)

    def __repr__(self) -> str:
        return f"Severity.{self.name}"

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


@dataclass(frozen=True)
class Fix:
    """One edit of a spec file: the value at ``loc`` becomes ``new``.

    ``loc`` is where the value is written in the file (``("stages", 2, "planes")``, or
    ``("planes", 2)`` for an item of the compact form), so that a fix can be applied to the text.
    With ``key`` set, the edit renames the key at ``loc`` (``old`` and ``new`` are key names).
    With ``insert`` set, the spec leaves the key out and the edit adds it (``old`` is None).
    """

    loc: Loc
    old: object
    new: object
    key: bool = False
    insert: bool = False

    @property
    def name(self) -> str:
        return self.named()

    def named(self, qualified: bool = False) -> str:
        """The key as the user wrote it: ``planes`` in a stage (the message names the stage),
        ``planes[2]`` for an item of the compact form, ``defaults.cardinality`` or
        ``stem.width`` elsewhere."""
        if not self.loc:
            return "the spec"
        last = self.loc[-1]
        if isinstance(last, int):
            parent = self.loc[-2] if len(self.loc) > 1 else ""
            return f"{parent}[{last}]"
        if len(self.loc) == 3 and self.loc[0] == "stages":
            return f"stages[{self.loc[1]}].{last}" if qualified else str(last)
        return ".".join(str(part) for part in self.loc if not isinstance(part, int))

    def text(self, qualified: bool = False) -> str:
        """``planes: 192 -> planes: 256``; for a renamed key ``cardinalty -> cardinality``.
        ``qualified`` names a stage's key with its stage (``stages[1].stride``)."""
        if self.key:
            return f"{self.old} -> {self.new}"
        name = self.named(qualified)
        if self.insert:
            return f"add {name}: {literal(self.new)}"
        return f"{name}: {literal(self.old)} -> {name}: {literal(self.new)}"

    def to_json(self) -> dict[str, object]:
        result: dict[str, object] = {
            "loc": list(self.loc),
            "old": self.old,
            "new": self.new,
            "key": self.key,
        }
        if self.insert:
            result["insert"] = True
        return result


def literal(value: object) -> str:
    """A value as a spec would write it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def fixes_text(fixes: tuple[Fix, ...]) -> str:
    """``planes: 192 -> planes: 256``; alternatives grouped by key: ``groups: 32 -> groups: 25,
    50 or 10; or width: 250 -> width: 256``."""
    by_key: dict[tuple[Loc, bool, bool], list[Fix]] = {}
    for fix in fixes:
        by_key.setdefault((fix.loc, fix.key, fix.insert), []).append(fix)
    # Keys of two different stages: say which stage each belongs to.
    stages = {f.loc[:2] for f in fixes if len(f.loc) == 3 and f.loc[0] == "stages"}
    qualified = len(stages) > 1
    parts = []
    for same in by_key.values():
        first = same[0]
        if len(same) == 1:
            parts.append(first.text(qualified))
            continue
        values = [literal(fix.new) for fix in same]
        listed = ", ".join(values[:-1]) + " or " + values[-1]
        if first.key:
            parts.append(f"{first.old} -> {listed}")
        elif first.insert:
            parts.append(f"add {first.named(qualified)}: {listed}")
        else:
            name = first.named(qualified)
            parts.append(f"{name}: {literal(first.old)} -> {name}: {listed}")
    return "; or ".join(parts)


@dataclass(frozen=True)
class Diagnostic:
    """One finding, located at a line and column (both 1-based) of a file.

    ``fixes`` are the edits that would each resolve it; exactly one means the fix is unique and
    ``archgen lint --fix`` applies it. ``also`` names the codes of findings that followed from
    the same value and were folded into this one.
    """

    code: str
    rule: str
    severity: Severity
    message: str
    path: str
    line: int = 1
    column: int = 1
    fixes: tuple[Fix, ...] = ()
    also: tuple[str, ...] = ()

    @property
    def fix(self) -> Fix | None:
        """The one edit that resolves this finding, if there is exactly one."""
        return self.fixes[0] if len(self.fixes) == 1 else None

    def with_severity(self, severity: Severity) -> Diagnostic:
        return dataclasses.replace(self, severity=severity)

    def to_json(self) -> dict[str, object]:
        result: dict[str, object] = {
            "code": self.code,
            "rule": self.rule,
            "severity": self.severity.label,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "fixes": [fix.to_json() for fix in self.fixes],
        }
        if self.also:
            result["also"] = list(self.also)
        return result


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, str]:
    return (diagnostic.path, diagnostic.line, diagnostic.column, diagnostic.code)
