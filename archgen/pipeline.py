"""The one pipeline every command runs: load -> validate -> lower -> analyse -> lint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archgen.codes import CODES
from archgen.complexity import Complexity, analyse
from archgen.config import Config
from archgen.diagnostics import Diagnostic, sort_key
from archgen.plan import NetworkPlan, lower
from archgen.rules import check
from archgen.source import Document, load
from archgen.validate import validate


@dataclass(frozen=True)
class Compiled:
    """What the pipeline made of one spec file; later fields are None when an earlier step failed."""

    path: Path
    document: Document | None
    plan: NetworkPlan | None
    complexity: Complexity | None
    diagnostics: tuple[Diagnostic, ...]

    def failing(self, config: Config) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity >= config.fail_on]


def compile_spec(path: Path, config: Config, display: str | None = None) -> Compiled:
    document = load(path, display)
    if isinstance(document, Diagnostic):
        return Compiled(path, None, None, None, (document,))
    spec = validate(document)
    if isinstance(spec, list):
        return Compiled(path, document, None, None, tuple(sorted(spec, key=sort_key)))
    plan = lower(spec, document)
    if isinstance(plan, list):
        return Compiled(path, document, None, None, tuple(plan))
    complexity = analyse(plan)
    diagnostics = []
    for finding in check(plan, complexity):
        located = document.diagnostic(
            finding.code, finding.message, finding.loc, at_key=finding.at_key
        )
        configured = config.apply(
            located, plan.ignored_codes, dict(plan.severity_overrides)
        )
        if configured is not None:
            diagnostics.append(configured)
    return Compiled(
        path, document, plan, complexity, tuple(sorted(diagnostics, key=sort_key))
    )


def is_io_error(diagnostic: Diagnostic) -> bool:
    return CODES[diagnostic.code].rule == "unreadable-file"
