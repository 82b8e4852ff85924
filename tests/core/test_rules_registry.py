"""The rule registry: rules own their codes, and the code table and examples agree (the
documentation's rule pages are generated from it: tests/docs/test_gen.py)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from archgen.api import lint
from archgen.codes import CODES, Code
from archgen.rules import expect, registry
from archgen.rules.base import Rule

from conftest import ROOT, lowered

ARCHGEN = ROOT / "archgen"


def test_code_table_is_the_reading_codes_and_the_rule_codes() -> None:
    owned = [c.code for rule in registry.RULES for c in rule.codes]
    assert len(owned) == len(set(owned))  # no code owned twice
    assert {code for code in CODES if code >= "AG2"} == set(owned)
    # only the codes whose finding means torch could not build the module are always on
    always_on = {code for code in owned if not CODES[code].configurable}
    assert always_on == {"AG201", "AG206", "AG207", "AG208"}
    reading = [code for code in CODES if code < "AG2"]
    assert reading[0] == "AG001" and "AG109" in reading
    assert not any(CODES[code].configurable for code in reading)


def test_every_code_explains_itself_and_its_fix() -> None:
    for entry in CODES.values():
        assert len(entry.explanation) > 40, entry.code
        assert entry.fix, entry.code
        assert "\n" not in entry.summary, entry.code


def _example(text: str) -> str:
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return "name: example\n" + text


@pytest.mark.parametrize("rule", registry.RULES, ids=lambda r: r.name)
def test_bad_example_breaks_the_rule_and_good_example_passes(rule: Rule) -> None:
    own = {c.code for c in rule.codes}
    bad = [d.code for d in lint(yaml.safe_load(_example(rule.bad)))]
    good = [d.code for d in lint(yaml.safe_load(_example(rule.good)))]
    assert own & set(bad), (rule.name, bad)
    assert not any(code < "AG2" for code in bad + good), (bad, good)
    assert not own & set(good), (rule.name, good)


def test_each_design_computation_runs_once_per_lint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    expectations, segments = expect.expectations, expect.segments

    def counted_expectations(*args: object) -> object:
        calls.append("expectations")
        return expectations(*args)  # type: ignore[arg-type]

    def counted_segments(plan: object) -> object:
        calls.append("segments")
        return segments(plan)  # type: ignore[arg-type]

    monkeypatch.setattr(expect, "expectations", counted_expectations)
    monkeypatch.setattr(expect, "segments", counted_segments)
    plan = lowered(
        "name: t\ndefaults: {block: bottleneck}\nstages:\n"
        "  - {blocks: 1, planes: 64, groups: 3}\n  - {blocks: 1, planes: 96, stride: 2}\n"
        "  - {blocks: 1, planes: 256, stride: 2}\n"
    )
    assert not isinstance(plan, list)
    from archgen.complexity import analyse

    findings = registry.check(plan, analyse(plan))
    # AG201, AG206's check, AG301 and AG302/AG303 all read the expectations and the
    # segments: each computed once.
    assert {"AG201", "AG302"} <= {f.code for f in findings}
    assert sorted(calls) == ["expectations", "segments"]


def _runtime_imports(path: Path) -> set[str]:
    """The archgen modules ``path`` imports when it runs (not under ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for (
        node
    ) in tree.body:  # top level only: imports inside functions run later, if at all
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("archgen"):
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("archgen"))
    return found


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(ARCHGEN.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def test_module_import_graph_is_acyclic() -> None:
    modules = _modules()
    graph = {
        name: {m for m in _runtime_imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }
    # A module's package runs first: importing archgen.rules.base runs archgen.rules, unless the
    # package is already running (archgen.cli.commands importing its build module, which
    # imports its sibling common). An explicit import of the package is an edge all the same.
    packages = {
        name: parent
        for name in modules
        if (parent := name.rpartition(".")[0]) != "archgen" and parent in modules
    }
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == 2:
            return
        assert state.get(name) != 1, " -> ".join([*trail, name])
        state[name] = 1
        parent = packages.get(name)
        if parent is not None and state.get(parent) != 1:
            visit(parent, [*trail, name])
        for other in sorted(graph[name]):
            visit(other, [*trail, name])
        state[name] = 2

    assert "archgen.rules.structural" in graph
    for name in graph:
        visit(name, [])


def test_every_module_imports_alone_in_a_fresh_process() -> None:
    """Each archgen module imported first, with no other archgen module loaded (one process;
    archgen's modules are dropped from ``sys.modules`` before each import)."""
    names = [n for n in _modules() if n != "archgen.__main__"]
    script = (
        "import importlib, sys, traceback\n"
        "for name in sys.argv[1:]:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] == 'archgen']:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError:\n"
        "        print(name, traceback.format_exc()[-400:])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *names],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert len(names) > 30
    assert result.stdout == ""


_READING_EXAMPLES = [
    entry
    for entry in CODES.values()
    if entry.code < "AG2" and entry.bad and not entry.bad.startswith("archgen ")
]


@pytest.mark.parametrize("entry", _READING_EXAMPLES, ids=lambda e: e.code)
def test_reading_and_schema_examples_give_their_code_and_their_fix_passes(
    entry: Code, tmp_path: Path
) -> None:
    bad, good = tmp_path / "bad.yaml", tmp_path / "good.yaml"
    bad.write_text(entry.bad)
    good.write_text(entry.good)
    assert [d.code for d in lint(bad)][:1] == [entry.code]
    assert lint(good) == []


def test_reading_and_schema_codes_have_examples() -> None:
    assert len(_READING_EXAMPLES) >= 14
