"""`archgen sample`: seeded draws from the AnyNetX A-E and RegNet design spaces under a budget."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from archgen import sample as sampling
from archgen.config import Config
from archgen.regnet import RegNetParams, expand, outside_design_space
from archgen.sample import Budget, Progress, parse_quantity

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


@pytest.mark.parametrize("space", sampling.SPACES)
def test_every_kept_sample_has_the_fast_figures_of_the_pipeline(
    space: str, config: Config
) -> None:
    run = sampling.sample(space, 6, 4, Budget(macs=400_000_000), 10**6, config)
    assert len(run.samples) == 6 and run.mismatched == 0
    for kept in run.samples:
        assert kept.fast == kept.cost
        assert Budget(macs=400_000_000).admits(kept.cost)


def test_draw_counts_add_up(config: Config) -> None:
    run = sampling.sample("regnet", 5, 0, Budget(macs=400_000_000), 10**6, config)
    assert run.drawn == (
        len(run.samples) + run.not_four_stages + run.not_clean + run.over_budget
    )
    again = sampling.sample("regnet", 5, 0, Budget(macs=400_000_000), 10**6, config)
    assert [s.data for s in again.samples] == [s.data for s in run.samples]


def test_a_larger_count_extends_the_same_samples(config: Config) -> None:
    budget = Budget(params=5_000_000)
    few = sampling.sample("anynetx_c", 3, 8, budget, 10**6, config)
    more = sampling.sample("anynetx_c", 7, 8, budget, 10**6, config)
    assert [s.data for s in more.samples[:3]] == [s.data for s in few.samples]


def test_edf_is_the_fraction_at_or_below() -> None:
    assert sampling.edf([30, 10, 20, 20]) == ([10, 20, 20, 30], [0.25, 0.5, 0.75, 1.0])


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
        *("--space", "anynetx", "--count", "50", "--max-attempts", "30"),
    )
    assert code == 1
    assert "kept 30 of 30 drawn" in err and "raise --max-attempts" in err
    assert len(list(cli_in.glob("anynetx_0_*.yaml"))) == 30


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


def test_anynetx_e_samples_satisfy_the_constraints_of_xe(cli_in: Path) -> None:
    """Section 3: XB shares b, XC shares g, XD has widths and XE depths that never decrease."""
    code, _, err = _sample(
        cli_in, "--space", "anynetx_e", "--count", "500", "--macs", "400M"
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO((cli_in / "anynetx_e_0.csv").read_text())))
    assert len(rows) == 500
    for row in rows:
        d, w, b, g = ([int(row[f"{k}{i}"]) for i in range(1, 5)] for k in "dwbg")
        assert len(set(b)) == 1
        shared = max(g)
        assert all(
            gi == min(shared, wi // bi) for gi, wi, bi in zip(g, w, b, strict=False)
        )
        assert w == sorted(w) and d == sorted(d)
        assert all(1 <= di <= 16 for di in d) and all(8 <= wi <= 1024 for wi in w)
        assert abs(int(row["macs"]) - 400_000_000) <= 40_000_000
    spec = (cli_in / "anynetx_e_0_7.yaml").read_text()
    assert "AnyNetX_E sample" in spec and "design_space: anynet" in spec


def test_regnet_samples_are_written_in_the_regnet_form(cli_in: Path) -> None:
    code, _, err = _sample(
        cli_in,
        "--space",
        "regnety",
        "--count",
        "3",
        "--macs",
        "400M",
        "--table",
        "t.jsonl",
    )
    assert code == 0, err
    rows = [json.loads(line) for line in (cli_in / "t.jsonl").read_text().splitlines()]
    for row in rows:
        spec = (cli_in / f"{row['name']}.yaml").read_text()
        assert "\nregnet: {" in spec and "stages:" not in spec
        assert "se_ratio: 0.25" in spec
        stages = expand(
            RegNetParams(
                **{
                    k: row[k]
                    for k in (
                        "w0",
                        "wa",
                        "wm",
                        "depth",
                        "group_width",
                        "bottleneck_ratio",
                        "se_ratio",
                    )
                }
            )
        )
        assert [s.width for s in stages] == [row[f"w{i}"] for i in range(1, 5)]
        shown = json.loads(
            run_cli("show", "--format", "json", cli_in / f"{row['name']}.yaml").out
        )
        assert (shown["params"], shown["macs"]) == (row["params"], row["macs"])


def test_compare_prints_one_table_and_writes_only_what_is_asked(cli_in: Path) -> None:
    pytest.importorskip("matplotlib")
    result = run_cli(
        "sample",
        *("--compare", "anynetx_a", "anynetx_e", "regnet", "--count", "20"),
        *("--macs", "400M", "--plot", "c.png", "--table", "c.csv"),
    )
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split()[:3] == ["space", "kept", "drawn"]
    assert [line.split()[0] for line in lines[1:4]] == [
        "anynetx_a",
        "anynetx_e",
        "regnet",
    ]
    assert sorted(path.name for path in cli_in.iterdir()) == ["c.csv", "c.png"]
    assert (cli_in / "c.png").read_bytes().startswith(b"\x89PNG")
    rows = list(csv.DictReader(io.StringIO((cli_in / "c.csv").read_text())))
    assert [row["space"] for row in rows] == ["anynetx_a"] * 20 + ["anynetx_e"] * 20 + [
        "regnet"
    ] * 20
    median = sorted(int(row["params"]) for row in rows[20:40])[9]
    assert f"/{sampling.quantity_text(median)}/" in lines[2]


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_keeps_what_was_written(tmp_path: Path) -> None:
    """SIGINT to a long run: exit 130, and every sample kept so far is written and tabled."""
    env = {**os.environ, "PYTHONPATH": str(Path(sampling.__file__).parents[1])}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archgen",
            "sample",
            "--space",
            "regnet",
            "--count",
            "100000",
            "--macs",
            "400M",
            "--max-attempts",
            "1000000000",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stderr is not None
    started = (
        process.stderr.readline()
    )  # the draws have begun, whatever the machine's load
    assert started.startswith("archgen: drawing regnet"), started
    time.sleep(3)
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    specs = sorted((tmp_path / "samples").glob("regnet_0_*.yaml"))
    rows = list(
        csv.DictReader(io.StringIO((tmp_path / "samples/regnet_0.csv").read_text()))
    )
    assert len(specs) == len(rows) > 0
    assert {row["name"] + ".yaml" for row in rows} == {path.name for path in specs}
    assert not list((tmp_path / "samples").glob(".*"))  # no half-written file


@pytest.mark.parametrize(
    ("macs", "admitted"),
    [(900, True), (1_100, True), (899, False), (1_101, False), (1_000, True)],
)
def test_tolerance_is_a_share_of_the_target_not_of_the_drawn_value(
    macs: int, admitted: bool
) -> None:
    """+-10 % of a 1,000 target is 900..1,100 on both sides (10 % of the drawn value would
    refuse 900 and admit 1,101)."""
    budget = Budget(macs=1_000, params=2_000, tolerance=0.1)
    assert budget.admits(sampling.Cost(params=2_000, macs=macs)) is admitted
    assert budget.admits(sampling.Cost(params=2 * macs, macs=1_000)) is admitted
    many = budget.admits_all(np.array([2_000, 2 * macs]), np.array([macs, 1_000]))
    assert many.tolist() == [admitted, admitted]


def test_the_default_seed_is_zero_and_reproducible(cli_in: Path) -> None:
    args = ("--space", "anynetx_b", "--count", "2", "--params", "5M")
    first = _sample(cli_in / "a", *args)
    second = _sample(cli_in / "b", *args)
    assert first[0] == second[0] == 0, first[2]
    names = sorted(path.name for path in (cli_in / "a").iterdir())
    assert names == ["anynetx_b_0.csv", "anynetx_b_0_0.yaml", "anynetx_b_0_1.yaml"]
    for name in names:
        assert (cli_in / "a" / name).read_bytes() == (cli_in / "b" / name).read_bytes()
    seeded = _sample(cli_in / "c", *args, "--seed", "0")
    assert seeded[0] == 0
    for name in names:
        assert (cli_in / "c" / name).read_bytes() == (cli_in / "a" / name).read_bytes()


@pytest.mark.parametrize("table", [None, "mine.csv", "mine.jsonl"])
def test_refuses_to_overwrite_a_table_without_force(
    cli_in: Path, table: str | None
) -> None:
    """The table (given or by default) is never replaced without --force, and nothing else
    is written either."""
    path = cli_in / (table or "regnet_0.csv")
    path.write_text("mine\n")
    args = ("--space", "regnet", "--count", "1", "--out", ".")
    args += ("--table", table) if table else ()
    refused = run_cli("sample", *args)
    assert refused.code == 1 and "refusing to overwrite" in refused.err
    assert path.read_text() == "mine\n"
    assert sorted(p.name for p in cli_in.iterdir()) == [path.name]
    assert run_cli("sample", *args, "--force").code == 0
    assert path.read_text() != "mine\n"


def test_progress_is_throttled_but_forced_updates_always_show(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At most one redraw per interval (0.1 s by default); a forced one (the last) always."""
    clock = iter([100.0, 100.05, 100.25, 100.25, 100.5, 0.0, 0.25, 0.5])
    monkeypatch.setattr(sampling.time, "monotonic", lambda: next(clock))
    stream = io.StringIO()
    progress = Progress(0, stream)
    progress.close()
    assert stream.getvalue() == ""  # nothing shown, nothing to end
    progress.update(0, 1)  # 100.0: shown
    progress.update(0, 2)  # 100.05: too soon
    progress.update(0, 3)  # 100.25: shown
    progress.update(0, 4, force=True)  # 100.25: forced
    progress.update(0, 5)  # 100.5
    shown = stream.getvalue().split("\r")[1:]
    assert [line.split()[-2] for line in shown] == ["1", "3", "4", "5"]
    # No target count: the bar stays empty rather than dividing by zero.
    assert shown[0] == f"[{'.' * 30}] 0/0 kept, 1 drawn"
    exact = io.StringIO()
    every_half = Progress(2, exact, interval=0.5)
    for drawn in (1, 2, 3):  # at 0.0, 0.25 and 0.5: exactly one interval apart is shown
        every_half.update(1, drawn)
    assert [line.split()[-2] for line in exact.getvalue().split("\r")[1:]] == ["1", "3"]
    assert exact.getvalue().endswith(f"[{'#' * 15}{'.' * 15}] 1/2 kept, 3 drawn")
