"""Every rule, and :func:`check`, which runs those that apply to a plan.

All rules read one :class:`~archgen.rules.base.Context`, so what several rules derive from the
plan (the design rules' expectations and findings) is computed once per lint. The code table
(:data:`archgen.codes.CODES`), ``archgen lint --list-rules`` and the README's code table are
built from (or tested against) :func:`rule_codes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archgen.rules import anynet, resnext, structural
from archgen.rules.base import Code, Context, Finding, Rule, applies

if TYPE_CHECKING:
    from archgen.complexity import Complexity
    from archgen.plan import NetworkPlan

RULES: tuple[Rule, ...] = structural.RULES + resnext.RULES + anynet.RULES
"""Every rule, in the order they run."""


def rule_codes() -> dict[str, Code]:
    """Every code a rule owns, by code, in code order."""
    entries = [entry for rule in RULES for entry in rule.entries()]
    return {entry.code: entry for entry in sorted(entries, key=lambda e: e.code)}


def check(plan: NetworkPlan, complexity: Complexity) -> list[Finding]:
    """The findings of every rule that applies to the plan's design space."""
    ctx = Context(plan, complexity)
    return [
        finding
        for rule in RULES
        if applies(rule, plan.design_space)
        for finding in rule.check(ctx)
    ]
