"""What every rule is made of: the codes it owns, its findings, and the context it reads.

A rule (:class:`Rule`) is an object that declares the codes it reports (each with its name,
default severity and one-line summary), explains itself with a bad and a good example, says which
fixes it proposes, and checks a plan. The code table (:data:`archgen.codes.CODES`),
``archgen lint --list-rules`` and ``archgen rule CODE`` are built from these declarations.

Rules read the plan through a :class:`Context`, made once per lint: what several rules compute
from the whole plan (the design rules' expectations, their findings) is computed there once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeVar

from archgen.diagnostics import Fix, Loc, Severity

if TYPE_CHECKING:
    from archgen.complexity import Complexity
    from archgen.plan import NetworkPlan

T = TypeVar("T")

Space = Literal["any", "resnext", "anynet"]
"""Which design spaces a rule applies to: every spec, the ResNeXt template, or AnyNet/RegNet."""


@dataclass(frozen=True)
class Code:
    """One diagnostic code: its rule name, default severity and meaning (``archgen rule CODE``)."""

    code: str
    rule: str
    severity: Severity
    summary: str
    configurable: bool
    explanation: str = ""
    bad: str = ""
    """A spec (YAML) that breaks the rule."""
    good: str = ""
    """The same spec, corrected."""
    fix: str = ""
    """What the fixes change."""


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    loc: Loc
    at_key: bool = False
    """Point at the key naming ``loc`` rather than at its value."""
    fixes: tuple[Fix, ...] = ()
    """Proposed edits, at locations of the validated data; the pipeline keeps those that work."""
    clause: str = ""
    """The finding in a few words, for when another finding at the same value absorbs it."""


class Context:
    """One plan and its complexity, with what rules derive from them computed once."""

    def __init__(self, plan: NetworkPlan, complexity: Complexity) -> None:
        self.plan = plan
        self.complexity = complexity
        self._memo: dict[Callable[..., object], object] = {}

    def once(self, compute: Callable[[Context], T]) -> T:
        """``compute(self)``, computed on the first call and remembered."""
        if compute not in self._memo:
            self._memo[compute] = compute(self)
        result: T = self._memo[compute]  # type: ignore[assignment]
        return result


@dataclass(frozen=True)
class RuleCode:
    """A code a rule reports: the rule's part of :class:`Code`."""

    code: str
    name: str
    severity: Severity
    summary: str
    configurable: bool = True
    """False for a code whose finding means the module cannot be built or run: no spec,
    config or flag may ignore it or lower its severity."""


@dataclass(frozen=True)
class Rule:
    """A lint rule: the codes it owns, what it means, and its check."""

    codes: tuple[RuleCode, ...]
    explanation: str
    bad: str
    good: str
    fixes: str
    """What the rule's fixes change, in a sentence."""
    check: Callable[[Context], Iterator[Finding]] = field(repr=False, compare=False)
    space: Space = "any"

    def __call__(self, plan: NetworkPlan, complexity: Complexity) -> Iterator[Finding]:
        """The rule's findings on one plan (a context of its own)."""
        return self.check(Context(plan, complexity))

    @property
    def name(self) -> str:
        return self.codes[0].name

    def entries(self) -> tuple[Code, ...]:
        """The rule's codes as entries of the code table."""
        return tuple(
            Code(
                c.code,
                c.name,
                c.severity,
                c.summary,
                c.configurable,
                self.explanation,
                self.bad,
                self.good,
                self.fixes,
            )
            for c in self.codes
        )


def code(
    code: str, name: str, severity: Severity, summary: str, *, configurable: bool = True
) -> RuleCode:
    return RuleCode(code, name, severity, summary, configurable)


def applies(rule: Rule, design_space: str) -> bool:
    """Whether ``rule`` checks a spec of ``design_space`` (RegNet counts as AnyNet)."""
    if rule.space == "any":
        return True
    return (rule.space == "resnext") == (design_space == "resnext")
