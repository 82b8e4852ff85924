"""A spec lint accepts without errors builds a module that constructs; rules never crash."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archgen.api import ArchgenError, build_model, lint
from archgen.diagnostics import Severity

from conftest import run_cli

GROUPED_BASIC = (
    "name: grouped_basic\n"
    "stem: {width: 6}\n"
    "stages:\n"
    "  - {blocks: 1, block: basic, width: 8, out_channels: 8, groups: 4}\n"
)


def test_grouped_basic_block_whose_groups_do_not_divide_its_input_is_an_error(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "grouped_basic.yaml"
    spec.write_text(GROUPED_BASIC)
    [error] = [d for d in lint(spec) if d.severity == Severity.ERROR]
    assert (error.code, error.line, error.column) == ("AG201", 4, 66)
    assert "input channels 6 into 4 groups" in error.message
    assert [(f.loc, f.old, f.new) for f in error.fixes] == [
        (("stages", 0, "groups"), 4, 2)
    ]
    # build refuses it (torch would: Conv2d(6, 8, 3, groups=4) cannot split 6 channels)
    result = run_cli("build", "-o", tmp_path / "out", spec)
    assert result.code == 1
    assert not (tmp_path / "out" / "grouped_basic.py").exists()
    with pytest.raises(ArchgenError):
        build_model(yaml.safe_load(GROUPED_BASIC))


def test_grouped_basic_block_with_the_fix_applied_constructs_and_runs() -> None:
    import torch

    fixed = yaml.safe_load(GROUPED_BASIC.replace("groups: 4", "groups: 2"))
    assert all(d.severity < Severity.ERROR for d in lint(fixed))
    model = build_model(fixed, num_classes=3).eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, 64, 64)).shape == (1, 3)


@pytest.mark.parametrize(
    "norm, line_col",
    [
        ("{type: group, group_size: 128}", (2, 33)),  # more than any layer's 64 or 256
        ("{type: group, group_size: 96}", (2, 33)),
    ],
)
def test_group_size_larger_than_a_layers_channels_is_a_located_finding(
    tmp_path: Path, norm: str, line_col: tuple[int, int]
) -> None:
    spec = tmp_path / "wide_groups.yaml"
    spec.write_text(
        f"name: wide_groups\nnorm: {norm}\ndefaults: {{block: bottleneck}}\n"
        "stages:\n  - {blocks: 1, planes: 64}\n"
    )
    for command in (("lint",), ("show",), ("build", "-o", str(tmp_path / "out"))):
        result = run_cli(*command, spec)
        assert "Traceback" not in result.err + result.out
        assert result.code == (0 if command == ("show",) else 1)
    [finding] = lint(spec)
    assert (finding.code, (finding.line, finding.column)) == ("AG207", line_col)
    assert "norm.group_size" in finding.message and "-> norm.group_size: 64" in (
        finding.message
    )


def test_squeeze_excitation_that_rounds_to_no_channels_is_an_error(
    tmp_path: Path,
) -> None:
    # A RegNet block of width 4 with squeeze-excitation: 4 * 0.25 = 1 input channel of the
    # block, rounded to 0 hidden channels, which torch refuses (Conv2d(4, 0, 1)).
    spec = tmp_path / "se0.yaml"
    spec.write_text(
        "name: se0\nstem: {width: 2}\nstages:\n"
        "  - {blocks: 1, block: regnet, planes: 4, attention: {type: se}}\n"
    )
    [finding] = lint(spec)
    assert (finding.code, finding.severity) == ("AG206", Severity.ERROR)
    assert "sizes its se attention on 4 channels to 0" in finding.message
    assert (finding.line, finding.column) == (4, 54)
    assert run_cli("build", "-o", tmp_path / "out", spec).code == 1


_WIDTHS = st.sampled_from([1, 2, 3, 4, 6, 8, 12, 16])


@st.composite
def _small_specs(draw: st.DrawFn) -> dict[str, object]:
    """Small specs over the keys the structural rules read: blocks, notations, groups, group
    widths, strides, attention, stems and group norms."""
    stages: list[dict[str, object]] = []
    for position in range(draw(st.integers(1, 3))):
        stage: dict[str, object] = {
            "blocks": draw(st.integers(1, 2)),
            "block": draw(st.sampled_from(["basic", "bottleneck", "regnet"])),
        }
        if draw(st.booleans()):
            stage["planes"] = draw(_WIDTHS)
            stage["cardinality"] = draw(st.sampled_from([1, 2, 3, 4]))
        else:
            width = draw(_WIDTHS)
            stage["width"] = width
            stage["out_channels"] = draw(st.sampled_from([width, 2 * width, 8]))
            split = draw(st.sampled_from(["groups", "group_width", None]))
            if split is not None:
                stage[split] = draw(st.sampled_from([1, 2, 3, 4]))
        if position:
            stage["stride"] = draw(st.sampled_from([1, 2]))
        if draw(st.booleans()):
            stage["attention"] = {"type": draw(st.sampled_from(["se", "eca"]))}
        stages.append(stage)
    spec: dict[str, object] = {
        "name": "small",
        "input": {"image_size": draw(st.sampled_from([16, 33]))},
        "stem": {
            "width": draw(st.sampled_from([2, 3, 6, 8])),
            "type": draw(st.sampled_from(["conv", "deep"])),
        },
        "stages": stages,
        "head": {"num_classes": 3},
        "lint": {"ignore": ["AG3", "AG4", "AG5"]},  # design advice, not construction
    }
    if draw(st.booleans()):
        key = draw(st.sampled_from(["groups", "group_size"]))
        spec["norm"] = {"type": "group", key: draw(st.sampled_from([1, 2, 4, 8]))}
    return spec


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(spec=_small_specs())
def test_a_spec_lint_accepts_without_errors_constructs_and_runs(
    spec: dict[str, object],
) -> None:
    import torch

    findings = lint(spec)  # never a traceback
    if any(d.severity == Severity.ERROR for d in findings):
        return
    model = build_model(spec).eval()
    size = spec["input"]["image_size"]  # type: ignore[index]
    with torch.no_grad():
        assert model(torch.randn(2, 3, size, size)).shape == (2, 3)
