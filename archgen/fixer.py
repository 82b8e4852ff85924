"""Apply fixes to spec files: ``archgen lint --fix`` and ``--diff``.

A fix replaces the text of one value (or renames one key) at the exact span the reader recorded,
so everything else in the file stays byte for byte as it was: comments, layout, quoting, flow or
block style, key order, line endings, a byte-order mark. YAML and JSON are edited alike. After
editing, the new text is read again and must hold exactly the intended values, or nothing is
written. Only fixes that are the one correction of their finding are applied; a finding with
several valid corrections is left for the user, with its choices listed.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

from archgen.complexity import Cost
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

MAX_ROUNDS = 64
"""Fixing one value can reveal another finding with a unique fix (a key renamed, then its value,
then a rule that could not run before): passes go on while a pass fixes something, at most this
many, and stop at a text already seen."""

_BOM = "\ufeff"
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]x[0-9]")
_NOT_TEXT = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
"""Plain scalars some YAML reader takes for a boolean or null: such text is quoted."""


@dataclass(frozen=True)
class Applied:
    """A fix that was applied, and the finding it resolved (as reported before the fix)."""

    diagnostic: Diagnostic
    fix: Fix
    before: Cost | None = None
    """Parameters and MACs of the network before the fix (None: no network then)."""
    after: Cost | None = None
    """... and with this fix alone applied."""

    def change(self) -> str:
        """``params 23.5 M -> 25.6 M (+8.9 %), MACs 4.09 G -> 4.23 G (+3.5 %)``; "" without
        figures on both sides."""
        if self.before is None or self.after is None:
            return ""
        return ", ".join(
            f"{what} {_quantity(old)} -> {_quantity(new)}{_percent(old, new)}"
            for what, old, new in (
                ("params", self.before.params, self.after.params),
                ("MACs", self.before.macs, self.after.macs),
            )
        )


def _quantity(value: int) -> str:
    if value >= 1_000_000_000:
        return f"{value / 1e9:.2f} G"
    if value >= 1_000_000:
        return f"{value / 1e6:.1f} M"
    return f"{value:,}"


def _percent(old: int, new: int) -> str:
    return f" ({(new - old) / old * 100:+.1f} %)" if old else ""


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
    """The outcome of applying every unique fix of ``compiled``, pass after pass; None without
    a document."""
    document = compiled.document
    if document is None:
        return None
    bom = _BOM if document.bom else ""
    original = bom + document.text
    applied: list[Applied] = []
    current = compiled
    seen = {document.text}
    for _ in range(MAX_ROUNDS):
        assert current.document is not None
        chosen, edited = _pass(current.document, _unique(current.diagnostics))
        if edited is None or edited in seen:
            break
        seen.add(edited)
        reread = parse(document.path, document.display, (bom + edited).encode("utf-8"))
        assert isinstance(reread, Document)  # edit() read it back
        applied += [
            Applied(d, f, *_costs(current, f, config, override)) for d, f in chosen
        ]
        current = compile_document(reread, config, override=override)
    if not applied and _unique(compiled.diagnostics):
        return Outcome(
            original,
            original,
            (),
            compiled,
            "the fixes could not be applied without changing other values; "
            "nothing was changed",
        )
    assert current.document is not None
    return Outcome(original, bom + current.document.text, tuple(applied), current)


def fixable(compiled: Compiled, config: Config) -> int:
    """How many findings ``--fix`` fixes in ``compiled``: a dry run of every pass, so a finding
    that only shows once another is fixed (a typo hiding a design mistake) counts too."""
    if not any(d.fix is not None for d in compiled.diagnostics):
        return 0
    outcome = fix(compiled, config)
    return len(outcome.applied) if outcome is not None and outcome.changed else 0


def _pass(
    document: Document, chosen: list[tuple[Diagnostic, Fix]]
) -> tuple[list[tuple[Diagnostic, Fix]], str | None]:
    """The fixes of one pass that apply, and the text with them; all together when they can
    be, else those that apply alone (None: none applies)."""
    if not chosen:
        return [], None
    edited = edit(document, [f for _, f in chosen])
    if edited is not None:
        return chosen, edited
    alone = [pair for pair in chosen if edit(document, [pair[1]]) is not None]
    if not alone or len(alone) == len(chosen):
        return [], None
    return _pass(document, alone)


def _costs(
    compiled: Compiled, one: Fix, config: Config, override: InputOverride | None
) -> tuple[Cost | None, Cost | None]:
    """Parameters and MACs before ``one`` and with ``one`` alone applied."""
    document = compiled.document
    before = compiled.complexity
    if document is None or before is None:
        return None, None
    data = apply_to_data(document.data, one)
    if data is None:
        return before.total, None
    after = compile_document(
        dataclasses.replace(document, data=data),
        config,
        override=override,
        suggest=False,
    ).complexity
    return before.total, (after.total if after is not None else None)


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
    # Quoted like the key written before it (a double-quoted YAML key stays double-quoted).
    spans = document.source_map.key_spans
    previous = max(
        (span for loc, span in spans.items() if loc[:-1] == one.loc[:-1]),
        default=(0, 0),
    )
    written = document.text[previous[0] : previous[1]]
    name = _text(key, written, is_json)
    value = _text(one.new, "", is_json)
    return (index, index), f"{before}{name}: {value}"


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
