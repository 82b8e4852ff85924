"""Render a plan into the source of a standalone PyTorch module.

The templates (``templates/`` at the top of the repository, ``archgen/templates`` inside a wheel)
read the plan and the complexity analysis; they never compute channels. Text from the spec that
reaches the module is either validated earlier (names are identifiers) or escaped here
(:func:`docstring_text`), so a spec can never put code of its own into the output. The output is
already in ``ruff format`` style, so generated files pass ``ruff format --check`` without ruff
being run.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

import jinja2

from archgen.complexity import CONVENTION, Complexity
from archgen.header import comment_text, make_header
from archgen.plan import BlockPlan, NetworkPlan
from archgen.summary import table

LINE_LENGTH = 88
"""ruff's default line length; generated code fits it whatever the project's settings."""


def template_dir() -> Path:
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


@functools.cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir()),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    environment.filters["doc"] = docstring_text
    environment.filters["thousands"] = lambda number: f"{number:,}"
    environment.globals["call"] = call
    environment.globals["block_args"] = block_args
    return environment


def render(
    plan: NetworkPlan, complexity: Complexity, source: str, spec_sha256: str
) -> str:
    """The complete module: header, docstring, block classes, model class and builder."""
    body = (
        _environment()
        .get_template("module.py.j2")
        .render(
            plan=plan,
            classes=plan.block_classes,
            costs=complexity.stages,
            table=table(plan, complexity),
            convention=CONVENTION,
            source=comment_text(source),
        )
    )
    return make_header(source, spec_sha256, body) + body


def block_args(block: BlockPlan, widened: bool) -> list[str]:
    """Constructor arguments of one block, leaving out those at their default."""
    args = [str(block.in_channels)]
    if block.kind == "bottleneck" or widened:
        args.append(str(block.width))
    args.append(str(block.out_channels))
    if block.stride != 1:
        args.append(f"stride={block.stride}")
    if block.groups != 1:
        args.append(f"groups={block.groups}")
    if block.dilation != 1:
        args.append(f"dilation={block.dilation}")
    if block.project:
        args.append("project=True")
    return args


def call(indent: int, head: str, args: list[str], tail: str = "") -> str:
    """Lay out ``head(args)tail`` the way ``ruff format`` does for a call with plain arguments.

    On one line if it fits; otherwise the arguments on one indented line; otherwise one argument
    per line with a trailing comma.
    """
    pad = " " * indent
    line = f"{pad}{head}({', '.join(args)}){tail}"
    if len(line) <= LINE_LENGTH:
        return line
    inner = f"{pad}    {', '.join(args)}"
    if len(inner) <= LINE_LENGTH:
        return f"{pad}{head}(\n{inner}\n{pad}){tail}"
    exploded = "".join(f"{pad}    {arg},\n" for arg in args)
    return f"{pad}{head}(\n{exploded}{pad}){tail}"


def docstring_text(text: str) -> str:
    """Escape ``text`` for the inside of a triple-quoted docstring, keeping its value verbatim.

    Backslashes, quotes, control and invisible characters are escaped; non-ASCII characters are
    written as ``\\N{NAME}`` escapes (ruff flags lookalike characters in docstrings). Whitespace
    at the start or end of a line is escaped so that no formatter can strip or re-indent it.
    """
    lines = []
    for line in text.split("\n"):
        escaped = [_escape_char(char, line, i) for i, char in enumerate(line)]
        lines.append("".join(escaped))
    return "\n".join(lines)


def _escape_char(char: str, line: str, index: int) -> str:
    if char == "\\":
        return "\\\\"
    if char == '"':
        following = line[index + 1 : index + 2]
        return '\\"' if following in ('"', "") else char
    if char in " \t" and (index == 0 or not line[index + 1 :].strip(" \t")):
        return "\\t" if char == "\t" else "\\x20"
    code = ord(char)
    if 0x20 <= code < 0x7F:
        return char
    if char == "\t":
        return "\\t"
    name = unicodedata.name(char, "")
    if name and unicodedata.category(char)[0] not in "CZ":
        return f"\\N{{{name}}}"
    return (
        f"\\x{code:02x}"
        if code <= 0xFF
        else f"\\u{code:04x}"
        if code <= 0xFFFF
        else f"\\U{code:08x}"
    )
