"""timm's model arguments as edits of a spec: ``create_model("resnet50d", output_stride=16)``
compiles the spec that says ``output_stride: 16``, so the model is exactly the one the edited
spec gives, and the linter checks it. No torch here.

An argument is one of timm's (:data:`TIMM_ARGUMENTS`, each with the spec key it sets) or a
top-level key of the spec, whose value it replaces (``norm={"type": "frozen_batch"}``). timm's
arguments are applied after the keys, so ``head={...}`` and ``num_classes=`` combine. An
argument of ``None`` is left out, as ``timm.create_model`` leaves it out.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from archgen.codes import diagnostic
from archgen.diagnostics import Diagnostic
from archgen.spec import NetworkSpec

__all__ = ["TIMM_ARGUMENTS", "apply", "describe"]

TIMM_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "num_classes": ("head", "num_classes"),
    "in_chans": ("input", "channels"),
    "drop_rate": ("head", "drop_rate"),
    "drop_path_rate": ("drop_path_rate",),
    "output_stride": ("output_stride",),
}
"""timm's argument -> the spec key it sets (0 classes: a headless network)."""

SPEC_KEYS = frozenset(
    (field.alias or name) for name, field in NetworkSpec.model_fields.items()
)
"""Top-level keys of a spec, each also an argument that replaces the key's value."""

WHERE = "<create_model>"
"""How the arguments are named in diagnostics."""


def apply(
    data: Mapping[str, Any], arguments: Mapping[str, Any]
) -> dict[str, Any] | list[Diagnostic]:
    """``data`` (a spec's mapping) with ``arguments`` applied, or a diagnostic per argument
    that is neither timm's nor a key of the spec."""
    unknown = [
        name
        for name in arguments
        if name not in TIMM_ARGUMENTS and name not in SPEC_KEYS
    ]
    if unknown:
        known = ", ".join([*TIMM_ARGUMENTS, "or a top-level key of the spec"])
        return [
            diagnostic(
                "AG102",
                f"{name}: not an argument a spec can take; expected one of {known}",
                WHERE,
            )
            for name in unknown
        ]
    edited = copy.deepcopy(dict(data))
    given = {name: value for name, value in arguments.items() if value is not None}
    for name, value in given.items():
        if name in SPEC_KEYS and name not in TIMM_ARGUMENTS:
            edited[name] = value
    for name, value in given.items():
        if name in TIMM_ARGUMENTS:
            _set(edited, TIMM_ARGUMENTS[name], value)
    return edited


def describe(arguments: Mapping[str, Any]) -> str:
    """The arguments as a call shows them, for a module's header: ``num_classes=0, ...``."""
    return ", ".join(
        f"{name}={value!r}" for name, value in arguments.items() if value is not None
    )


def _set(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    *parents, key = path
    for parent in parents:
        child = data.setdefault(parent, {})
        if not isinstance(child, dict):
            return  # not a mapping, which validation reports at its own key
        data = child
    data[key] = value
