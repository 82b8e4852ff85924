"""Where a fix that adds a key the spec leaves out goes in the file's text.

A key is added to a mapping whose values are all scalars (a stage, ``stem``, ``input``), after
its last value, in the mapping's own style: ``, stride: 2`` before the closing brace of a flow
mapping (or a JSON object), a new line at the keys' indentation in a block mapping, after any
comment that ends the last value's line. Anything else is not offered: the fixer reads its
result back and writes nothing that does not hold exactly the intended values.
"""

from __future__ import annotations

from typing import Any

from archgen.diagnostics import Loc
from archgen.source import Document


def insertion_point(document: Document, loc: Loc) -> tuple[int, str] | None:
    """Where to add the key ``loc[-1]`` to the mapping at ``loc[:-1]``, and the text that goes
    before ``key: value`` there; None when the key cannot be added safely."""
    parent_loc, key = loc[:-1], loc[-1]
    parent = _at(document.data, parent_loc)
    if not isinstance(parent, dict) or not parent or key in parent:
        return None
    if not isinstance(key, str):
        return None
    spans = document.source_map
    children = [(*parent_loc, name) for name in parent]
    if any(c not in spans.key_spans or c not in spans.value_spans for c in children):
        return None  # a nested value, or a value written elsewhere (an alias, compact form)
    text = document.text
    first = min(spans.key_spans[c][0] for c in children)
    last = max(spans.value_spans[c][1] for c in children)
    before = text[:first].rstrip(" \t")
    if before.endswith(("{", ",")):  # a flow mapping (or JSON object)
        closing = _skip_space(text, last)
        if closing >= len(text) or text[closing] != "}":
            return None
        return last, ", "
    line_start = text.rfind("\n", 0, first) + 1
    indent = text[line_start:first]
    if indent.strip(" ") not in ("", "-"):
        return None
    end = text.find("\n", last)
    end = len(text) if end < 0 else end
    if text[last:end].strip() and not text[last:end].strip().startswith("#"):
        return None
    if end > 0 and text[end - 1] == "\r":
        end -= 1
    newline = "\r\n" if text[end : end + 2] == "\r\n" else "\n"
    return end, newline + " " * len(indent)


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _at(data: Any, loc: Loc) -> Any:
    for part in loc:
        inside = (isinstance(data, dict) and part in data) or (
            isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        )
        if not inside:
            return None
        data = data[part]
    return data
