"""The shape of archgen's own code: short functions, so that each step reads on one screen."""

from __future__ import annotations

import ast

from conftest import ROOT

LONGEST = 80
"""Lines of the longest function (declarative tables are module-level data, not functions)."""


def test_no_function_in_archgen_is_longer_than_80_lines() -> None:
    long = []
    for path in sorted((ROOT / "archgen").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > LONGEST:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert long == []
