"""The documentation's generated parts, computed from archgen itself when the site is built.

Nothing here is typed by hand that archgen can say: the key table comes from the JSON schema
(:func:`archgen.spec.json_schema`), the zoo from ``specs/`` through archgen's API, the rule pages
from the rule registry (:data:`archgen.codes.CODES`) with the findings ``archgen lint`` reports
on each bad example, the command reference from the argument parsers, the limits from
:mod:`archgen.limits`, and benchmark figures from the files ``benchmarks/`` writes. mkdocs runs
this through ``docs/hooks.py``; ``tests/docs/`` checks it without mkdocs.

A page asks for a generated part with a line ``<!-- archgen:NAME ARGUMENT -->`` (see
:data:`PARTS`); rule pages (``rules/AGxxx.md``) are made whole.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import archgen
from archgen import limits
from archgen.codes import CODES, Code
from archgen.spec import json_schema

ROOT = Path(__file__).resolve().parent.parent
"""The repository's root (the folder of mkdocs.yml)."""


# --- running the command line in-process ------------------------------------------------------


@contextlib.contextmanager
def _working_folder(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def run_cli(*argv: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """``archgen ARGV`` in this process: its exit code, standard output and standard error."""
    from archgen.cli import main

    out, err = io.StringIO(), io.StringIO()
    with (
        _working_folder(cwd or ROOT),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(list(argv))
        except SystemExit as stop:  # --help and argparse's usage errors
            code = stop.code if isinstance(stop.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def _fence(text: str, language: str = "text") -> str:
    return f"```{language}\n{text.rstrip()}\n```"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# --- the spec language: every key, from the JSON schema ------------------------------------------


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """``node`` with a ``$ref`` (direct, or the one non-null branch of ``anyOf``) followed."""
    if "$ref" in node:
        return dict(schema["$defs"][node["$ref"].rsplit("/", 1)[1]])
    for branch in node.get("anyOf", ()):
        if "$ref" in branch:
            return dict(schema["$defs"][branch["$ref"].rsplit("/", 1)[1]])
    return node


def _value_type(node: dict[str, Any]) -> str:
    """What a key takes, in words: its values, its type and its bounds."""
    branches = [b for b in node.get("anyOf", [node]) if b.get("type") != "null"]
    texts = []
    for branch in branches:
        if "enum" in branch:
            texts.append(
                ", ".join(f"`{json.dumps(v).strip(chr(34))}`" for v in branch["enum"])
            )
            continue
        kind = branch.get("type", "mapping" if "$ref" in branch else "")
        if kind == "array":
            item = _value_type(branch.get("items", {}))
            bounds = (
                f", {branch.get('minItems', 0)} to {branch['maxItems']} items"
                if "maxItems" in branch
                else ""
            )
            texts.append(f"list of {item}{bounds}")
            continue
        if kind == "object":
            kind = "mapping"
        low = branch.get("minimum", branch.get("exclusiveMinimum"))
        high = branch.get("maximum", branch.get("exclusiveMaximum"))
        if low is not None and high is not None:
            left = "(" if "exclusiveMinimum" in branch else "["
            right = ")" if "exclusiveMaximum" in branch else "]"
            kind += f" in {left}{low:,}, {high:,}{right}"
        elif "maxLength" in branch:
            kind += f", at most {branch['maxLength']:,} characters"
        texts.append(kind)
    return " or ".join(texts)


def _default(node: dict[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" not in node or node["default"] is None or node["default"] in ({}, []):
        return ""
    return f"`{json.dumps(node['default'])}`"


_MORE = {
    "description": "Free text; becomes the module's docstring, escaped, kept verbatim.",
    "norm": "The norm layers of the stem, the blocks and the shortcuts.",
    "defaults": "Stage keys for every stage; a stage may override any of them.",
    "head": "The classifier after the last stage.",
    "init": "How the builder initialises the weights (torchvision's initialisation otherwise).",
    "lint.ignore": "Code prefixes this spec's findings drop (`AG302`, `AG3`).",
    "lint.severity": "Severities per code for this spec (`{AG401: warning}`).",
}
"""Meanings the schema does not give, for the keys without a description."""


def _meaning(name: str, node: dict[str, Any], target: dict[str, Any]) -> str:
    text = node.get("description") or target.get("description") or _MORE.get(name, "")
    if not text:
        raise RuntimeError(f"docs/gen.py: the schema's key {name!r} has no meaning")
    return str(text)


def _key_rows(
    schema: dict[str, Any], properties: dict[str, Any], required: set[str], prefix: str
) -> Iterator[tuple[str, str, str, str]]:
    for key, node in properties.items():
        if key == "$schema":
            continue
        target = _resolve(schema, node)
        name = f"{prefix}{key}"
        if target is not node and key not in ("defaults",) and "properties" in target:
            yield f"`{name}`", "mapping", "", _meaning(name, node, target)
            yield from _key_rows(
                schema,
                target["properties"],
                set(target.get("required", ())),
                f"{name}.",
            )
            continue
        yield (
            f"`{name}`",
            "mapping of stage keys (below) except `blocks`"
            if key == "defaults"
            else _value_type(node),
            "" if key == "defaults" else _default(node, key in required),
            _meaning(name, node, target),
        )


def _table(
    rows: Iterator[tuple[str, ...]] | list[tuple[str, ...]], header: tuple[str, ...]
) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def spec_keys(argument: str = "") -> str:
    """Every key of a spec (``spec``) or of a stage (``stage``), from the JSON schema."""
    schema = json_schema()
    if argument == "stage":
        stage = schema["$defs"]["StageSpec"]
        rows = _key_rows(
            schema, stage["properties"], set(stage.get("required", ())), ""
        )
    else:
        rows = _key_rows(
            schema, schema["properties"], set(schema.get("required", ())), ""
        )
    return _table(list(rows), ("key", "takes", "default", "meaning"))


# --- the zoo ------------------------------------------------------------------------------------


def _family(spec: Any) -> str:
    """The family of a zoo network and what sets it apart, from its plan and its spec."""
    plan, network = spec.plan, spec.network
    recipes = {stage.recipe for stage in plan.stages}
    if plan.regnet is not None:
        return "RegNetY" if dict(plan.regnet).get("se_ratio") else "RegNetX"
    if "preact_bottleneck" in recipes:
        family = "ResNet v2"
    elif any(stage.groups > 1 for stage in plan.stages):
        family = "ResNeXt"
    elif plan.name.startswith("wide_"):
        family = "Wide ResNet"
    else:
        family = "ResNet"
    traits = []
    if network.defaults.attention is not None:
        traits.append(network.defaults.attention.type.upper())
    stem = {"deep": "deep stem", "deep_tiered": "tiered stem"}.get(network.stem.type)
    if stem:
        traits.append(stem)
    if network.defaults.shortcut == "avg_pool":
        traits.append("avg-pool shortcut")
    if network.conv.type == "std":
        traits.append("weight standardisation")
    return f"{family} ({', '.join(traits)})" if traits else family


def zoo_entries() -> list[dict[str, Any]]:
    """Each zoo spec with the figures archgen computes for it (``archgen list``'s JSON)."""
    code, out, err = run_cli("list", "--format", "json")
    if code != 0:
        raise RuntimeError(f"archgen list failed: {err}")
    entries: list[dict[str, Any]] = json.loads(out)
    return entries


def zoo(argument: str = "") -> str:
    """The zoo: one row per spec, then each spec's Table-1 summary (``archgen show``)."""
    from archgen.summary import show_markdown

    rows, tables = [], []
    for entry in zoo_entries():
        name = entry["name"]
        spec = archgen.load_spec(name)
        family = _family(spec)
        rows.append(
            (
                f"[`{name}`](#{name})",
                family,
                f"`{entry['layout']}`",
                f"`{entry['reference']}`",
                f"{entry['params']:,}",
                f"{entry['macs']:,}",
            )
        )
        analysis = archgen.analyse(spec)
        table = show_markdown(spec.plan, analysis.complexity, name)
        tables.append(table.replace(f"### {name}", f"### {name} {{#{name}}}", 1))
    header = ("name", "family", "layout", "reference", "params", "MACs")
    return _table(rows, header) + "\n\n" + "\n".join(tables)


# --- limits -----------------------------------------------------------------------------------

_LIMITS = {
    "MAX_FILE_BYTES": "spec file size, bytes",
    "MAX_NODES": "values in a file, after expanding YAML aliases",
    "MAX_DEPTH": "nesting depth of mappings and lists",
    "MAX_STAGES": "stages, also those `regnet:` expands to",
    "MAX_BLOCKS_PER_STAGE": "blocks per stage",
    "MAX_CHANNELS": "any channel count or width",
    "MAX_IMAGE_SIZE": "input image size",
    "MAX_CLASSES": "classes",
    "MAX_STRIDE": "stem or stage stride",
    "MAX_KERNEL_SIZE": "stem kernel size; a selective kernel's kernel sizes",
    "MAX_BRANCHES": "Res2Net's `scale`, ResNeSt's `radix`, a selective kernel's paths",
    "MAX_DILATION": "dilation a stage reaches by replacing strides (`output_stride`, `dilate`)",
    "MAX_NAME_LENGTH": "`name`, `class_name` length",
    "MAX_DESCRIPTION_LENGTH": "`description` length, characters",
    "MAX_NUMBER_LENGTH": "a number as written (digits, sign, dot...), characters",
}


def limit_table(argument: str = "") -> str:
    """Every limit of :mod:`archgen.limits` with its value."""
    names = [name for name in dir(limits) if name.startswith("MAX_")]
    missing = set(names) - set(_LIMITS)
    if missing:
        raise RuntimeError(f"docs/gen.py describes no limit {sorted(missing)}")
    rows = [
        (_LIMITS[name], f"{getattr(limits, name):,}", f"`{name}`") for name in _LIMITS
    ]
    return _table(rows, ("what", "limit", "in archgen.limits"))


# --- the rules ----------------------------------------------------------------------------------


def _named(example: str) -> str:
    """A registry example as a whole spec: a mapping of stages without a name gets one."""
    import re

    if re.search(r"^name:", example, re.M) or not re.search(
        r"^(stages|regnet|defaults|depths):", example, re.M
    ):
        return example
    return f"name: example\n{example}"


def lint_output(text: str, suffix: str = ".yaml") -> tuple[int, str]:
    """``archgen lint --show-info`` on ``text`` written as ``example.yaml`` in a scratch folder."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / f"example{suffix}").write_text(text, encoding="utf-8")
        code, out, _err = run_cli(
            "lint", "--show-info", f"example{suffix}", cwd=Path(folder)
        )
    return code, out


def rule_codes() -> dict[str, Code]:
    """Every code ``archgen lint --list-rules`` lists, by code."""
    return dict(CODES)


def _group(code: str) -> str:
    return {
        "AG0": "reading the file",
        "AG1": "the schema",
        "AG2": "structure",
        "AG3": "the ResNeXt design rules",
        "AG4": "information",
        "AG5": "AnyNet and RegNet",
    }[code[:3]]


def _console(command: str) -> str:
    """``$ COMMAND`` and what it prints, run in the repository's root."""
    import shlex

    _status, out, err = run_cli(*shlex.split(command)[1:])
    return _fence(f"$ {command}\n{out}{err}", "console")


_NESTED = "[" * 40 + "]" * 40
_SPEC = "defaults: {block: basic}\nstages:\n  - {blocks: 2, planes: 64}\n"
_MADE_EXAMPLES: dict[str, tuple[str, dict[str, bytes]]] = {
    "AG003": (
        "A spec saved as Latin-1: its `é` is the byte 0xE9, which is not UTF-8.",
        {"example.yaml": f"name: café\n{_SPEC}".encode("latin-1")},
    ),
    "AG008": (
        f"A spec whose `lint.ignore` nests lists {len(_NESTED) // 2} deep.",
        {"example.yaml": f"name: t\n{_SPEC}lint: {{ignore: {_NESTED}}}\n".encode()},
    ),
    "AG106": (
        "Two specs that name the same module, linted (or built) together.",
        {
            "a.yaml": f"name: net\n{_SPEC}".encode(),
            "b.yaml": f"name: net\n{_SPEC}".encode(),
        },
    ),
}
"""Examples for the codes whose registry entry has none: files written, then linted."""


def _made_example(code: str) -> list[str]:
    """The files of a made example and what ``archgen lint`` reports on them."""
    description, files = _MADE_EXAMPLES[code]
    lines = ["## Example", "", description, ""]
    with tempfile.TemporaryDirectory() as folder:
        for name, content in files.items():
            (Path(folder) / name).write_bytes(content)
            if content.isascii():
                lines += [f"`{name}`:", "", _fence(content.decode(), "yaml"), ""]
        _status, out, _err = run_cli("lint", *files, cwd=Path(folder))
    if code not in out:
        raise RuntimeError(f"{code}: its made example does not report it: {out}")
    return [*lines, f"`archgen lint {' '.join(files)}` reports:", "", _fence(out), ""]


def rule_page(code: str) -> str:
    """One code's page: what it checks, why, a bad and a good example, the finding, the fix."""
    entry = CODES[code]
    lines = [
        f"# {entry.code} {entry.rule}",
        "",
        f"**{entry.summary[0].upper()}{entry.summary[1:]}.**",
        "",
        f"- Default severity: **{entry.severity.label}**",
        f"- Group: {_group(code)} ({code[:3]}xx)",
        "- "
        + (
            "Configurable: `lint.ignore`, `[tool.archgen] ignore`, `--ignore` and `severity` apply."
            if entry.configurable
            else "Always on: the finding means there is no network to check or the module "
            "cannot be built, so no setting ignores it."
        ),
        "",
        "## Why",
        "",
        entry.explanation,
        "",
    ]
    if code in _MADE_EXAMPLES:
        lines += _made_example(code)
    elif entry.bad.startswith("archgen "):  # a command, not a spec
        lines += ["## Example", "", _console(entry.bad), ""]
        lines += ["## Use instead", "", _console(entry.good), ""]
    elif entry.bad:
        bad = _named(entry.bad)
        _status, out = lint_output(bad)
        if code not in out:
            raise RuntimeError(f"{code}: its bad example does not report it: {out}")
        lines += [
            "## Example",
            "",
            _fence(bad, "yaml"),
            "",
            "`archgen lint --show-info example.yaml` reports:",
            "",
            _fence(out, "text"),
            "",
        ]
    if entry.good and not entry.good.startswith("archgen "):
        good = _named(entry.good)
        _status, out = lint_output(good)
        if code in out:
            raise RuntimeError(f"{code}: its good example is reported: {out}")
        lines += ["## Use instead", "", _fence(good, "yaml"), ""]
    lines += ["## Fix", "", entry.fix[0].upper() + entry.fix[1:] + ".", ""]
    lines += [
        "## See also",
        "",
        f"`archgen rule {code}` prints this page's text in a terminal; "
        "[the rules](index.md) lists every code.",
        "",
    ]
    return "\n".join(lines)


def rule_index(argument: str = "") -> str:
    """The table of every code, each linked to its page."""
    rows = [
        (
            f"[{entry.code}]({entry.code}.md)",
            entry.rule,
            entry.severity.label,
            "" if entry.configurable else "always on",
            entry.summary,
        )
        for entry in CODES.values()
    ]
    return _table(rows, ("code", "rule", "default", "", "checks"))


# --- the command line ---------------------------------------------------------------------------


@contextlib.contextmanager
def _columns(width: int = 100) -> Iterator[None]:
    """argparse wraps usage at the terminal's width: one width, whatever the terminal."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    from archgen.cli import parser

    top = parser()
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise RuntimeError("archgen's parser has no commands")


def _argument_row(action: argparse.Action) -> tuple[str, str, str]:
    if action.option_strings:
        name = ", ".join(f"`{o}`" for o in action.option_strings)
        if action.nargs != 0:
            metavar = action.metavar or (action.dest.upper())
            name += f" `{metavar}`" if isinstance(metavar, str) else ""
    else:
        name = f"`{action.metavar or action.dest}`"
    details = action.help or ""
    if action.choices and not isinstance(action, argparse._SubParsersAction):
        details += f" (one of: {', '.join(f'`{c}`' for c in action.choices)})"
    default = action.default
    shown = (
        ""
        if default in (None, False, argparse.SUPPRESS) or action.nargs == 0
        else f"`{default}`"
    )
    return name, details, shown


def cli_reference(argument: str = "") -> str:
    """Every command: its description, usage and arguments, read from the parsers."""
    with _columns():
        return _cli_reference()


def _cli_reference() -> str:
    from archgen.cli import parser

    sections = [_fence(parser().format_usage().strip(), "text"), ""]
    for name, sub in _subparsers().items():
        rows = [
            _argument_row(action)
            for action in sub._actions
            if not isinstance(action, argparse._HelpAction)
        ]
        sections += [
            f"## archgen {name}",
            "",
            sub.description or "",
            "",
            _fence(sub.format_usage().replace("usage: ", "").strip(), "text"),
            "",
            _table(rows, ("argument", "meaning", "default")),
            "",
        ]
    return "\n".join(sections)


def command_list(argument: str = "") -> str:
    """One usage line per command (the README's command list)."""
    lines = [
        " ".join(sub.format_usage().replace("usage: ", "").split())
        for sub in _subparsers().values()
    ]
    return _fence("\n".join(lines), "text")


# --- design spaces ------------------------------------------------------------------------------


def sample_plot(path: Path) -> str:
    """Draw the EDF figure of the design-spaces page to ``path``; returns the table printed."""
    code, out, err = run_cli(
        "sample",
        "--compare",
        "anynetx_a",
        "anynetx_e",
        "regnet",
        "--count",
        "100",
        "--seed",
        "0",
        "--macs",
        "400M",
        "--plot",
        str(path),
    )
    if code != 0:
        raise RuntimeError(f"archgen sample failed: {err}")
    return out


def table2(argument: str = "resnet50") -> str:
    """Table 2 of the ResNeXt paper as ``archgen scale`` solves it: for each cardinality, the
    base width that keeps the parameters (or the MACs) of ``argument`` nearest."""
    import re

    rows = []
    for cardinality in (1, 2, 4, 8, 32):
        cells = [str(cardinality)]
        for keep in ("params", "macs"):
            code, out, err = run_cli(
                "scale",
                argument,
                "--cardinality",
                str(cardinality),
                "--keep",
                keep,
                "--dry-run",
            )
            found = re.search(
                r"cardinality (\d+) \(set\), base width (\d+) \(solved, keep \w+\): "
                r"params ([-+][\d.]+%), MACs ([-+][\d.]+%)",
                out + err,
            )
            if code != 0 or found is None:
                raise RuntimeError(f"archgen scale {argument} failed: {out}{err}")
            cells += [f"{cardinality}x{found[2]}d", found[3], found[4]]
        rows.append(tuple(cells))
    header = (
        "C",
        "keep params",
        "params",
        "MACs",
        "keep MACs",
        "params",
        "MACs",
    )
    return _table(rows, header)


# --- benchmarks ---------------------------------------------------------------------------------


def benchmark(argument: str) -> str:
    """The output a benchmark wrote to ``benchmarks/results/ARGUMENT``, as it is."""
    path = ROOT / "benchmarks" / "results" / argument
    return _fence(path.read_text(encoding="utf-8"), "text")


def benchmark_figure(argument: str) -> str:
    """One figure from a benchmark output: ``FILE VARIANT COLUMN`` (a column of bench_models's
    table: ``reference ms``, ``generated ms``, ``gen/ref``, ...)."""
    file, variant, column = argument.split(" ", 2)
    lines = (
        (ROOT / "benchmarks" / "results" / file)
        .read_text(encoding="utf-8")
        .splitlines()
    )
    header = next(line for line in lines if line.startswith("variant"))
    columns = [
        "variant",
        "reference ms",
        "generated ms",
        "gen/ref",
        "ref/ref-eager",
        "gen/ref-eager",
    ]
    if not all(c in header for c in columns):
        raise RuntimeError(f"{file}: not bench_models's table")
    for line in lines:
        if line[:11].strip() == variant:
            return line[11:].split()[columns.index(column) - 1]
    raise RuntimeError(f"{file} has no variant {variant!r}")


PARTS: dict[str, Callable[[str], str]] = {
    "spec-keys": spec_keys,
    "zoo": zoo,
    "limits": limit_table,
    "rules": rule_index,
    "cli": cli_reference,
    "commands": command_list,
    "table2": table2,
    "benchmark": benchmark,
    "figure": benchmark_figure,
}
"""The parts a page may ask for, by the name in its ``<!-- archgen:NAME ARGUMENT -->`` line."""


# --- the overview picture (README and the home page) ------------------------------------------

OVERVIEW = ROOT / "docs" / "assets" / "overview.svg"
"""The picture of the README and the home page; ``python docs/gen.py`` writes it, a test checks it."""

_SPEC_KEYS = ("name:", "input:", "stem:", "defaults:", "  ", "stages:", "head:")


_SKIPPED = (
    "self.num_features",
    "self.feature_info",
    "self.pretrained_cfg",
    "self.default_cfg",
)
"""Records of the model's interface that the picture leaves out, to show the layers."""


def _module_excerpt(source: str, class_name: str) -> list[str]:
    """The model class of a generated module down to its first stage: its constructor's
    layers, without the docstring and the records of its interface."""
    lines = source.splitlines()
    start = lines.index(f"class {class_name}(nn.Module):")
    body = lines[start + 1 :]
    after_doc = next(
        i for i, line in enumerate(body) if line.strip() == '"""' and i > 0
    )
    excerpt, depth, skipping = [lines[start]], 0, False
    for line in body[after_doc + 1 :]:
        text = line.strip()
        if depth == 0:
            skipping = text.startswith(_SKIPPED) or (
                text.startswith("#") and not text[2:3].isdigit()
            )
        depth += sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")
        if skipping or not text:
            continue
        excerpt.append(line)
        if depth == 0 and any("self.layer1" in e for e in excerpt):
            break
    return [*excerpt, "        ..."]


def overview_svg(name: str = "resnext50_32x4d") -> str:
    """A zoo spec beside the model class archgen writes for it, and its Table-1 summary."""
    from xml.sax.saxutils import escape

    spec_path = ROOT / "specs" / f"{name}.yaml"
    spec_lines = [
        line
        for line in spec_path.read_text(encoding="utf-8").splitlines()
        if line.startswith(_SPEC_KEYS)
    ]
    spec = archgen.load_spec(name)
    module = _module_excerpt(archgen.render_source(spec), spec.plan.class_name)
    code, out, _err = run_cli("show", name)
    if code != 0:
        raise RuntimeError("archgen show failed")
    table = [line for line in out.splitlines() if line][1:-1]

    size, step, char = 12, 15, 7.25
    left = 16
    right = left + char * (max(len(line) for line in spec_lines) + 6)
    top = 44
    columns_bottom = top + step * max(len(spec_lines), len(module))
    table_top = columns_bottom + 48
    width = max(
        right + char * max(len(line) for line in module),
        left + char * max(len(line) for line in table),
    )
    height = table_top + step * len(table) + 16

    def text(x: float, y: float, lines: list[str], fill: str = "#1f2328") -> list[str]:
        return [
            f'<text x="{x:.0f}" y="{y + i * step:.0f}" fill="{fill}" xml:space="preserve">'
            f"{escape(line)}</text>"
            for i, line in enumerate(lines)
        ]

    def label(x: float, y: float, words: str) -> str:
        return (
            f'<text x="{x:.0f}" y="{y:.0f}" fill="#0969da" font-weight="bold">'
            f"{escape(words)}</text>"
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 16:.0f}" '
        f'height="{height:.0f}" font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, '
        f'monospace" font-size="{size}">',
        '<rect width="100%" height="100%" fill="#f6f8fa" rx="8"/>',
        label(left, 24, f"specs/{name}.yaml"),
        label(right, 24, f"archgen build {name}  ->  {name}.py"),
        *text(left, top, spec_lines),
        *text(right, top, module),
        label(left, table_top - 20, f"archgen show {name}"),
        *text(left, table_top, table),
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    OVERVIEW.parent.mkdir(parents=True, exist_ok=True)
    OVERVIEW.write_text(overview_svg(), encoding="utf-8")
    print(f"wrote {OVERVIEW.relative_to(ROOT)}")
