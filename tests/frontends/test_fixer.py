"""Fixes: each mistake of the corpus gives one root-cause finding whose fix works.

``tests/fixtures/mistakes/`` holds specs with one mistake each. A spec states, in comments (a
``.expect`` file next to a JSON spec), the one finding it must produce and either the one fix
(``# fixed:``), which ``archgen lint --fix`` applies, after which the spec lints clean, or the
valid choices (``# choices:``) when no single correction is the right one; each choice, applied
alone, gives a clean spec too.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from archgen.config import Config
from archgen.diagnostics import Fix
from archgen.fixer import edit
from archgen.pipeline import compile_spec
from archgen.source import Document, load

from conftest import FIXTURES, run_cli

MISTAKES = sorted(
    p for p in (FIXTURES / "mistakes").iterdir() if p.suffix in (".yaml", ".json")
)
_EXPECT = re.compile(r"# expect: (AG\d{3}) (\d+):(\d+) (.+)")
_RESOLUTION = re.compile(r"# (fixed|choices): (.+)")


def _header(path: Path) -> tuple[tuple[str, int, int, str], tuple[str, str]]:
    source = path.with_name(path.name + ".expect") if path.suffix == ".json" else path
    lines = source.read_text().splitlines()
    expects = [m for line in lines if (m := _EXPECT.match(line))]
    resolutions = [m for line in lines if (m := _RESOLUTION.match(line))]
    assert len(expects) == 1 and len(resolutions) == 1, path.name
    e, r = expects[0], resolutions[0]
    return (e[1], int(e[2]), int(e[3]), e[4]), (r[1], r[2])


def test_the_corpus_covers_many_mistakes() -> None:
    assert len(MISTAKES) >= 15
    kinds = [_header(path)[1][0] for path in MISTAKES]
    assert kinds.count("fixed") >= 15
    assert "choices" in kinds
    # every rule that can be broken by one value is broken somewhere in the corpus
    codes = {_header(path)[0][0] for path in MISTAKES}
    assert {
        "AG201",
        "AG202",
        "AG203",
        "AG204",
        "AG205",
        "AG206",
        "AG207",
        "AG208",
        "AG209",
    } <= codes
    assert {"AG301", "AG302", "AG102", "AG104"} <= codes


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda p: p.stem)
def test_one_mistake_one_finding_and_its_fix_works(
    mistake: Path, tmp_path: Path
) -> None:
    (code, line, column, fragment), (kind, resolution) = _header(mistake)
    spec = tmp_path / mistake.name
    shutil.copyfile(mistake, spec)
    result = run_cli("lint", "--format", "json", spec)
    findings = json.loads(result.out)
    assert [(d["code"], d["line"], d["column"]) for d in findings] == [
        (code, line, column)
    ], findings
    (finding,) = findings
    assert fragment in finding["message"]
    assert finding["message"].endswith(f"fix: {resolution}")
    if kind == "fixed":
        assert len(finding["fixes"]) == 1
        before = spec.read_text()
        fixed = run_cli("lint", "--fix", spec)
        assert f"fixed {spec}:{line}:{column}: {code} {resolution}" in fixed.err
        assert fixed.code == 0, fixed
        again = run_cli("lint", "--format", "json", spec)
        assert json.loads(again.out) == [] and again.code == 0
        _only_the_value_changed(
            before, spec.read_text(), finding["fixes"][0], line, column
        )
    else:
        assert len(finding["fixes"]) > 1
        untouched = spec.read_text()
        refused = run_cli("lint", "--fix", spec)
        assert refused.code == 1 and spec.read_text() == untouched
        for choice in finding["fixes"]:
            _choice_lints_clean(spec, choice, tmp_path)


def _only_the_value_changed(
    before: str, after: str, fix: dict[str, object], line: int, column: int
) -> None:
    """Comments, layout and every other value stay: only the text of the fixed value (at
    ``line:column``, where the finding points) changes."""
    old_lines, new_lines = before.splitlines(), after.splitlines()
    assert len(old_lines) == len(new_lines)
    changed = [
        i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b
    ]
    assert changed == [line - 1]
    old, new = old_lines[line - 1], new_lines[line - 1]
    start = column - 1
    old_text, new_text = str(fix["old"]), str(fix["new"])
    assert old[start:].startswith(old_text)
    assert new == old[:start] + new_text + old[start + len(old_text) :]


def _choice_lints_clean(spec: Path, choice: dict[str, object], folder: Path) -> None:
    document = load(spec)
    assert isinstance(document, Document)
    loc = choice["loc"]
    assert isinstance(loc, list)
    fix = Fix(
        tuple(loc),
        choice["old"],
        choice["new"],
        bool(choice["key"]),
        bool(choice.get("insert", False)),
    )
    text = edit(document, [fix])
    assert text is not None
    alone = folder / f"choice{spec.suffix}"
    alone.write_text(text)
    result = compile_spec(alone, Config(root=folder))
    assert result.diagnostics == (), (choice, result.diagnostics)


COMMENTED = """\
# A ResNet-50 whose third stage forgot to double.
name: commented   # the module name
defaults:
  block: bottleneck
stages:
  - blocks: 3
    planes: 64        # 56x56
  - {blocks: 4, planes: 128, stride: 2}
  - blocks: 6
    planes: 192       # 14x14: should be 256
    stride: 2
  - {blocks: 3, planes: 512, stride: 2}
"""


def test_diff_shows_the_fix_and_writes_nothing(cli_in: Path) -> None:
    spec = cli_in / "spec.yaml"
    spec.write_text(COMMENTED)
    result = run_cli("lint", "--diff", "spec.yaml")
    assert result.code == 1
    assert spec.read_text() == COMMENTED
    assert result.out.splitlines() == [
        "--- spec.yaml",
        "+++ spec.yaml",
        "@@ -7,6 +7,6 @@",
        "     planes: 64        # 56x56",
        "   - {blocks: 4, planes: 128, stride: 2}",
        "   - blocks: 6",
        "-    planes: 192       # 14x14: should be 256",
        "+    planes: 256       # 14x14: should be 256",
        "     stride: 2",
        "   - {blocks: 3, planes: 512, stride: 2}",
    ]
    assert "would fix spec.yaml:10:13: AG302 planes: 192 -> planes: 256" in result.err
    assert "Would fix 1 finding in 1 file" in result.err


def test_fix_keeps_comments_layout_line_endings_and_bom(cli_in: Path) -> None:
    spec = cli_in / "spec.yaml"
    raw = ("\ufeff" + COMMENTED).replace("\n", "\r\n").encode("utf-8")
    spec.write_bytes(raw)
    result = run_cli("lint", "--fix", "spec.yaml")
    assert result.code == 0, result
    assert spec.read_bytes() == raw.replace(b"planes: 192 ", b"planes: 256 ")
    assert "fixed spec.yaml:10:13: AG302 planes: 192 -> planes: 256" in result.err
    assert result.err.strip().endswith("Fixed 1 finding in 1 file. All checks passed.")


def test_fix_writes_through_a_link(cli_in: Path) -> None:
    (cli_in / "real.yaml").write_text(COMMENTED)
    (cli_in / "link.yaml").symlink_to("real.yaml")
    assert run_cli("lint", "--fix", "link.yaml").code == 0
    assert (cli_in / "link.yaml").is_symlink()
    assert "planes: 256" in (cli_in / "real.yaml").read_text()


def test_fix_reports_what_remains(cli_in: Path) -> None:
    spec = cli_in / "spec.yaml"
    # One fixable mistake (the typo) and one with several valid corrections (the groups).
    spec.write_text(
        COMMENTED.replace("block: bottleneck", "block: bottlenek").replace(
            "planes: 192       # 14x14: should be 256",
            "planes: 256\n    width: 256\n    groups: 30",
        )
    )
    result = run_cli("lint", "--format", "json", "--fix", "spec.yaml")
    assert result.code == 1
    assert (
        "fixed spec.yaml:4:10: AG104 defaults.block: bottlenek -> defaults.block: bottleneck"
        in result.err
    )
    remaining = [d for d in json.loads(result.out) if d["severity"] != "info"]
    assert [d["code"] for d in remaining] == ["AG201"]
    remaining = remaining[0]
    assert "fix: groups: 30 -> groups: 32, 16 or 8" in remaining["message"]
    assert "block: bottleneck" in spec.read_text()


def test_fix_of_a_json_spec_keeps_its_layout(tmp_path: Path) -> None:
    mistake = FIXTURES / "mistakes" / "m17_json_not_doubled.json"
    spec = tmp_path / "spec.json"
    text = mistake.read_text()
    spec.write_text(text)
    assert run_cli("lint", "--fix", spec).code == 0
    assert spec.read_text() == text.replace('"planes": 200', '"planes": 256')


def test_every_message_names_stages_one_way() -> None:
    """``layer2 (stages[1])`` wherever a message names a stage."""
    paths = [*MISTAKES, *(FIXTURES / "lint").glob("*.yaml")]
    messages = [
        d["message"]
        for path in paths
        for d in json.loads(run_cli("lint", "--format", "json", path).out)
    ]
    named = [m for m in messages if re.search(r"\blayer\d", m)]
    assert len(named) > 20
    for message in named:
        for match in re.finditer(r"\blayer(\d+)(?![\d.])", message):
            index = int(match[1]) - 1
            assert message[match.end() :].startswith(f" (stages[{index}])"), message


def test_fix_goes_on_pass_after_pass_and_keeps_double_quotes(cli_in: Path) -> None:
    """A key typo hides the rule its value breaks: renaming the key (pass 1) lets the rule run
    and its fix apply (pass 2). A double-quoted value is corrected inside its quotes."""
    spec = cli_in / "spec.yaml"
    text = COMMENTED.replace("planes: 192 ", "plnes: 192  ").replace(
        "block: bottleneck", 'block: "bottlenek"'
    )
    spec.write_text(text)
    result = run_cli("lint", "--fix", "spec.yaml")
    assert result.code == 0, result
    assert spec.read_text() == text.replace("plnes: 192", "planes: 256").replace(
        '"bottlenek"', '"bottleneck"'
    )
    fixed = [line for line in result.err.splitlines() if line.startswith("fixed ")]
    assert [line.split(": ")[1].split()[0] for line in fixed] == [
        "AG104",
        "AG102",
        "AG302",
    ]
    assert "Fixed 3 findings in 1 file. All checks passed." in result.err


def test_a_fix_that_would_cause_a_new_warning_is_not_offered(tmp_path: Path) -> None:
    """With AG301-AG303 graded warnings by the spec, a new warning still counts: stride 1 at
    layer3 would silence its AG302 but break AG301 (a same-size stage changes width) and the
    doubling of layer4, so only the width is offered."""
    mistake = FIXTURES / "mistakes" / "m18_explicit_width_not_doubled.yaml"
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        mistake.read_text()
        + "lint: {severity: {AG301: warning, AG302: warning, AG303: warning}}\n"
    )
    compiled = compile_spec(spec, Config(root=tmp_path))
    (finding,) = [d for d in compiled.diagnostics if d.code == "AG302"]
    assert [(f.loc, f.new) for f in finding.fixes] == [(("stages", 2, "width"), 256)]
    # The stride fix, applied anyway, does cause a new AG301 warning.
    document = load(spec)
    assert isinstance(document, Document)
    stride = Fix(("stages", 2, "stride"), 2, 1)
    strided = tmp_path / "strided.yaml"
    text = edit(document, [stride])
    assert text is not None
    strided.write_text(text)
    after = compile_spec(strided, Config(root=tmp_path)).diagnostics
    assert {d.code for d in after} >= {"AG301"}
    assert {d.severity.label for d in after} == {"warning"}
    assert run_cli("lint", "--fix", spec).code == 0
    assert "width: 256" in spec.read_text()


@pytest.mark.parametrize(
    ("stage", "fixed"),
    [
        ("  - {blocks: 4, planes: 128}\n", "  - {blocks: 4, planes: 128, stride: 2}\n"),
        (
            '  - {"blocks": 4, "planes": 128}\n',
            '  - {"blocks": 4, "planes": 128, "stride": 2}\n',
        ),
        (
            "  - {'blocks': 4, 'planes': 128}\n",
            "  - {'blocks': 4, 'planes': 128, 'stride': 2}\n",
        ),
        (
            '  - "blocks": 4\n    "planes": 128\n',
            '  - "blocks": 4\n    "planes": 128\n    "stride": 2\n',
        ),
    ],
)
def test_an_added_key_is_quoted_like_the_keys_beside_it(
    tmp_path: Path, stage: str, fixed: str
) -> None:
    """Only this stage's keys are quoted: the added key follows them, not the other stages."""
    text = (FIXTURES / "mistakes" / "m24_forgotten_stride.yaml").read_text()
    plain = "  - {blocks: 4, planes: 128}\n"
    assert plain in text
    spec = tmp_path / "spec.yaml"
    spec.write_text(text.replace(plain, stage))
    document = load(spec)
    assert isinstance(document, Document)
    added = edit(document, [Fix(("stages", 1, "stride"), None, 2, insert=True)])
    assert added == text.replace(plain, fixed)
