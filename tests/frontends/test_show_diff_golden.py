"""`archgen show` and `archgen diff` text pinned whole against golden files, and every figure in
those files cross-checked against the JSON output and, for ResNet-50, against torchvision.

The golden files are tests/fixtures/golden/<case>.txt. They are never rewritten by a normal run:
after an intentional change to the text, regenerate them with

    ARCHGEN_REGENERATE_GOLDENS=1 pytest tests/frontends/test_show_diff_golden.py -p no:randomly

and review `git diff tests/fixtures/golden` before committing. The cases cover every row kind:
a single-convolution stem and a deep stem, a max pool and a zero-padded max pool, a stem with no
pool, dilated stages, grouped, squeeze-excitation and weight-standardised blocks, pre-activation
stages with a normalised head, and in diffs, stages only the left or only the right spec has,
rows whose figures are equal but whose blocks differ, and a warning for different inputs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import FIXTURES, REFERENCE, ROOT, golden, run_cli

GOLDEN = FIXTURES / "golden"

SHOW: dict[str, list[str]] = {
    # torchvision layout: 7x7 stem, max pool, four bottleneck stages, fc.
    "show_resnet50": ["resnet50"],
    # timm's deep stem (three convolutions).
    "show_resnet50d": ["resnet50d"],
    # output stride 8: layer3 and layer4 dilated.
    "show_resnet50_os8": [str(GOLDEN.relative_to(ROOT) / "resnet50_os8.yaml")],
    # no stem pool, grouped convolutions, squeeze-excitation, the RegNet expansion, "head" row.
    "show_regnety_004": ["regnety_004"],
    # pre-activation, weight standardisation, zero-padded max pool, normalised head.
    "show_resnetv2_50x1_bit": ["resnetv2_50x1_bit"],
    # another input: sizes and MACs change, parameters do not.
    "show_resnext50_32x4d_160": ["--image-size", "160", "resnext50_32x4d"],
}
MARKDOWN: dict[str, list[str]] = {
    "markdown_resnext50_32x4d": ["--format", "markdown", "resnext50_32x4d"],
    "markdown_resnetv2_50x1_bit": ["--format", "markdown", "resnetv2_50x1_bit"],
}
DIFF: dict[str, list[str]] = {
    # widths and groups change in every stage; totals fall.
    "diff_resnet50_resnext50_32x4d": ["resnet50", "resnext50_32x4d"],
    # a stage only the left spec has, and totals that fall by over half.
    "diff_resnet18_resnet18_3": [
        "resnet18",
        str(GOLDEN.relative_to(ROOT) / "resnet18_3.yaml"),
    ],
    # a stage only the right spec has: it goes before the head, not after it.
    "diff_resnet18_3_resnet18": [
        str(GOLDEN.relative_to(ROOT) / "resnet18_3.yaml"),
        "resnet18",
    ],
    # dilation: same parameters, different sizes and MACs.
    "diff_resnet50_resnet50_os8": [
        "resnet50",
        str(GOLDEN.relative_to(ROOT) / "resnet50_os8.yaml"),
    ],
    # the same figures with different blocks (weight standardisation, the padded pool).
    "diff_resnetv2_50_resnetv2_50x1_bit": ["resnetv2_50", "resnetv2_50x1_bit"],
    # different layouts: every row is on one side only.
    "diff_resnet18_regnetx_002": ["resnet18", "regnetx_002"],
    # both evaluated at another input size.
    "diff_resnet18_resnet50_160": ["resnet18", "resnet50", "--image-size", "160"],
    # different inputs and classes: warnings that the figures are not comparable.
    "diff_resnet18_resnet18_gray": [
        "resnet18",
        str(GOLDEN.relative_to(ROOT) / "resnet18_gray.yaml"),
    ],
}


def _text(command: str, args: list[str]) -> str:
    result = run_cli(command, *args)
    assert result.code == 0, result.err
    return result.out


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Paths in the output are relative to the working folder: run from the repository."""
    monkeypatch.chdir(ROOT)
    return ROOT


@pytest.mark.parametrize("name", sorted(SHOW))
def test_show_text_equals_its_golden_file(at_root: Path, name: str) -> None:
    golden(name, _text("show", SHOW[name]))


@pytest.mark.parametrize("name", sorted(MARKDOWN))
def test_show_markdown_equals_its_golden_file(at_root: Path, name: str) -> None:
    golden(name, _text("show", MARKDOWN[name]))


@pytest.mark.parametrize("name", sorted(MARKDOWN))
def test_golden_markdown_has_the_text_table_rows(at_root: Path, name: str) -> None:
    """The same rows and figures as the text table, as a Markdown table with a bold total."""
    lines = (GOLDEN / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    spec = MARKDOWN[name][-1]
    header, table = _show_rows(_text("show", [spec]))
    assert lines[0] == f"### {spec}"
    assert lines[2].startswith(
        f"Input {header.split('input ')[1].split(',')[0]}; from `"
    )
    assert lines[4:6] == [
        "| stage | output | block | params | MACs |",
        "|---|---|---|---:|---:|",
    ]
    rows = [line for line in lines[6:] if line.startswith("| ") and "**" not in line]
    expected = [
        f"| {stage} | {output} | {block} | {params:,} | {macs:,} |"
        for stage, entries in table.items()
        if stage != "total"
        for output, block, params, macs in entries
    ]
    assert rows == expected
    ((_, _, params, macs),) = table["total"]
    assert f"| **total** | | | **{params:,}** | **{macs:,}** |" in lines
    assert lines[-1].startswith("MACs are multiply-accumulates")


@pytest.mark.parametrize("name", sorted(DIFF))
def test_diff_text_equals_its_golden_file(at_root: Path, name: str) -> None:
    golden(name, _text("diff", DIFF[name]))


def _number(cell: str) -> int:
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", cell), cell
    return int(cell.replace(",", ""))


def _show_rows(text: str) -> tuple[str, dict[str, list[tuple[str, str, int, int]]]]:
    """The header line and the table rows (name -> [(output, block, params, MACs)])."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("stage "))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("total "))
    header = lines[start]
    columns = [header.index(word) for word in ("output", "block")]
    table: dict[str, list[tuple[str, str, int, int]]] = {}
    for line in lines[start + 1 : end + 1]:
        name = line[: columns[0]].strip()
        output = line[columns[0] : columns[1]].strip()
        *block, params, macs = line[columns[1] :].split()
        table.setdefault(name, []).append(
            (output, " ".join(block), _number(params), _number(macs))
        )
    return lines[0], table


@pytest.mark.parametrize("name", sorted(SHOW))
def test_golden_show_figures_equal_the_json_output(at_root: Path, name: str) -> None:
    """Every row's size, parameters and MACs, the totals and the header's G figure."""
    header, table = _show_rows((GOLDEN / f"{name}.txt").read_text(encoding="utf-8"))
    data = json.loads(_text("show", ["--format", "json", *SHOW[name]]))
    rows = [(r["stage"], r["output"], r["params"], r["macs"]) for r in data["rows"]]
    shown = [
        (stage, output, params, macs)
        for stage, entries in table.items()
        if stage != "total"
        for output, _, params, macs in entries
    ]
    assert shown == rows
    assert table["total"] == [("", "", data["params"], data["macs"])]
    size = data["input"]["image_size"]
    assert f"input {data['input']['channels']}x{size}x{size}," in header
    assert f"{data['params']:,} params, {data['macs']:,} MACs" in header
    # G is 10**9 (torchvision's GFLOPS), not 2**30.
    assert header.endswith(f"({data['macs'] / 10**9:.2f} G)")


def _diff_rows(text: str) -> dict[str, dict[str, str]]:
    lines = text.splitlines()
    start = next(
        i
        for i, line in enumerate(lines)
        if line.startswith("stage ") and "macs" in line
    )
    columns = lines[start].split()
    found = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        marked, name = line.startswith("* "), line[2:].split()[0]
        # Cells are separated by two spaces or more; a change reads "old -> new".
        cells = re.split(r"\s{2,}", line[2:].strip())
        if name == "total":
            found[name] = dict(zip(["params", "macs"], cells[1:], strict=True))
        else:
            found[name] = dict(zip(columns[1:], cells[1:], strict=True))
            found[name]["marked"] = "*" if marked else ""
    return found


def _cell(left: object, right: object) -> str:
    def shown(value: object) -> str:
        if value is None:
            return "-"
        return f"{value:,}" if isinstance(value, int) else str(value)

    return shown(left) if left == right else f"{shown(left)} -> {shown(right)}"


@pytest.mark.parametrize("name", sorted(DIFF))
def test_golden_diff_figures_equal_the_json_output(at_root: Path, name: str) -> None:
    """Every row's cells, marks and order, and the totals' percentages, against the JSON."""
    text = (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")
    shown = _diff_rows(text)
    data = json.loads(_text("diff", ["--format", "json", *DIFF[name]]))
    assert list(shown) == [stage["name"] for stage in data["stages"]] + ["total"]
    for stage in data["stages"]:
        left, right = stage["left"] or {}, stage["right"] or {}
        row = shown[stage["name"]]
        for key in ("output", "blocks", "stride", "width", "groups", "out_channels"):
            assert row[key] == _cell(left.get(key), right.get(key)), (
                stage["name"],
                key,
            )
        for key in ("params", "macs"):
            assert row[key] == _cell(left.get(key), right.get(key)), (
                stage["name"],
                key,
            )
        assert row["marked"] == ("*" if stage["changed"] else "")
    for key in ("params", "macs"):
        totals = data["totals"][key]
        old, new = totals["left"], totals["right"]
        expected = _cell(old, new)
        if old != new:  # the change as a share of the left-hand (old) total
            expected += f" ({(new - old) / old * 100:+.1f}%)"
        assert shown["total"][key] == expected
    for warning in data["warnings"]:
        assert f"warning: {warning}; the figures are not comparable" in text
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("stage "))
    end = lines.index("", start)
    assert len(lines[start].split()) == 3  # stage, left name, right name
    blocks = {line[2:].split()[0]: line for line in lines[start + 1 : end]}
    assert list(blocks) == [stage["name"] for stage in data["stages"]]
    for stage in data["stages"]:
        line = blocks[stage["name"]]
        assert line.startswith("* " if stage["changed"] else "  ")
        assert (stage["left_block"] or "-") in line
        assert (stage["right_block"] or "-") in line


def test_golden_resnet50_figures_equal_torchvision_and_the_published_ones() -> None:
    """The golden show of ResNet-50 against torch's own count of torchvision's model."""
    import torch
    import torchvision

    _, table = _show_rows((GOLDEN / "show_resnet50.txt").read_text(encoding="utf-8"))
    with torch.device("meta"):
        reference = torchvision.models.resnet50()
    params = {
        name: sum(p.numel() for p in getattr(reference, name).parameters())
        for name in ("conv1", "layer1", "layer2", "layer3", "layer4", "fc")
    }
    params["conv1"] += sum(p.numel() for p in reference.bn1.parameters())
    assert {name: table[name][0][2] for name in params} == params
    assert table["total"][0][2:] == REFERENCE["resnet50"]
    # widths: Table 1's last 1x1 of each stage is the stage's output channels.
    for stage, channels in zip(range(1, 5), (256, 512, 1024, 2048), strict=True):
        layer = getattr(reference, f"layer{stage}")
        assert layer[-1].conv3.out_channels == channels
        assert table[f"layer{stage}"][0][1].endswith(f"1x1, {channels}] x{len(layer)}")
