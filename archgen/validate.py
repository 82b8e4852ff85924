"""Validate a loaded document against the schema; Pydantic's errors become located diagnostics."""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from archgen import limits
from archgen.diagnostics import Diagnostic, Fix
from archgen.names import why_reserved
from archgen.plan import default_class_name
from archgen.source import Document, Loc
from archgen.spec import COMPACT_FORM, NetworkSpec
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
    shown = document.file_loc(loc)  # the compact form's lists, as the file writes them
    if kind == "extra_forbidden":
        message, renames = _unknown_key(document, loc)
        return document.diagnostic("AG102", message, loc, at_key=True, fixes=renames)
    if kind == "missing":
        where = f" in {dotted(loc[:-1])}" if loc[:-1] else ""
        return document.diagnostic(
            "AG101", f"missing required key '{loc[-1]}'{where}", loc[:-1]
        )
    value = detail.get("input")
    found = describe(value)
    if kind in _TYPE_NAMES:
        message = f"{dotted(shown)}: expected {_TYPE_NAMES[kind]}, found {found}"
        return document.diagnostic("AG103", message, loc, at_key=at_key)
    message = f"{dotted(shown)} {_requirement(detail)}, found {found}"
    fixes: tuple[Fix, ...] = ()
    if kind == "literal_error" and isinstance(value, str) and not at_key:
        choices = re.findall(r"'([^']*)'", str((detail.get("ctx") or {})["expected"]))
        close = difflib.get_close_matches(value, choices)
        if close:
            message += f"; did you mean '{close[0]}'?"
            fixes = (Fix(loc, value, close[0]),)
    return document.diagnostic("AG104", message, loc, at_key=at_key, fixes=fixes)


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


def _unknown_key(document: Document, loc: Loc) -> tuple[str, tuple[Fix, ...]]:
    if not loc:  # no key to name (a key YAML reads as null at the top, say)
        return "unknown key at the top level", ()
    key = printable(str(loc[-1]))
    where = f" in {dotted(loc[:-1])}" if loc[:-1] else ""
    allowed = allowed_keys(loc[:-1])
    if not loc[:-1]:
        allowed += list(COMPACT_KEYS)
    message = f"unknown key '{key}'{where}"
    close = difflib.get_close_matches(key, allowed)
    fixes: tuple[Fix, ...] = ()
    if close:
        message += f"; did you mean '{close[0]}'?"
        parent = _at(document.data, loc[:-1])
        if isinstance(parent, dict) and close[0] not in parent:
            fixes = (Fix(loc, str(loc[-1]), close[0], key=True),)
    if allowed:
        message += f" Expected one of: {', '.join(allowed)}"
    return message, fixes


def _at(data: object, loc: Loc) -> object:
    """The value at ``loc`` of ``data``; None when there is none."""
    for part in loc:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


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


# --- the compact form ----------------------------------------------------------------------------

COMPACT_KEYS = tuple(COMPACT_FORM)
"""Top-level keys of the compact form: one list each, one item per stage."""


def expand(document: Document) -> Document | list[Diagnostic]:
    """The document with the compact form written out as ``stages``.

    ``depths: [3, 4, 6, 3]`` with ``planes: [64, 128, 256, 512]`` (paper notation) or ``widths``
    (explicit: each stage's width and output channels), and optionally ``strides`` (default 1
    for the first stage, 2 for the others), is the ``stages`` list ResNet-50 writes out. The
    expanded document remembers where each value is written (:attr:`Document.aliases`), so
    findings point at the compact list items and fixes edit them.
    """
    given = [key for key in COMPACT_KEYS if key in document.data]
    if not given:
        return document
    if "depths" not in document.data:
        return [_without_depths(document, given[0])]
    lists = _compact_lists(document, given)
    if isinstance(lists, list):
        return lists
    return _written_out(document, lists)


def _without_depths(document: Document, first: str) -> Diagnostic:
    """A compact list with no ``depths``: a misspelt ``depths`` key, or a missing one."""
    known = allowed_keys(()) + list(COMPACT_KEYS)
    unknown = [key for key in document.data if key not in known]
    typo = difflib.get_close_matches("depths", unknown)
    if typo:  # `depth: [...]`: say what it is, and offer to rename it
        message, renames = _unknown_key(document, (typo[0],))
        return document.diagnostic(
            "AG102", message, (typo[0],), at_key=True, fixes=renames
        )
    return document.diagnostic(
        "AG101",
        f"'{first}' at the top level is the compact form, which needs 'depths' "
        "(blocks per stage); expected 'depths: [...]', or per-stage values under "
        "'stages'",
        (first,),
        at_key=True,
    )


def _compact_lists(
    document: Document, given: list[str]
) -> dict[str, list[Any]] | list[Diagnostic]:
    """The compact form's lists, or what is wrong with them."""
    data = document.data
    problems: list[Diagnostic] = []

    def problem(code: str, message: str, loc: Loc, *, at_key: bool = True) -> None:
        problems.append(document.diagnostic(code, message, loc, at_key=at_key))

    if "stages" in data:
        problem(
            "AG108",
            "the spec gives both 'stages' and the compact form ('depths'); expected one of "
            "them",
            ("depths",),
        )
    widths = [key for key in ("planes", "widths") if key in data]
    if not widths:
        problem(
            "AG101",
            "the compact form needs the stages' widths; expected 'planes: [...]' (paper "
            "notation) or 'widths: [...]' next to 'depths'",
            ("depths",),
        )
    elif len(widths) == 2:
        problem(
            "AG108",
            "the compact form gives both 'planes' and 'widths'; expected one of them",
            ("widths",),
        )
    lists: dict[str, list[Any]] = {}
    for key in given:
        value = data[key]
        if not isinstance(value, list):
            problem(
                "AG103",
                f"{key}: expected a sequence (one item per stage), found {describe(value)}",
                (key,),
                at_key=False,
            )
            continue
        lists[key] = value
    problems += _length_problems(document, lists)
    return problems or lists


def _length_problems(
    document: Document, lists: dict[str, list[Any]]
) -> list[Diagnostic]:
    depths = lists.get("depths")
    if depths is None:
        return []
    problems = []
    if not 1 <= len(depths) <= limits.MAX_STAGES:
        problems.append(
            document.diagnostic(
                "AG104",
                f"depths must have 1 to {limits.MAX_STAGES} items (archgen's limit), found "
                f"{len(depths)}",
                ("depths",),
            )
        )
    for key, items in lists.items():
        if len(items) != len(depths):  # depths itself always agrees
            problems.append(
                document.diagnostic(
                    "AG104",
                    f"{key} has {len(items)} item(s) but depths has {len(depths)}; "
                    "expected one per stage",
                    (key,),
                )
            )
    return problems


def _written_out(document: Document, lists: dict[str, list[Any]]) -> Document:
    """The compact lists as a ``stages`` list, remembering where each value came from."""
    stages: list[dict[str, Any]] = []
    aliases: dict[Loc, Loc] = {("stages",): ("depths",)}
    for index, blocks in enumerate(lists["depths"]):
        stage: dict[str, Any] = {"blocks": blocks}
        aliases[("stages", index)] = ("depths", index)
        aliases[("stages", index, "blocks")] = ("depths", index)
        if "planes" in lists:
            stage["planes"] = lists["planes"][index]
            aliases[("stages", index, "planes")] = ("planes", index)
        else:
            stage["width"] = stage["out_channels"] = lists["widths"][index]
            aliases[("stages", index, "width")] = ("widths", index)
            aliases[("stages", index, "out_channels")] = ("widths", index)
        if "strides" in lists:
            stage["stride"] = lists["strides"][index]
            aliases[("stages", index, "stride")] = ("strides", index)
        elif index:
            stage["stride"] = 2
        stages.append(stage)
    data = document.data
    expanded = {key: value for key, value in data.items() if key not in COMPACT_KEYS}
    expanded["stages"] = stages
    return dataclasses.replace(document, data=expanded, aliases=aliases)
