"""Hostile inputs, class by class: every member of each class is enumerated here.

1. names that would collide inside the generated module;
2. inputs that used to end in a traceback;
4. reads that could block or run without bound, and folders that cannot be read;
5. generated files compared as bytes, and headers found whatever the spec's path;
6. control characters in what archgen prints, and positions around unusual line breaks;
7. numbers that YAML 1.1 and YAML 1.2 read differently;
8. unknown codes wherever codes are named;
9. one file named twice.
"""

from __future__ import annotations

import ast
import builtins
import json
import keyword
import os
import socket
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml

from archgen import limits, names
from archgen.header import read_header
from archgen.names import RESERVED_NAMES, why_reserved
from archgen.render import render
from archgen.source import Document, SourceMap, _number_text, load
from archgen.text import printable

from conftest import MINIMAL, ROOT, SPECS, load_module, run_cli, write_spec

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def archgen(
    *args: str | Path, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """archgen in its own process, with a deadline so that a hang fails instead of hanging."""
    return subprocess.run(
        [sys.executable, "-m", "archgen", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=ENV,
    )


def lint_json(*args: str | Path) -> tuple[int, list[dict[str, Any]]]:
    result = run_cli("lint", "--format", "json", *args)
    return result.code, json.loads(result.out) if result.out.strip() else []


def one_clean_line(text: str) -> str:
    """The single line ``text`` holds, after checking it is one line and not a traceback."""
    assert "Traceback" not in text
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


# --- 1. names ------------------------------------------------------------------------------------

SHAPES = {
    # Every helper class and option at once: SE and ECA (two block shapes), stochastic depth,
    # dropout, frozen norms, pooled shortcuts in all three forms, deep stem, pooling convolution.
    "everything": """\
name: tiny
layout: timm
input: {channels: 3, image_size: 32}
stem: {type: deep, width: 16, pool: conv}
norm: {type: frozen_batch}
act: silu
output_stride: 8
drop_path_rate: 0.1
defaults: {block: bottleneck, shortcut: avg_pool, attention: {type: se}}
stages:
  - {blocks: 2, planes: 8}
  - {blocks: 1, planes: 16, stride: 2, block: basic, attention: {type: eca}}
  - {blocks: 2, planes: 32, stride: 2}
head: {num_classes: 10, drop_rate: 0.1}
init: {zero_init_residual: true}
lint: {ignore: [AG3, AG4]}
""",
    "group_norm": """\
name: tiny
norm: {type: group, group_size: 4}
defaults: {block: basic}
stages:
  - {blocks: 1, planes: 8}
""",
    # Runs of identical blocks (range), zero_init_residual (isinstance), grouped bottlenecks.
    "bottleneck": MINIMAL.replace("blocks: 2", "blocks: 3")
    + "init: {zero_init_residual: true}\n",
    "basic": """\
name: tiny
input: {channels: 3, image_size: 32}
stem: {width: 8, kernel_size: 3, stride: 1, pool: false}
defaults: {block: basic}
stages:
  - {blocks: 3, planes: 8}
  - {blocks: 2, planes: 16, stride: 2}
head: {num_classes: 10}
init: {zero_init_residual: true}
""",
    # A widened basic block (AG205 is a warning), so the basic block takes a width too.
    "widened": """\
name: tiny
input: {channels: 3, image_size: 32}
stem: {width: 8, kernel_size: 3, stride: 1, pool: true}
defaults: {block: basic}
stages:
  - {blocks: 2, planes: 8, base_width: 128}
  - {blocks: 2, planes: 16, stride: 2, base_width: 128}
""",
    "dilated": """\
name: tiny
input: {channels: 3, image_size: 32}
stem: {width: 16, kernel_size: 3, stride: 1, pool: false}
defaults: {block: bottleneck, cardinality: 2, base_width: 32}
stages:
  - {blocks: 2, planes: 8}
  - {blocks: 3, planes: 16, stride: 2, dilate: true}
head: {num_classes: 10}
""",
}

FUTURE_NAMES = {
    "SqueezeExcite",
    "EfficientChannelAttention",
    "DropPath",
    "FrozenBatchNorm2d",
    "ConvNormAct",
    "projection",
    "pooled_projection",
    "fuse_conv_bn",
    "List",
    "Optional",
    "Tuple",
    "math",
    "F",
    "num_classes",
    "in_channels",
    "zero_init_residual",
    "drop_rate",
    "drop_path_rate",
    "indices",
    "x",
    "self",
    "m",
    "block",
    "torch",
    "nn",
    "Tensor",
    "BasicBlock",
    "Bottleneck",
    "typing",
}


def _document(data: dict[str, Any]) -> Document:
    return Document(Path("spec.yaml"), "spec.yaml", data, SourceMap({}, {}), "0" * 64)


def _validate(**changes: Any) -> list[str]:
    """The messages of the AG104 findings validating MINIMAL with ``changes``."""
    from archgen.validate import validate

    data = {**yaml.safe_load(MINIMAL), **changes}
    result = validate(_document(data))
    if not isinstance(result, list):
        return []
    assert {d.code for d in result} == {"AG104"}, result
    return [d.message for d in result]


def test_reserved_names_cover_this_python_and_the_planned_templates() -> None:
    running = set(keyword.kwlist) | set(keyword.softkwlist) | set(dir(builtins))
    assert running <= RESERVED_NAMES
    assert FUTURE_NAMES <= RESERVED_NAMES
    assert isinstance(RESERVED_NAMES, frozenset)
    # A literal set: the same on every Python, not read from the running one; what the
    # generated module defines comes from the component records.
    tree = ast.parse(Path(names.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        and getattr(node, "module", None) != "archgen.recipes"
        for alias in node.names
    }
    assert imported <= {"annotations", "re"}
    assert all(why_reserved(name) for name in RESERVED_NAMES)
    assert why_reserved("resnet50") is None and why_reserved("Torch") is None


@pytest.mark.parametrize("name", sorted(RESERVED_NAMES))
def test_every_reserved_name_is_refused_as_name_and_class_name(name: str) -> None:
    reason = (
        "must not start with an underscore"
        if name.startswith("_")
        else why_reserved(name)
    )
    assert reason is not None
    as_name = _validate(name=name, class_name="Net")
    as_class = _validate(class_name=name)
    assert len(as_name) == 1 and reason in as_name[0], as_name
    assert len(as_class) == 1 and reason in as_class[0], as_class


DEFAULT_CLASS_CLASHES = {
    # name (no class_name) -> why its default class name, name with a capital, cannot be used
    "ResNet": "also the default class_name",
    "Tiny": "also the default class_name",
    "Net_2": "also the default class_name",
    "bottleneck": "'Bottleneck', which is a block class",
    "basicBlock": "'BasicBlock', which is a block class",
    "tensor": "'Tensor', which is a type the generated code imports",
    "optional": "'Optional', which is a type",
    "f": "'F', which is a module",
    "none": "'None', which is a Python keyword",
    "true": "'True', which is a Python keyword",
    "false": "'False', which is a Python keyword",
    "exception": "'Exception', which is a Python builtin",
    "valueError": "'ValueError', which is a Python builtin",
    "ellipsis": "'Ellipsis', which is a Python builtin",
    "notImplemented": "'NotImplemented', which is a Python builtin",
    "squeezeExcite": "'SqueezeExcite', which is a class",
}


@pytest.mark.parametrize("name", sorted(DEFAULT_CLASS_CLASHES))
def test_default_class_name_is_checked_too(cli_in: Path, name: str) -> None:
    named = MINIMAL.replace("name: tiny", f"name: {json.dumps(name)}")
    spec = write_spec(cli_in, named)
    code, found = lint_json(spec)
    assert code == 1
    assert [(d["code"], d["line"], d["column"]) for d in found] == [("AG104", 1, 7)]
    assert DEFAULT_CLASS_CLASHES[name] in found[0]["message"]
    # Naming the class is the fix.
    write_spec(cli_in, named + "class_name: Net\n")
    assert lint_json(spec) == (0, [])


def test_class_name_equal_to_the_builder_is_refused(cli_in: Path) -> None:
    spec = write_spec(cli_in, MINIMAL + "class_name: tiny\n")
    code, found = lint_json(spec)
    assert code == 1
    assert [(d["code"], d["line"], d["column"]) for d in found] == [("AG104", 9, 13)]
    assert "must differ from name" in found[0]["message"]


# Names that look dangerous but collide with nothing at module level: attributes and methods of
# the model (forward, conv1, training), locals of generated functions (out, identity), names of
# torch (Module, flatten, dtype) reached only through torch.* or nn.*, typing names not imported.
TRICKY_ACCEPTED = [
    "forward",
    "forward_features",
    "conv1",
    "bn1",
    "relu",
    "maxpool",
    "layer1",
    "avgpool",
    "fc",
    "out",
    "identity",
    "training",
    "cuda",
    "modules",
    "state_dict",
    "Module",
    "Sequential",
    "Conv2d",
    "flatten",
    "init",
    "functional",
    "jit",
    "dtype",
    "device",
    "Any",
    "Dict",
    "Union",
    "Final",
    "NoneType",
    "annotations",
    "torchvision",
    "builtins",
    "os",
    "inf",
    "nan",
    "ResNet",
]


@pytest.mark.parametrize("index", range(len(TRICKY_ACCEPTED)))
def test_tricky_names_build_modules_that_construct_run_and_script(
    tmp_path: Path, index: int
) -> None:
    """Each tricky name once as the builder and once as the class, across block shapes."""
    name = TRICKY_ACCEPTED[index]
    if name[0].isupper():  # a builder named like a class would need a class_name
        name = f"make{name}"
    class_name = TRICKY_ACCEPTED[(index + 1) % len(TRICKY_ACCEPTED)]
    shape = sorted(SHAPES)[index % len(SHAPES)]
    text = SHAPES[shape].replace("name: tiny", f"name: {name}")
    if index % 5 != 4:  # and sometimes the default class name
        text += f"class_name: {class_name}\n"
    spec = write_spec(tmp_path, text)
    result = run_cli("build", spec, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    module = load_module(tmp_path / "out" / f"{name}.py")
    model = getattr(module, name)(num_classes=7, zero_init_residual=True).eval()
    x = torch.randn(1, 3, 16, 16)
    with torch.no_grad():
        assert model(x).shape == (1, 7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        scripted = torch.jit.script(model)
    with torch.no_grad():
        torch.testing.assert_close(scripted(x), model(x))


MODULES = [path.name for path in sorted(SPECS.glob("*.yaml"))] + sorted(SHAPES)


def _module(label: str) -> tuple[str, set[str]]:
    """The source of a zoo module or of one built from a shape, with the templates under test,
    and the spec's names."""
    if label in SHAPES:
        return _render(yaml.safe_load(SHAPES[label])), {"tiny", "Tiny"}
    source = _render(yaml.safe_load((SPECS / label).read_text(encoding="utf-8")))
    own = {
        node.name
        for node in ast.parse(source).body
        if isinstance(node, ast.ClassDef | ast.FunctionDef)
        and why_reserved(node.name) is None
    }
    assert len(own) == 2, (label, own)  # the model class and the builder
    return source, own


def _render(data: dict[str, Any]) -> str:
    from archgen.complexity import analyse
    from archgen.plan import lower
    from archgen.validate import validate

    document = _document(data)
    spec = validate(document)
    assert not isinstance(spec, list), spec
    plan = lower(spec, document)
    assert not isinstance(plan, list), plan
    return render(plan, analyse(plan), "spec.yaml", "0" * 64)


class _Names(ast.NodeVisitor):
    """Top-level names, parameter names, and names read but not bound in the reading function."""

    def __init__(self) -> None:
        self.top: set[str] = set()
        self.parameters: set[str] = set()
        self.free: set[str] = set()

    def module(self, tree: ast.Module) -> None:
        for node in tree.body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef):
                self.top.add(node.name)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                self.top |= {(a.asname or a.name).split(".")[0] for a in node.names}
            elif isinstance(node, ast.Assign):
                self.top |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.Lambda):
                arguments = node.args
                every = [
                    *arguments.posonlyargs,
                    *arguments.args,
                    *arguments.kwonlyargs,
                    *filter(None, [arguments.vararg, arguments.kwarg]),
                ]
                own = {a.arg for a in every}
                self.parameters |= own
                bound = own | {
                    n.id
                    for n in ast.walk(node)
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                }
                self.free |= {
                    n.id
                    for n in ast.walk(node)
                    if isinstance(n, ast.Name)
                    and isinstance(n.ctx, ast.Load)
                    and n.id not in bound
                }
        # Names read at module or class level (bases, decorators, defaults, annotations).
        stored = {
            n.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
        }
        self.free |= (
            {
                n.id
                for n in ast.walk(tree)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            }
            - stored
            - self.parameters
            - self.top
        )


@pytest.mark.parametrize("label", MODULES)
def test_every_name_a_generated_module_uses_is_reserved(label: str) -> None:
    """When templates add a class, function, import, parameter or builtin call, this fails until
    archgen/names.py reserves the name."""
    source, own = _module(label)
    found = _Names()
    found.module(ast.parse(source))
    for kind, used in (
        ("top-level", found.top - own),
        ("parameter", found.parameters),
        ("global or builtin", found.free - own),
    ):
        missing = {name for name in used if why_reserved(name) is None}
        assert not missing, f"{label}: {kind} names not in archgen.names: {missing}"


# --- 2. no tracebacks ----------------------------------------------------------------------------

BAD_TAGGED_VALUES = {
    "!!int abc": "'abc' is not a valid int",
    "!!int ''": "'' is not a valid int",
    "!!int 1.5": "'1.5' is not a valid int",
    "!!int 12abc": "'12abc' is not a valid int",
    "!!float x": "'x' is not a valid float",
    "!!float ''": "'' is not a valid float",
    "!!bool maybe": "'maybe' is not a valid bool",
    "!!bool ''": "'' is not a valid bool",
    "!!bool 1": "'1' is not a valid bool",
    "!!null foo": "'foo' is not a valid null",
}


@pytest.mark.parametrize("value", sorted(BAD_TAGGED_VALUES))
def test_tagged_values_that_cannot_be_converted(cli_in: Path, value: str) -> None:
    spec = write_spec(cli_in, MINIMAL.replace("blocks: 2", f"blocks: {value}"))
    code, found = lint_json(spec)
    assert code == 1
    assert [(d["code"], d["line"], d["column"]) for d in found] == [("AG103", 6, 14)]
    assert found[0]["message"] == BAD_TAGGED_VALUES[value]


TAGGED_KEYS = [
    "!!str stages",
    "!!int 3",
    "!!python/name:os.system stages",
    "!!python/object:os.system stages",
    "!custom stages",
    "!<tag:example.com,2000:x> stages",
    "!!binary c3RhZ2Vz",
]


@pytest.mark.parametrize("key", TAGGED_KEYS)
def test_tags_on_keys_are_refused_at_the_key(cli_in: Path, key: str) -> None:
    spec = write_spec(cli_in, f"name: tiny\n{key}: []\n")
    code, found = lint_json(spec)
    assert code == 1
    assert [(d["code"], d["line"], d["column"]) for d in found] == [("AG007", 2, 1)]
    assert "on a key" in found[0]["message"]


HUGE = "1" * 5000
LONG_NUMBERS = {
    "plain.yaml": (MINIMAL.replace("blocks: 2", f"blocks: {HUGE}"), (6, 14)),
    "negative.yaml": (MINIMAL.replace("blocks: 2", f"blocks: -{HUGE}"), (6, 14)),
    "tagged.yaml": (MINIMAL.replace("blocks: 2", f"blocks: !!int {HUGE}"), (6, 14)),
    "float.yaml": (MINIMAL.replace("blocks: 2", f"blocks: {HUGE}.5"), (6, 14)),
    "hex.yaml": (MINIMAL.replace("blocks: 2", f"blocks: 0x{'f' * 5000}"), (6, 14)),
    "octal.yaml": (MINIMAL.replace("blocks: 2", f"blocks: 0{'7' * 5000}"), (6, 14)),
    "description.yaml": (MINIMAL + f"description: {HUGE}\n", (9, 14)),
    "int.json": ('{"name": "tiny",\n "stages": [{"blocks": ' + HUGE + "}]}", (2, 24)),
    "float.json": ('{"name": "tiny", "x": 0.' + HUGE + "}", (1, 23)),
    "exponent.json": ('{"name": "tiny", "x": 1e' + HUGE + "}", (1, 23)),
}


@pytest.mark.parametrize("name", sorted(LONG_NUMBERS))
def test_numbers_longer_than_pythons_int_limit(cli_in: Path, name: str) -> None:
    text, where = LONG_NUMBERS[name]
    (cli_in / name).write_text(text, encoding="utf-8")
    code, found = lint_json(name)
    assert code == 1
    assert [(d["code"], d["line"], d["column"]) for d in found] == [("AG008", *where)]
    assert f"at most {limits.MAX_NUMBER_LENGTH}" in found[0]["message"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_constants_that_are_not_json(cli_in: Path, constant: str) -> None:
    (cli_in / "spec.json").write_text(f'{{"name": "tiny",\n  "x": {constant}}}')
    code, found = lint_json("spec.json")
    assert code == 1
    assert [(d["code"], d["line"], d["column"]) for d in found] == [("AG002", 2, 8)]


HOSTILE_PYPROJECTS: dict[str, bytes | None] = {
    "tool-integer": b"tool = 3\n",
    "tool-string": b'tool = "x"\n',
    "tool-array": b"tool = [1, 2]\n",
    "archgen-string": b'[tool]\narchgen = "x"\n',
    "archgen-integer": b"[tool]\narchgen = 3\n",
    "archgen-array": b"[tool]\narchgen = [1]\n",
    "archgen-date": b"[tool]\narchgen = 1979-05-27\n",
    "unknown-key": b"[tool.archgen]\nspecz = []\n",
    "specs-string": b'[tool.archgen]\nspecs = "specs"\n',
    "output-integer": b"[tool.archgen]\noutput = 3\n",
    "severity-integer": b"[tool.archgen]\nseverity = 3\n",
    "severity-value": b'[tool.archgen.severity]\nAG205 = "loud"\n',
    "fail-on": b'[tool.archgen]\nfail-on = "sometimes"\n',
    "invalid-utf8": b'[tool.archgen]\noutput = "\xff\xfe"\n',
    "utf16": "[tool.archgen]\n".encode("utf-16"),
    "syntax": b"[tool.archgen\n",
    "control-character": b'[tool.archgen]\noutput = "\x1b[31m"x\n',
    "deep-array": b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "deep-table": b"a = " + b"{b = " * 5000 + b"1" + b"}" * 5000 + b"\n",
    "directory": None,
}


@pytest.mark.parametrize("case", sorted(HOSTILE_PYPROJECTS))
def test_hostile_pyproject_is_one_clean_line(cli_in: Path, case: str) -> None:
    content = HOSTILE_PYPROJECTS[case]
    if content is None:
        (cli_in / "pyproject.toml").mkdir()
    else:
        (cli_in / "pyproject.toml").write_bytes(content)
    write_spec(cli_in, MINIMAL)
    result = run_cli("lint", "spec.yaml")
    assert result.code == 2
    line = one_clean_line(result.err)
    assert line.startswith("archgen: ") and "pyproject.toml" in line
    assert line.isprintable()


@pytest.mark.parametrize(
    "kind", ["broken-link", "fifo", "explicit-device", "explicit-dir"]
)
def test_pyproject_that_is_not_a_file(cli_in: Path, kind: str) -> None:
    write_spec(cli_in, MINIMAL)
    args: list[str] = ["lint", "spec.yaml"]
    if kind == "broken-link":
        (cli_in / "pyproject.toml").symlink_to("nowhere.toml")
    elif kind == "fifo":
        os.mkfifo(cli_in / "pyproject.toml")
    elif kind == "explicit-device":
        args += ["--config", os.devnull]
    else:
        args += ["--config", str(cli_in)]
    result = archgen(*args, cwd=cli_in, timeout=30)
    assert result.returncode == 2
    one_clean_line(result.stderr)


def test_output_folder_that_is_not_a_folder(cli_in: Path) -> None:
    spec = write_spec(cli_in, MINIMAL)
    (cli_in / "loop").symlink_to("loop")
    (cli_in / "dangling").symlink_to("nowhere")
    (cli_in / "file").write_text("x")
    for out in ("loop", "dangling", "file"):
        for extra in ([], ["--check"], ["--force"]):
            result = run_cli("build", *extra, spec.name, "-o", out)
            assert result.code == 2, (out, extra, result.err)
            assert one_clean_line(result.err).startswith(f"archgen: {out}: ")
    assert not (cli_in / "nowhere").exists()


@pytest.mark.parametrize("kind", ["fifo", "directory", "loop"])
def test_generated_path_that_is_not_a_file(cli_in: Path, kind: str) -> None:
    spec = write_spec(cli_in, MINIMAL)
    (cli_in / "out").mkdir()
    target = cli_in / "out" / "tiny.py"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    else:
        target.symlink_to("tiny.py")
    for extra in ([], ["--check"]):
        result = archgen(
            "build", *extra, spec.name, "-o", "out", cwd=cli_in, timeout=30
        )
        assert result.returncode == 2, result.stderr
        assert one_clean_line(result.stderr).startswith("archgen: out/tiny.py: ")


BROKEN_PIPE_COMMANDS = [
    ["lint", "--list-rules"],
    ["lint", "--format", "json", SPECS],
    ["lint", SPECS / "resnet50.yaml", ROOT / "tests" / "fixtures" / "lint"],
    ["show", SPECS / "resnet50.yaml"],
    ["show", "--format", "json", SPECS / "resnet50.yaml"],
    ["show", "--format", "markdown", SPECS / "resnet50.yaml"],
    ["diff", SPECS / "resnet50.yaml", SPECS / "resnext50_32x4d.yaml"],
    ["diff", "--format", "json", SPECS / "resnet50.yaml", SPECS / "resnet18.yaml"],
    ["schema"],
    ["--help"],
]


@pytest.mark.parametrize(
    "command", BROKEN_PIPE_COMMANDS, ids=lambda c: " ".join(map(str, c[:2]))
)
def test_closed_stdout_ends_quietly(command: list[str | Path]) -> None:
    """`archgen ... | head -1`: the reader is gone before archgen writes."""
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "archgen", *map(str, command)],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env=ENV,
        )
    finally:
        os.close(write)
    assert result.stderr == ""
    assert result.returncode in (0, 2)  # 0: argparse's --help exits before our handler
    if command != ["--help"]:
        assert result.returncode == 2


# --- 4. bounded reads ----------------------------------------------------------------------------


def _special(folder: Path, kind: str) -> Path:
    if kind == "fifo":
        os.mkfifo(folder / "spec.yaml")
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(folder / "spec.yaml"))
        server.close()
    elif kind == "link-to-fifo":
        os.mkfifo(folder / "pipe")
        (folder / "spec.yaml").symlink_to("pipe")
    else:
        (folder / "spec.yaml").symlink_to(f"/dev/{kind.removeprefix('link-to-')}")
    return folder / "spec.yaml"


@pytest.mark.parametrize(
    "kind",
    [
        "fifo",
        "socket",
        "link-to-fifo",
        "link-to-zero",
        "link-to-urandom",
        "link-to-null",
    ],
)
def test_spec_that_is_not_a_regular_file_is_refused_unread(
    cli_in: Path, kind: str
) -> None:
    spec = _special(cli_in, kind)
    commands = (
        [["lint"], ["show"], ["build", "-o", "out"]] if kind == "fifo" else [["lint"]]
    )
    for command in commands:
        result = archgen(*command, spec.name, cwd=cli_in, timeout=30)
        assert result.returncode == 2, (command, result.stderr)
        output = result.stdout if command == ["lint"] else result.stderr
        assert "spec.yaml:1:1: AG001 " in output and "not a regular file" in output, (
            output
        )
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "device", ["/dev/zero", "/dev/urandom", "/dev/null", "/dev/full"]
)
def test_devices_named_directly(device: str) -> None:
    result = archgen("lint", device, timeout=30)
    assert result.returncode == 2
    assert one_clean_line(result.stdout) == (
        f"{device}:1:1: AG001 is a character device, not a regular file; expected a spec file"
    )


def test_folder_with_a_fifo_named_like_a_spec_does_not_block(cli_in: Path) -> None:
    (cli_in / "specs").mkdir()
    os.mkfifo(cli_in / "specs" / "waiting.yaml")
    write_spec(cli_in / "specs", MINIMAL)
    result = archgen("lint", "specs", cwd=cli_in, timeout=30)
    assert result.returncode == 2
    assert "specs/waiting.yaml:1:1: AG001 is a FIFO" in result.stdout


def test_unreadable_folders_are_errors(
    cli_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests run as root, who reads everything: os.scandir is made to fail as for a user."""
    (cli_in / "specs" / "private").mkdir(parents=True)
    write_spec(cli_in / "specs", MINIMAL)
    write_spec(cli_in / "specs" / "private", MINIMAL.replace("tiny", "hidden"))
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path).name == "private":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = run_cli("lint", "specs")
    assert result.code == 2
    assert result.out.splitlines() == [
        "specs/private:1:1: AG001 cannot read: Permission denied"
    ]
    build = run_cli("build", "specs", "-o", "out")
    assert build.code == 2
    assert (cli_in / "out" / "tiny.py").exists()  # what could be read is still built
    monkeypatch.setattr(os, "scandir", lambda path: scandir(Path(path) / "private"))
    assert run_cli("lint", "specs").code == 2


def test_links_inside_folders(cli_in: Path) -> None:
    specs = cli_in / "specs"
    (specs / "sub").mkdir(parents=True)
    write_spec(specs, MINIMAL)
    (specs / "loop.yaml").symlink_to("loop.yaml")
    (specs / "gone.yml").symlink_to("nowhere.yml")
    (specs / "sub" / "up").symlink_to("..")  # a folder loop: not followed
    (specs / "sub" / "again.yaml").symlink_to("../spec.yaml")  # the same spec, once
    (specs / "notes").symlink_to("notes")  # not a spec: not read
    result = archgen("lint", "specs", cwd=cli_in, timeout=30)
    assert result.returncode == 2
    assert sorted(result.stdout.splitlines()) == [
        "specs/gone.yml:1:1: AG001 cannot read file: No such file or directory",
        "specs/loop.yaml:1:1: AG001 cannot read: Too many levels of symbolic links",
    ]


def test_named_link_loop_is_not_called_missing(cli_in: Path) -> None:
    (cli_in / "loop.yaml").symlink_to("loop.yaml")
    for command in ("lint", "show"):
        result = run_cli(command, "loop.yaml")
        assert result.code == 2
        assert (
            "loop.yaml:1:1: AG001 cannot read: Too many levels of symbolic links"
            in (result.out + result.err)
        )


@pytest.mark.parametrize(
    "breakage",
    ["name: [\n", "\x00", "stages: 3\n", "name: import\n", "\xff"],
    ids=["syntax", "nul", "schema", "name", "not-utf8"],
)
def test_a_spec_that_fails_is_not_reported_as_gone(cli_in: Path, breakage: str) -> None:
    specs = cli_in / "specs"
    specs.mkdir()
    spec = write_spec(specs, MINIMAL)
    assert run_cli("build", "specs", "-o", "out").code == 0
    if breakage == "\xff":
        spec.write_bytes(MINIMAL.encode() + b"\xff")
    elif breakage == "name: import\n":
        spec.write_text(MINIMAL.replace("name: tiny", "name: import"))
    else:
        spec.write_text(MINIMAL + breakage)
    for extra in ([], ["--check"]):
        result = run_cli("build", *extra, "specs", "-o", "out")
        assert result.code == 1
        assert "no spec produces it" not in result.err
        assert "spec.yaml" in result.err
    assert (cli_in / "out" / "tiny.py").exists()


# --- 5. bytes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["all-crlf", "one-crlf", "header-crlf"])
def test_line_endings_make_a_generated_file_stale(cli_in: Path, damage: str) -> None:
    spec = write_spec(cli_in, MINIMAL)
    assert run_cli("build", spec, "-o", "out").code == 0
    target = cli_in / "out" / "tiny.py"
    original = target.read_bytes()
    if damage == "all-crlf":
        damaged = original.replace(b"\n", b"\r\n")
    elif damage == "one-crlf":
        damaged = original.replace(
            b"super().__init__()\n", b"super().__init__()\r\n", 1
        )
    else:
        head, _, rest = original.partition(b"\n")
        damaged = head + b"\r\n" + rest
    target.write_bytes(damaged)
    check = run_cli("build", "--check", spec, "-o", "out")
    assert check.code == 1
    assert "line endings" in check.err
    build = run_cli("build", spec, "-o", "out")
    assert build.code == 0, build.err  # stale, not "edited by hand": rewritten
    assert target.read_bytes() == original


def test_header_is_found_after_a_very_long_spec_path(cli_in: Path) -> None:
    folder = cli_in
    for _ in range(
        8
    ):  # each name 60 emoji (240 bytes), shown as 600 characters of escapes
        folder = folder / ("\U0001f600" * 60)
    folder.mkdir(parents=True)
    spec = write_spec(folder, MINIMAL)
    assert run_cli("build", spec, "-o", "out").code == 0
    target = cli_in / "out" / "tiny.py"
    text = target.read_text(encoding="utf-8")
    assert len(text.splitlines()[0]) > 4096
    header = read_header(text)
    assert header is not None and not header.edited
    assert run_cli("build", "--check", spec, "-o", "out").code == 0
    target.write_text(text.replace("nn.ReLU(inplace=True)", "nn.GELU()"))
    refused = run_cli("build", spec, "-o", "out")
    assert refused.code == 1 and "was edited by hand" in refused.err


def test_reading_a_header_is_linear() -> None:
    line = "# Generated by archgen from " + "a. Do not edit" * 200_000
    assert read_header(line + "\n") is None


# --- 6. printed text -----------------------------------------------------------------------------

UNSAFE = {
    "ESC": "\x1b",
    "CSI sequence": "\x1b[31m",
    "8-bit CSI": "\x9b",
    "BEL": "\x07",
    "BS": "\x08",
    "CR": "\r",
    "LF": "\n",
    "TAB": "\t",
    "DEL": "\x7f",
    "NEL": "\x85",
    "LINE SEPARATOR": "\u2028",
    "PARAGRAPH SEPARATOR": "\u2029",
    "RLO": "\u202e",
    "LRI": "\u2066",
    "RLM": "\u200f",
    "ALM": "\u061c",
    "ZWSP": "\u200b",
    "BOM": "\ufeff",
    "surrogate": "\udcff",
    "tag": "\U000e0041",
}


def _no_unsafe(text: str) -> None:
    for char in UNSAFE.values():
        if char != "\n":
            assert char not in text, repr(text)


@pytest.mark.parametrize("what", sorted(UNSAFE))
def test_printable_escapes_each_unsafe_character(what: str) -> None:
    char = UNSAFE[what]
    shown = printable(f"a{char}b")
    assert shown.isascii() and shown.isprintable()
    assert printable(shown) == shown
    assert (
        printable("r\u00e9seau \u4e2d\u6587 \U0001f600")
        == "r\u00e9seau \u4e2d\u6587 \U0001f600"
    )


@pytest.mark.parametrize("what", sorted(UNSAFE))
def test_keys_and_values_are_escaped_in_every_format(cli_in: Path, what: str) -> None:
    char = UNSAFE[what]
    data = {
        **yaml.safe_load(MINIMAL),
        f"k{char}ey": 1,
        "class_name": f"N{char}",
        "lint": {"ignore": [f"AG{char}"], "severity": {f"AG{char}1": "info"}},
        "stem": {"width": 16, "kernel_size": 3, "stride": 1, "pool": f"p{char}"},
    }
    (cli_in / "spec.json").write_text(json.dumps(data), encoding="utf-8")
    text = run_cli("lint", "spec.json")
    assert text.code == 1
    lines = text.out.splitlines()
    # A lone surrogate is no text at all: the reader stops at the first one (AG003).
    findings = 1 if what == "surrogate" else 5
    assert len(lines) == findings
    assert all(line.startswith("spec.json:1:") for line in lines)
    _no_unsafe(text.out)
    github = run_cli("lint", "--format", "github", "spec.json").out
    assert len(github.splitlines()) == findings
    _no_unsafe(github)
    for finding in json.loads(run_cli("lint", "--format", "json", "spec.json").out):
        _no_unsafe(finding["message"])


@pytest.mark.parametrize("what", sorted(set(UNSAFE) - {"surrogate"}))
def test_file_names_are_escaped(tmp_path: Path, what: str) -> None:
    char = UNSAFE[what]
    folder = tmp_path / f"dir{char}x"
    folder.mkdir()
    bad = write_spec(
        folder, MINIMAL.replace("blocks: 2", "blocks: two"), f"s{char}.yaml"
    )
    good = write_spec(folder, MINIMAL.replace("name: tiny", "name: good"), "good.yaml")
    results = [
        run_cli("lint", bad),
        run_cli("lint", "--format", "github", bad),
        run_cli("build", bad, "-o", folder),
        run_cli("build", good, "-o", folder / f"out{char}"),
        run_cli("show", good),
        run_cli("show", "--format", "markdown", good),
        run_cli("diff", good, good),
        run_cli("lint", "--config", folder / f"p{char}.toml", good),
    ]
    for result in results:
        assert "Traceback" not in result.err
        _no_unsafe(result.out + result.err)
    assert len(results[0].out.splitlines()) == 1
    assert results[3].code == 0 and results[-1].code == 2


@pytest.mark.parametrize("what", sorted(set(UNSAFE) - {"surrogate"}))
def test_check_diff_of_a_hostile_file_is_escaped(cli_in: Path, what: str) -> None:
    spec = write_spec(cli_in, MINIMAL)
    assert run_cli("build", spec, "-o", "out").code == 0
    target = cli_in / "out" / "tiny.py"
    # Edited by hand, so --check shows the edit as a diff (a file that is not archgen's at all
    # is one line, without a diff).
    with target.open("a", encoding="utf-8") as stream:
        stream.write(f"evil {UNSAFE[what]} bytes\n")
    result = run_cli("build", "--check", spec, "-o", "out")
    assert result.code == 1
    assert "+++ out/tiny.py (from spec)" in result.out
    assert "-evil " in result.out
    _no_unsafe(result.out)


def _line_col(text: str, needle: str) -> tuple[int, int]:
    """Where ``needle`` starts, counting lines at \\n only and columns in characters."""
    index = text.index(needle)
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


POSITION_CASES = {
    "cr-in-quotes": "description: 'a\rb'\nname: tiny\nstages: [{blocks: 0}]\n",
    "crlf": "description: x\r\nname: tiny\r\nstages: [{blocks: 0}]\r\n",
    "wide-characters": "description: \u00e9\U0001f600\u4e2d\nname: tiny\nstages: [{blocks: 0}]\n",
    "wide-before-value": "name: tiny\nstages: [{planes: 8, '\U0001f600': 1, blocks: 0}]\n",
    "json-u2028": '{"description": "a\u2028b\u2029c\x85d",\n "name": "tiny", "stages": [{"blocks": 0}]}',
    "json-wide": '{"description": "\U0001f600\U0001f600", "name": "tiny", "stages": [{"blocks": 0}]}',
    "json-cr": '{"description": "x",\r"name": "tiny",\r\n"stages": [{"blocks": 0}]}',
}


@pytest.mark.parametrize("case", sorted(POSITION_CASES))
def test_positions_count_lines_at_newlines_only(cli_in: Path, case: str) -> None:
    text = POSITION_CASES[case]
    name = "spec.json" if case.startswith("json") else "spec.yaml"
    (cli_in / name).write_bytes(text.encode("utf-8"))
    code, found = lint_json(name)
    assert code == 1
    located = [(d["line"], d["column"]) for d in found if d["code"] == "AG104"]
    assert located[:1] == [_line_col(text, "0}")], found


YAML11_BREAKS = {
    "u2028-in-plain": "name: tiny\ndescription: a\u2028b\n",
    "u2028-in-quotes": "name: tiny\ndescription: 'a\u2028b'\n",
    "u2029-in-double-quotes": 'name: tiny\ndescription: "\u00e9\u2029"\n',
    "nel-in-quotes": "name: tiny\ndescription: 'a\x85b'\n",
    "nel-in-comment": "name: tiny  # a\x85b: 1\n",
    "u2028-in-key": "name: tiny\nde\u2028scription: x\n",
    "u2028-in-block": "name: tiny\ndescription: |\n  a\u2028b\n",
}


@pytest.mark.parametrize("case", sorted(YAML11_BREAKS))
def test_yaml_11_line_breaks_are_refused_where_they_are(
    cli_in: Path, case: str
) -> None:
    """PyYAML breaks lines (and folds quoted text) at U+0085, U+2028 and U+2029; YAML 1.2 and
    editors do not. Rather than read such a file differently from them, archgen refuses it."""
    text = YAML11_BREAKS[case]
    (cli_in / "spec.yaml").write_bytes(text.encode("utf-8"))
    code, found = lint_json("spec.yaml")
    assert code == 1
    char = next(c for c in text if c in "\x85\u2028\u2029")
    assert [(d["code"], d["line"], d["column"]) for d in found] == [
        ("AG002", *_line_col(text, char))
    ]
    assert f"\\u{ord(char):04x} in a double-quoted string" in found[0]["message"]


READER_ERRORS = {
    "esc-after-wide": ("name: tiny\n\u00e9\U0001f600\x1b: 1\n", "\x1b"),
    "bel-in-value": ("name: tiny\nx: a\x07b\n", "\x07"),
    "esc-after-cr": ("description: 'a\rb'\nx: \x1b\n", "\x1b"),
    "del-after-crlf": ("x: 1\r\ny: \x7f\n", "\x7f"),
    "c1-in-quotes": ("x: '\u4e2d\x9b'\n", "\x9b"),
}


LONE_SURROGATES = {
    "json-value": ('{"name": "tiny",\n "description": "a\\udcffb"}', (2, 17)),
    "json-key": ('{"name": "tiny",\n "\\ud800": 1}', (2, 2)),
    # libyaml refuses these escapes itself (AG002); PyYAML's pure-Python reader does not, and
    # archgen's own check (AG003) takes over.
    "yaml-value": ('name: tiny\ndescription: "a\\uDCFFb"\n', (2, None)),
    "yaml-key": ('name: tiny\n"\\uD800": 1\n', (2, None)),
}


@pytest.mark.parametrize("case", sorted(LONE_SURROGATES))
def test_escaped_lone_surrogates_are_not_text(cli_in: Path, case: str) -> None:
    text, where = LONE_SURROGATES[case]
    assert text.isascii()
    name = "spec.json" if case.startswith("json") else "spec.yaml"
    (cli_in / name).write_text(text, encoding="ascii")
    result = run_cli("lint", name)
    assert result.code == 1
    line = one_clean_line(result.out)
    if where[1] is None:
        assert line.startswith(f"{name}:{where[0]}:") and " AG00" in line
    else:
        assert line.startswith(f"{name}:{where[0]}:{where[1]}: AG003 the escape \\u")


@pytest.mark.parametrize("case", sorted(READER_ERRORS))
def test_characters_yaml_refuses_are_located(cli_in: Path, case: str) -> None:
    text, char = READER_ERRORS[case]
    (cli_in / "spec.yaml").write_bytes(text.encode("utf-8"))
    code, found = lint_json("spec.yaml")
    assert code == 1
    assert [(d["code"], d["line"], d["column"]) for d in found] == [
        ("AG002", *_line_col(text, char))
    ]
    assert f"U+{ord(char):04X}" in found[0]["message"]


def test_not_utf8_column_counts_characters(cli_in: Path) -> None:
    (cli_in / "spec.yaml").write_bytes(
        "name: t\n# \u00e9\U0001f600 ".encode() + b"\xff\n"
    )
    code, found = lint_json("spec.yaml")
    assert code == 1
    assert [(d["code"], d["line"], d["column"]) for d in found] == [("AG003", 2, 6)]


# --- 7. numbers ----------------------------------------------------------------------------------

# Unquoted and untagged: what PyYAML (YAML 1.1) and a YAML 1.2 reader agree on is read...
AGREED = {
    "12": 12,
    "+12": 12,
    "-12": -12,
    "0": 0,
    "-0": 0,
    "00": 0,
    "007": 7,
    "0x1F": 31,
    "0x1f": 31,
    ".5": 0.5,
    "1.": 1.0,
    "1.5": 1.5,
    "09.5": 9.5,
    "1.0e+3": 1000.0,
    "1.0E-3": 0.001,
    ".inf": float("inf"),
    "-.inf": float("-inf"),
    "+.Inf": float("inf"),
    "-.nan": "-.nan",  # text in both
    "12:60": "12:60",  # text in both: 60 is no sexagesimal digit
    "0o": "0o",
    "0x": "0x",
    "'0224'": "0224",  # quoted: text
    '"6:4"': "6:4",
    "!!str 0224": "0224",
    "!!str 1e3": "1e3",
    "!!int 0o17": 15,  # explicit tags: both readers agree
    "!!int 12": 12,
    "!!float 1e3": 1000.0,
    "!!float 12": 12.0,
    "yes": True,  # YAML 1.1 booleans stay booleans
    "off": False,
    "~": None,
}
# ... and what they read differently is refused, with what to write instead.
DISAGREED = {
    "0224": "'0224' is 148 in YAML 1.1 but 224 in YAML 1.2; write 148 or 224, whichever you mean",
    "010": "write 8 or 10",
    "-0700": "write -448 or -700",
    "0_1": "write 1",
    "6:4": "'6:4' is 364 in YAML 1.1 but text in YAML 1.2; write 364, or quote it to mean the text",
    "1:30": "write 90",
    "-1:30": "write -90",
    "190:20:30.15": "write 685230.15",
    "1_000": "'1_000' is 1000 in YAML 1.1 but text in YAML 1.2; write 1000",
    "1__0": "write 10",
    "1_000.5": "write 1000.5",
    "0b101": "write 5",
    "-0b1": "write -1",
    "0x_1F": "write 31",
    "+0x10": "write 16",
    "-0x10": "write -16",
    "0o17": "'0o17' is text in YAML 1.1 but 15 in YAML 1.2; write 15, or quote it to mean the text",
    "08": "write 8",
    "1_": "write 1",
    "-.5": "'-.5' is text in YAML 1.1 but -0.5 in YAML 1.2; write -0.5",
    "1e3": "'1e3' is text in YAML 1.1 but 1000.0 in YAML 1.2; write 1000.0",
    "1E3": "write 1000.0",
    "1.0e3": "write 1000.0",
    "-1e-3": "write -0.001",
    "1e400": "write .inf",
    "!!int 0224": "write 148 or 224",
    "!!int 6:4": "'6:4' is 364 in YAML 1.1 but not a valid int in YAML 1.2; write 364",
    "!!int 1_000": "write 1000",
    "!!float 0x1F": "'0x1F' is not a valid float in YAML 1.1 but 31.0 in YAML 1.2; write 31.0",
    "!!float 1_000.5": "write 1000.5",
}


@pytest.mark.parametrize("written", sorted(AGREED))
def test_numbers_both_yaml_versions_agree_on(tmp_path: Path, written: str) -> None:
    spec = write_spec(tmp_path, f"name: tiny\nvalue: {written}\n")
    document = load(spec)
    assert isinstance(document, Document), document
    value, expected = document.data["value"], AGREED[written]
    assert type(value) is type(expected) and value == expected


@pytest.mark.parametrize("written", sorted(DISAGREED))
def test_numbers_yaml_versions_read_differently_are_refused(
    cli_in: Path, written: str
) -> None:
    spec = write_spec(cli_in, MINIMAL.replace("blocks: 2", f"blocks: {written}"))
    code, found = lint_json(spec)
    assert code == 1
    assert [(d["code"], d["line"], d["column"]) for d in found] == [("AG104", 6, 14)]
    assert DISAGREED[written] in found[0]["message"]


def test_suggested_numbers_are_read_alike(tmp_path: Path) -> None:
    """What the messages say to write is itself accepted, as that number."""
    for value in (148, 224, 364, 1000, 685230.15, 1000.0, -0.001, float("inf"), -0.5):
        spec = write_spec(tmp_path, f"name: tiny\nvalue: {_number_text(value)}\n")
        document = load(spec)
        assert isinstance(document, Document), document
        assert document.data["value"] == value


# --- 8. codes ------------------------------------------------------------------------------------

UNKNOWN_CODES = {
    "AG999": None,
    "AG3011": "AG301",
    "ag301": "AG301",
    "AG9": None,
    "A": None,
    "XX": None,
    "E501": None,
    "AG-301": None,
    "AG3O1": "AG301",
}
VALID_PREFIXES = ["AG", "AG0", "AG3", "AG30", "AG301", "AG401"]


@pytest.mark.parametrize("option", ["--select", "--ignore"])
@pytest.mark.parametrize("code", sorted(UNKNOWN_CODES))
def test_unknown_codes_on_the_command_line(option: str, code: str) -> None:
    result = run_cli("lint", option, f"AG3,{code}", SPECS / "resnet18.yaml")
    assert result.code == 2
    error = result.err.splitlines()[-1]
    assert "is not an archgen code or a prefix of one" in error
    if UNKNOWN_CODES[code]:
        assert f"did you mean {UNKNOWN_CODES[code]}?" in error


@pytest.mark.parametrize("option", ["--select", "--ignore"])
@pytest.mark.parametrize("prefix", VALID_PREFIXES)
def test_prefixes_of_codes_stay_valid(option: str, prefix: str) -> None:
    assert run_cli("lint", option, prefix, SPECS / "resnet18.yaml").code == 0


CONFIG_CODES = {
    'select = ["AG999"]': "tool.archgen.select: 'AG999' is not an archgen code",
    'ignore = ["AG3", "ag302"]': "did you mean AG302?",
    'ignore = [""]': "tool.archgen.ignore: '' is not",
    "[tool.archgen.severity]\nAG3011 = 'info'": "did you mean AG301?",
    "[tool.archgen.severity]\nAG30 = 'info'": "'AG30' is not an archgen code",
    "[tool.archgen.severity]\nAG101 = 'info'": "'AG101' is always on",
}


@pytest.mark.parametrize("setting", sorted(CONFIG_CODES))
def test_unknown_codes_in_pyproject(cli_in: Path, setting: str) -> None:
    (cli_in / "pyproject.toml").write_text(f"[tool.archgen]\n{setting}\n")
    write_spec(cli_in, MINIMAL)
    result = run_cli("lint", "spec.yaml")
    assert result.code == 2
    assert CONFIG_CODES[setting] in one_clean_line(result.err)


SPEC_CODES = {
    "ignore: [AG999]": ((10, 12), "lint.ignore[0] is not an archgen code or a prefix"),
    "ignore: [AG3, AG3011]": ((10, 17), "(did you mean AG301?)"),
    "ignore: [ag3]": ((10, 12), "(did you mean AG3?)"),
    "severity: {AG3011: info}": (
        (10, 14),
        "lint.severity.AG3011 is not an archgen code",
    ),
    "severity: {AG3: info}": ((10, 14), "lint.severity.AG3 is not an archgen code"),
    "severity: {AG102: info}": ((10, 14), "AG102 is always on"),
}


@pytest.mark.parametrize("setting", sorted(SPEC_CODES))
def test_unknown_codes_in_a_spec(cli_in: Path, setting: str) -> None:
    spec = write_spec(cli_in, MINIMAL + f"lint:\n  {setting}\n")
    code, found = lint_json(spec)
    where, fragment = SPEC_CODES[setting]
    assert code == 1
    assert [(d["code"], d["line"], d["column"]) for d in found] == [("AG104", *where)]
    assert fragment in found[0]["message"]


def test_valid_codes_in_a_spec_still_work(cli_in: Path) -> None:
    spec = write_spec(
        cli_in,
        MINIMAL + "lint:\n  ignore: [AG1, AG3, AG401]\n  severity: {AG205: error}\n",
    )
    assert lint_json(spec) == (0, [])


# --- 9. one file, named twice --------------------------------------------------------------------


def test_one_file_named_twice_is_one_spec(cli_in: Path) -> None:
    specs = cli_in / "specs"
    specs.mkdir()
    spec = write_spec(specs, MINIMAL, "tiny.yaml")
    (cli_in / "link.yaml").symlink_to(spec)
    os.link(spec, cli_in / "hard.yaml")
    (cli_in / "linked").symlink_to(specs)
    for args in (
        ["specs", "specs/tiny.yaml"],
        ["specs/tiny.yaml", "./specs/tiny.yaml", "specs/../specs/tiny.yaml"],
        ["specs", "specs"],
        ["specs/tiny.yaml", "link.yaml"],
        ["hard.yaml", "specs"],
        ["linked", "specs"],
        [str(spec), "specs/tiny.yaml"],
    ):
        code, found = lint_json(*args)
        assert (code, found) == (0, []), args
        build = run_cli("build", *args, "-o", "out")
        assert build.code == 0, (args, build.err)
        assert build.err.splitlines()[-1] in (
            "archgen: 1 written, 0 unchanged",
            "archgen: 0 written, 1 unchanged",
        )


def test_two_files_with_one_name_still_clash(cli_in: Path) -> None:
    write_spec(cli_in, MINIMAL, "a.yaml")
    write_spec(cli_in, MINIMAL, "b.yaml")
    code, found = lint_json("a.yaml", "b.yaml", "a.yaml")
    assert code == 1
    assert [(d["code"], d["path"]) for d in found] == [("AG106", "b.yaml")]
