"""The linter's rules: a registry of rule objects that own their codes.

:mod:`archgen.rules.base` defines what a rule is; the rule sets are :mod:`.structural` (AG2xx,
every spec), :mod:`.resnext` (AG3xx and AG4xx, the ResNeXt design space) and :mod:`.anynet`
(AG5xx, the AnyNet and RegNet design spaces). :func:`check` runs the rules that apply to a plan,
all reading one :class:`~archgen.rules.base.Context`, so what several rules derive from the plan
is computed once per lint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archgen.rules import anynet, resnext, structural
from archgen.rules.base import Code, Context, Finding, Rule, applies

if TYPE_CHECKING:
    from archgen.complexity import Complexity
    from archgen.plan import NetworkPlan

__all__ = ["RULES", "Code", "Context", "Finding", "Rule", "check", "rule_codes"]

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
