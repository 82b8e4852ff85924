"""pyformat lays out what archgen emits exactly as ``ruff format`` does."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from archgen.config import Config
from archgen.pipeline import compile_spec
from archgen.pyformat import LINE_LENGTH, layout, split_top


def _compiled(path: Path):  # type: ignore[no-untyped-def]
    result = compile_spec(path, Config(root=path.parent))
    assert result.plan is not None and result.complexity is not None, result.diagnostics
    return result


# --- pyformat against ruff format -----------------------------------------------------------

RUFF = shutil.which("ruff") or str(Path(os.__file__).parents[3] / "bin" / "ruff")


def _ruff(source: str) -> str:
    if not Path(RUFF).exists():
        pytest.skip("ruff is not installed")
    result = subprocess.run(
        [RUFF, "format", "--isolated", "-"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


LONG = "self.some_attribute_name"
EXPRESSIONS = [
    # fits exactly at 88 / one over
    ("x = ", "f(" + "a" * (88 - 4 - 3) + ")"),
    ("x = ", "f(" + "a" * (88 - 4 - 2) + ")"),
    ("x = ", f"nn.Conv2d({LONG}_in, {LONG}_out, kernel_size=3, stride=2, padding=1)"),
    (
        "return ",
        f"nn.Sequential({LONG}_first_long_argument, {LONG}_second_long_argument, "
        f"{LONG}_third_argument)",
    ),
    (
        "y = ",
        f"outer(inner({LONG}_argument_one, {LONG}_argument_two, {LONG}_argument_three))",
    ),
    (
        "z = ",
        f"outer(inner({LONG}_argument_one, {LONG}_two), other({LONG}_a, {LONG}_b), q)",
    ),
    ("x = ", f'call("text, with comma", {LONG}_argument_one, {LONG}_argument_two)'),
    ("w = ", f"{LONG}_width_argument if {LONG}_condition else {LONG}_other"),
    # a module list of alike modules (Res2Net's convolutions)
    (
        "self.convs = ",
        f"nn.ModuleList([nn.Conv2d({LONG}_in, {LONG}_out, kernel_size=3) for _ in range(3)])",
    ),
    ("x = ", f"[nn.Conv2d({LONG}_in, {LONG}_out, kernel_size=3) for _ in range(3)]"),
]


@pytest.mark.parametrize(("prefix", "expr"), EXPRESSIONS)
def test_layout_matches_ruff_format(prefix: str, expr: str) -> None:
    source = f"def f():\n    {prefix}{expr}\n"
    laid = layout(4, prefix, expr)
    assert f"def f():\n{laid}\n" == _ruff(source)


def test_layout_of_a_starred_comprehension_and_a_bare_conditional() -> None:
    element = f"Block({LONG}_width, groups, stride=1)"
    expr = f"*[{element} for _ in range(depth_of_this_stage - 1)]"
    assert layout(8, "", expr, ",").splitlines() == [
        " " * 8 + "*[",
        " " * 12 + element,
        " " * 12 + "for _ in range(depth_of_this_stage - 1)",
        " " * 8 + "],",
    ]
    body, cond, other = f"{LONG}_body_value", f"{LONG}_condition", f"{LONG}_other"
    assert layout(4, "", f"{body} if {cond} else {other}", ",").splitlines() == [
        f"    {body}",
        f"    if {cond}",
        f"    else {other},",
    ]


def test_layout_keeps_what_it_cannot_break() -> None:
    long_name = "a" * 100
    assert layout(0, "", long_name) == long_name
    assert layout(0, "", f"f()[{long_name}]") == f"f()[{long_name}]"
    assert layout(0, "x = ", f"({long_name})") == f"x = ({long_name})"
    assert layout(0, "", f"f({long_name}) + 1") == f"f({long_name}) + 1"
    assert layout(0, "", f"*[{long_name}]") == f"*[{long_name}]"
    # A callee must be a name: ``f(a)X(...)`` style text ending in a bracket or space is not.
    assert layout(0, "", f"a ({long_name}, b)") == f"a ({long_name}, b)"
    args = ", ".join(f"argument_number_{i:03}" for i in range(4))  # 82 characters
    assert layout(0, "", f"makeX({args})").splitlines() == [
        "makeX(",
        f"    {args}",
        ")",
    ]
    # Starts like a comprehension but is a call: broken at the call's parentheses.
    assert layout(0, "", f"*[x for x in y] + f({args})").splitlines() == [
        "*[x for x in y] + f(",
        f"    {args}",
        ")",
    ]
    assert layout(0, "", f"{long_name} if c") == f"{long_name} if c"
    assert layout(0, "", f"{long_name} if c else d else e") == (
        f"{long_name} if c else d else e"
    )
    assert len("x" * LINE_LENGTH) == 88
    assert layout(0, "", "x" * 88) == "x" * 88


def test_layout_of_a_single_long_argument_recurses() -> None:
    inner = ", ".join(f"argument_number_{i}" for i in range(6))
    expr = f"outer(inner({inner}))"
    assert layout(0, "", expr, "").splitlines() == [
        "outer(",
        "    inner(",
        *(f"        argument_number_{i}," for i in range(6)),
        "    )",
        ")",
    ]


def test_split_top() -> None:
    assert split_top("a, f(b, c), [d, e], {f: g}") == [
        "a",
        "f(b, c)",
        "[d, e]",
        "{f: g}",
    ]
    assert split_top("'x, y', \"z, (w\", v") == ["'x, y'", '"z, (w"', "v"]
    assert split_top(r"'a\', b', c") == [r"'a\', b'", "c"]
    assert split_top("a for b for c", " for ") == ["a", "b", "c"]
    assert split_top("a,, b,") == ["a", "b"]
    assert split_top("") == []
    assert split_top("(a, b)") == ["(a, b)"]
    assert split_top("Xa, b") == ["Xa", "b"]  # only quotes open a string
