"""Hypothesis strategies derived from archgen's published JSON schema.

Every key, enum value and bound comes from :func:`archgen.spec.json_schema`, so a component or
option added to the schema (through its record) is generated the day it is added. The test side
only narrows what makes a test slow or what the schema cannot say: numbers are capped so that
networks stay tiny, identifiers follow Python's rules (the schema checks them in a validator, not
a pattern), and lint codes are real code prefixes.
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

from archgen.codes import CODES
from archgen.spec import json_schema

Schema = dict[str, Any]

INTEGER_CAP = 16
"""Channels, classes, image sizes and the like stay below this: tiny networks, fast tests."""

NUMBER_CAP = 4.0

PATH_CAPS: dict[str, int | float] = {
    "blocks": 2,
    "depth": 6,
    "depths": 2,
    "stride": 2,
    "strides": 2,
    "kernel_size": 7,
    "wa": 24.0,
    "wm": 2.6,
    "w0": 16,
    "image_size": 16,
    "planes": 8,
}
"""Tighter caps by key: stages stay shallow and widths stay small."""

_IDENTIFIER = st.from_regex(r"\Anet_[a-z0-9]{1,6}\Z")
_CLASS_NAME = st.from_regex(r"\ANet[A-Z][a-z0-9]{0,5}\Z")
_CODE = st.sampled_from(sorted(CODES))
_PREFIX = st.sampled_from(
    sorted({c[:n] for c in CODES if CODES[c].configurable for n in (3, 4, 5)})
)

OVERRIDES: dict[str, st.SearchStrategy[Any]] = {
    "name": _IDENTIFIER,
    "class_name": _CLASS_NAME,
    "$schema": st.just("archgen.schema.json"),
    "description": st.text(max_size=12),
    "ignore": st.lists(_PREFIX, max_size=2),
    "severity": st.dictionaries(
        st.sampled_from(sorted(c for c in CODES if CODES[c].configurable)),
        st.sampled_from(["error", "warning", "info"]),
        max_size=2,
    ),
}
"""What the schema leaves to validators, by key."""


def _resolve(node: Schema, root: Schema) -> Schema:
    while "$ref" in node:
        *_, name = node["$ref"].split("/")
        node = root["$defs"][name]
    return node


def _number(node: Schema, key: str, integer: bool) -> st.SearchStrategy[Any]:
    cap = PATH_CAPS.get(key, INTEGER_CAP if integer else NUMBER_CAP)
    low = node.get("minimum", node.get("exclusiveMinimum", 0))
    high = min(node.get("maximum", node.get("exclusiveMaximum", cap)), cap)
    if integer:
        low = int(low) + (1 if "exclusiveMinimum" in node else 0)
        high = int(high) - (1 if "exclusiveMaximum" in node and high != cap else 0)
        return st.integers(low, max(low, high))
    return st.floats(
        low,
        max(low, high),
        exclude_min="exclusiveMinimum" in node,
        exclude_max="exclusiveMaximum" in node and high != cap,
        allow_nan=False,
    )


def strategy(node: Schema, root: Schema, key: str = "") -> st.SearchStrategy[Any]:
    """Values that ``node`` accepts, drawn the way a user might write them."""
    if key in OVERRIDES:
        return OVERRIDES[key]
    node = _resolve(node, root)
    if "anyOf" in node:
        return st.one_of([strategy(option, root, key) for option in node["anyOf"]])
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind in ("integer", "number"):
        return _number(node, key, kind == "integer")
    if kind == "string":
        return st.text(string.ascii_letters, max_size=8)
    if kind == "array":
        items = strategy(node["items"], root, key)
        return st.lists(items, min_size=node.get("minItems", 0), max_size=4)
    if kind == "object":
        return _object(node, root, key)
    raise ValueError(f"the schema has a node this strategy cannot draw: {node}")


SHAPE: dict[str, set[str]] = {"defaults": {"block"}, "input": {"image_size"}}
"""Keys drawn in every instance of a section: a stage needs a block type, which the schema
cannot require (a stage or the defaults may give it), so that most drawn networks build; and
the input's size, so that none runs at the default 224x224."""


def _present(node: Schema, root: Schema, key: str) -> st.SearchStrategy[Any]:
    """A value for a key that must be there: not the ``null`` the schema allows for a key
    left unsaid."""
    node = _resolve(node, root)
    options = [o for o in node.get("anyOf", []) if o.get("type") != "null"]
    return strategy(options[0] if len(options) == 1 else node, root, key)


def _object(node: Schema, root: Schema, key: str) -> st.SearchStrategy[Any]:
    properties: dict[str, Schema] = node.get("properties", {})
    if not properties:  # a mapping of free keys (lint.severity), left to OVERRIDES
        raise ValueError(f"no strategy for the free mapping {key!r}")
    required = set(node.get("required", ())) | SHAPE.get(key, set())
    fields = {
        name: _present(sub, root, name)
        for name, sub in properties.items()
        if name in required
    }
    optional = {
        name: strategy(sub, root, name)
        for name, sub in properties.items()
        if name not in required
    }
    return st.fixed_dictionaries(fields, optional=optional)


def _forms(root: Schema) -> list[tuple[set[str], set[str]]]:
    """The spec's ways of giving its stages (the schema's ``oneOf``): the keys each form
    requires and the keys it may not have."""
    forms = []
    for branch in root["oneOf"]:
        banned = {
            key
            for option in branch.get("not", {}).get("anyOf", [])
            for key in option["required"]
        }
        choices = [set(option["required"]) for option in branch.get("oneOf", [])]
        for choice in choices or [set()]:
            others = set().union(*choices) - choice if choices else set()
            forms.append((set(branch["required"]) | choice, banned | others))
    return forms


def _compact(document: dict[str, Any]) -> dict[str, Any]:
    """The compact form's lists as long as ``depths``: one item per stage in every list."""
    if "depths" in document:
        count = len(document["depths"])
        for key in ("planes", "widths", "strides"):
            if key in document:
                document[key] = (document[key] * count)[:count]
    return document


def specs() -> st.SearchStrategy[dict[str, Any]]:
    """Spec documents the schema accepts, in each of its forms, with an ``input`` section."""
    root = json_schema()
    properties = root["properties"]
    forms = []
    for required, excluded in _forms(root):
        node = {
            "properties": {k: v for k, v in properties.items() if k not in excluded},
            "required": sorted(
                set(root.get("required", ())) | required | {"input", "defaults"}
            ),
        }
        forms.append(_object(node, root, "").map(_compact))
    return st.one_of(forms)
