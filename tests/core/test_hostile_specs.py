"""Hostile and broken specs: no injection, no traceback, no hang, no unbounded allocation."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archgen import limits

from conftest import MINIMAL, load_module, run_cli, write_spec

HOSTILE_NAMES = [
    "os; import os",
    "__init__",
    "_private",
    "import",
    "match",
    "torch",
    "nn",
    "Bottleneck",
    "../../etc/passwd",
    "a/b",
    "a.b",
    "con",
    "LPT1",
    "name\nimport os",
    "r\u00e9seau",
    "x" * (limits.MAX_NAME_LENGTH + 1),
    "",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_refused_before_anything_is_written(
    cli_in: Path, name: str
) -> None:
    spec = write_spec(
        cli_in, MINIMAL.replace("name: tiny", f"name: {json.dumps(name)}")
    )
    result = run_cli("build", spec, "-o", "out")
    assert result.code == 1
    assert f"{spec}:1:7: AG104 name " in result.err
    assert not (cli_in / "out").exists()


@pytest.mark.parametrize("class_name", ["tiny", "class", "__class__", "Tensor", "A B"])
def test_hostile_class_names_are_refused(cli_in: Path, class_name: str) -> None:
    spec = write_spec(cli_in, MINIMAL + f"class_name: {json.dumps(class_name)}\n")
    result = run_cli("lint", "--format", "json", spec)
    assert [(d["code"], d["line"]) for d in json.loads(result.out)] == [("AG104", 9)]


HOSTILE_DESCRIPTIONS = [
    'ends with a quote"',
    '"""\nimport os; os.system("touch pwned")\n"""',
    "'''single''' and \"\"\"double\"\"\" triple quotes",
    "back\\slash at the end \\",
    "\\N{BULLET} is text, not an escape",
    "{{ 7 * 7 }} {% if true %}jinja{% endif %} {# comment #}",
    "  indented\n\ttabbed\ntrailing spaces   \n\n\nblank lines",
    "carriage\r\nreturn and form\x0cfeed and nul \x00 and bell \x07",
    "line\u2028separator and paragraph\u2029separator and next\x85line",
    "bidi \u202eoverride\u202c and zero\u200bwidth",
    "lookalikes: \uff21\uff22 \u0430 \u2013 \u00d7 \u2019 \U0001f600",
    "# not a comment\n    def f(): pass\n'''",
]


def minimal_json(**changes: object) -> str:
    """MINIMAL as JSON, where Python's escapes carry any string exactly."""
    import yaml

    return json.dumps({**yaml.safe_load(MINIMAL), **changes})


@pytest.mark.parametrize("description", HOSTILE_DESCRIPTIONS)
def test_descriptions_stay_data(cli_in: Path, description: str) -> None:
    spec = write_spec(cli_in, minimal_json(description=description), "spec.json")
    assert run_cli("build", spec, "-o", "out").code == 0
    path = cli_in / "out" / "tiny.py"
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree, clean=False)
    assert docstring is not None and description in docstring
    # After its docstring the module only imports and defines: nothing a spec wrote runs.
    kinds = [type(node).__name__ for node in tree.body]
    assert kinds[0] == "Expr"
    assert set(kinds[1:]) <= {"Import", "ImportFrom", "ClassDef", "FunctionDef"}
    defined = {
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef | ast.FunctionDef)
    }
    assert {"Tiny", "tiny", "Bottleneck"} <= defined
    module = load_module(path)
    assert description in (module.__doc__ or "")
    assert not (cli_in / "pwned").exists()
    ruff = shutil.which("ruff")
    if ruff:
        for args in (["check", "--isolated"], ["format", "--check", "--isolated"]):
            checked = subprocess.run(
                [ruff, *args, str(path)], capture_output=True, text=True
            )
            assert checked.returncode == 0, checked.stdout + checked.stderr


def test_spec_path_with_newline_cannot_escape_the_header_comment(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "evil\nimport os"
    folder.mkdir()
    spec = write_spec(folder, MINIMAL)
    assert run_cli("build", spec, "-o", tmp_path / "out").code == 0
    source = (tmp_path / "out" / "tiny.py").read_text()
    compile(source, "tiny.py", "exec")
    assert "\nimport os" not in source
    assert (
        "evil\\\\nimport os" in source
    )  # shown as an escape, in the comment and the docstring


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n"
    for i in range(8)
)

BROKEN = {
    "empty.yaml": ("", "AG004", "1:1"),
    "blank.yaml": ("   \n\n", "AG004", "1:1"),
    "comment.yaml": ("# nothing here\n", "AG004", "1:1"),
    "list.yaml": ("- name: x\n", "AG005", "1:1"),
    "scalar.yaml": ("resnet50\n", "AG005", "1:1"),
    "syntax.yaml": ("name: [x\n", "AG002", "2:1"),
    "tabs.yaml": ("name: x\n\tstages: []\n", "AG002", "2:1"),
    "syntax.json": ('{"name": "x",}', "AG002", "1:14"),
    "empty.json": ("", "AG004", "1:1"),
    "array.json": ("[1, 2]", "AG005", "1:1"),
    "duplicate.json": ('{"name": "a", "name": "b"}', "AG006", "1:15"),
    "tag.yaml": ("name: !!python/name:os.system ''\n", "AG007", "1:7"),
    "custom-tag.yaml": ("name: !shell ls\n", "AG007", "1:7"),
    "set.yaml": ("name: !!set {a, b}\n", "AG007", "1:7"),
    "recursive.yaml": ("stages: &s [*s]\n", "AG002", "1:9"),
    "bomb.yaml": (ALIAS_BOMB, "AG008", None),
    "deep.yaml": ("a: " + "[" * 200 + "]" * 200 + "\n", "AG008", None),
    "deep.json": ("[" * 100_000 + "]" * 100_000, "AG008", None),
    "two-docs.yaml": ("name: a\n---\nname: b\n", "AG009", "2:1"),
    "billion-blocks.yaml": (
        MINIMAL.replace("blocks: 2", "blocks: 1000000000"),
        "AG104",
        "6:14",
    ),
    "huge-width.yaml": (
        MINIMAL.replace("planes: 8", "planes: 100000000"),
        "AG104",
        "6:25",
    ),
    "huge-image.yaml": (
        MINIMAL.replace("image_size: 32", "image_size: 1000000"),
        "AG104",
        "2:34",
    ),
    "many-stages.yaml": (
        "name: many\nstages:\n" + "  - {blocks: 1}\n" * 100,
        "AG104",
        "3:3",
    ),
    "float.yaml": (MINIMAL.replace("blocks: 2", "blocks: 2.0"), "AG103", "6:14"),
    "bool.yaml": (MINIMAL.replace("blocks: 2", "blocks: yes"), "AG103", "6:14"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_input_fails_cleanly(cli_in: Path, name: str) -> None:
    text, code, where = BROKEN[name]
    (cli_in / name).write_text(text, encoding="utf-8")
    result = run_cli("lint", "--format", "json", name)
    diagnostics = json.loads(result.out)
    assert [d["code"] for d in diagnostics][:1] == [code], diagnostics
    if where is not None:
        assert f"{diagnostics[0]['line']}:{diagnostics[0]['column']}" == where
    assert result.code == 1


def test_binary_garbage(cli_in: Path) -> None:
    (cli_in / "garbage.yaml").write_bytes(bytes(range(256)) * 4)
    (cli_in / "nul.yaml").write_bytes(b"name: x\n\x00\x00\n")
    # garbage: the first byte that is not UTF-8 is 0x80, after one 0x0a, 117 bytes into line 2
    for name, where in (("garbage.yaml", (2, 118)), ("nul.yaml", (2, 1))):
        diagnostics = json.loads(run_cli("lint", "--format", "json", name).out)
        assert [(d["code"], d["line"], d["column"]) for d in diagnostics] == [
            ("AG003", *where)
        ]


def test_oversized_file_is_refused_unread(cli_in: Path) -> None:
    (cli_in / "big.yaml").write_text("# " + "x" * limits.MAX_FILE_BYTES + "\n")
    diagnostics = json.loads(run_cli("lint", "--format", "json", "big.yaml").out)
    assert [d["code"] for d in diagnostics] == ["AG008"]


def test_missing_inputs_are_io_errors(cli_in: Path) -> None:
    assert run_cli("build", "nope.yaml").code == 2
    assert run_cli("show", "nope.yaml").code == 2
    assert run_cli("diff", "nope.yaml", "nope2.yaml").code == 2
    (cli_in / "dir.yaml").mkdir()
    result = run_cli("show", "dir.yaml")
    assert result.code == 2 and "Traceback" not in result.err


def test_unwritable_output_is_an_io_error(cli_in: Path) -> None:
    spec = write_spec(cli_in, MINIMAL)
    (cli_in / "out").write_text("a file where a folder should be")
    result = run_cli("build", spec, "-o", "out")
    assert result.code == 2
    assert result.err.splitlines() == ["archgen: out: output folder is not a folder"]
    assert "Traceback" not in result.err


def test_alias_bomb_and_deep_nesting_do_not_hang(tmp_path: Path) -> None:
    """In a separate process with a deadline, so that a regression fails instead of hanging."""
    (tmp_path / "bomb.yaml").write_text(ALIAS_BOMB)
    (tmp_path / "deep.json").write_text("[" * 500_000 + "]" * 500_000)
    for name in ("bomb.yaml", "deep.json"):
        result = subprocess.run(
            [sys.executable, "-m", "archgen", "lint", str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1 and "AG008" in result.stdout
        assert "Traceback" not in result.stderr


def test_max_sized_network_is_planned_without_allocation(cli_in: Path) -> None:
    """The largest spec the limits allow is analysed in a fresh process that never imports
    torch, in seconds: nothing is built or allocated."""
    text = MINIMAL.replace("blocks: 2", f"blocks: {limits.MAX_BLOCKS_PER_STAGE}")
    spec = write_spec(
        cli_in, text.replace("planes: 16", f"planes: {limits.MAX_CHANNELS // 4}")
    )
    probe = (
        "import json, sys\n"
        "from archgen.cli import main\n"
        "code = main(['show', '--format', 'json', sys.argv[1]])\n"
        "assert 'torch' not in sys.modules, 'archgen imported torch'\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(spec)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cli_in,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["params"] > 10**8
    blocks = sum(len(stage["per_block"]) for stage in data["stages"])
    assert blocks == limits.MAX_BLOCKS_PER_STAGE + 1
