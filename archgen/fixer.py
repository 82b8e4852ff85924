"""Apply fixes to spec files: ``archgen lint --fix`` and ``--diff``.

A fix replaces the text of one value (or renames one key) at the exact span the reader recorded,
so everything else in the file stays byte for byte as it was: comments, layout, quoting, flow or
block style, key order, line endings, a byte-order mark. YAML and JSON are edited alike. After
editing, the new text is read again and must hold exactly the intended values, or nothing is
written. Only fixes that are the one correction of their finding are applied; a finding with
several valid corrections is left for the user, with its choices listed.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

from archgen.config import Config
from archgen.diagnostics import Diagnostic, Fix
from archgen.pipeline import (
    Compiled,
    InputOverride,
    apply_to_data,
    compile_document,
)
from archgen.source import Document, parse
from archgen.textedit import insertion_point

ROUNDS = 4
"""Fixing one value can reveal another finding with a unique fix; at most this many passes."""

_BOM = "\ufeff"
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]x[0-9]")
_NOT_TEXT = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
"""Plain scalars some YAML reader takes for a boolean or null: such text is quoted."""


@dataclass(frozen=True)
class Applied:
    """A fix that was applied, and the finding it resolved (as reported before the fix)."""

    diagnostic: Diagnostic
    fix: Fix


@dataclass(frozen=True)
class Outcome:
    original: str
    """The file's text before, as read (with a byte-order mark if it had one)."""
    text: str
    """The file's text after the fixes."""
    applied: tuple[Applied, ...]
    result: Compiled
    """The file compiled after the fixes: the findings that remain."""
    problem: str | None = None
    """Why no fix could be applied safely, if so."""

    @property
    def changed(self) -> bool:
        return self.text != self.original


def fix(
    compiled: Compiled, config: Config, override: InputOverride | None = None
) -> Outcome | None:
    """The outcome of applying every unique fix of ``compiled``; None without a document."""
    document = compiled.document
    if document is None:
        return None
    bom = _BOM if document.bom else ""
    original = bom + document.text
    applied: list[Applied] = []
    current = compiled
    for _ in range(ROUNDS):
        assert current.document is not None
        chosen = _unique(current.diagnostics)
        if not chosen:
            break
        edited = edit(current.document, [f for _, f in chosen])
        reread = (
            None
            if edited is None
            else parse(document.path, document.display, (bom + edited).encode("utf-8"))
        )
        if not isinstance(reread, Document):
            if applied:
                break  # keep what the earlier passes did
            return Outcome(
                original,
                original,
                (),
                compiled,
                "the fixes could not be applied without changing other values; "
                "nothing was changed",
            )
        current = compile_document(reread, config, override=override)
        applied += [Applied(d, f) for d, f in chosen]
    assert current.document is not None
    return Outcome(original, bom + current.document.text, tuple(applied), current)


def _unique(diagnostics: tuple[Diagnostic, ...]) -> list[tuple[Diagnostic, Fix]]:
    """The diagnostics with exactly one fix, less those whose fixes contradict each other."""
    chosen: dict[tuple[object, ...], tuple[Diagnostic, Fix]] = {}
    contested: set[tuple[object, ...]] = set()
    for diagnostic in diagnostics:
        one = diagnostic.fix
        if one is None:
            continue
        target = (one.loc, one.key)
        if target in chosen and chosen[target][1] != one:
            contested.add(target)
        chosen.setdefault(target, (diagnostic, one))
    return [pair for target, pair in chosen.items() if target not in contested]


def edit(document: Document, fixes: list[Fix]) -> str | None:
    """The document's text with ``fixes`` applied; None when one cannot be applied exactly.

    Each fix replaces the text of its value (or key) in place. The result is read again and must
    give the document's data with exactly these fixes applied.
    """
    spans = []
    expected: dict[str, Any] | None = document.data
    is_json = document.path.suffix == ".json"
    for one in fixes:
        if one.insert:
            added = _added(document, one, is_json)
            if added is None or expected is None:
                return None
            expected = apply_to_data(expected, one)
            spans.append(added)
            continue
        recorded = (
            document.source_map.key_spans
            if one.key
            else document.source_map.value_spans
        )
        span = recorded.get(one.loc)
        if span is None or expected is None:
            return None
        expected = apply_to_data(expected, one)
        written = document.text[span[0] : span[1]]
        spans.append((span, _text(one.new, written, is_json)))
    if expected is None:
        return None
    spans.sort()
    for (first, _), (second, _) in itertools.pairwise(spans):
        if first[1] > second[0]:
            return None  # overlapping edits
    text = document.text
    for (start, end), replacement in reversed(spans):
        text = text[:start] + replacement + text[end:]
    reread = parse(document.path, document.display, text.encode("utf-8"))
    if isinstance(reread, Diagnostic) or reread.data != expected:
        return None
    if any(_loose(a, b) for a, b in _pairs(reread.data, expected)):
        return None
    return text


def _added(
    document: Document, one: Fix, is_json: bool
) -> tuple[tuple[int, int], str] | None:
    """The empty span where a key the spec leaves out goes, and the text that adds it."""
    point = insertion_point(document, one.loc)
    if point is None:
        return None
    index, before = point
    key = str(one.loc[-1])
    name = json.dumps(key) if is_json else _text(key, "", False)
    return (index, index), f"{before}{name}: {_text(one.new, '', is_json)}"


def _pairs(one: object, other: object) -> list[tuple[object, object]]:
    """Every pair of scalars at one place in two equal structures (to compare their types)."""
    if isinstance(one, dict) and isinstance(other, dict):
        return [pair for key in one for pair in _pairs(one[key], other.get(key))]
    if isinstance(one, list) and isinstance(other, list):
        return [pair for a, b in zip(one, other, strict=False) for pair in _pairs(a, b)]
    return [(one, other)]


def _loose(one: object, other: object) -> bool:
    """Equal but of different types (1 == 1.0 == True): not what the fix meant."""
    return type(one) is not type(other)


def _text(value: object, written: str, is_json: bool) -> str:
    """``value`` as the file should write it, in the style of the text it replaces."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if is_json or written.startswith('"'):
        return json.dumps(text)
    if written.startswith("'"):
        return "'" + text.replace("'", "''") + "'"
    if _PLAIN.fullmatch(text) and text.lower() not in _NOT_TEXT:
        return text
    return json.dumps(text)
