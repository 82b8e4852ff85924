"""A spec lint accepts without errors builds a module that constructs; rules never crash."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

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
