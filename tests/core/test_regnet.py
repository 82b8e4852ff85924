"""archgen.regnet.expand against timm 1.0.31's own RegNet functions and models (differential)."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from timm import create_model
from timm.models.regnet import (
    RegNet,
    RegNetCfg,
    adjust_widths_groups_comp,
    generate_regnet,
    model_cfgs,
)

from archgen.regnet import (
    PAPER_RANGES,
    STEM_WIDTH,
    RegNetParams,
    RegNetStage,
    _f32,
    expand,
    outside_design_space,
    se_channels,
    validate_params,
)

NAMES = sorted(n for n in model_cfgs if n.startswith(("regnetx_", "regnety_")))
Stage = tuple[int, int, int, float]  # depth, width, group width, bottleneck ratio


def _params(cfg: RegNetCfg) -> RegNetParams:
    return RegNetParams(
        w0=cfg.w0,
        wa=cfg.wa,
        wm=cfg.wm,
        depth=cfg.depth,
        group_width=cfg.group_size,
        bottleneck_ratio=cfg.bottle_ratio,
        se_ratio=cfg.se_ratio,
        group_min_ratio=cfg.group_min_ratio,
    )


def _ours(p: RegNetParams) -> list[Stage]:
    return [(s.depth, s.width, s.group_width, s.bottleneck_ratio) for s in expand(p)]


def _timm(p: RegNetParams) -> list[Stage]:
    """timm's generate_regnet + torch.unique grouping + adjust_widths_groups_comp, as in RegNet."""
    widths, num_stages, groups = generate_regnet(
        p.wa, p.w0, p.wm, p.depth, p.group_width, p.quantum
    )
    stage_widths, stage_depths = torch.unique(torch.tensor(widths), return_counts=True)
    assert len(stage_widths) == num_stages
    ratios = [p.bottleneck_ratio] * num_stages
    widths, groups = adjust_widths_groups_comp(
        stage_widths.tolist(), ratios, groups, min_ratio=p.group_min_ratio
    )
    return list(zip(stage_depths.tolist(), widths, groups, ratios, strict=True))


def test_every_regnetx_and_regnety_config_is_covered() -> None:
    assert len(NAMES) == 31
    assert {
        "regnetx_004_tv",
        "regnety_008_tv",
        "regnety_080_tv",
        "regnety_040_sgn",
    } <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_expand_equals_timm_functions_and_stage_args(name: str) -> None:
    cfg = model_cfgs[name]
    p = _params(cfg)
    assert validate_params(p) == []
    ours = _ours(p)
    assert ours == _timm(p)
    # RegNet._get_stage_args does not use self: the exact per-stage arguments the model is built from.
    stage_args, _ = RegNet._get_stage_args(None, cfg)  # type: ignore[arg-type]
    theirs = [
        (a["depth"], a["out_chs"], a["group_size"], a["bottle_ratio"], a["stride"])
        for a in stage_args
    ]
    assert [(*s, 2) for s in ours] == theirs


@pytest.mark.parametrize("name", NAMES)
def test_expand_equals_the_timm_model_built_on_meta(name: str) -> None:
    cfg = model_cfgs[name]
    stages = expand(_params(cfg))
    with torch.device("meta"):
        model: Any = create_model(name, pretrained=False)
    assert model.stem.conv.out_channels == STEM_WIDTH
    assert model.stem.conv.stride == (2, 2) and model.stem.conv.kernel_size == (3, 3)
    assert len(stages) == 4 and not hasattr(model, "s5")
    in_chs = STEM_WIDTH
    for i, stage in enumerate(stages, start=1):
        blocks = list(getattr(model, f"s{i}").children())
        assert len(blocks) == stage.depth
        assert model.feature_info[i]["num_chs"] == stage.width
        for j, block in enumerate(blocks):
            bottleneck = stage.bottleneck_width
            assert block.conv1.conv.in_channels == in_chs
            assert block.conv1.conv.out_channels == bottleneck
            assert block.conv2.conv.out_channels == bottleneck
            assert block.conv2.conv.groups == stage.groups
            assert (
                block.conv2.conv.in_channels // block.conv2.conv.groups
                == stage.group_width
            )
            assert block.conv2.conv.stride == (
                (stage.stride,) * 2 if j == 0 else (1, 1)
            )
            assert block.conv3.conv.out_channels == stage.width
            if cfg.se_ratio:
                assert block.se.fc1.in_channels == bottleneck
                assert block.se.fc1.out_channels == se_channels(
                    in_chs, bottleneck, cfg.se_ratio
                )
            else:
                assert isinstance(block.se, torch.nn.Identity)
            if j == 0:
                assert block.downsample.conv.out_channels == stage.width
                assert block.downsample.conv.stride == (stage.stride,) * 2
            else:
                assert isinstance(block.downsample, torch.nn.Identity)
            in_chs = stage.width
    assert model.head.fc.in_features == stages[-1].width


# w0 a multiple of 8 in 8..256; wa in 0..256 with up to three decimals; wm in 1.5..3.
W0 = st.integers(1, 32).map(lambda k: 8 * k)
WA = st.one_of(
    st.integers(0, 256).map(float),
    st.integers(0, 2560).map(lambda k: k / 10),
    st.integers(0, 25600).map(lambda k: k / 100),
    st.integers(0, 256000).map(lambda k: k / 1000),
)
WM = st.one_of(
    st.integers(15, 30).map(lambda k: k / 10),
    st.integers(150, 300).map(lambda k: k / 100),
    st.integers(1500, 3000).map(lambda k: k / 1000),
)
GROUP_WIDTHS = [1, 2, 4, 8, 16, 24, 32, 48, 64]
# timm's bottle_ratio: 1, 2, 4 as asked, and the paper's b = 2, 4 (timm ratios 0.5, 0.25).
RATIOS = [1.0, 2.0, 4.0, 0.5, 0.25]


@settings(max_examples=400, deadline=None)
@given(
    w0=W0,
    wa=WA,
    wm=WM,
    depth=st.integers(1, 40),
    group_width=st.sampled_from(GROUP_WIDTHS),
    ratio=st.sampled_from(RATIOS),
    min_ratio=st.sampled_from([0.0, 0.9]),
)
# float32 puts 200 * 2.3 / 8 exactly on 57.5 (-> 58, width 464); float64 just below (-> 456).
@example(w0=200, wa=42.0, wm=2.3, depth=17, group_width=8, ratio=1.0, min_ratio=0.0)
@example(w0=120, wa=83.5, wm=2.1, depth=31, group_width=24, ratio=1.0, min_ratio=0.0)
@example(w0=8, wa=0.0, wm=1.5, depth=5, group_width=64, ratio=0.25, min_ratio=0.9)
def test_expand_equals_timm_on_random_params(
    w0: int,
    wa: float,
    wm: float,
    depth: int,
    group_width: int,
    ratio: float,
    min_ratio: float,
) -> None:
    p = RegNetParams(w0, wa, wm, depth, group_width, ratio, group_min_ratio=min_ratio)
    assert validate_params(p) == []
    assert _ours(p) == _timm(p)


def test_expand_equals_timm_on_many_seeded_params() -> None:
    rng = random.Random(20200330)
    for _ in range(3000):
        p = RegNetParams(
            w0=8 * rng.randint(1, 32),
            wa=round(rng.uniform(0, 256), rng.choice([0, 1, 2, 3])),
            wm=round(rng.uniform(1.5, 3), rng.choice([1, 2, 3])),
            depth=rng.randint(1, 40),
            group_width=rng.choice(GROUP_WIDTHS),
            bottleneck_ratio=rng.choice(RATIOS),
        )
        assert _ours(p) == _timm(p), p


def test_widths_are_float32_like_timm_not_float64_like_pycls() -> None:
    p = RegNetParams(w0=200, wa=42.0, wm=2.3, depth=17, group_width=8)
    assert [s.width for s in expand(p)] == [200, 464, 1056]
    # pycls/numpy (float64): round(200 * 2.3 / 8) = 57 -> 456.
    assert round(200 * 2.3 / 8) * 8 == 456


def test_f32_equals_torch_float32() -> None:
    rng = random.Random(7)
    xs = [rng.uniform(-1e6, 1e6) for _ in range(2000)] + [
        math.ldexp(rng.random(), rng.randint(-160, 140)) for _ in range(2000)
    ]
    xs += [2.3, 0.1, 1e-45, 3e-45, 3.5e38, -0.0, 0.0]
    expected = torch.tensor(xs, dtype=torch.float64).float().double().tolist()
    assert [_f32(x) for x in xs] == expected


def test_stage_block_figures() -> None:
    s = RegNetStage(depth=2, width=368, group_width=8, bottleneck_ratio=1.0)
    assert (s.bottleneck_width, s.groups, s.stride) == (368, 46, 2)
    s = RegNetStage(depth=2, width=64, group_width=4, bottleneck_ratio=0.25)
    assert (s.bottleneck_width, s.groups) == (16, 4)


def test_se_channels_come_from_the_block_input_width() -> None:
    assert se_channels(32, 24, 0.25) == 8  # regnety_002 s1.b1: stem width 32, not 24
    assert se_channels(152, 152, 0.25) == 38
    assert se_channels(58, 200, 0.25) == 14  # 14.5 rounds half to even
    assert se_channels(54, 200, 0.25) == 14  # 13.5 rounds half to even
    assert se_channels(152, 152, 0.0) == 0


def test_group_width_is_capped_by_the_bottleneck_width() -> None:
    stages = expand(
        RegNetParams(w0=8, wa=0, wm=2.0, depth=3, group_width=64, bottleneck_ratio=0.25)
    )
    assert stages == [
        RegNetStage(depth=3, width=8, group_width=2, bottleneck_ratio=0.25)
    ]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        (RegNetParams(w0=0, wa=10, wm=2, depth=10, group_width=8), "w0"),
        (
            RegNetParams(w0=20, wa=10, wm=2, depth=10, group_width=8),
            "multiple of the quantum",
        ),
        (RegNetParams(w0=24, wa=-1, wm=2, depth=10, group_width=8), "wa"),
        (RegNetParams(w0=24, wa=10, wm=1.0, depth=10, group_width=8), "wm must be > 1"),
        (RegNetParams(w0=24, wa=10, wm=math.nan, depth=10, group_width=8), "wm"),
        (RegNetParams(w0=24, wa=10, wm=2, depth=0, group_width=8), "depth"),
        (RegNetParams(w0=24, wa=10, wm=2, depth=1001, group_width=8), "depth"),
        (RegNetParams(w0=24, wa=10, wm=2, depth=10, group_width=0), "group_width"),
        (
            RegNetParams(
                w0=24, wa=10, wm=2, depth=10, group_width=8, bottleneck_ratio=0
            ),
            "bottle",
        ),
        (
            RegNetParams(w0=24, wa=10, wm=2, depth=10, group_width=8, se_ratio=-1),
            "se_ratio",
        ),
        (RegNetParams(w0=24, wa=10, wm=2, depth=True, group_width=8), "depth"),
        (RegNetParams(w0=24.0, wa=10, wm=2, depth=10, group_width=8), "w0"),  # type: ignore[arg-type]
    ],
)
def test_invalid_params_are_reported_and_refused(
    params: RegNetParams, fragment: str
) -> None:
    problems = validate_params(params)
    assert len(problems) == 1 and fragment in problems[0], problems
    with pytest.raises(ValueError, match="invalid RegNet parameters"):
        expand(params)


def test_wm_is_free_when_wa_is_zero() -> None:
    p = RegNetParams(w0=64, wa=0.0, wm=1.0, depth=4, group_width=16)
    assert validate_params(p) == []
    assert expand(p) == [
        RegNetStage(depth=4, width=64, group_width=16, bottleneck_ratio=1.0)
    ]


def test_a_zero_bottleneck_width_is_refused() -> None:
    with pytest.raises(ValueError, match="bottleneck width"):
        expand(
            RegNetParams(w0=8, wa=0, wm=2, depth=1, group_width=1, bottleneck_ratio=0.1)
        )


def test_design_space_notes() -> None:
    assert outside_design_space(_params(model_cfgs["regnetx_002"])) == []
    assert outside_design_space(_params(model_cfgs["regnetx_016"]), "pycls_sweep") == []
    # The published models were sampled with group widths beyond the paper's {1, 2, ..., 32}.
    assert outside_design_space(_params(model_cfgs["regnetx_016"])) == [
        "group_width=24 is outside regnet values {1, 2, 4, 8, 16, 32}"
    ]
    notes = outside_design_space(_params(model_cfgs["regnety_2560"]))
    assert any(n.startswith("w0=640") for n in notes)
    assert any(n.startswith("group_width=373") for n in notes)
    p = RegNetParams(
        w0=24, wa=36.44, wm=2.49, depth=13, group_width=8, bottleneck_ratio=4.0
    )
    assert any("paper's b=0.25" in n for n in outside_design_space(p))
    short = RegNetParams(w0=24, wa=36.44, wm=2.49, depth=2, group_width=8)
    assert any("requires 4" in n for n in outside_design_space(short, "pycls_sweep"))
    assert set(PAPER_RANGES) == {"regnet", "regnetx", "pycls_sweep"}
    assert 16 in PAPER_RANGES["pycls_sweep"].group_width
    assert 12 not in PAPER_RANGES["pycls_sweep"].group_width
