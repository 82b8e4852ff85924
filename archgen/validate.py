"""Validate a loaded document against the schema; Pydantic's errors become located diagnostics."""

from __future__ import annotations

import difflib
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from archgen.diagnostics import Diagnostic
from archgen.names import why_reserved
from archgen.plan import default_class_name
from archgen.source import Document, Loc
from archgen.spec import NetworkSpec
from archgen.text import printable

_TYPE_NAMES = {
    "int_type": "an integer",
    "bool_type": "true or false",
    "string_type": "a string",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dict_type": "a mapping",
    "list_type": "a sequence",
}


def validate(document: Document) -> NetworkSpec | list[Diagnostic]:
    try:
        spec = NetworkSpec.model_validate(document.data)
    except ValidationError as error:
        return [
            _diagnostic(document, detail) for detail in error.errors(include_url=False)
        ]
    problem = _default_class_name_problem(spec)
    if problem is not None:
        return [document.diagnostic("AG104", problem, ("name",))]
    return spec


def _default_class_name_problem(spec: NetworkSpec) -> str | None:
    """Without ``class_name``, the class is named after ``name``; that name must work too."""
    if spec.class_name is not None:
        return None
    class_name = default_class_name(spec.name)
    fix = "give a class_name"
    if class_name == spec.name:
        return (
            f"name '{spec.name}' is also the default class_name (the name with a capital "
            "first letter), so the builder would hide the model class; "
            f"{fix}, or start the name with a lower-case letter"
        )
    reason = why_reserved(class_name)
    if reason is not None:
        return (
            f"name '{spec.name}' makes the default class_name '{class_name}', which "
            f"{reason}; {fix}"
        )
    return None


def _diagnostic(document: Document, detail: ErrorDetails) -> Diagnostic:
    kind = detail["type"]
    loc: Loc = tuple(part for part in detail["loc"] if part != "[key]")
    at_key = len(loc) != len(detail["loc"])
    if kind == "extra_forbidden":
        return document.diagnostic("AG102", _unknown_key(loc), loc, at_key=True)
    if kind == "missing":
        where = f" in {dotted(loc[:-1])}" if loc[:-1] else ""
        return document.diagnostic(
            "AG101", f"missing required key '{loc[-1]}'{where}", loc[:-1]
        )
    found = describe(detail.get("input"))
    if kind in _TYPE_NAMES:
        message = f"{dotted(loc)}: expected {_TYPE_NAMES[kind]}, found {found}"
        return document.diagnostic("AG103", message, loc, at_key=at_key)
    message = f"{dotted(loc)} {_requirement(detail)}, found {found}"
    return document.diagnostic("AG104", message, loc, at_key=at_key)


def _requirement(detail: ErrorDetails) -> str:
    kind, ctx = detail["type"], detail.get("ctx") or {}
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']:,} (archgen's limit)"
    if kind == "too_short":
        return f"must have at least {ctx['min_length']} item(s)"
    if kind == "too_long":
        return f"must have at most {ctx['max_length']} items (archgen's limit)"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']:,} characters (archgen's limit)"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}"
    message = detail["msg"]
    return message[0].lower() + message[1:] if message else "is invalid"


def _unknown_key(loc: Loc) -> str:
    key = printable(str(loc[-1]))
    where = f" in {dotted(loc[:-1])}" if loc[:-1] else ""
    allowed = allowed_keys(loc[:-1])
    message = f"unknown key '{key}'{where}"
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        message += f"; did you mean '{close[0]}'?"
    if allowed:
        message += f" Expected one of: {', '.join(allowed)}"
    return message


def allowed_keys(loc: Loc) -> list[str]:
    """The keys the schema accepts in the mapping at ``loc``."""
    current: Any = NetworkSpec
    for part in loc:
        current = _strip_optional(current)
        if isinstance(part, int):
            current = get_args(current)[0] if get_origin(current) is list else None
        elif isinstance(current, type) and issubclass(current, BaseModel):
            current = next(
                (
                    f.annotation
                    for n, f in current.model_fields.items()
                    if (f.alias or n) == part
                ),
                None,
            )
        else:
            return []
    current = _strip_optional(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [field.alias or name for name, field in current.model_fields.items()]
    return []


def _strip_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        return members[0] if len(members) == 1 else annotation
    return annotation


def dotted(loc: Loc) -> str:
    """``('stages', 2, 'width')`` -> ``stages[2].width``."""
    text = ""
    for part in loc:
        text += (
            f"[{part}]"
            if isinstance(part, int)
            else (f".{printable(part)}" if text else printable(part))
        )
    return text or "the spec"


def describe(value: object) -> str:
    """A value as the user wrote it, in YAML's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a sequence"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return printable(repr(shown))
    if isinstance(value, int) and len(str(abs(value))) > 40:
        return f"a {len(str(abs(value)))}-digit integer"
    return printable(repr(value))
