"""What the command line and the Python API both do, each policy once.

* :func:`resolve`: a spec argument (a path, a zoo name) to the file it names; an empty argument
  and a NUL character are errors, a local path wins over a zoo name.
* :func:`document_of`: a mapping to a document, read exactly as the same spec in a file is, so
  that it gets the same findings, root causes and fixes.
* :func:`blocking`: the one policy that refuses to build a spec with lint findings.
* :func:`header_source`: what a generated header records as the spec's source (install- and
  machine-independent).
* :func:`render_compiled` and :func:`module_of`: the module a compiled spec gives, and how the
  file on disk stands against it (current, stale, missing, edited, not archgen's).
* Writing is :mod:`archgen.writer`'s one policy.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archgen import limits, zoo
from archgen.codes import CODES, diagnostic
from archgen.config import Config
from archgen.diagnostics import Diagnostic, sort_key
from archgen.output import State, read_existing, state_of
from archgen.pipeline import Compiled
from archgen.source import Document, parse
from archgen.text import printable

DICT_DISPLAY = "<dict>"
"""How a spec given as a mapping is named in diagnostics and in a rendered module's header."""

MAX_INT_DIGITS = limits.MAX_NUMBER_LENGTH
"""An integer in a mapping with more digits than a spec file may write is refused."""


class ArchgenError(Exception):
    """A spec that cannot be loaded, validated, lowered or built; ``diagnostics`` say where."""

    diagnostics: tuple[Diagnostic, ...]

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
        self.diagnostics = tuple(sorted(diagnostics, key=sort_key))
        super().__init__(
            "\n".join(
                printable(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}")
                for d in self.diagnostics
            )
        )

    def __reduce__(self) -> tuple[type[ArchgenError], tuple[tuple[Diagnostic, ...]]]:
        # Pickled with its diagnostics (multiprocessing), not with the message made of them.
        return (ArchgenError, (self.diagnostics,))


def argument_problem(argument: str, shown: str | None = None) -> Diagnostic | None:
    """AG001 for an argument that can name nothing: empty, or holding a NUL character."""
    where = shown if shown is not None else printable(argument)
    if argument == "":
        return diagnostic(
            "AG001",
            "an empty argument; expected a spec file, a folder or a zoo name",
            '""',
        )
    if "\0" in argument:
        return diagnostic("AG001", "a path holding a NUL character", where)
    return None


def resolve(argument: str | os.PathLike[str]) -> tuple[Path, str | None] | Diagnostic:
    """The file a spec argument names, and its zoo name when it names one by name.

    A path that exists (even a broken link) is a path; a string written as a name that names no
    local file may name a zoo spec.
    """
    if not isinstance(argument, str | os.PathLike):
        return diagnostic(
            "AG001",
            f"expected a path, a zoo name or a mapping, found a {type(argument).__name__}",
            "<spec>",
        )
    text = os.fspath(argument)
    if not isinstance(text, str):
        return diagnostic("AG001", "expected a path as text, found bytes", repr(text))
    problem = argument_problem(text)
    if problem is not None:
        return problem
    path = Path(text)
    if os.path.lexists(path):
        return path, None
    if isinstance(argument, str):
        in_zoo = zoo.lookup(argument)
        if in_zoo is not None:
            return in_zoo, argument
    return zoo.not_found(text if isinstance(argument, str) else "", text)


def document_of(data: Mapping[str, Any]) -> Document:
    """The document a spec file holding ``data`` would be (as JSON), named ``<dict>``.

    Raises ArchgenError naming the first value that is not plain data.
    """
    plain = _plain(data, ())
    text = json.dumps(plain, indent=2, ensure_ascii=False)
    document = parse(Path(f"{DICT_DISPLAY}.json"), DICT_DISPLAY, text.encode("utf-8"))
    if isinstance(document, Diagnostic):
        raise ArchgenError([document])
    return document


def edited(document: Document, data: Mapping[str, Any]) -> Document:
    """``document`` holding ``data`` instead (a spec edited by arguments): positions stay those
    of the file, for the keys it has. Raises ArchgenError naming a value that is not plain."""
    from dataclasses import replace

    plain = _plain(data, ())
    assert isinstance(plain, dict)
    return replace(document, data=plain)


def at_start(diagnostics: tuple[Diagnostic, ...]) -> list[Diagnostic]:
    """A mapping's diagnostics at ``<dict>:1:1``: its lines are those of no file the user has."""
    from dataclasses import replace

    return [
        replace(d, line=1, column=1) if d.path == DICT_DISPLAY else d
        for d in diagnostics
    ]


def _refused(code: str, message: str) -> ArchgenError:
    return ArchgenError([diagnostic(code, message, DICT_DISPLAY)])


def _plain(value: object, loc: tuple[str | int, ...]) -> object:
    """A copy of ``value`` as plain data, or ArchgenError naming the first value that is not."""
    where = ".".join(str(part) for part in loc) or "the spec"
    if len(loc) > limits.MAX_DEPTH:
        raise _refused("AG008", f"nested deeper than {limits.MAX_DEPTH} levels")
    if isinstance(value, Mapping):
        copied: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _refused(
                    "AG103",
                    f"{where}: key {key!r} is a {type(key).__name__}; expected a string",
                )
            copied[key] = _plain(item, (*loc, key))
        return copied
    if isinstance(value, list | tuple):
        return [_plain(item, (*loc, index)) for index, item in enumerate(value)]
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_DIGITS * 3.33:
            raise _refused(
                "AG008",
                f"{where}: an integer of more than {MAX_INT_DIGITS} digits",
            )
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise _refused("AG104", f"{where}: expected a finite number, found {value!r}")
    if value is None or isinstance(value, str | float | bool):
        return value
    raise _refused(
        "AG103",
        f"{where}: expected plain data (a mapping, list, string, number, boolean or None), "
        f"found a {type(value).__name__}",
    )


def blocking(
    compiled: Compiled, config: Config, *, ignore_lint: bool
) -> list[Diagnostic]:
    """The findings that keep a spec from being built: those at ``fail-on`` or above; with
    ``ignore_lint``, only those that are not rule findings (there is then no network)."""
    return [
        d
        for d in compiled.diagnostics
        if d.severity >= config.fail_on
        and not (ignore_lint and CODES[d.code].configurable)
    ]


def header_source(path: Path, zoo_name: str | None, root: Path) -> str:
    """What a module's header records as its spec: the zoo name for a spec named by it, else the
    spec's path relative to the project's folder (``root``), with / separators.

    Neither depends on where archgen is installed or where the output goes, so ``build --check``
    gives the same answer on every machine.
    """
    if zoo_name is not None:
        return zoo_name
    if str(path) == DICT_DISPLAY:
        return DICT_DISPLAY
    real, base = os.path.realpath(path), os.path.realpath(root)
    try:
        return Path(os.path.relpath(real, base)).as_posix()
    except ValueError:  # another drive on Windows
        return path.name


@dataclass(frozen=True)
class Module:
    """A generated module as it should be, and as it is on disk."""

    target: Path
    expected: str
    existing: str | None
    """The file's text now; None when there is none."""
    state: State


def module_of(compiled: Compiled, source: str, out_dir: Path) -> Module:
    """Render a compiled spec's module and compare it with the file in ``out_dir`` (check)."""
    assert compiled.plan is not None
    target = out_dir / f"{compiled.plan.name}.py"
    expected = render_compiled(compiled, source)
    existing = read_existing(target)
    return Module(target, expected, existing, state_of(existing, expected))


def render_compiled(compiled: Compiled, source: str) -> str:
    """The module of a compiled spec (jinja2 is imported here, when first needed)."""
    from archgen.render import render

    assert compiled.plan is not None and compiled.complexity is not None
    return render(compiled.plan, compiled.complexity, source, compiled.spec_sha256)
