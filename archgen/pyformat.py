"""Lay out a Python expression the way ``ruff format`` does, for the few forms archgen emits.

The templates write each expression on one line; :func:`layout` breaks it like ruff would when
it does not fit in :data:`LINE_LENGTH` columns: a call's arguments on one indented line if they
fit, else one argument per line with a trailing comma (each laid out again); a starred list
comprehension (starred or not) as ``*[``, its element, its ``for`` clause and ``]``. The property tests run ruff
on random networks to keep this true.
"""

from __future__ import annotations

from dataclasses import dataclass

LINE_LENGTH = 88
"""ruff's default line length; generated code fits it whatever the project's settings."""

_OPEN, _CLOSE = "([{", ")]}"


def split_top(text: str, separator: str = ",") -> list[str]:
    """``text`` split at ``separator`` where it is outside brackets and strings."""
    parts, depth, quote, start = [], 0, "", 0
    for index, char in enumerate(text):
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif depth == 0 and text.startswith(separator, index):
            parts.append(text[start:index].strip())
            start = index + len(separator)
    parts.append(text[start:].strip())
    return [part for part in parts if part]


@dataclass(frozen=True)
class _Call:
    callee: str
    args: list[str]


@dataclass(frozen=True)
class _Comprehension:
    """``*[element for clause]`` or ``[element for clause]``."""

    element: str
    clause: str
    opener: str = "*["


def _parse(expr: str) -> _Call | _Comprehension | None:
    opener = "*[" if expr.startswith("*[") else "[" if expr.startswith("[") else ""
    if opener and expr.endswith("]"):
        inner = expr[len(opener) : -1]
        parts = split_top(inner, " for ")
        if len(parts) == 2:
            return _Comprehension(parts[0], "for " + parts[1], opener)
        return None
    if not expr.endswith(")"):
        return None
    depth = 0
    for index in range(len(expr) - 1, -1, -1):
        char = expr[index]
        if char in _CLOSE:
            depth += 1
        elif char in _OPEN:
            depth -= 1
            if depth == 0:
                callee = expr[:index]
                if callee and callee[-1] in " ([,":
                    return None
                args = split_top(expr[index + 1 : -1])
                if not callee and len(args) < 2:
                    # a parenthesised expression, not a tuple: left as it is
                    return None
                # no callee: a tuple, which ruff breaks as it breaks a call's arguments
                return _Call(callee, args)
    return None


def _conditional(expr: str) -> tuple[str, str, str] | None:
    """``body if condition else other`` split into its three parts."""
    parts = split_top(expr, " if ")
    if len(parts) != 2:
        return None
    rest = split_top(parts[1], " else ")
    if len(rest) != 2:
        return None
    return parts[0], rest[0], rest[1]


def layout(indent: int, prefix: str, expr: str, suffix: str = "") -> str:
    """``prefix + expr + suffix`` at ``indent`` columns, broken as ruff breaks it."""
    return "\n".join(_lines(indent, prefix, expr, suffix))


def _lines(indent: int, prefix: str, expr: str, suffix: str) -> list[str]:
    pad = " " * indent
    line = f"{pad}{prefix}{expr}{suffix}"
    if len(line) <= LINE_LENGTH:
        return [line]
    branches = _conditional(expr)
    if branches is not None:
        body, condition, other = branches
        if prefix:  # the right-hand side of an assignment or a return: parenthesised
            return [
                f"{pad}{prefix}(",
                *_lines(indent + 4, "", expr, ""),
                f"{pad}){suffix}",
            ]
        return [
            *_lines(indent, "", body, ""),
            f"{pad}if {condition}",
            *_lines(indent, "else ", other, suffix),
        ]
    node = _parse(expr)
    if isinstance(node, _Comprehension):
        return [
            f"{pad}{prefix}{node.opener}",
            *_lines(indent + 4, "", node.element, ""),
            f"{pad}    {node.clause}",
            f"{pad}]{suffix}",
        ]
    if node is None or not node.args:
        return [line]
    opening, closing = f"{pad}{prefix}{node.callee}(", f"{pad}){suffix}"
    inner = f"{pad}    {', '.join(node.args)}"
    if len(inner) <= LINE_LENGTH:
        return [opening, inner, closing]
    if len(node.args) == 1:
        return [opening, *_lines(indent + 4, "", node.args[0], ""), closing]
    exploded = [text for arg in node.args for text in _lines(indent + 4, "", arg, ",")]
    return [opening, *exploded, closing]
