"""The linter's rules: rule objects that own their codes, in three rule sets.

:mod:`archgen.rules.base` defines what a rule is (its codes, explanation, examples, fixes, and
check); the rule sets are :mod:`.structural` (AG2xx, every spec), :mod:`.resnext` (AG3xx and
AG4xx, the ResNeXt design space) and :mod:`.anynet` (AG5xx, the AnyNet and RegNet design
spaces); :mod:`.registry` holds them all and runs them. This package module imports nothing at
import time (``archgen.rules.check`` is looked up on first use), so importing a rule set never
runs another one.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "check": "archgen.rules.registry",
    "RULES": "archgen.rules.registry",
    "Finding": "archgen.rules.base",
    "Rule": "archgen.rules.base",
    "Context": "archgen.rules.base",
}


def __getattr__(name: str) -> Any:
    """``archgen.rules.check`` and friends, imported on first use (importing a rule set never
    runs the registry, which imports every rule set)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'archgen.rules' has no attribute {name!r}")
