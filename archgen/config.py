"""``[tool.archgen]`` in pyproject.toml: which rules run, at what severity, and where specs live.

    [tool.archgen]
    specs = ["specs"]          # what `archgen build` and `archgen lint` read by default
    output = "generated"       # where `archgen build` writes
    select = ["AG"]            # code prefixes to report (like ruff)
    ignore = ["AG401"]         # code prefixes to drop
    fail-on = "error"          # lowest severity that makes lint and build exit 1
    show-info = false          # print info findings, which ask for no action

    [tool.archgen.severity]
    AG205 = "error"

A spec's own ``lint:`` section (``ignore`` and ``severity``) applies on top, for that spec only.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from archgen import limits
from archgen.codes import CODES
from archgen.diagnostics import Diagnostic, Severity
from archgen.selection import code_problem, prefix_problem
from archgen.source import read_bounded

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

SeverityName = Literal["error", "warning", "info"]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    specs: list[str] = Field(default_factory=lambda: ["specs"])
    output: str = "generated"
    select: list[str] = Field(default_factory=lambda: ["AG"])
    ignore: list[str] = Field(default_factory=list)
    fail_on: SeverityName = Field("error", alias="fail-on")
    show_info: bool = Field(False, alias="show-info")
    severity: dict[str, SeverityName] = Field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    root: Path
    """The folder of the pyproject.toml read, or the working folder; relative paths start here."""
    specs: tuple[Path, ...] = (Path("specs"),)
    output: Path = Path("generated")
    select: tuple[str, ...] = ("AG",)
    ignore: tuple[str, ...] = ()
    fail_on: Severity = Severity.ERROR
    severity: dict[str, Severity] = field(default_factory=dict)
    show_info: bool = False
    """Print info findings, which ask for no action (``--show-info``; hidden by default)."""

    def with_rules(
        self,
        select: list[str] | None,
        ignore: list[str] | None,
        show_info: bool = False,
    ) -> Config:
        return Config(
            self.root,
            self.specs,
            self.output,
            tuple(select) if select else self.select,
            self.ignore + tuple(ignore or ()),
            self.fail_on,
            self.severity,
            self.show_info or show_info,
        )

    def shows(self, diagnostic: Diagnostic) -> bool:
        """Whether the command line prints a finding: info ones only when asked to, or when
        they fail the run (``fail-on = "info"``)."""
        return (
            self.show_info
            or diagnostic.severity > Severity.INFO
            or self.fail_on <= Severity.INFO
        )

    def apply(
        self,
        diagnostic: Diagnostic,
        spec_ignore: frozenset[str],
        spec_severity: dict[str, str],
    ) -> Diagnostic | None:
        """The diagnostic as configured, or None when it is not selected or is ignored."""
        code = diagnostic.code
        if not CODES[code].configurable:
            return diagnostic
        if not any(code.startswith(prefix) for prefix in self.select):
            return None
        if any(code.startswith(prefix) for prefix in (*self.ignore, *spec_ignore)):
            return None
        if code in spec_severity:
            return diagnostic.with_severity(Severity.parse(spec_severity[code]))
        if code in self.severity:
            return diagnostic.with_severity(self.severity[code])
        return diagnostic


class ConfigError(Exception):
    """pyproject.toml cannot be used; the CLI reports it as a usage error (exit 2)."""


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start``.

    The first one found is the one used, whatever it is: a directory or a broken link of that
    name is reported, not stepped over to a parent project's configuration.
    """
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if os.path.lexists(candidate):
            return candidate
    return None


def _kind(value: object) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), "a date or time")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = read_bounded(path, limits.MAX_FILE_BYTES)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigError(f"{path}: cannot read configuration: {reason}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ConfigError(
            f"{path}:{line}: cannot read configuration: byte 0x{raw[error.start]:02x} is "
            "not UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: cannot read configuration: {error}") from None
    except RecursionError:
        raise ConfigError(
            f"{path}: cannot read configuration: nested too deeply"
        ) from None


def load_config(start: Path, explicit: Path | None = None) -> Config:
    path = explicit if explicit is not None else find_pyproject(start.resolve())
    if path is None:
        return Config(root=start)
    document = _read_toml(path)
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: [tool] must be a table, found {_kind(tool)}")
    table = tool.get("archgen")
    if table is None:
        return Config(root=path.parent)
    if not isinstance(table, dict):
        raise ConfigError(
            f"{path}: [tool.archgen] must be a table, found {_kind(table)}"
        )
    try:
        settings = _Table.model_validate(table)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(["tool", "archgen", *(str(part) for part in first["loc"])])
        raise ConfigError(f"{path}: {where}: {first['msg']}") from None
    for key, entries in (("select", settings.select), ("ignore", settings.ignore)):
        for entry in entries:
            problem = prefix_problem(entry)
            if problem is not None:
                raise ConfigError(f"{path}: tool.archgen.{key}: {entry!a} {problem}")
    for code in settings.severity:
        problem = code_problem(code)
        if problem is not None:
            raise ConfigError(f"{path}: tool.archgen.severity: {code!a} {problem}")
    return Config(
        root=path.parent,
        specs=tuple(Path(entry) for entry in settings.specs),
        output=Path(settings.output),
        select=tuple(settings.select),
        ignore=tuple(settings.ignore),
        fail_on=Severity.parse(settings.fail_on),
        severity={
            code: Severity.parse(name) for code, name in settings.severity.items()
        },
        show_info=settings.show_info,
    )
