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
from pathlib import Path

import jinja2

from archgen.complexity import CONVENTION, Complexity
from archgen.header import comment_text, make_header
from archgen.ops import Dropout, Linear, Pool, kind_of
from archgen.plan import NetworkPlan
from archgen.pyformat import layout
from archgen.recipes import RECORDS
from archgen.summary import table
from archgen.view import block_expr, build_view, graph_roles, reference, run_expr


def template_dir() -> Path:
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def tuple_entry(indent: int, key: str, values: tuple[float, ...]) -> str:
    """``"key": (a, b, c),`` at ``indent`` as ruff formats it: on one line when it fits, else
    one value a line with a trailing comma (which keeps it so)."""
    pad = " " * indent
    line = f'{pad}"{key}": {tuple(values)!r},'
    if len(line) <= 88:
        return line
    inner = "".join(f"{pad}    {value!r},\n" for value in values)
    return f'{pad}"{key}": (\n{inner}{pad}),'


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
    environment.filters["pytuple"] = lambda values: repr(tuple(values))
    environment.globals["tuple_entry"] = tuple_entry
    environment.filters["join_types"] = lambda names: (
        names[0] if len(names) == 1 else f"({', '.join(names)})"
    )
    environment.globals.update(
        layout=layout,
        block_expr=block_expr,
        run_expr=run_expr,
        op_kind=kind_of,
        graph_roles=graph_roles,
        reference=reference,
        records=RECORDS,
        unknown=_unknown,
    )
    return environment


def _unknown(what: str, kind: str) -> str:
    """A template met a kind it has no rendering for: a bug in archgen, never a fallback."""
    raise ValueError(f"no rendering of the {what} kind {kind!r}")


LAYOUT_NAMES = {
    "torchvision": "torchvision's ResNet (conv1, bn1, layer1, ..., fc)",
    "timm": "timm's ResNet (conv1, bn1, act1, layer1, ..., fc)",
    "timm-regnet": "timm's RegNet (stem.conv, s1.b1.conv1.conv, ..., head.fc)",
    "torchvision-regnet": "torchvision's RegNet (stem.0, trunk_output.block1.block1-0.f.a.0, "
    "..., fc)",
    "timm-resnetv2": "timm's ResNetV2 (stem.conv, stages.0.blocks.0.norm1, ..., norm, "
    "head.fc)",
}


def render(
    plan: NetworkPlan, complexity: Complexity, source: str, spec_sha256: str
) -> str:
    """The complete module: header, docstring, helper and block classes, model and builder."""
    builder_args = ["num_classes", "in_channels", "zero_init_residual"]
    if plan.drop_rate is not None:
        builder_args.append("drop_rate")
    if plan.drop_path_rate is not None:
        builder_args.append("drop_path_rate")
    view = build_view(plan)
    body = (
        _environment()
        .get_template("module.py.j2")
        .render(
            view=view,
            costs=complexity.stages,
            table=table(plan, complexity),
            convention=CONVENTION,
            source=comment_text(source),
            layout_name=LAYOUT_NAMES[plan.naming],
            head={
                kind: reference(op.path)
                for op in plan.head
                for kind in [{Pool: "pool", Dropout: "dropout", Linear: "fc"}[type(op)]]
            },
            builder_args=[f"{name}={name}" for name in builder_args],
            conv_head=any(isinstance(op, Linear) and op.conv for op in plan.head),
        )
    )
    return make_header(source, spec_sha256, body) + body


def docstring_text(text: str) -> str:
    """Escape ``text`` for the inside of a triple-quoted docstring, keeping its value verbatim.

    Backslashes, quotes, control and invisible characters are escaped; non-ASCII characters are
    written as ``\\uXXXX`` escapes (ruff flags lookalike characters in docstrings, and escapes
    by code point do not depend on the Unicode database of the Python that runs archgen). Whitespace
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
    return (
        f"\\x{code:02x}"
        if code <= 0xFF
        else f"\\u{code:04x}"
        if code <= 0xFFFF
        else f"\\U{code:08x}"
    )
