"""archgen.fastspace: the batch figures equal the full pipeline's, and the spaces keep their
constraints and distributions (Radosavovic et al. 2020, sections 3 and 4; pycls's samplers)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archgen import fastspace
from archgen.analysis import compile_data
from archgen.config import Config
from archgen.fastspace import Candidates
from archgen.regnet import RegNetParams, expand
from archgen.sample import spec_data

CONFIG = Config(root=Path.cwd())


def _pipeline(space: str, batch: Candidates, row: int) -> tuple[int, int, int]:
    result = compile_data(spec_data("probe", space, batch, row), CONFIG)
    assert result.complexity is not None, result.diagnostics
    total = result.complexity.total
    return total.params, total.macs, total.acts


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(space=st.sampled_from(fastspace.SPACES), seed=st.integers(0, 2**32 - 1))
def test_fast_figures_equal_the_pipeline_on_random_candidates(
    space: str, seed: int
) -> None:
    batch = fastspace.draw(space, np.random.default_rng(seed), 64)
    params, macs, acts = fastspace.costs(batch)
    for row in range(min(3, len(batch))):
        assert _pipeline(space, batch, row) == (params[row], macs[row], acts[row])


@settings(max_examples=40, deadline=None)
@given(
    depth=st.lists(st.integers(1, 16), min_size=4, max_size=4),
    width=st.lists(st.integers(1, 128), min_size=4, max_size=4),
    b=st.lists(st.sampled_from([1, 2, 4]), min_size=4, max_size=4),
    g=st.lists(st.sampled_from([1, 2, 4, 8, 16, 32]), min_size=4, max_size=4),
    se=st.sampled_from([0.0, 0.25]),
)
def test_fast_figures_equal_the_pipeline_on_any_stages(
    depth: list[int], width: list[int], b: list[int], g: list[int], se: float
) -> None:
    """Hand-built candidates, squeeze-excitation included, on stages of any shape."""
    ws = [8 * w for w in width]
    v = [w // bi for w, bi in zip(ws, b, strict=True)]
    gs = [min(gi, vi) for gi, vi in zip(g, v, strict=True)]
    v = [vi // gi * gi for vi, gi in zip(v, gs, strict=True)]

    def row(values: list[int]) -> np.ndarray:
        return np.array([values], dtype=np.int64)

    batch = Candidates(row(depth), row(ws), row(v), row(gs), se, np.arange(1), 1, {})
    params, macs, acts = fastspace.costs(batch)
    stages = [
        {"blocks": d, "width": vi, "group_width": gi, "out_channels": w}
        for d, vi, gi, w in zip(depth, v, gs, ws, strict=True)
    ]
    data = {
        "name": "probe",
        "layout": "timm",
        "design_space": "anynet",
        "stem": {"type": "conv", "width": 32, "kernel_size": 3, "pool": "none"},
        "defaults": {"block": "regnet", "stride": 2},
        "stages": stages,
    }
    if se:
        data["defaults"]["attention"] = {"type": "se", "ratio": se}
    result = compile_data(data, CONFIG)
    assert result.complexity is not None, result.diagnostics
    total = result.complexity.total
    assert (total.params, total.macs, total.acts) == (params[0], macs[0], acts[0])


@settings(max_examples=500, deadline=None)
@given(
    w0=st.integers(1, 31).map(lambda k: 8 * k),
    wa=st.integers(1, 2559).map(lambda k: k / 10),
    wm=st.integers(1500, 3000).map(lambda k: k / 1000),
    depth=st.integers(1, 63),
)
def test_batch_block_widths_equal_expand(
    w0: int, wa: float, wm: float, depth: int
) -> None:
    """The numpy replay of timm's float32 widths gives archgen.regnet.expand's stages."""
    count, depths, widths = fastspace.regnet_stages(
        np.array([float(w0)]), np.array([wa]), np.array([wm]), np.array([depth])
    )
    # group width 1, bottleneck ratio 1: expand's adjustment leaves the widths as they are
    stages = expand(RegNetParams(w0=w0, wa=wa, wm=wm, depth=depth, group_width=1))
    assert (count[0] == 4) == (len(stages) == 4)
    if len(stages) >= 4:
        assert count[0] == len(stages)
        assert depths[0].tolist() == [s.depth for s in stages[:4]]
        assert widths[0].tolist() == [s.width for s in stages[:4]]


def test_anynetx_e_keeps_the_constraints_of_b_to_e() -> None:
    batch = fastspace.draw("anynetx_e", np.random.default_rng(1), 5000)
    design = batch.design
    b = np.stack([design[f"b{i}"] for i in range(1, 5)], axis=1)
    assert (b == b[:, :1]).all()  # B: one bottleneck ratio
    drawn_g = batch.group_width.max(axis=1, keepdims=True)
    # C: one group width, capped at a stage's bottleneck width as pycls does
    assert (batch.group_width == np.minimum(drawn_g, batch.bottleneck)).all()
    assert (np.diff(batch.width, axis=1) >= 0).all()  # D
    assert (np.diff(batch.depth, axis=1) >= 0).all()  # E
    assert (batch.width == batch.bottleneck * b).all()
    assert (batch.bottleneck % batch.group_width == 0).all()


def test_anynetx_a_stages_are_independent() -> None:
    batch = fastspace.draw("anynetx_a", np.random.default_rng(2), 5000)
    assert (np.diff(batch.width, axis=1) < 0).any()
    assert (np.diff(batch.depth, axis=1) < 0).any()
    b = np.stack([batch.design[f"b{i}"] for i in range(1, 5)], axis=1)
    assert (b != b[:, :1]).any()


def test_log_uniform_matches_pycls_on_its_grid() -> None:
    """pycls's log_uniform(1, 16, 1): every depth 1..16, the CDF linear in log(d)."""
    rng = np.random.default_rng(0)
    depths = fastspace.log_uniform(rng, 1, 16, 1, (200_000,))
    assert set(np.unique(depths).tolist()) == set(range(1, 17))
    # P(d <= k) = P(f <= k) for f log-uniform on (0.5, 16]: log(2k) / log(32)
    for k in (1, 2, 4, 8):
        expected = math.log(2 * k) / math.log(32)
        assert abs((depths <= k).mean() - expected) < 0.01
    widths = fastspace.log_uniform(rng, 8, 1024, 8, (10_000,))
    assert widths.min() >= 8 and widths.max() <= 1024 and (widths % 8 == 0).all()


def test_power2_uniform_is_uniform_over_exponents() -> None:
    values = fastspace.power2_uniform(np.random.default_rng(0), 1, 32, (60_000,))
    counts = {v: (values == v).mean() for v in (1, 2, 4, 8, 16, 32)}
    assert set(np.unique(values).tolist()) == set(counts)
    assert all(abs(share - 1 / 6) < 0.01 for share in counts.values())


@pytest.mark.parametrize("space", ["regnet", "regnety"])
def test_regnet_draws_are_four_stage_networks_in_the_paper_ranges(space: str) -> None:
    batch = fastspace.draw(space, np.random.default_rng(3), 20_000)
    assert 0 < len(batch) < batch.drawn
    d = batch.design
    assert ((d["depth"] >= 1) & (d["depth"] <= 63)).all()
    assert ((d["w0"] >= 8) & (d["w0"] < 256) & (d["w0"] % 8 == 0)).all()
    assert ((d["wa"] > 0) & (d["wa"] < 256)).all()
    assert ((d["wm"] >= 1.5) & (d["wm"] <= 3)).all()
    assert batch.se_ratio == (0.25 if space == "regnety" else 0.0)
    for row in range(20):
        stages = expand(
            RegNetParams(
                w0=int(d["w0"][row]),
                wa=float(d["wa"][row]),
                wm=float(d["wm"][row]),
                depth=int(d["depth"][row]),
                group_width=int(d["group_width"][row]),
                bottleneck_ratio=float(d["bottleneck_ratio"][row]),
            )
        )
        assert [s.width for s in stages] == batch.width[row].tolist()
        assert [s.depth for s in stages] == batch.depth[row].tolist()
        assert [s.group_width for s in stages] == batch.group_width[row].tolist()
