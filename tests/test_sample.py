"""`archgen sample`: seeded draws from the AnyNetX and RegNet design spaces under a budget."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from random import Random

import pytest

from archgen import sample as sampling
from archgen.analysis import compile_data
from archgen.config import Config
from archgen.regnet import RegNetParams, outside_design_space
from archgen.sample import (
    ANYNETX_BOTTLENECKS,
    ANYNETX_GROUP_WIDTHS,
    Budget,
    Progress,
    draw_anynetx,
    draw_regnet,
    draw_regnet_params,
    parse_quantity,
    quick_cost,
)

from conftest import run_cli


@pytest.fixture(scope="module")
def config() -> Config:
    return Config(root=Path.cwd())


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("400M", 400_000_000),
        ("4G", 4_000_000_000),
        ("5.2M", 5_200_000),
        ("1.5k", 1_500),
        ("25e6", 25_000_000),
        ("1500", 1_500),
        (" 2T ", 2 * 10**12),
    ],
)
def test_parse_quantity(text: str, value: int) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "M", "4Q", "-1M", "0", "0.4", "4 G G", "1e"])
def test_parse_quantity_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_quantity(text)


def test_budget_admits_within_tolerance() -> None:
    cost = sampling.Cost(params=5_400_000, macs=380_000_000)
    assert Budget(macs=400_000_000, tolerance=0.1).admits(cost)
    assert not Budget(macs=400_000_000, tolerance=0.04).admits(cost)
    assert not Budget(macs=400_000_000, params=5_000_000, tolerance=0.05).admits(cost)
    assert Budget().admits(cost)
    assert str(Budget(macs=400_000_000, params=5_200_000)) == (
        "MACs 400M and params 5.2M (+-10%)"
    )


def test_anynetx_draws_stay_in_the_space() -> None:
    rng = Random(7)
    for _ in range(200):
        draw = draw_anynetx(rng)
        assert len(draw.stages) == 4
        for i, stage in enumerate(draw.stages, start=1):
            design = {key: draw.design[f"{key}{i}"] for key in "dwbg"}
            assert 1 <= design["d"] <= 16 and stage["blocks"] == design["d"]
            assert design["b"] in ANYNETX_BOTTLENECKS
            # pycls caps the group width at the bottleneck width
            assert design["g"] in ANYNETX_GROUP_WIDTHS or design["g"] == stage["width"]
            assert 8 <= design["w"] <= 1024
            assert stage["out_channels"] == design["w"]
            assert stage["width"] * design["b"] == design["w"]
            assert stage["width"] % stage["group_width"] == 0


def test_regnet_draws_stay_in_the_paper_ranges() -> None:
    rng = Random(3)
    for _ in range(300):
        params = draw_regnet_params(rng)
        assert outside_design_space(params, "regnet") == []
        assert params.wa == round(params.wa, 1) and params.wm == round(params.wm, 3)
    draws = [draw_regnet(rng) for _ in range(300)]
    kept = [draw for draw in draws if draw is not None]
    assert 0 < len(kept) < len(draws)
    assert all(len(draw.stages) == 4 for draw in kept)


def test_quick_cost_is_the_exact_cost(config: Config) -> None:
    rng = Random(11)
    for _ in range(25):
        draw = draw_anynetx(rng)
        full = compile_data(sampling.spec_data("probe", draw), config).complexity
        assert full is not None
        assert quick_cost(draw, config) == full.total


def _sample(folder: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli("sample", "--out", folder, *args)
    return result.code, result.out, result.err


def test_same_seed_same_bytes_and_every_spec_lints_clean(cli_in: Path) -> None:
    args = ("--space", "regnet", "--count", "4", "--seed", "5", "--macs", "400M")
    first = _sample(cli_in / "a", *args)
    second = _sample(cli_in / "b", *args)
    assert first[0] == second[0] == 0, first[2]
    names = sorted(path.name for path in (cli_in / "a").iterdir())
    assert names == [
        "regnet_5.csv",
        *(f"regnet_5_{i}.yaml" for i in range(4)),
    ]
    for name in names:
        assert (cli_in / "a" / name).read_bytes() == (cli_in / "b" / name).read_bytes()
    assert "kept 4 of" in first[2] and "drawn under MACs 400M (+-10%)" in first[2]
    lint = run_cli("lint", cli_in / "a")
    assert lint.code == 0 and lint.out == ""
    other_seed = _sample(cli_in / "c", *args[:-4], "--seed", "6", "--macs", "400M")
    assert other_seed[0] == 0
    assert (cli_in / "c" / "regnet_6_0.yaml").read_bytes() != (
        cli_in / "a" / "regnet_5_0.yaml"
    ).read_bytes()


def test_table_has_every_sample_within_budget(cli_in: Path) -> None:
    code, out, err = _sample(
        cli_in,
        *("--space", "anynetx", "--count", "3", "--seed", "1"),
        *("--params", "5M", "--tolerance", "0.05", "--table", "t.csv"),
    )
    assert code == 0, err
    assert "wrote t.csv" in out
    rows = list(csv.DictReader(io.StringIO((cli_in / "t.csv").read_text())))
    assert [row["name"] for row in rows] == [f"anynetx_1_{i}" for i in range(3)]
    header = ["name", "params", "macs", "acts"]
    header += [f"{key}{i}" for i in range(1, 5) for key in "dwbg"]
    assert list(rows[0]) == header
    for row in rows:
        assert abs(int(row["params"]) / 5_000_000 - 1) <= 0.05
        show = json.loads(
            run_cli("show", "--format", "json", cli_in / f"{row['name']}.yaml").out
        )
        assert (show["params"], show["macs"]) == (int(row["params"]), int(row["macs"]))
        spec = (cli_in / f"{row['name']}.yaml").read_text()
        assert "design_space: anynet" in spec
        assert f"d=[{row['d1']}, {row['d2']}, {row['d3']}, {row['d4']}]" in spec


def test_jsonl_table_records_the_regnet_parameters(cli_in: Path) -> None:
    code, _, err = _sample(
        cli_in, "--space", "regnet", "--count", "2", "--table", "t.jsonl"
    )
    assert code == 0, err
    rows = [json.loads(line) for line in (cli_in / "t.jsonl").read_text().splitlines()]
    assert len(rows) == 2
    for row in rows:
        params = RegNetParams(
            **{
                key: row[key]
                for key in (
                    "w0",
                    "wa",
                    "wm",
                    "depth",
                    "group_width",
                    "bottleneck_ratio",
                )
            }
        )
        assert outside_design_space(params, "regnet") == []
        spec = (cli_in / f"{row['name']}.yaml").read_text()
        assert f"w0={row['w0']}, wa={row['wa']}, wm={row['wm']}" in spec


def test_too_few_samples_is_exit_1_and_keeps_what_was_found(cli_in: Path) -> None:
    code, _, err = _sample(
        cli_in,
        *("--space", "regnet", "--count", "50", "--max-attempts", "30"),
    )
    assert code == 1
    assert "kept" in err and "of 30 drawn" in err and "raise --max-attempts" in err
    found = sorted(cli_in.glob("regnet_0_*.yaml"))
    assert 0 < len(found) < 50


def test_nothing_within_the_budget_writes_nothing(cli_in: Path) -> None:
    code, _, err = _sample(
        cli_in, "--space", "anynetx", "--macs", "1K", "--max-attempts", "20"
    )
    assert code == 1
    assert "no network within the budget in 20 draws" in err
    assert list(cli_in.iterdir()) == []


def test_refuses_to_overwrite_without_force(cli_in: Path) -> None:
    (cli_in / "regnet_0_1.yaml").write_text("mine\n")
    args = ("--space", "regnet", "--count", "2", "--out", ".")
    refused = run_cli("sample", *args)
    assert refused.code == 1 and "refusing to overwrite" in refused.err
    assert (cli_in / "regnet_0_1.yaml").read_text() == "mine\n"
    assert not (cli_in / "regnet_0_0.yaml").exists()
    assert run_cli("sample", *args, "--force").code == 0
    assert (cli_in / "regnet_0_1.yaml").read_text().startswith("# Drawn by")


@pytest.mark.parametrize(
    "args",
    [
        ("--space", "anynet"),
        ("--space", "regnet", "--count", "0"),
        ("--space", "regnet", "--seed", "-1"),
        ("--space", "regnet", "--macs", "lots"),
        ("--space", "regnet", "--tolerance", "2"),
        ("--space", "regnet", "--table", "t.txt"),
    ],
)
def test_usage_errors(cli_in: Path, args: tuple[str, ...]) -> None:
    result = run_cli("sample", *args)
    assert result.code == 2
    assert list(cli_in.iterdir()) == []


def test_plot_without_matplotlib_is_a_clear_error(
    cli_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sampling, "plot_available", lambda: False)
    result = run_cli("sample", "--space", "regnet", "--plot", "h.png")
    assert result.code == 2
    assert "pip install 'archgen[plot]'" in result.err
    assert list(cli_in.iterdir()) == []


def test_plot_writes_a_png(cli_in: Path) -> None:
    pytest.importorskip("matplotlib")
    code, out, err = _sample(
        cli_in, "--space", "regnet", "--count", "3", "--plot", "h.png"
    )
    assert code == 0, err
    assert (cli_in / "h.png").read_bytes().startswith(b"\x89PNG")
    assert "wrote h.png" in out


def test_progress_bar_on_a_terminal_only(cli_in: Path) -> None:
    stream = io.StringIO()
    progress = Progress(4, stream, interval=0)
    progress.update(1, 10)
    progress.update(4, 25)
    progress.close()
    assert stream.getvalue() == (
        f"\r[{'#' * 7}{'.' * 23}] 1/4 kept, 10 drawn\r[{'#' * 30}] 4/4 kept, 25 drawn\n"
    )
    # The captured stderr of the CLI is no terminal: no bar, only the report.
    result = run_cli("sample", "--space", "regnet", "--count", "1")
    assert "\r" not in result.err and "[" not in result.err


def test_regnet_samples_equal_timm(cli_in: Path) -> None:
    """The explicit-stage specs build the network timm builds from the RegNet parameters."""
    torch = pytest.importorskip("torch")
    regnet = pytest.importorskip("timm.models.regnet")
    from torch.utils.flop_counter import FlopCounterMode

    code, _, err = _sample(
        cli_in, "--space", "regnet", "--count", "3", "--seed", "9", "--table", "t.jsonl"
    )
    assert code == 0, err
    for line in (cli_in / "t.jsonl").read_text().splitlines():
        row = json.loads(line)
        cfg = regnet.RegNetCfg(
            depth=row["depth"],
            w0=row["w0"],
            wa=row["wa"],
            wm=row["wm"],
            group_size=row["group_width"],
            bottle_ratio=row["bottleneck_ratio"],
            se_ratio=0.0,
        )
        with torch.device("meta"):
            model = regnet.RegNet(cfg, num_classes=1000)
            x = torch.randn(1, 3, 224, 224)
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            model.eval()(x)
        params = sum(p.numel() for p in model.parameters())
        assert (params, counter.get_total_flops() // 2) == (row["params"], row["macs"])
