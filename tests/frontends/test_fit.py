"""`archgen fit`: the RegNet paper's quantized linear fit (Radosavovic et al. 2020, section 3.3)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from archgen.fit import Stages, e_fit, exact_fit, expanded, fit, grid_fit
from archgen.regnet import RegNetParams

from conftest import SPECS, run_cli

ZOO_REGNETS = sorted(path.stem for path in SPECS.glob("regnet*.yaml"))
STAGE_KEYS = ("blocks", "stride", "width", "groups", "out_channels", "params", "macs")


def _shown(path: Path) -> dict[str, Any]:
    result = run_cli("show", "--format", "json", path)
    assert result.code == 0, result.err
    return json.loads(result.out)


def _stages(shown: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [tuple(stage[key] for key in STAGE_KEYS) for stage in shown["stages"]]


def _explicit(name: str, folder: Path) -> Path:
    """The zoo RegNet ``name`` written out as explicit stages (no ``regnet:`` section)."""
    data = yaml.safe_load((SPECS / f"{name}.yaml").read_text())
    shown = _shown(SPECS / f"{name}.yaml")
    se = data["regnet"].get("se_ratio")
    del data["regnet"]
    data["design_space"] = "regnet"
    data["defaults"] = {"block": "regnet", "stride": 2}
    if se:
        data["defaults"]["attention"] = {"type": "se", "ratio": se}
    data["stages"] = [
        {
            "blocks": stage["blocks"],
            "width": stage["width"],
            "group_width": stage["width"] // stage["groups"],
            "out_channels": stage["out_channels"],
        }
        for stage in shown["stages"]
    ]
    path = folder / f"{name}_explicit.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize("name", ZOO_REGNETS)
def test_every_zoo_regnet_fits_back_to_a_regnet_form_of_the_same_stages(
    name: str, cli_in: Path
) -> None:
    explicit = _explicit(name, cli_in)
    original = _shown(SPECS / f"{name}.yaml")
    assert _stages(_shown(explicit)) == _stages(original)
    result = run_cli("fit", explicit, "-o", "fitted.yaml")
    assert result.code == 0, result.err
    assert "exact fit" in result.out and "e_fit 0.0000" in result.out
    fitted = yaml.safe_load((cli_in / "fitted.yaml").read_text())
    assert "stages" not in fitted and set(fitted["regnet"]) >= {
        "w0",
        "wa",
        "wm",
        "depth",
    }
    again = _shown(cli_in / "fitted.yaml")
    assert _stages(again) == _stages(original)
    assert (again["params"], again["macs"]) == (original["params"], original["macs"])
    assert run_cli("lint", cli_in / "fitted.yaml").code == 0


def test_fit_prints_every_parameter_of_a_zoo_spec_by_name(cli_in: Path) -> None:
    result = run_cli("fit", "regnety_004")
    assert result.code == 0, result.err
    for word in (
        "w0 ",
        "wa ",
        "wm ",
        "depth 16",
        "group width 8",
        "bottleneck ratio 1",
    ):
        assert word in result.out
    assert "se ratio 0.25" in result.out
    assert list(cli_in.iterdir()) == []  # nothing unasked is written


def test_fit_refuses_to_overwrite_without_force(cli_in: Path) -> None:
    (cli_in / "fitted.yaml").write_text("mine\n")
    refused = run_cli("fit", SPECS / "regnetx_002.yaml", "-o", "fitted.yaml")
    assert refused.code == 1 and "refusing to overwrite" in refused.err
    assert (cli_in / "fitted.yaml").read_text() == "mine\n"
    forced = run_cli("fit", SPECS / "regnetx_002.yaml", "-o", "fitted.yaml", "--force")
    assert forced.code == 0, forced.err
    assert (cli_in / "fitted.yaml").read_text().startswith("# Fitted by `archgen fit`")


def test_a_json_output_is_json(cli_in: Path) -> None:
    result = run_cli("fit", "regnetx_016", "-o", "fitted.json")
    assert result.code == 0, result.err
    data = json.loads((cli_in / "fitted.json").read_text())
    assert data["name"] == "regnetx_016" and "regnet" in data and "stages" not in data
    assert _stages(_shown(cli_in / "fitted.json")) == _stages(
        _shown(SPECS / "regnetx_016.yaml")
    )


def test_a_resnet_has_no_exact_form_and_nothing_is_written(cli_in: Path) -> None:
    result = run_cli("fit", SPECS / "resnet50.yaml", "-o", "fitted.yaml")
    assert result.code == 1
    assert "no RegNet has these" in result.out and "not written" in result.err
    assert not (cli_in / "fitted.yaml").exists()
    error = float(result.out.split("e_fit ")[1].split()[0])
    assert 0 < error < 0.5


def test_a_resnet_with_regnet_widths_is_not_written_as_a_regnet(cli_in: Path) -> None:
    """resnet10t's widths (64, 128, 256, 512, one block each) are a RegNet's, its blocks are not."""
    result = run_cli("fit", SPECS / "resnet10t.yaml", "-o", "fitted.yaml")
    assert result.code == 1
    assert "exact fit" in result.out and "another network" in result.err
    assert not (cli_in / "fitted.yaml").exists()


@pytest.mark.parametrize("argument", ["nothing.yaml", "regnetx_00", "."])
def test_missing_spec_is_a_usage_error(cli_in: Path, argument: str) -> None:
    result = run_cli("fit", argument)
    assert result.code == 2 and "AG001" in result.err


def test_e_fit_is_the_mean_absolute_log_ratio() -> None:
    assert e_fit([16, 32], [16, 32]) == 0
    assert math.isclose(e_fit([16, 64], [32, 32]), math.log(2))
    assert e_fit([16], [16, 16]) == math.inf


def test_exact_fit_of_a_sampled_regnet_expands_to_it() -> None:
    params = RegNetParams(
        w0=56, wa=38.4, wm=2.33, depth=20, group_width=16, bottleneck_ratio=0.5
    )
    stages = expanded(params)
    assert stages is not None
    found = exact_fit(stages)
    assert found is not None and expanded(found) == stages
    assert fit(stages).exact and fit(stages).error == 0


def test_grid_fit_of_a_resnet_beats_hand_picked_regnets() -> None:
    """ResNet-50's widths (256, 512, 1024, 2048 over 3, 4, 6, 3 blocks) have no exact form; the
    grid's best fit is no worse than RegNets picked by hand, measured with expand's widths."""
    stages = Stages(
        (3, 4, 6, 3), (256, 512, 1024, 2048), (64, 128, 256, 512), (64,) * 4
    )
    assert exact_fit(stages) is None
    best = grid_fit(stages)
    assert not best.exact and best.error > 0
    predicted = expanded(replace(best.params, group_width=1, bottleneck_ratio=1.0))
    assert predicted is not None
    assert math.isclose(best.error, e_fit(predicted.block_widths, stages.block_widths))
    for w0, wa, wm in (
        (128, 100, 2.0),
        (256, 80, 2.0),
        (192, 100, 1.8),
        (256, 40, 2.0),
    ):
        hand = expanded(RegNetParams(w0=w0, wa=wa, wm=wm, depth=16, group_width=1))
        assert hand is not None
        assert best.error < e_fit(hand.block_widths, stages.block_widths)
