"""The linter: each fixture breaks one thing and states the exact code and line:col expected."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from archgen.codes import CODES

from conftest import FIXTURES, MINIMAL, SPECS, run_cli, write_spec

CORPUS = sorted(
    p for p in (FIXTURES / "lint").iterdir() if p.suffix in (".yaml", ".json")
)
# `# expect: CODE line:col [severity] fragment`; the severity is optional.
_EXPECT = re.compile(
    r"# expect: (AG\d{3}) (\d+):(\d+) (?:\[(error|warning|info)\] )?(.+)"
)


def _expectations(path: Path) -> list[tuple[str, int, int, str, str | None]]:
    source = path.with_name(path.name + ".expect") if path.suffix == ".json" else path
    found = [_EXPECT.match(line) for line in source.read_text().splitlines()]
    return [(m[1], int(m[2]), int(m[3]), m[5], m[4]) for m in found if m]


def test_expectation_parser_reads_an_optional_severity(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(
        "# expect: AG205 4:5 [warning] grouped basic\n# expect: AG203 7:38 stride 3\n"
    )
    assert _expectations(path) == [
        ("AG205", 4, 5, "grouped basic", "warning"),
        ("AG203", 7, 38, "stride 3", None),
    ]


def test_every_fixture_states_its_severities() -> None:
    for path in CORPUS:
        assert all(e[4] for e in _expectations(path)), path.name


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_fixture_reports_exactly_the_expected_findings(path: Path) -> None:
    expected = _expectations(path)
    assert expected, f"{path.name} declares no expectation"
    result = run_cli("lint", "--format", "json", "--show-info", path)
    diagnostics = json.loads(result.out)
    assert [(d["code"], d["line"], d["column"]) for d in diagnostics] == [
        e[:3] for e in expected
    ]
    for diagnostic, (_, _, _, fragment, severity) in zip(
        diagnostics, expected, strict=True
    ):
        assert fragment in diagnostic["message"]
        if severity is not None:
            assert diagnostic["severity"] == severity
        assert diagnostic["path"] == str(path)
        assert diagnostic["rule"] == CODES[diagnostic["code"]].rule
    failing = any(d["severity"] == "error" for d in diagnostics)
    assert result.code == (1 if failing else 0)


def test_every_rule_code_has_a_fixture() -> None:
    covered = {e[0] for path in CORPUS for e in _expectations(path)}
    rules = {code for code, entry in CODES.items() if entry.configurable}
    assert rules <= covered


def test_zoo_lints_clean() -> None:
    result = run_cli("lint", "--format", "json", SPECS)
    assert result.code == 0
    assert json.loads(result.out) == []


def test_text_format_is_path_line_col_code_message() -> None:
    path = FIXTURES / "lint" / "ag302_ag303_halving_without_doubling.yaml"
    result = run_cli("lint", path)
    lines = result.out.splitlines()
    assert lines == [
        f"{path}:10:25: AG302 layer3 (stages[2]) halves the map (28 -> 14) but the width goes "
        "128 -> 192; expected 256 (rule ii); the same value also explains output channels "
        "768, not 1024 (AG303, rule ii); fix: planes: 192 -> planes: 256"
    ]
    assert result.err.strip() == (
        "Found 1 error (1 fixable with `archgen lint --fix`)."
    )
    assert result.code == 1


def test_warning_is_labelled_and_does_not_fail() -> None:
    result = run_cli("lint", FIXTURES / "lint" / "ag205_grouped_basic_block.yaml")
    assert ": AG205 [warning] " in result.out
    assert result.code == 0


def test_github_format_writes_workflow_annotations() -> None:
    path = FIXTURES / "lint" / "ag203_stride.yaml"
    result = run_cli("lint", "--format", "github", path)
    assert result.out.splitlines() == [
        f"::error file={path},line=7,col=38,title=AG203 stride-one-or-two::layer2 "
        "(stages[1]) has stride 3; expected 1 (keep the map) or 2 (halve it); "
        "fix: stride: 3 -> stride: 2"
    ]
    assert result.code == 1


def test_github_format_escapes_data() -> None:
    from archgen.cli.formats import gh_data as _gh_data
    from archgen.cli.formats import gh_property as _gh_property

    assert _gh_data("50% done\nnext") == "50%25 done%0Anext"
    # GitHub's own escaping (actions/toolkit): % first, then CR and LF, upper-case hex
    assert _gh_data("a\r\nb%0A") == "a%0D%0Ab%250A"
    assert _gh_property("a:b,c") == "a%3Ab%2Cc"


def test_select_and_ignore_on_the_command_line() -> None:
    path = FIXTURES / "lint" / "ag302_ag303_halving_without_doubling.yaml"
    only_width = json.loads(
        run_cli("lint", "--format", "json", "--ignore", "AG303", path).out
    )
    assert [d["code"] for d in only_width] == ["AG302"]
    assert "also" not in only_width[0]
    only_channels = json.loads(
        run_cli("lint", "--format", "json", "--ignore", "AG302", path).out
    )
    assert [(d["code"], d["line"]) for d in only_channels] == [("AG303", 10)]
    assert "output channels go 512 -> 768; expected 1024" in only_channels[0]["message"]
    both = json.loads(run_cli("lint", "--format", "json", path).out)
    assert [(d["code"], d["also"]) for d in both] == [("AG302", ["AG303"])]
    structural = run_cli("lint", "--format", "json", "--select", "AG2", path)
    assert json.loads(structural.out) == [] and structural.code == 0


def test_schema_errors_cannot_be_ignored() -> None:
    path = FIXTURES / "lint" / "ag102_unknown_key.yaml"
    result = run_cli("lint", "--format", "json", "--ignore", "AG1", path)
    assert [d["code"] for d in json.loads(result.out)] == ["AG102"]
    assert result.code == 1


PYPROJECT = """\
[tool.archgen]
ignore = ["AG303"]
fail-on = "warning"

[tool.archgen.severity]
AG302 = "warning"
"""


def test_pyproject_configuration(cli_in: Path) -> None:
    (cli_in / "pyproject.toml").write_text(PYPROJECT)
    spec = cli_in / "spec.yaml"
    spec.write_text(
        (FIXTURES / "lint" / "ag302_ag303_halving_without_doubling.yaml").read_text()
    )
    result = run_cli("lint", "--format", "json", "spec.yaml")
    diagnostics = json.loads(result.out)
    assert [(d["code"], d["severity"]) for d in diagnostics] == [("AG302", "warning")]
    assert result.code == 1  # fail-on = "warning"


def test_spec_level_severity_override(cli_in: Path) -> None:
    text = (FIXTURES / "lint" / "ag205_grouped_basic_block.yaml").read_text()
    spec = write_spec(cli_in, text + "lint:\n  severity: {AG205: error}\n")
    result = run_cli("lint", "--format", "json", spec)
    assert [(d["code"], d["severity"]) for d in json.loads(result.out)] == [
        ("AG205", "error")
    ]
    assert result.code == 1


def test_bad_configuration_is_a_usage_error(cli_in: Path) -> None:
    (cli_in / "pyproject.toml").write_text('[tool.archgen]\nfail-on = "sometimes"\n')
    write_spec(cli_in, "name: x\n")
    result = run_cli("lint", "spec.yaml")
    assert result.code == 2
    assert "fail-on" in result.err and "Traceback" not in result.err


def test_missing_file_is_an_io_error(cli_in: Path) -> None:
    result = run_cli("lint", "nowhere.yaml")
    assert result.code == 2
    assert result.out.strip() == "nowhere.yaml:1:1: AG001 no such file or directory"


def test_two_specs_with_one_name(cli_in: Path) -> None:
    text = (SPECS / "resnet18.yaml").read_text()
    write_spec(cli_in, text, "a.yaml")
    write_spec(cli_in, text, "b.yaml")
    result = run_cli("lint", "--format", "json", cli_in)
    diagnostics = json.loads(result.out)
    assert [(d["code"], Path(d["path"]).name, d["line"]) for d in diagnostics] == [
        ("AG106", "b.yaml", 3)
    ]


def test_names_differing_only_in_case_clash(cli_in: Path) -> None:
    text = (SPECS / "resnet18.yaml").read_text()
    write_spec(cli_in, text, "a.yaml")
    write_spec(
        cli_in,
        text.replace("name: resnet18", "name: ResNet18_").replace(
            "class_name: ResNet18", "class_name: Net"
        ),
        "b.yaml",
    )
    write_spec(cli_in, text.replace("name: resnet18", "name: RESNET18"), "c.yaml")
    result = run_cli("lint", "--format", "json", cli_in)
    assert [(d["code"], Path(d["path"]).name) for d in json.loads(result.out)] == [
        ("AG106", "c.yaml")
    ]


def test_list_rules() -> None:
    result = run_cli("lint", "--list-rules")
    assert result.code == 0
    assert len(result.out.splitlines()) == len(CODES)
    assert "AG301  same-size-same-shape" in result.out


def test_ag204_suggests_an_input_size_that_passes(tmp_path: Path) -> None:
    fixture = FIXTURES / "lint" / "ag204_map_too_small.yaml"
    message = json.loads(run_cli("lint", "--format", "json", fixture).out)[0]["message"]
    suggested = int(message.rsplit("at least ", 1)[1].split("x")[0])
    for size, clean in ((suggested, True), (suggested - 1, False)):
        spec = tmp_path / f"size_{size}.yaml"
        spec.write_text(
            fixture.read_text().replace("image_size: 16", f"image_size: {size}")
        )
        codes = [
            d["code"] for d in json.loads(run_cli("lint", "--format", "json", spec).out)
        ]
        assert ("AG204" not in codes) is clean, (size, codes)


def test_a_width_rounded_to_zero_is_the_root_and_nothing_expects_zero(
    cli_in: Path,
) -> None:
    spec = write_spec(
        cli_in,
        "name: zero_in_the_middle\n"
        "defaults: {block: bottleneck, cardinality: 32, base_width: 4}\n"
        "stages:\n"
        "  - {blocks: 1, planes: 64}\n"
        "  - {blocks: 1, planes: 8, stride: 2}\n"
        "  - {blocks: 1, planes: 256, stride: 2}\n"
        "  - {blocks: 1, planes: 512, stride: 2}\n",
    )
    (finding,) = json.loads(run_cli("lint", "--format", "json", spec).out)
    assert (finding["code"], finding["line"], finding["column"]) == ("AG206", 5, 25)
    assert finding["also"] == ["AG302", "AG303", "AG401"]
    assert finding["message"].endswith("fix: planes: 8 -> planes: 128")
    assert "expected 0" not in finding["message"]


@pytest.mark.parametrize(
    ("planes", "wrong"),
    [
        ([64, 128, 192, 512], [2]),  # layer4 is right: not blamed for layer3
        ([32, 128, 256, 512], [0]),  # the first stage is the odd one
        ([64, 128, 192, 384], [2, 3]),  # two wrong values: two findings
        ([64, 128, 256, 512], []),
    ],
)
def test_each_stage_is_held_to_what_the_rules_expect(
    cli_in: Path, planes: list[int], wrong: list[int]
) -> None:
    stages = "".join(
        f"  - {{blocks: 1, planes: {p}{', stride: 2' if i else ''}}}\n"
        for i, p in enumerate(planes)
    )
    spec = write_spec(
        cli_in, f"name: held\ndefaults: {{block: bottleneck}}\nstages:\n{stages}"
    )
    found = json.loads(run_cli("lint", "--format", "json", spec).out)
    assert [d["line"] - 4 for d in found] == wrong
    for d in found:
        index = d["line"] - 4
        assert d["message"].endswith(
            f"fix: planes: {planes[index]} -> planes: {64 * 2**index}"
        )


@pytest.mark.parametrize(
    ("toml", "kind"),
    [
        ("tool = 1", "[tool] must be a table, found an integer"),
        ("tool = true", "[tool] must be a table, found a boolean"),
        ("tool = 1.5", "[tool] must be a table, found a number"),
        ('tool = "x"', "[tool] must be a table, found a string"),
        ("tool = [1]", "[tool] must be a table, found an array"),
        ("tool = 1979-05-27", "[tool] must be a table, found a date or time"),
        ("[tool]\narchgen = 3", "[tool.archgen] must be a table, found an integer"),
    ],
)
def test_a_pyproject_whose_tool_table_is_not_a_table_is_a_usage_error(
    cli_in: Path, toml: str, kind: str
) -> None:
    (cli_in / "pyproject.toml").write_text(toml + "\n")
    spec = write_spec(cli_in, MINIMAL)
    result = run_cli("lint", spec)
    assert result.code == 2 and result.out == ""
    assert result.err == f"archgen: {cli_in / 'pyproject.toml'}: {kind}\n"


def test_markdown_format_is_a_table_with_escaped_bars(cli_in: Path) -> None:
    spec = write_spec(cli_in, 'name: "a|b"\nstages: 3\n')
    result = run_cli("lint", "--format", "markdown", spec.name)
    assert result.code == 1
    assert result.out.splitlines() == [
        "| where | code | severity | message |",
        "|---|---|---|---|",
        "| `spec.yaml:1:7` | AG104 invalid-value | error | name must be an ASCII Python "
        "identifier (letters, digits, underscores), found 'a\\|b' |",
        "| `spec.yaml:2:9` | AG103 wrong-type | error | stages: expected a sequence, "
        "found 3 |",
    ]
    clean = run_cli("lint", "--format", "markdown", SPECS / "resnet18.yaml")
    assert (clean.code, clean.out) == (0, "No findings.\n")
