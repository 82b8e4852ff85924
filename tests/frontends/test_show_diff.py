"""`archgen show` and `archgen diff` against Table 1 of the ResNeXt paper and published figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REFERENCE, SPECS, run_cli, zoo_module

# Xie et al. 2017, Table 1, written as the paper writes the blocks of conv2..conv5.
TABLE_1 = {
    "resnet50": [
        "[1x1, 64; 3x3, 64; 1x1, 256] x3",
        "[1x1, 128; 3x3, 128; 1x1, 512] x4",
        "[1x1, 256; 3x3, 256; 1x1, 1024] x6",
        "[1x1, 512; 3x3, 512; 1x1, 2048] x3",
    ],
    "resnext50_32x4d": [
        "[1x1, 128; 3x3, 128, C=32; 1x1, 256] x3",
        "[1x1, 256; 3x3, 256, C=32; 1x1, 512] x4",
        "[1x1, 512; 3x3, 512, C=32; 1x1, 1024] x6",
        "[1x1, 1024; 3x3, 1024, C=32; 1x1, 2048] x3",
    ],
}
OUTPUT_SIZES = ["56x56", "28x28", "14x14", "7x7"]


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_show_json_reports_published_params_and_macs(name: str) -> None:
    result = run_cli("show", "--format", "json", SPECS / f"{name}.yaml")
    assert result.code == 0
    data = json.loads(result.out)
    assert (data["params"], data["macs"]) == REFERENCE[name]
    assert data["input"] == {"channels": 3, "image_size": 224}
    assert sum(row["params"] for row in data["rows"]) == data["params"]
    assert sum(row["macs"] for row in data["rows"]) == data["macs"]


@pytest.mark.parametrize("name", sorted(TABLE_1))
def test_show_prints_table_1(name: str) -> None:
    result = run_cli("show", SPECS / f"{name}.yaml")
    assert result.code == 0
    params, macs = REFERENCE[name]
    lines = result.out.splitlines()
    for stage, (block, size) in enumerate(
        zip(TABLE_1[name], OUTPUT_SIZES, strict=True), start=1
    ):
        row = next(line for line in lines if line.startswith(f"layer{stage} "))
        assert row.split()[1] == size
        assert block in row
    assert (
        next(line for line in lines if line.startswith("conv1 ")).split()[1]
        == "112x112"
    )
    total = next(line for line in lines if line.startswith("total"))
    assert total.split() == ["total", f"{params:,}", f"{macs:,}"]
    assert "FlopCounterMode total / 2" in result.out


def test_show_markdown_is_a_table() -> None:
    result = run_cli("show", "--format", "markdown", SPECS / "resnet18.yaml")
    rows = [line for line in result.out.splitlines() if line.startswith("|")]
    assert rows[0] == "| stage | output | block | params | MACs |"
    assert all(row.count("|") == 6 for row in rows)
    assert rows[-1] == "| **total** | | | **11,689,512** | **1,814,073,344** |"


def test_diff_resnet50_resnext50_shows_width_and_groups_per_stage() -> None:
    result = run_cli("diff", SPECS / "resnet50.yaml", SPECS / "resnext50_32x4d.yaml")
    assert result.code == 0
    lines = result.out.splitlines()
    for stage in range(4):
        row = next(
            line
            for line in lines
            if line.startswith(f"* layer{stage + 1} ")
            and line.split()[2].startswith("[")
        )
        assert (
            TABLE_1["resnet50"][stage] in row
            and TABLE_1["resnext50_32x4d"][stage] in row
        )
    layer1 = [line for line in lines if line.startswith("* layer1") and "->" in line][
        -1
    ]
    assert "64 -> 128" in layer1 and "1 -> 32" in layer1
    total = next(line for line in lines if line.lstrip().startswith("total"))
    assert (
        "25,557,032 -> 25,028,904" in total
        and "4,089,184,256 -> 4,230,479,872" in total
    )


def test_diff_json() -> None:
    result = run_cli(
        "diff",
        "--format",
        "json",
        SPECS / "resnet50.yaml",
        SPECS / "resnext50_32x4d.yaml",
    )
    data = json.loads(result.out)
    assert [stage["name"] for stage in data["stages"]] == [
        "conv1",
        "maxpool",
        *(f"layer{i}" for i in range(1, 5)),
        "fc",
    ]
    by_name = {stage["name"]: stage for stage in data["stages"]}
    assert [by_name[name]["changed"] for name in ("conv1", "maxpool", "fc")] == [[]] * 3
    assert by_name["conv1"]["left"] == {
        "output": "112x112",
        "params": 9_408 + 128,
        "macs": 118_013_952,
    }
    layers = [by_name[f"layer{i}"] for i in range(1, 5)]
    assert [stage["changed"] for stage in layers] == [
        ["width", "groups", "params", "macs", "block"]
    ] * 4
    assert [stage["right"]["groups"] for stage in layers] == [32] * 4
    assert [stage["left"]["width"] * 2 for stage in layers] == [
        s["right"]["width"] for s in layers
    ]
    assert [stage["left"]["output"] for stage in layers] == OUTPUT_SIZES
    assert data["totals"]["params"] == {
        "left": 25_557_032,
        "right": 25_028_904,
        "delta": 25_028_904 - 25_557_032,
    }
    assert data["totals"]["macs"]["right"] == 4_230_479_872


def test_diff_of_different_depths_marks_missing_stages(tmp_path: Path) -> None:
    three = (
        (SPECS / "resnet18.yaml")
        .read_text()
        .replace("  - {blocks: 2, planes: 512, stride: 2}\n", "")
    )
    shorter = tmp_path / "resnet18_3.yaml"
    shorter.write_text(three.replace("name: resnet18", "name: resnet18_3"))
    data = json.loads(
        run_cli("diff", "--format", "json", SPECS / "resnet18.yaml", shorter).out
    )
    layer4 = next(stage for stage in data["stages"] if stage["name"] == "layer4")
    assert layer4["right"] is None and layer4["changed"]
    assert data["stages"][-1]["name"] == "fc"


def test_diff_shows_a_stem_change_as_the_cause_of_a_mac_change(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text(
        (SPECS / "resnet50.yaml")
        .read_text()
        .replace("stem: {width: 64}", "stem: {type: deep, width: 64}")
        .replace("name: resnet50", "name: resnet50_deep")
    )
    result = run_cli("diff", SPECS / "resnet50.yaml", deep)
    assert result.code == 0, result.err
    rows = [line for line in result.out.splitlines() if line.startswith("* ")]
    assert [row.split()[1] for row in rows[:1]] == ["conv1"]
    assert "7x7, 64, stride 2" in rows[0]
    assert "3x3, 32, stride 2; 3x3, 32; 3x3, 64" in rows[0]
    assert not any(row.split()[1].startswith("layer") for row in rows)


def test_show_refuses_invalid_spec_with_location(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: bad\nstages: 3\n")
    result = run_cli("show", spec)
    assert result.code == 1
    assert f"{spec}:2:9: AG103 stages: expected a sequence, found 3" in result.err


def test_generated_docstring_carries_the_stage_table() -> None:
    shown = run_cli("show", SPECS / "resnext50_32x4d.yaml").out.splitlines()
    start = next(i for i, line in enumerate(shown) if line.startswith("stage "))
    table = shown[start:]
    table = table[: table.index("")]
    doc = zoo_module("resnext50_32x4d").__doc__
    assert [line.strip() for line in table] == [
        line.strip() for line in doc.splitlines() if line.startswith("    ")
    ]


def test_schema_command_prints_the_json_schema(tmp_path: Path) -> None:
    result = run_cli("schema")
    schema = json.loads(result.out)
    assert schema["title"] == "archgen network spec"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"name"}  # and stages, or the compact depths:
    assert [branch["required"] for branch in schema["oneOf"]] == [
        ["stages"],
        ["depths"],
        ["regnet"],
    ]
    assert run_cli("schema", "-o", tmp_path / "s.json").code == 0
    assert json.loads((tmp_path / "s.json").read_text()) == schema


def test_zoo_specs_validate_against_the_published_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = json.loads(run_cli("schema").out)
    for path in SPECS.glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_show_still_shows_a_spec_that_breaks_a_rule_and_says_so() -> None:
    from conftest import FIXTURES

    path = FIXTURES / "lint" / "ag302_ag303_halving_without_doubling.yaml"
    result = run_cli("show", "--format", "json", path)
    assert result.code == 0
    assert json.loads(result.out)["stages"][2]["width"] == 192
    assert f"{path}:10:25: AG302 " in result.err


CIFAR = """\
name: cifar_net
input: {channels: 3, image_size: 32}
stem: {width: 64}
defaults: {block: basic}
stages:
  - {blocks: 2, planes: 64}
  - {blocks: 2, planes: 128, stride: 2}
head: {num_classes: 1000}
"""


def test_diff_of_different_inputs_warns_on_stderr_too(tmp_path: Path) -> None:
    small = tmp_path / "cifar.yaml"
    small.write_text(CIFAR)
    result = run_cli("diff", SPECS / "resnet18.yaml", small)
    assert result.code == 0
    warning = (
        "archgen: warning: input sizes differ (224 vs 32); the figures are not comparable "
        "(compare both at one input with --image-size N and --channels N)"
    )
    assert warning in result.err.splitlines()
    assert "warning: input sizes differ (224 vs 32)" in result.out
    as_json = run_cli("diff", "--format", "json", SPECS / "resnet18.yaml", small)
    assert json.loads(as_json.out)["warnings"] == ["input sizes differ (224 vs 32)"]
    assert warning in as_json.err.splitlines()


def test_diff_at_a_common_input_is_comparable(tmp_path: Path) -> None:
    small = tmp_path / "cifar.yaml"
    small.write_text(CIFAR)
    result = run_cli(
        "diff", "--format", "json", "--image-size", "32", SPECS / "resnet18.yaml", small
    )
    data = json.loads(result.out)
    assert data["warnings"] == [] and "warning" not in result.err
    by_name = {stage["name"]: stage for stage in data["stages"]}
    assert by_name["layer1"]["left"]["output"] == "8x8"
    assert by_name["layer1"]["left"] == by_name["layer1"]["right"]
    # A conv1 at 32x32 costs (16 * 16) / (112 * 112) of the one at 224x224.
    full = json.loads(
        run_cli("diff", "--format", "json", SPECS / "resnet18.yaml", small).out
    )
    conv1 = {s["name"]: s for s in full["stages"]}["conv1"]["left"]["macs"]
    assert by_name["conv1"]["left"]["macs"] * 49 == conv1


def test_show_at_another_input(tmp_path: Path) -> None:
    result = run_cli(
        "show",
        "--format",
        "json",
        "--image-size",
        "448",
        "--channels",
        "1",
        SPECS / "resnet50.yaml",
    )
    data = json.loads(result.out)
    assert data["input"] == {"channels": 1, "image_size": 448}
    assert data["params"] == 25_557_032 - 2 * 7 * 7 * 64
    assert data["macs"] > 4 * 4_000_000_000
    text = run_cli("show", "--image-size", "448", SPECS / "resnet50.yaml").out
    assert "input 3x448x448" in text
    assert run_cli("show", "--image-size", "0", SPECS / "resnet50.yaml").code == 2
    assert run_cli("diff", "--channels", "x", SPECS / "resnet50.yaml", "b").code == 2


@pytest.mark.parametrize(
    ("name", "block"),
    [
        # Res2Net 26w4s: int(64 * 26 / 64) = 26 per part, x4 parts = 104, 3 convolutions.
        (
            "res2net50_26w_4s",
            "[1x1, 104; 3x3, 26 x3, scale 4 (hierarchical); 1x1, 256] x3",
        ),
        # SKNet-50: width int(64 * 4 / 64) * 32 = 128; attention make_divisible(128 / 16, 32).
        (
            "skresnext50_32x4d",
            "[1x1, 128; SK[3x3, 5x5], 128, C=32, attention 32; 1x1, 256] x3",
        ),
        # ResNeSt 4s2x40d: width int(64 * 40 / 64) * 2 = 80; attention 80 * 4 / 4 = 80.
        (
            "resnest50d_4s2x40d",
            "[1x1, 80; 3x3, 80, C=2, radix 4, split attention 80; 1x1, 256] x3",
        ),
    ],
)
def test_show_writes_branching_blocks_in_table_1_notation(
    name: str, block: str
) -> None:
    result = run_cli("show", SPECS / f"{name}.yaml")
    assert result.code == 0
    row = next(line for line in result.out.splitlines() if line.startswith("layer1 "))
    assert block in row
