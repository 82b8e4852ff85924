"""Which codes ``--select``, ``--ignore``, ``[tool.archgen]`` and a spec's ``lint:`` may name.

A code that archgen does not have is a typo: it would silently select, ignore or re-grade
nothing. So each place that takes codes refuses unknown ones, with a suggestion. A *prefix*
(``AG``, ``AG3``, ``AG30``) is valid when some code starts with it; a severity needs a whole code
that can be configured (``AG0xx`` and ``AG1xx`` are always on, at severity error).
"""

from __future__ import annotations

import difflib
import re

from archgen.codes import CODES

_FORM = re.compile(r"AG[0-9]{0,3}\Z")
_PREFIXES = sorted({code[:end] for code in CODES for end in range(2, len(code) + 1)})


def _unknown(text: str, candidates: list[str], expected: str) -> str:
    close = difflib.get_close_matches(text.strip().upper(), candidates, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"is not {expected}{hint}"


def prefix_problem(text: str) -> str | None:
    """Why ``text`` cannot select or ignore codes (a predicate: "is not ..."), or None when some
    code starts with it."""
    if _FORM.match(text) and text in _PREFIXES:
        return None
    return _unknown(text, _PREFIXES, "an archgen code or a prefix of one")


def code_problem(text: str) -> str | None:
    """Why ``text`` cannot be given a severity (a predicate), or None when it is a configurable
    code."""
    entry = CODES.get(text)
    if entry is None:
        return _unknown(text, sorted(CODES), "an archgen code")
    if not entry.configurable:
        return "is always on, at severity error; its severity cannot be changed"
    return None
