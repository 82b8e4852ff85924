"""The command line as a package (issue 20): writes only what it is asked to, one write policy,
a real patch from `lint --diff`, install-independent headers, no traceback from any flag."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import archgen
from archgen import zoo
from archgen.cli import parser
from archgen.header import read_header

from conftest import MINIMAL, ROOT, SPECS, golden, run_cli, write_spec

CLI = ROOT / "archgen" / "cli"

# A mistake with one unique fix (layer3 does not double: planes 192 -> 256).
NOT_DOUBLED = (
    (SPECS / "resnet50.yaml")
    .read_text(encoding="utf-8")
    .replace("{blocks: 6, planes: 256", "{blocks: 6, planes: 192")
)


def test_the_command_line_is_a_package_of_small_modules() -> None:
    assert not (ROOT / "archgen" / "cli.py").exists()
    modules = sorted(CLI.rglob("*.py"))
    assert len(modules) >= 12
    # mutmut's copy of a module (MUTANT_UNDER_TEST set) holds every mutant of it: its size
    # says nothing about the source's.
    for module in modules if "MUTANT_UNDER_TEST" not in os.environ else []:
        lines = module.read_text(encoding="utf-8").count("\n")
        assert lines <= 300, f"{module.name} has {lines} lines"
    from archgen.cli.commands import COMMANDS

    assert {c.NAME for c in COMMANDS} >= {
        "build",
        "lint",
        "show",
        "diff",
        "list",
        "init",
        "rule",
        "schema",
        "scale",
        "sample",
    }
    assert all(callable(c.run) and callable(c.add_arguments) for c in COMMANDS)


@pytest.mark.slow
def test_python_dash_m_archgen_runs_the_same_main(cli_in: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "archgen", "--version"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"archgen {archgen.__version__}"


# --- writes ----------------------------------------------------------------------------------


def test_scale_of_a_zoo_name_writes_into_the_working_folder_not_the_zoo(
    cli_in: Path,
) -> None:
    result = run_cli("scale", "resnet50", "--cardinality", "8")
    assert result.code == 0, result.err
    assert (cli_in / "resnet50_8x14d.yaml").is_file()
    assert not (SPECS / "resnet50_8x14d.yaml").exists()
    assert "resnet50_8x14d" not in zoo.zoo_names()
    # Derived from the zoo name, not from a path into the checkout or an environment.
    assert "Derived from resnet50 by" in (cli_in / "resnet50_8x14d.yaml").read_text()


def test_no_writer_writes_into_the_package_or_its_zoo(cli_in: Path) -> None:
    package = ROOT / "archgen"
    for target in (
        package / "archgen_test.json",
        package / "zoo" / "archgen_test.json",
    ):
        result = run_cli("schema", "-o", target)
        assert result.code == 2
        assert "inside archgen's own package" in result.err
        assert not target.exists()
    # An installed archgen's zoo is archgen/zoo/ (the wheel test checks the default target).
    installed_zoo = package / "zoo"
    result = run_cli(
        "scale", "resnet50", "--cardinality", "8", "-o", f"{installed_zoo}/"
    )
    assert result.code == 2, result.err
    assert not installed_zoo.exists()


def test_schema_refuses_an_existing_file_unless_forced(cli_in: Path) -> None:
    keep = cli_in / "keep.yaml"
    keep.write_text(MINIMAL)
    refused = run_cli("schema", "-o", keep)
    assert refused.code == 1
    assert "exists; refusing to overwrite it (pass --force" in refused.err
    assert keep.read_text() == MINIMAL
    forced = run_cli("schema", "-o", keep, "--force")
    assert forced.code == 0
    assert '"$schema"' in keep.read_text() or '"properties"' in keep.read_text()


def test_every_writer_writes_through_a_link_and_keeps_it(cli_in: Path) -> None:
    real = cli_in / "real.json"
    real.write_text("{}\n")
    link = cli_in / "link.json"
    link.symlink_to(real)
    assert run_cli("schema", "-o", link, "--force").code == 0
    assert link.is_symlink() and '"properties"' in real.read_text()
    spec = write_spec(cli_in, NOT_DOUBLED, "target.yaml")
    spec_link = cli_in / "spec.yaml"
    spec_link.symlink_to(spec)
    assert run_cli("lint", "--fix", spec_link).code == 0
    assert spec_link.is_symlink() and "planes: 256, stride: 2}" in spec.read_text()
    dangling = cli_in / "dangling.json"
    dangling.symlink_to(cli_in / "nowhere.json")
    result = run_cli("schema", "-o", dangling, "--force")
    assert result.code == 2 and "a link to nothing" in result.err
    assert not (cli_in / "nowhere.json").exists()


def test_a_target_that_cannot_be_replaced_in_place_is_refused(cli_in: Path) -> None:
    read_only = write_spec(cli_in, NOT_DOUBLED, "read_only.yaml")
    read_only.chmod(0o444)
    hard = write_spec(cli_in, NOT_DOUBLED, "hard.yaml")
    other = cli_in / "other_name.yaml"
    os.link(hard, other)
    for path, words in ((read_only, "read-only"), (hard, "hard links")):
        result = run_cli("lint", "--fix", path)
        assert result.code == 2, result.err
        assert f"{path.name}: " in result.err and words in result.err
        assert path.read_text() == NOT_DOUBLED
    assert os.stat(hard).st_nlink == 2 and other.read_text() == NOT_DOUBLED
    assert read_only.stat().st_mode & 0o777 == 0o444


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown"
)
def test_a_spec_owned_by_another_user_is_not_replaced(cli_in: Path) -> None:
    spec = write_spec(cli_in, NOT_DOUBLED)
    os.chown(spec, 4321, 4321)
    result = run_cli("lint", "--fix", spec)
    assert result.code == 2 and "owned by another user" in result.err
    assert spec.read_text() == NOT_DOUBLED and spec.stat().st_uid == 4321


def test_several_files_each_reported_a_failing_one_named_the_rest_go_on(
    cli_in: Path,
) -> None:
    first = write_spec(cli_in, NOT_DOUBLED, "a.yaml")
    blocked = write_spec(cli_in, NOT_DOUBLED, "b.yaml")
    blocked.chmod(0o444)
    last = write_spec(cli_in, NOT_DOUBLED, "c.yaml")
    result = run_cli("lint", "--fix", first, blocked, last)
    assert result.code == 2
    assert f"wrote {first}" in result.err and f"wrote {last}" in result.err
    assert f"archgen: {blocked}: is read-only" in result.err
    assert "planes: 256, stride: 2}" in first.read_text()
    assert "planes: 256, stride: 2}" in last.read_text()
    assert blocked.read_text() == NOT_DOUBLED


def _disk_full_for(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes of files called ``name`` fail as on a full disk, naming a temporary file."""
    import errno

    from archgen import writer

    real_write = writer.atomic_write

    def failing(path: Path, content: str) -> None:
        if path.name == name:
            temporary = str(path.parent / f".{name}.x1y2.tmp")
            raise OSError(errno.ENOSPC, "No space left on device", temporary)
        real_write(path, content)

    monkeypatch.setattr(writer, "atomic_write", failing)


def test_a_failed_write_names_its_target_and_the_others_go_on(
    cli_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        write_spec(cli_in, NOT_DOUBLED, name)
    _disk_full_for("b.yaml", monkeypatch)
    result = run_cli("lint", "--fix", "a.yaml", "b.yaml", "c.yaml")
    assert result.code == 2
    assert "archgen: b.yaml: cannot be written: No space left on device" in result.err
    assert ".tmp" not in result.err
    assert "wrote a.yaml" in result.err and "wrote c.yaml" in result.err
    assert (cli_in / "b.yaml").read_text() == NOT_DOUBLED
    # build: each module reported as written, the failing one named, a count of failures.
    for name in ("one", "two", "three"):
        write_spec(
            cli_in, MINIMAL.replace("name: tiny", f"name: {name}"), f"{name}.yml"
        )
    _disk_full_for("two.py", monkeypatch)
    built = run_cli("build", "one.yml", "two.yml", "three.yml", "-o", "out")
    assert built.code == 2
    assert "wrote out/one.py" in built.out and "wrote out/three.py" in built.out
    assert (
        "archgen: out/two.py: cannot be written: No space left on device" in built.err
    )
    assert "2 written, 0 unchanged, 1 failed" in built.err


@pytest.mark.parametrize(
    "command",
    [
        ["lint", "--fix", ""],
        ["lint", ""],
        ["build", ""],
        ["show", ""],
        ["diff", "", "resnet50"],
        ["schema", "-o", ""],
        ["scale", "", "--cardinality", "8"],
        ["init", "resnet18", ""],
        ["build", "spec.yaml", "-o", ""],
    ],
)
def test_an_empty_argument_is_an_error_never_the_working_folder(
    cli_in: Path, command: list[str]
) -> None:
    spec = write_spec(cli_in, NOT_DOUBLED)
    result = run_cli(*command)
    assert result.code == 2, result.err
    assert "empty" in result.out + result.err
    assert spec.read_text() == NOT_DOUBLED
    assert sorted(p.name for p in cli_in.iterdir()) == ["spec.yaml"]


# --- lint --diff -----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("tool", ["patch", "git"])
def test_lint_diff_is_a_patch_that_applies_byte_for_byte(
    cli_in: Path, tool: str
) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    text = "\ufeff# Réseau résiduel\t(tab) — ünïcode\n" + NOT_DOUBLED
    raw = text.replace("\n", "\r\n").encode("utf-8")
    (cli_in / "spec.yaml").write_bytes(raw)
    (cli_in / "fixed.yaml").write_bytes(raw)
    diff = subprocess.run(
        [sys.executable, "-m", "archgen", "lint", "--diff", "spec.yaml"],
        capture_output=True,
        cwd=cli_in,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LC_ALL": "C"},
    )
    assert diff.returncode == 1, diff.stderr
    assert b"\\t" not in diff.stdout and b"\\r" not in diff.stdout
    assert run_cli("lint", "--fix", "fixed.yaml").code == 0
    apply = ["patch", "-p0"] if tool == "patch" else ["git", "apply", "-p0", "-"]
    if tool == "git":
        subprocess.run(["git", "init", "-q", "."], cwd=cli_in, check=True)
    applied = subprocess.run(apply, input=diff.stdout, capture_output=True, cwd=cli_in)
    assert applied.returncode == 0, applied.stderr + applied.stdout
    assert (cli_in / "spec.yaml").read_bytes() == (cli_in / "fixed.yaml").read_bytes()


def test_lint_diff_marks_a_last_line_without_newline(cli_in: Path) -> None:
    write_spec(
        cli_in,
        NOT_DOUBLED.rstrip("\n").replace("head: {num_classes: 1000}", "")
        + "\nhead: {num_classes: 1000}",
    )
    result = run_cli("lint", "--diff", "spec.yaml")
    assert result.code == 1
    assert result.out.startswith("--- spec.yaml\n+++ spec.yaml\n@@ ")


# --- headers ---------------------------------------------------------------------------------


def test_headers_record_the_zoo_name_or_the_project_relative_path(cli_in: Path) -> None:
    (cli_in / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (cli_in / "nets").mkdir()
    write_spec(cli_in / "nets", MINIMAL)
    (cli_in / "deep" / "inside").mkdir(parents=True)
    os.chdir(cli_in / "deep" / "inside")
    assert run_cli("build", "resnet18", str(cli_in / "nets"), "-o", "../out").code == 0
    zoo_header = read_header((cli_in / "deep" / "out" / "resnet18.py").read_text())
    file_header = read_header((cli_in / "deep" / "out" / "tiny.py").read_text())
    assert zoo_header is not None and zoo_header.source == "resnet18"
    assert file_header is not None and file_header.source == "nets/spec.yaml"
    assert run_cli("build", "--check", "resnet18", "-o", "../out").code == 0


# --- finding things --------------------------------------------------------------------------


def test_list_filters_with_a_glob_and_names_layout_and_reference(cli_in: Path) -> None:
    result = run_cli("list", "resnext*")
    assert result.code == 0
    rows = [line.split() for line in result.out.splitlines()[1:]]
    assert [row[0] for row in rows] == [
        "resnext101_32x8d",
        "resnext101_64x4d",
        "resnext50_32x4d",
        "resnext50d_32x4d",
    ]
    by_name = {row[0]: row for row in rows}
    assert by_name["resnext50_32x4d"][1] == "torchvision"
    assert by_name["resnext50_32x4d"][-1] == "torchvision.models.resnext50_32x4d"
    assert by_name["resnext50d_32x4d"][1] == "timm"
    assert by_name["resnext50d_32x4d"][-1] == "timm.create_model('resnext50d_32x4d')"
    assert run_cli("list", "nothing*").code == 1


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("resnext50", "resnext50_32x4d"),  # a prefix: the shortest name it starts
        ("regnety_040", "regnety_032"),  # same family, nearest number
        ("resnet5", "resnet50"),
        ("rsnet50", "resnet50"),  # a typo: the most similar
    ],
)
def test_zoo_suggestions_prefer_prefix_matches(
    cli_in: Path, typed: str, meant: str
) -> None:
    result = run_cli("show", typed)
    assert result.code == 2
    assert f"did you mean '{meant}'?" in result.err


def test_rule_explains_a_code_from_the_registry(
    cli_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from archgen.codes import CODES

    plain = run_cli("rule", "AG302")
    assert plain.code == 0
    assert plain.out.startswith(f"AG302 {CODES['AG302'].rule}\n")
    assert CODES["AG302"].summary in plain.out
    explained = dataclasses.replace(
        CODES["AG302"],
        explanation="Halving the map doubles the width.",
        bad="stages:\n  - {planes: 64}\n  - {planes: 96, stride: 2}",
        good="stages:\n  - {planes: 64}\n  - {planes: 128, stride: 2}",
        fix="Double planes.",
    )
    monkeypatch.setitem(CODES, "AG302", explained)
    result = run_cli("rule", "ag302")
    assert "Why:\n    Halving the map doubles the width." in result.out
    assert "Example that breaks it:\n    stages:\n      - {planes: 64}" in result.out
    assert "    - {planes: 128, stride: 2}" in result.out
    assert run_cli("rule", "AG999").code == 2


@pytest.mark.parametrize("code", ["AG302", "AG001", "AG502"])
def test_rule_explains_a_code_whole(code: str) -> None:
    """Pinned whole (tests/fixtures/golden/rule_<code>.txt): an error rule with its examples
    and fix, an always-on one, and a warning of the RegNet design space."""
    result = run_cli("rule", f" {code.lower()} ")
    assert result.code == 0 and result.err == ""
    golden(f"rule_{code}", result.out)


@pytest.mark.parametrize("code", ["AG999", "XX1", ""])
def test_rule_refuses_what_is_not_a_code(code: str) -> None:
    result = run_cli("rule", code)
    assert result.code == 2 and result.out == ""
    assert result.err.startswith(f"archgen rule: {code!a} ")
    assert result.err.endswith("; `archgen lint --list-rules` lists them\n")


# --- what archgen recommends lints clean -----------------------------------------------------


def _recipes(folder: Path) -> list[Path]:
    """README's recipes on zoo specs: an output-stride (DeepLab) backbone and a detector
    backbone (frozen batch norm, no head)."""
    made = []
    for name in ("resnet50", "resnext50_32x4d", "resnet50d", "regnety_016"):
        data = yaml.safe_load((SPECS / f"{name}.yaml").read_text(encoding="utf-8"))
        for suffix, changes in (
            ("os8", {"output_stride": 8}),
            ("det", {"norm": {"type": "frozen_batch"}, "head": {"num_classes": 0}}),
        ):
            path = folder / f"{name}_{suffix}.yaml"
            spec = {**data, **changes, "name": f"{name}_{suffix}"}
            spec.pop("class_name", None)
            path.write_text(yaml.safe_dump(spec, sort_keys=False))
            made.append(path)
    return made


def _documented_specs(folder: Path) -> list[Path]:
    """The complete specs the README and the documentation show (```yaml blocks with a name
    and stages)."""
    import re

    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    text = "".join(page.read_text(encoding="utf-8") for page in pages)
    made = []
    for index, block in enumerate(re.findall(r"```yaml\n(.*?)```", text, re.S)):
        if block.startswith("name:") and ("stages:" in block or "regnet:" in block):
            path = folder / f"documented_{index}.yaml"
            path.write_text(re.sub(r"^name: \w+", f"name: documented_{index}", block))
            made.append(path)
    assert len(made) >= 3
    return made


def test_what_archgen_recommends_lints_clean(cli_in: Path) -> None:
    _documented_specs(cli_in)
    assert run_cli("init", "resnext50_32x4d", "mine.yaml").code == 0
    assert run_cli("scale", "resnet50", "--cardinality", "8").code == 0
    recipes = _recipes(cli_in)
    for target in (SPECS, cli_in):
        result = run_cli("lint", target)
        assert result.code == 0, result.out
        assert result.out == "", result.out
        assert result.err.startswith("All checks passed."), result.err
    # Info findings that ask for nothing are there, on request.
    shown = run_cli("lint", "--show-info", recipes[0])
    assert "AG401 [info]" in shown.out and shown.code == 0
    (cli_in / "pyproject.toml").write_text("[tool.archgen]\nshow-info = true\n")
    assert "AG401 [info]" in run_cli("lint", recipes[0]).out


def test_sample_output_lints_clean(cli_in: Path) -> None:
    result = run_cli(
        "sample",
        "--space",
        "regnet",
        "--count",
        "2",
        "--macs",
        "400M",
        "--tolerance",
        "0.3",
    )
    assert result.code == 0, result.err
    linted = run_cli("lint", "samples")
    assert linted.code == 0 and linted.out == "", linted.out


def test_a_nan_in_a_spec_is_not_a_finite_number_not_a_bound(cli_in: Path) -> None:
    text = (SPECS / "regnety_016.yaml").read_text(encoding="utf-8")
    write_spec(cli_in, text.replace("wa: 20.71", "wa: .nan"))
    result = run_cli("lint", "spec.yaml")
    assert result.code == 1
    assert "regnet.wa input should be a finite number, found nan" in result.out
    assert "at most" not in result.out


def test_fixable_counts_what_fix_applies(cli_in: Path) -> None:
    """The typo hides the doubling mistake until it is fixed: --fix fixes both, and the count
    says so (it counted findings with one fix before: 1)."""
    write_spec(cli_in, NOT_DOUBLED.replace("block: bottleneck", "block: bottlenek"))
    result = run_cli("lint", "spec.yaml")
    assert "Found 1 error (2 fixable with `archgen lint --fix`)." in result.err
    fixed = run_cli("lint", "--fix", "spec.yaml")
    assert "Fixed 2 findings in 1 file. All checks passed." in fixed.err


# --- no tracebacks ---------------------------------------------------------------------------

HOSTILE = ["", "NaN", "-1", "1e400", "9" * 5000, "abc", "inf", "0", "a\0b"]


POSITIONALS = {
    "build": {"specs": "spec.yaml"},
    "lint": {"specs": "spec.yaml"},
    "show": {"spec": "spec.yaml"},
    "diff": {"left": "spec.yaml", "right": "spec.yaml"},
    "list": {"pattern": "*"},
    "init": {"name": "resnet18", "target": "new.yaml"},
    "rule": {"code": "AG302"},
    "scale": {"spec": "spec.yaml"},
    "fit": {"spec": "spec.yaml"},
    "import": {"reference": "torchvision:resnet18"},
}
"""A valid value of each command's positionals, in order."""

OPTIONS = {
    "build": ["-o", "out"],
    "scale": ["--dry-run"],
    "sample": ["--space", "regnet", "--count", "1", "--max-attempts", "3"],
}
"""Options that keep each run small (a later flag overrides them)."""

SCALE_KNOBS = ("--cardinality", "--depth-multiplier", "--width-multiplier")


def _flags() -> list[tuple[str, str, bool]]:
    """(command, option or positional, is positional) for every argument of every command,
    read from the parsers themselves: a flag added later is covered the day it is added."""
    found = []
    subparsers = next(
        a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)
    )
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            if action.nargs == 0 or isinstance(action, argparse._HelpAction):
                continue
            if action.option_strings:
                found.append((name, action.option_strings[-1], False))
            else:
                found.append((name, action.dest, True))
    return found


FLAGS = _flags()


def _argv(command: str, flag: str, positional: bool, value: str) -> list[str]:
    named = POSITIONALS.get(command, {})
    args = [
        value if positional and dest == flag else good for dest, good in named.items()
    ]
    args += OPTIONS.get(command, [])
    if command == "scale" and flag not in SCALE_KNOBS:
        args += ["--cardinality", "8"]
    return args if positional else [*args, flag, value]


def test_the_flag_list_is_read_from_the_parsers() -> None:
    names = {(command, flag) for command, flag, _ in FLAGS}
    assert ("sample", "--macs") in names and ("build", "--output") in names
    assert ("list", "pattern") in names and ("lint", "--select") in names
    assert all(command in POSITIONALS for command, _, positional in FLAGS if positional)
    assert len(FLAGS) >= 30


@pytest.mark.parametrize(("command", "flag", "positional"), FLAGS)
def test_every_flag_with_hostile_values_gives_a_message_not_a_traceback(
    cli_in: Path, command: str, flag: str, positional: bool
) -> None:
    write_spec(cli_in, MINIMAL)
    for value in HOSTILE:
        result = run_cli(command, *_argv(command, flag, positional, value))
        where = (command, flag, value[:20])
        assert "Traceback" not in result.err, (*where, result.err)
        assert result.code in (0, 1, 2), where
        if value in ("", "a\0b") and not (command == "list" and value == "a\0b"):
            assert result.code == 2, (*where, result.err)
            assert (result.out + result.err).strip(), where


@pytest.mark.parametrize(
    "value", ["1e400", "NaN", "-5", "inf", "1e999999999", "0", "9" * 5000, "4G" * 30]
)
def test_sample_budgets_refuse_hostile_numbers(cli_in: Path, value: str) -> None:
    result = run_cli("sample", "--space", "regnet", "--macs", value)
    assert result.code == 2
    assert "argument --macs" in result.err and "Traceback" not in result.err
    assert not (cli_in / "samples").exists()


# --- the API ---------------------------------------------------------------------------------

API = [name for name in archgen.__all__ if callable(getattr(archgen, name, None))]


def _hostile_specs() -> list[object]:
    huge = yaml.safe_load(MINIMAL)
    huge["head"]["num_classes"] = 10**5000
    nan = yaml.safe_load(MINIMAL)
    nan["input"]["image_size"] = float("nan")
    inf = yaml.safe_load(MINIMAL)
    inf["head"]["dropout"] = float("inf")
    deep: dict[str, object] = {}
    for _ in range(100):
        deep = {"x": deep}
    return [
        "",
        "a\0b",
        Path("a\0b"),
        huge,
        nan,
        inf,
        deep,
        3.5,
        None,
        b"resnet50",
        [1, 2],
    ]


@pytest.mark.parametrize(
    "function",
    [f for f in API if f not in ("ArchgenError", "Spec", "Analysis", "SpecLike")],
)
def test_every_api_function_raises_archgen_error_for_hostile_specs(
    function: str,
) -> None:
    call = getattr(archgen, function)
    # load_weights takes a model first: each hostile value stands in for it
    extra = ({},) if function == "load_weights" else ()
    for spec in _hostile_specs():
        try:
            found = call(spec, *extra)
        except archgen.ArchgenError as error:
            assert error.diagnostics, (function, repr(spec)[:40])
            continue
        # lint reports instead of raising: the findings say why.
        assert function == "lint", (function, repr(spec)[:40])
        assert found and all(d.severity.label == "error" for d in found)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_classes": 10**12},
        {"num_classes": "ten"},
        {"num_classes": -1},
        {"in_channels": 0},
        {"zero_init_residual": "yes"},
        {"colour": "blue"},
    ],
)
def test_build_model_refuses_hostile_builder_arguments(
    kwargs: dict[str, object],
) -> None:
    with pytest.raises(archgen.ArchgenError) as raised:
        archgen.build_model("resnet18", **kwargs)
    assert raised.value.diagnostics[0].path == "<builder>"


def test_a_mapping_gets_the_findings_and_fixes_of_the_same_spec_in_a_file(
    cli_in: Path,
) -> None:
    write_spec(cli_in, NOT_DOUBLED)
    from_file = archgen.lint("spec.yaml")
    from_dict = archgen.lint(yaml.safe_load(NOT_DOUBLED))
    assert [(d.code, d.message, d.fixes) for d in from_dict] == [
        (d.code, d.message, d.fixes) for d in from_file
    ]
    assert [d.code for d in from_dict] == ["AG302"]
    assert from_dict[0].fix is not None and from_dict[0].fix.new == 256
    assert (from_dict[0].path, from_dict[0].line, from_dict[0].column) == (
        "<dict>",
        1,
        1,
    )


def test_api_results_print_as_short_summaries() -> None:
    analysis = archgen.analyse("resnet50")
    assert str(analysis) == (
        "Analysis(params=25,557,032, macs=4,089,184,256, acts="
        f"{analysis.acts:,}, input=3x224x224)"
    )
    assert len(repr(archgen.load_spec("resnet50"))) < 200
    (finding,) = archgen.lint(yaml.safe_load(NOT_DOUBLED))
    assert str(finding.severity) == "error" and f"{finding.severity}" == "error"
    assert "Severity.ERROR" in repr(finding)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("lint", "--select", ",,"),
            "archgen lint: error: argument --select: expected comma-separated code "
            "prefixes such as AG3,AG401",
        ),
        (
            ("lint", "--select", "AG3;AG4"),
            "archgen lint: error: argument --select: 'AG3;AG4' is not an archgen code or a "
            "prefix of one (did you mean AG4?); `archgen lint --list-rules` lists them",
        ),
        (
            ("lint", "--ignore", "AG3, AGX"),
            "archgen lint: error: argument --ignore: 'AGX' is not an archgen code or a "
            "prefix of one (did you mean AG?); `archgen lint --list-rules` lists them",
        ),
        (
            ("sample", "--space", "regnet", "--tolerance", "x"),
            "archgen sample: error: argument --tolerance: 'x' is not a number such as 0.1",
        ),
        *(
            (
                ("sample", "--space", "regnet", "--tolerance", value),
                f"archgen sample: error: argument --tolerance: '{value}': expected a number "
                "at least 0 and below 1 (0.1 is +-10 %)",
            )
            for value in ("1", "1.5", "-0.1", "nan", "inf")
        ),
    ],
)
def test_a_bad_option_value_is_a_usage_error_that_says_what_is_expected(
    cli_in: Path, args: tuple[str, ...], message: str
) -> None:
    result = run_cli(*args)
    assert result.code == 2 and result.out == ""
    assert result.err.splitlines()[-1] == message
    assert list(cli_in.iterdir()) == []


def test_code_lists_and_a_zero_tolerance_are_accepted(cli_in: Path) -> None:
    spec = write_spec(
        cli_in, MINIMAL.replace("planes: 16, stride: 2", "planes: 24, stride: 2")
    )
    both = run_cli("lint", "--format", "json", "--select", " AG3 , AG4,", spec)
    assert {d["code"] for d in json.loads(both.out)} == {"AG302"}
    assert run_cli("lint", "--ignore", "AG3,AG4", spec).code == 0
    exact = run_cli("sample", "--space", "regnet", "--count", "1", "--tolerance", "0")
    assert exact.code == 0, exact.err
