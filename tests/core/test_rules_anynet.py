"""The AnyNet/RegNet rules (AG501-AG503) on hand-made AnyNet specs."""

from __future__ import annotations

import json
from pathlib import Path

from archgen.config import Config
from archgen.pipeline import compile_spec

from conftest import (
    SPECS,
    run_cli,
    write_spec,
)


def _compiled(path: Path):  # type: ignore[no-untyped-def]
    result = compile_spec(path, Config(root=path.parent))
    assert result.plan is not None and result.complexity is not None, result.diagnostics
    return result


# --- space rules: AG501-AG503 on hand-made AnyNet specs -------------------------------------

ANYNET = """\
name: anynet
design_space: anynet
defaults: {{block: regnet, stride: 2}}
stages:
{stages}
"""


def _lint(folder: Path, *stages: str) -> list[tuple[str, str]]:
    text = ANYNET.format(stages="\n".join(f"  - {{{s}}}" for s in stages))
    result = run_cli(
        "lint", "--format", "json", "--show-info", write_spec(folder, text)
    )
    return [(d["code"], d["message"]) for d in json.loads(result.out)]


def test_a_good_anynet_lints_clean(cli_in: Path) -> None:
    assert (
        _lint(
            cli_in,
            "blocks: 1, width: 32, group_width: 16, out_channels: 32",
            "blocks: 2, width: 64, group_width: 16, out_channels: 64",
            "blocks: 2, width: 64, group_width: 16, out_channels: 64",
        )
        == []
    )


def test_width_not_a_multiple_of_eight_names_both_neighbours(cli_in: Path) -> None:
    found = _lint(cli_in, "blocks: 1, width: 4, group_width: 4, out_channels: 4")
    assert found == [
        (
            "AG501",
            "trunk_output.block1 (stages[0]) is 4 wide, not a multiple of 8; expected 8 or 8",
        )
    ]
    found = _lint(
        cli_in,
        "blocks: 1, width: 20, group_width: 20, out_channels: 20",
        "blocks: 1, width: 40, group_width: 20, out_channels: 40",
    )
    messages = [m for c, m in found if c == "AG501"]
    assert any("20 wide, not a multiple of 8; expected 16 or 24" in m for m in messages)
    assert any("40 wide" in m for m in messages) is False


def test_bottleneck_width_not_a_multiple_of_its_group_width(cli_in: Path) -> None:
    found = _lint(cli_in, "blocks: 1, width: 48, groups: 5, out_channels: 48")
    assert any(
        c == "AG501"
        and m.endswith("bottleneck width 48 is not a multiple of its group width 9")
        for c, m in found
    ), found


def test_narrowing_and_shallowing(cli_in: Path) -> None:
    found = _lint(
        cli_in,
        "blocks: 3, width: 64, group_width: 16, out_channels: 64",
        "blocks: 2, width: 64, group_width: 16, out_channels: 64",
        "blocks: 1, width: 48, group_width: 16, out_channels: 48",
    )
    ag502 = [m for c, m in found if c == "AG502"]
    assert len(ag502) == 2, found
    assert "depth goes 3 -> 2" in ag502[0] and "expected at least 3" in ag502[0]
    assert "width goes 64 -> 48" in ag502[1] and "expected at least 64" in ag502[1]
    # The last stage may be shallower; the same width keeps AG502 quiet.
    assert not any("depth goes 2 -> 1" in m for m in ag502)


def test_shared_ratio_and_group_width(cli_in: Path) -> None:
    found = _lint(
        cli_in,
        "blocks: 1, width: 32, group_width: 16, out_channels: 64",
        "blocks: 1, width: 64, group_width: 8, out_channels: 64",
    )
    ag503 = [m for c, m in found if c == "AG503"]
    assert len(ag503) == 2, found
    assert ag503[0].startswith("stages use different bottleneck ratios")
    assert ag503[1].startswith("stages use group widths 8, 16;")


def _located(folder: Path, text: str) -> list[tuple[str, int, int, str]]:
    """The AG5xx findings of a spec: code, line, column and message."""
    result = run_cli(
        "lint", "--format", "json", "--show-info", write_spec(folder, text)
    )
    return [
        (d["code"], d["line"], d["column"], d["message"])
        for d in json.loads(result.out)
        if d["code"].startswith("AG5")
    ]


RATIO = (
    "stages use different bottleneck ratios; the RegNet paper finds a shared ratio "
    "loses nothing; expected one ratio for every stage"
)


def _shared_width(widths: str) -> str:
    return (
        f"stages use group widths {widths}; the RegNet paper finds a shared group width "
        "loses nothing; expected one group width"
    )


def test_space_findings_point_at_the_keys_the_stage_gives(cli_in: Path) -> None:
    """Stage keys first (planes when there is no out_channels; groups before group_width);
    AG503 at the ``stages`` key."""
    text = """\
name: anynet
design_space: anynet
defaults: {block: regnet, stride: 2}
stages:
  - {blocks: 3, planes: 20, group_width: 4}
  - {blocks: 2, width: 48, groups: 5, planes: 12}
"""
    assert _located(cli_in, text) == [
        ("AG503", 4, 1, RATIO),
        ("AG503", 4, 1, _shared_width("4, 9")),
        (
            "AG501",
            5,
            25,
            "trunk_output.block1 (stages[0]) is 20 wide, not a multiple of 8; expected 16 or 24",
        ),
        (
            "AG501",
            6,
            36,
            "trunk_output.block2 (stages[1]) bottleneck width 48 is not a multiple of its group width 9",
        ),
        (
            "AG501",
            6,
            47,
            "trunk_output.block2 (stages[1]) is 12 wide, not a multiple of 8; expected 8 or 16",
        ),
        (
            "AG502",
            6,
            47,
            "trunk_output.block2 (stages[1]) width goes 20 -> 12; the RegNet paper finds that good "
            "networks do not decrease width across stages; expected at least 20",
        ),
    ]


def test_space_findings_fall_back_to_defaults_and_group_width(cli_in: Path) -> None:
    defaults = """\
name: anynet
design_space: anynet
defaults: {block: regnet, stride: 2, out_channels: 20, groups: 5}
stages:
  - {blocks: 1, width: 48}
"""
    assert [f[:3] for f in _located(cli_in, defaults)] == [
        ("AG501", 3, 52),  # out_channels of the defaults
        ("AG501", 3, 64),  # groups of the defaults
    ]
    group_width = """\
name: anynet
design_space: anynet
defaults: {block: regnet, stride: 2}
stages:
  - {blocks: 1, width: 40, group_width: 12, out_channels: 40}
"""
    assert _located(cli_in, group_width) == [
        (
            "AG501",
            5,
            41,
            "trunk_output.block1 (stages[0]) bottleneck width 40 is not a multiple of its group width 13",
        )
    ]


def test_shared_group_width_of_an_expanded_regnet_points_at_regnet(
    cli_in: Path,
) -> None:
    """RegNet clamps the group width to a narrow stage's width (24 < 40): AG503 at ``regnet``."""
    text = (
        "name: r\nregnet: {w0: 24, wa: 36.44, wm: 2.49, depth: 13, group_width: 40}\n"
    )
    assert _located(cli_in, text) == [("AG503", 2, 1, _shared_width("24, 40"))]


def test_group_width_finding_falls_back_to_the_width(cli_in: Path) -> None:
    """Groups from the paper's cardinality: neither groups nor group_width is written."""
    text = """\
name: anynet
design_space: anynet
defaults: {block: regnet, stride: 2}
stages:
  - {blocks: 1, width: 48, cardinality: 5, out_channels: 48}
"""
    assert [f[:3] for f in _located(cli_in, text)] == [("AG501", 5, 24)]


def _regnet_plan():  # type: ignore[no-untyped-def]
    """regnetx_002 (depths 1, 1, 4, 7), expanded from the four RegNet numbers."""
    result = _compiled(SPECS / "regnetx_002.yaml")
    return result.plan, result.complexity


def test_findings_on_expanded_stages_point_at_the_regnet_numbers() -> None:
    """No RegNet expansion of the zoo breaks AG502's depth or AG503's ratio, so the plan is
    edited by hand: the first stage made deeper, the second stage made narrower."""
    import dataclasses

    from archgen.rules.anynet import growing, shared

    plan, complexity = _regnet_plan()
    first, second, *rest = plan.stages
    assert [len(s.blocks) for s in plan.stages] == [1, 1, 4, 7]
    deeper = dataclasses.replace(first, blocks=first.blocks * 3)
    edited = dataclasses.replace(plan, stages=(deeper, second, *rest))
    [finding] = list(growing(edited, complexity))
    assert (finding.code, finding.loc) == ("AG502", ("regnet", "depth"))
    assert "depth goes 3 -> 1" in finding.message
    narrower = dataclasses.replace(second, width=second.width // 2)
    edited = dataclasses.replace(plan, stages=(first, narrower, *rest))
    findings = list(shared(edited, complexity))
    assert [(f.code, f.loc, f.at_key) for f in findings] == [
        ("AG503", ("regnet",), True),
        ("AG503", ("regnet",), True),
    ]
    assert findings[0].message == RATIO
    assert list(shared(plan, complexity)) == []
