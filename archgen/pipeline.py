"""The one pipeline every command runs: load -> expand -> validate -> lower -> analyse -> lint.

Findings come with proposed fixes in the user's notation. The pipeline keeps a proposal only when
it works: the spec is compiled again with the edit applied, and the edit must remove the finding
without causing any other (:func:`_verified`). A finding is then located at the value its fixes
change, and findings that one value explains are reported once, at that value
(:func:`_consolidated`).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archgen.codes import CODES
from archgen.complexity import Complexity, analyse
from archgen.config import Config
from archgen.diagnostics import Diagnostic, Fix, Severity, fixes_text, sort_key
from archgen.plan import NetworkPlan, lower
from archgen.rules.registry import check
from archgen.source import Document, Loc, load
from archgen.spec import InputSpec, NetworkSpec
from archgen.textedit import insertion_point
from archgen.validate import expand, validate


@dataclass(frozen=True)
class Compiled:
    """What the pipeline made of one spec file; later fields are None when an earlier step failed."""

    path: Path
    document: Document | None
    plan: NetworkPlan | None
    complexity: Complexity | None
    diagnostics: tuple[Diagnostic, ...]
    spec: NetworkSpec | None = None
    spec_sha256: str = ""
    """Hash of what the spec means (:func:`spec_sha256`); "" without a valid spec."""

    def failing(self, config: Config) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity >= config.fail_on]


@dataclass(frozen=True)
class InputOverride:
    """Evaluate a spec at another input than the one it declares (``show``/``diff``)."""

    image_size: int | None = None
    channels: int | None = None


def compile_spec(
    path: Path,
    config: Config,
    display: str | None = None,
    *,
    override: InputOverride | None = None,
) -> Compiled:
    document = load(path, display)
    if isinstance(document, Diagnostic):
        return Compiled(path, None, None, None, (document,))
    return compile_document(document, config, override=override)


def compile_document(
    document: Document,
    config: Config,
    *,
    override: InputOverride | None = None,
    suggest: bool = True,
) -> Compiled:
    """Compile a loaded document; with ``suggest``, keep only the fixes that work."""
    compiled, clauses = _compile(document, config, override)
    if not suggest:
        return compiled
    diagnostics = _rooted(
        _verified(
            document,
            config,
            override,
            list(compiled.diagnostics),
            compiled.complexity,
        )
    )
    return dataclasses.replace(
        compiled, diagnostics=_consolidated(document, diagnostics, clauses)
    )


def spec_sha256(spec: NetworkSpec) -> str:
    """The SHA-256 of what a spec means, not how it is written.

    The hash of the canonical JSON (sorted keys, no spaces) of the validated spec with every
    default filled in, unset optional values (None) left out, and without ``$schema`` and
    ``lint``, which do not change the generated module. Comments, layout, key order, quoting,
    flow or block style, JSON or YAML, and the compact or the ``stages`` form all hash alike.
    """
    data = spec.model_dump(
        mode="json", by_alias=True, exclude_none=True, exclude={"schema_", "lint"}
    )
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _compile(
    document: Document, config: Config, override: InputOverride | None
) -> tuple[Compiled, list[str]]:
    """The compiled spec, and for each diagnostic the clause of its finding ("" for none)."""
    path = document.path
    expanded = expand(document)
    if isinstance(expanded, list):
        found = sorted(expanded, key=sort_key)
        return Compiled(path, document, None, None, tuple(found)), [""] * len(found)
    spec = validate(expanded)
    if isinstance(spec, list):
        found = sorted(spec, key=sort_key)
        return Compiled(path, document, None, None, tuple(found)), [""] * len(found)
    digest = spec_sha256(spec)
    if override is not None:
        spec = _overridden(spec, override)
    plan = lower(spec, expanded)
    if isinstance(plan, list):
        compiled = Compiled(path, document, None, None, tuple(plan), spec, digest)
        return compiled, [""] * len(plan)
    complexity = analyse(plan)
    diagnostics = []
    for finding in check(plan, complexity):
        located = expanded.diagnostic(
            finding.code,
            finding.message,
            finding.loc,
            at_key=finding.at_key,
            fixes=finding.fixes,
        )
        configured = config.apply(
            located, plan.ignored_codes, dict(plan.severity_overrides)
        )
        if configured is not None:
            diagnostics.append((configured, finding.clause))
    compiled = Compiled(
        path,
        document,
        plan,
        complexity,
        tuple(d for d, _ in diagnostics),
        spec,
        digest,
    )
    return compiled, [clause for _, clause in diagnostics]


def _overridden(spec: NetworkSpec, override: InputOverride) -> NetworkSpec:
    given = spec.input.model_dump()
    if override.image_size is not None:
        given["image_size"] = override.image_size
    if override.channels is not None:
        given["channels"] = override.channels
    return spec.model_copy(update={"input": InputSpec.model_validate(given)})


# --- fixes ---------------------------------------------------------------------------------------


def _schema_level(code: str) -> bool:
    """AG0xx and AG1xx: the spec could not be read or validated, so no rule ran."""
    return code.startswith(("AG0", "AG1"))


_Found = set[tuple[str, int, int, Severity]]


def _verified(
    document: Document,
    config: Config,
    override: InputOverride | None,
    diagnostics: list[Diagnostic],
    complexity: Complexity | None = None,
) -> list[Diagnostic]:
    """The diagnostics with only the fixes that resolve them without causing another, the fix
    that keeps the network nearest the template and its cost first (:func:`_rank`)."""
    before = {(d.code, d.line, d.column) for d in diagnostics}
    results: dict[
        tuple[Loc, str, bool, bool], tuple[_Found, tuple[int, float]] | None
    ] = {}

    def after(fix: Fix) -> tuple[_Found, tuple[int, float]] | None:
        key = (fix.loc, repr(fix.new), fix.key, fix.insert)
        if key not in results:
            data = apply_to_data(document.data, fix)
            if data is None or not _writable(document, fix):
                results[key] = None
            else:
                compiled = compile_document(
                    dataclasses.replace(document, data=data),
                    config,
                    override=override,
                    suggest=False,
                )
                found = {
                    (d.code, d.line, d.column, d.severity) for d in compiled.diagnostics
                }
                results[key] = (found, _rank(compiled, complexity))
        return results[key]

    verified = []
    for diagnostic in diagnostics:
        this = (diagnostic.code, diagnostic.line, diagnostic.column)
        kept: list[tuple[Fix, tuple[int, float]]] = []
        for fix in dict.fromkeys(diagnostic.fixes):
            outcome = after(fix)
            if outcome is None or this in {f[:3] for f in outcome[0]}:
                continue
            if not _new_findings(diagnostic.code, outcome[0], before):
                kept.append((fix, outcome[1]))
        verified.append(dataclasses.replace(diagnostic, fixes=_ordered(kept)))
    return verified


def _new_findings(
    code: str, found: _Found, before: set[tuple[str, int, int]]
) -> set[tuple[str, int, int]]:
    """The findings a fix of a ``code`` finding causes: a new warning or error (for a schema
    finding, a new schema finding: the rules could not run before)."""
    if _schema_level(code):
        return {f[:3] for f in found if _schema_level(f[0])} - before
    return {
        f[:3] for f in found if _schema_level(f[0]) or f[3] >= Severity.WARNING
    } - before


def _rank(fixed: Compiled, complexity: Complexity | None) -> tuple[int, float]:
    """How far a fixed spec is from the ResNeXt template, then how much its cost changed.

    The template halves the map at each later stage and doubles the width and the output
    channels with it: a later stage that does not halve counts 2 (it changes the cost of every
    stage after it), a width or output that does not follow its stride 1 each. The change of
    cost is the sum of |log| of the ratios of the parameters and of the MACs to the spec's.
    """
    plan, cost = fixed.plan, fixed.complexity
    if plan is None or cost is None:
        return (len(fixed.diagnostics) + 1_000, 0.0)
    off = 0
    if plan.design_space == "resnext":
        for one, other in itertools.pairwise(plan.stages):
            off += 2 * (other.declared_stride != 2)
            off += other.width != one.width * other.declared_stride
            off += other.out_channels != one.out_channels * other.declared_stride
    change = 0.0
    if complexity is not None:
        for new, old in (
            (cost.total.params, complexity.total.params),
            (cost.total.macs, complexity.total.macs),
        ):
            if new > 0 and old > 0:
                change += abs(math.log(new / old))
    return (off, round(change, 9))


def _ordered(fixes: list[tuple[Fix, tuple[int, float]]]) -> tuple[Fix, ...]:
    """The fixes of the key whose best fix ranks first (nearest the template, then the least
    change of cost) first; alternatives of one key together, the nearest values first."""
    keys: dict[tuple[Loc, bool, bool], tuple[int, float]] = {}
    for fix, rank in fixes:
        where = (fix.loc, fix.key, fix.insert)
        keys[where] = min(keys.get(where, rank), rank)
    order = sorted(keys, key=lambda k: (keys[k], list(keys).index(k)))

    def distance(fix: Fix) -> float:
        if isinstance(fix.new, int) and isinstance(fix.old, int):
            return abs(fix.new - fix.old)
        return 0

    return tuple(
        fix
        for fix, _ in sorted(
            fixes,
            key=lambda pair: (
                order.index((pair[0].loc, pair[0].key, pair[0].insert)),
                distance(pair[0]),
            ),
        )
    )


def _rooted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """A finding with several fixes, one of which is another finding's only fix, has that one:
    the value the other finding reports is the root cause of both."""
    unique = {d.fixes[0] for d in diagnostics if len(d.fixes) == 1}
    rooted = []
    for diagnostic in diagnostics:
        roots = [fix for fix in diagnostic.fixes if fix in unique]
        if len(diagnostic.fixes) > 1 and len(roots) == 1:
            diagnostic = dataclasses.replace(diagnostic, fixes=(roots[0],))
        rooted.append(diagnostic)
    return rooted


def _writable(document: Document, fix: Fix) -> bool:
    """The file writes this value (or key) itself, once, so its text can be replaced; or, for
    a key the spec leaves out, the key can be added to its mapping's text."""
    if fix.insert:
        return insertion_point(document, fix.loc) is not None
    spans = (
        document.source_map.key_spans if fix.key else document.source_map.value_spans
    )
    return fix.loc in spans


def apply_to_data(data: dict[str, Any], fix: Fix) -> dict[str, Any] | None:
    """A copy of ``data`` with ``fix`` applied; None when ``fix.loc`` is not in it."""
    result = copy.deepcopy(data)
    parent: Any = result
    for part in fix.loc[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return None
    last = fix.loc[-1] if fix.loc else None
    if fix.insert:
        if not isinstance(parent, dict) or last in parent:
            return None
        parent[last] = fix.new
        return result
    if fix.key:
        if not isinstance(parent, dict) or last not in parent or fix.new in parent:
            return None
        items = [
            (str(fix.new) if key == last else key, value)
            for key, value in parent.items()
        ]
        parent.clear()
        parent.update(items)
        return result
    try:
        if parent[last] != fix.old:
            return None
        parent[last] = fix.new
    except (KeyError, IndexError, TypeError):
        return None
    return result


def _consolidated(
    document: Document, diagnostics: list[Diagnostic], clauses: list[str]
) -> tuple[Diagnostic, ...]:
    """Each diagnostic at the value its fixes change; those one value explains, merged.

    Two findings at one value are merged when some fix resolves both: the merged finding keeps
    those fixes, and says what else the value explains.
    """
    entries: list[tuple[Diagnostic, list[str]]] = []
    for diagnostic, own in zip(diagnostics, clauses, strict=True):
        clause = own or diagnostic.message
        diagnostic = _at_fix(document, diagnostic)
        for index, (first, absorbed) in enumerate(entries):
            common = tuple(f for f in first.fixes if f in diagnostic.fixes)
            if common and (first.path, first.line, first.column) == (
                diagnostic.path,
                diagnostic.line,
                diagnostic.column,
            ):
                merged = dataclasses.replace(
                    first,
                    severity=max(first.severity, diagnostic.severity),
                    also=(*first.also, diagnostic.code),
                    fixes=common,
                )
                entries[index] = (_at_fix(document, merged), [*absorbed, clause])
                break
        else:
            entries.append((diagnostic, []))
    # A cost spread (AG401) that a broken design rule explains is that rule's consequence.
    causes = [i for i, (d, _) in enumerate(entries) if d.code in _COST_CAUSES]
    if causes and any(d.code == "AG401" for d, _ in entries):
        first, absorbed = entries[causes[0]]
        entries[causes[0]] = (
            dataclasses.replace(first, also=(*first.also, "AG401")),
            [*absorbed, _COST_CLAUSE],
        )
        entries = [(d, c) for d, c in entries if d.code != "AG401"]
    result = []
    for diagnostic, absorbed in entries:
        message = diagnostic.message
        for clause in absorbed:
            message += f"; the same value also explains {clause}"
        if diagnostic.fixes:
            joint = " " if message.endswith("?") else "; "
            message += f"{joint}fix: {fixes_text(diagnostic.fixes)}"
        result.append(dataclasses.replace(diagnostic, message=message))
    return tuple(sorted(result, key=sort_key))


def _at_fix(document: Document, diagnostic: Diagnostic) -> Diagnostic:
    """The diagnostic at the value its first fix changes (the stage mapping, for a key it
    adds): where the fix that keeps the network nearest the template applies."""
    fixes = diagnostic.fixes
    if fixes and not fixes[0].key:
        position = document.source_map.value_position(fixes[0].loc)
        return dataclasses.replace(
            diagnostic, line=position.line, column=position.column
        )
    return diagnostic


_COST_CAUSES = ("AG203", "AG204", "AG206", "AG301", "AG302", "AG303")
_COST_CLAUSE = "the spread of per-block cost across stages (AG401)"


def is_io_error(diagnostic: Diagnostic) -> bool:
    return CODES[diagnostic.code].rule == "unreadable-file"
