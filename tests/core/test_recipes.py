"""Exact behaviour of the component registry (archgen/recipes.py) and the RegNet expansion
(archgen/regnet.py), written to kill the mutants of those two modules.

Expected values are derived by hand from the reference implementations' semantics, with the
source named beside each: torchvision's ResNet (module names, 7x7/2 stem, ``downsample``), timm's
ResNet (deep and tiered stems, ``global_pool``, avg-down shortcut with ``ceil_mode=True``, SE
rounding by ``make_divisible``, the ECA kernel formula), timm 1.0.31's RegNet (published
``model_cfgs`` and their expanded stage widths, the ``*_tv`` rounding), and Python's ``struct``
float32 conversion as the oracle for float32 rounding. The committed ``generated/`` modules are
used to check the registry's texts where they appear verbatim in generated code.

Torch-free and in-process, so that mutmut can run the file for every mutant.
"""

from __future__ import annotations

import dataclasses
import math
import struct

import pytest

from archgen import recipes, regnet
from archgen.ops import Act, Attention, Conv, Dropout, Linear, Norm, Op, Pool, Sym
from archgen.recipes import (
    ATTENTION_PARAMS,
    ATTENTIONS,
    BLOCKS,
    LAYOUTS,
    SHORTCUTS,
    BlockArgs,
    ShortcutArgs,
    StemArgs,
    Style,
    attention_op,
    conv_op,
    eca_kernel,
    head,
    make_divisible,
    stem,
)
from archgen.regnet import (
    MAX_DEPTH,
    MAX_W0,
    MAX_WA,
    MAX_WM,
    PAPER_RANGES,
    STEM_WIDTH,
    Interval,
    RegNetParams,
    RegNetStage,
    expand,
    outside_design_space,
    se_channels,
    validate_params,
)

from conftest import SPECS

TV = Style("torchvision", "batch", 0, 0, "relu")
TIMM = Style("timm", "batch", 0, 0, "relu")
TIMM_REGNET = Style("timm-regnet", "batch", 0, 0, "relu")


# --- helpers ---------------------------------------------------------------------------------


def _rendered(name: str) -> str:
    """The module the code under test renders for a zoo spec, whitespace collapsed (docstrings
    wrap lines). Not cached: a mutant must reach the text."""
    from archgen import api

    return " ".join(api.render_source(SPECS / f"{name}.yaml").split())


def _names(op: Op) -> dict[str, tuple[str, int | None, str | None]]:
    """The symbolic fields of ``op``: field -> (argument name, default, alias's name)."""
    out: dict[str, tuple[str, int | None, str | None]] = {}
    for field in dataclasses.fields(op):  # type: ignore[arg-type]
        value = getattr(op, field.name)
        if isinstance(value, Sym):
            alias = value.alias.name if value.alias is not None else None
            out[field.name] = (value.name, value.default, alias)
    return out


def _conv(
    path: str,
    cin: int,
    cout: int,
    kernel: int,
    stride: int,
    padding: int,
    in_size: int,
    out_size: int,
    dilation: int = 1,
    groups: int = 1,
) -> Conv:
    return Conv(
        path,
        cin,
        cout,
        kernel,
        stride,
        padding,
        dilation,
        groups,
        False,
        in_size,
        out_size,
    )


def _bn(path: str, channels: int, size: int) -> Norm:
    return Norm(path, "batch", channels, 0, size)


def _block_args(
    in_channels: int,
    width: int,
    out_channels: int,
    *,
    groups: int = 1,
    stride: int = 1,
    first_dilation: int = 1,
    dilation: int = 1,
    in_size: int = 56,
    stride_on: str = "3x3",
    attention: tuple[str, float | None, int | None] | None = None,
    drop_path: bool = False,
) -> BlockArgs:
    return BlockArgs(
        in_channels,
        width,
        out_channels,
        groups,
        stride,
        first_dilation,
        dilation,
        in_size,
        stride_on,
        attention,
        drop_path,
    )


def _f32_oracle(x: float) -> float:
    """float32 rounding (ties to even) by the C library's conversion."""
    return float(struct.unpack("f", struct.pack("f", x))[0])


# --- Style -----------------------------------------------------------------------------------


def test_stage_prefix_is_s_only_for_timm_regnet() -> None:
    assert TIMM_REGNET.stage_prefix == "s"
    assert TV.stage_prefix == "layer"
    assert TIMM.stage_prefix == "layer"


def test_torchvision_names_share_relu_and_call_the_pool_avgpool() -> None:
    assert [TV.name(r) for r in ("act1", "act2", "act3", "stem.act")] == ["relu"] * 4
    assert TV.name("head.pool") == "avgpool"
    assert TV.name("conv1") == "conv1"  # not in the table: its own name
    assert TV.name("fc") == "fc"


def test_a_relu_name_becomes_act_when_the_activation_is_not_relu() -> None:
    silu = Style("torchvision", "batch", 0, 0, "silu")
    assert silu.name("act1") == "act"
    assert silu.name("stem.act") == "act"
    assert silu.name("head.pool") == "avgpool"
    # timm's names are not 'relu', so another activation keeps them.
    assert Style("timm", "batch", 0, 0, "silu").name("stem.act") == "act1"


def test_timm_names() -> None:
    assert TIMM.name("stem.act") == "act1"
    assert TIMM.name("head.pool") == "global_pool"
    assert TIMM.name("act1") == "act1"
    assert TIMM.name("act3") == "act3"


def test_timm_regnet_names() -> None:
    expected = {
        "conv1": "stem.conv",
        "bn1": "stem.bn",
        "stem.act": "stem.act",
        "downsample.0": "downsample.conv",
        "downsample.1": "downsample.bn",
        "head.pool": "head.global_pool",
        "fc": "head.fc",
    }
    assert {role: TIMM_REGNET.name(role) for role in expected} == expected
    assert LAYOUTS["timm-regnet"] == expected


def test_unlisted_stem_and_head_roles_drop_their_prefix_others_keep_it() -> None:
    assert TV.name("stem.pool") == "pool"
    assert TV.name("head.drop") == "drop"
    assert TV.name("downsample.0") == "downsample.0"
    assert TV.name("conv1.bn") == "conv1.bn"
    assert TV.name("stem.conv.bn") == "bn"  # the last component


def test_norm_op_batch_and_group() -> None:
    assert TV.norm_op("bn1", 64, 56) == Norm("bn1", "batch", 64, 0, 56, 0)
    group = Style("timm", "group", 32, 16, "relu")
    assert group.norm_op("bn1", 64, 56) == Norm("bn1", "group", 64, 32, 56, 16)
    frozen = Style("timm", "frozen_batch", 32, 16, "relu")
    assert frozen.norm_op("bn2", 128, 28) == Norm("bn2", "frozen_batch", 128, 0, 28, 0)


def test_act_op_is_named_by_role() -> None:
    assert TV.act_op("act1", 56) == Act("relu", "relu", 56)
    assert TIMM.act_op("act2", 28) == Act("act2", "relu", 28)


# --- conv_op ---------------------------------------------------------------------------------


def test_conv_op_pads_to_keep_the_size_at_stride_1() -> None:
    # torchvision conv3x3: padding=dilation; conv1x1: padding 0; 7x7 stem: padding 3.
    assert conv_op("c", 64, 64, 3, 56) == _conv("c", 64, 64, 3, 1, 1, 56, 56)
    assert conv_op("c", 64, 256, 1, 56) == _conv("c", 64, 256, 1, 1, 0, 56, 56)
    assert conv_op("c", 3, 64, 7, 224, 2) == _conv("c", 3, 64, 7, 2, 3, 224, 112)
    assert conv_op("c", 8, 8, 3, 14, dilation=2) == _conv(
        "c", 8, 8, 3, 1, 2, 14, 14, dilation=2
    )
    assert conv_op("c", 8, 8, 5, 14) == _conv("c", 8, 8, 5, 1, 2, 14, 14)
    # An even kernel: padding (2 - 1) // 2 = 0, so the map shrinks by one.
    assert conv_op("c", 8, 8, 2, 14) == _conv("c", 8, 8, 2, 1, 0, 14, 13)
    # Paddings are integers: they are written into the generated code.
    assert type(conv_op("c", 8, 8, 3, 14).padding) is int


def test_conv_op_explicit_padding_and_groups() -> None:
    assert conv_op("c", 8, 8, 3, 14, 1, 1, 4, padding=0) == _conv(
        "c", 8, 8, 3, 1, 0, 14, 12, groups=4
    )
    assert conv_op("c", 8, 8, 3, 14, 2, 2, 1, padding=2) == _conv(
        "c", 8, 8, 3, 2, 2, 14, 7, dilation=2
    )


# --- attention -------------------------------------------------------------------------------


def test_make_divisible_rounds_like_timm() -> None:
    assert make_divisible(16.0, 8) == 16
    assert make_divisible(20.0, 8) == 24  # int(24) // 8 * 8: 20 + 4 rounds up
    assert make_divisible(19.9, 8) == 24  # 16 < 0.9 * 19.9: one more divisor
    assert make_divisible(19.9, 8, round_limit=0.0) == 16
    assert make_divisible(10.0, 8) == 16  # 8 < 0.9 * 10: one more divisor
    assert make_divisible(9.0, 8) == 16  # 8 < 8.1
    assert make_divisible(8.8, 8) == 8  # 8 >= 7.92
    assert make_divisible(10.0, 8, round_limit=0.0) == 8
    assert make_divisible(3.0, 8) == 8  # never below the divisor
    assert make_divisible(3.0, 8, round_limit=0.0) == 8
    assert make_divisible(2.5, 1, round_limit=0.0) == 3
    assert make_divisible(10.0, 9) == 9  # 9 == 0.9 * 10: not below the limit, kept


@pytest.mark.parametrize(
    ("channels", "kernel"),
    [(64, 3), (128, 5), (256, 5), (512, 5), (1024, 5), (2048, 7), (2, 3), (4, 3)],
)
def test_eca_kernel_follows_the_paper_formula(channels: int, kernel: int) -> None:
    # k = |log2(C) + 1| / 2, made odd (t + 1 when even), at least 3 (Wang et al. 2020, timm).
    assert eca_kernel(channels) == kernel


def test_eca_kernel_gamma_and_beta() -> None:
    assert eca_kernel(256, gamma=3) == 3  # int(9 / 3) = 3
    assert eca_kernel(256, beta=3) == 5  # int(11 / 2) = 5
    assert eca_kernel(2**13, gamma=1, beta=0) == 13


def test_eca_kernels_in_the_rendered_ecaresnet50d() -> None:
    # timm's ecaresnet50d: k = 5 for 256, 512 and 1024 channels, 7 for 2048 (the formula above).
    text = _rendered("ecaresnet50d")
    assert "ECA, k=5] x3" in text and "ECA, k=7] x3" in text
    assert "Bottleneck(64, 64, 256, 5," in text


def test_se_hidden_widths_of_timm_seresnet50() -> None:
    se = ATTENTIONS["se"]
    # timm's SE: rd_ratio 1/16, rd_divisor 8, round_limit 0.
    assert [se.hidden(c, None, None, None) for c in (256, 512, 1024, 2048)] == [
        16,
        32,
        64,
        128,
    ]
    assert se.hidden(64, None, None, None) == 8  # 4 -> at least the divisor
    assert se.hidden(200, None, None, None) == 16  # 12.5 -> int(16.5) // 8 * 8
    assert se.hidden(100, 0.25, 1, None) == 25
    assert se.hidden(100, 0.25, None, None) == 24  # 25 + 4 -> 24 (round_limit 0)
    assert se.hidden(256, None, 5, None) == 15  # 16 + 2.5 -> 15
    # 288 / 16 = 18 -> 16: timm's SE rounds with round_limit 0, no bump to 24.
    assert se.hidden(288, None, None, None) == 16


def test_eca_hidden_is_the_kernel() -> None:
    eca = ATTENTIONS["eca"]
    assert eca.hidden(2048, 0.5, 4, None) == 7
    assert eca.hidden(256, None, None, None) == 5
    # sized from the gated channels even where a RegNet block passes its input width
    assert eca.hidden(256, None, None, 1024) == 5


def test_se_hidden_from_a_regnet_blocks_input_rounds_a_fraction_of_it() -> None:
    se = ATTENTIONS["se"]
    # timm's RegNetY: int(round(in_chs * se_ratio)), no divisor; 0.25 by default.
    assert se.hidden(48, 0.25, None, 32) == 8
    assert se.hidden(48, None, None, 104) == 26
    assert se.hidden(48, 0.25, None, 54) == 14  # 13.5 rounds half to even
    assert se.hidden(48, 0.25, None, 50) == 12  # 12.5 rounds half to even


def test_se_cost_two_1x1_convolutions_with_bias() -> None:
    # fc1: 256 * 16 weights + 16 biases; fc2: 16 * 256 weights + 256 biases.
    assert ATTENTIONS["se"].cost(256, 16) == (8464, 8192, 272)
    assert ATTENTIONS["se"].cost(64, 8) == (1096, 1024, 72)


def test_eca_cost_one_1d_convolution_without_bias() -> None:
    assert ATTENTIONS["eca"].cost(256, 5) == (5, 1280, 256)
    assert ATTENTIONS["eca"].cost(2048, 7) == (7, 14336, 2048)


def test_attention_recipes_registry() -> None:
    se, eca = ATTENTIONS["se"], ATTENTIONS["eca"]
    assert list(ATTENTIONS) == ["se", "eca", "ese"]
    assert (se.kind, se.param, se.label) == ("se", "se_channels", "SE, {hidden}")
    assert (eca.kind, eca.param, eca.label) == ("eca", "eca_kernel", "ECA, k={hidden}")
    assert ATTENTION_PARAMS == (("se_channels", None), ("eca_kernel", None))
    assert (se.summary, eca.summary) == (
        "Squeeze-excitation",
        "Efficient channel attention",
    )
    # The summaries and the labels reach the rendered module; timm's seresnet50 squeezes 256
    # channels to 16 (rd_ratio 1/16).
    seresnet50, ecaresnet50d = _rendered("seresnet50"), _rendered("ecaresnet50d")
    assert "Squeeze-excitation" in seresnet50 and "SE, 16] x3" in seresnet50
    assert (
        "Efficient channel attention" in ecaresnet50d and "ECA, k=5] x3" in ecaresnet50d
    )


def test_attention_op() -> None:
    op = attention_op("se", 256, 56, None, None)
    assert op == Attention("se", "se", 256, 16, 56)
    assert _names(op) == {"hidden": ("se_channels", None, None)}
    op = attention_op("eca", 2048, 7, None, None)
    assert op == Attention("se", "eca", 2048, 7, 7)  # timm keeps the attribute 'se'
    assert _names(op) == {"hidden": ("eca_kernel", None, None)}
    # The spec's ratio and divisor reach the recipe: 100 * 0.25 = 25 on a divisor of 1;
    # the defaults would give 24 (divisor 8) or 6 (ratio 1/16).
    assert attention_op("se", 100, 7, 0.25, 1) == Attention("se", "se", 100, 25, 7)
    assert attention_op("se", 256, 7, 0.25, None) == Attention("se", "se", 256, 64, 7)


# --- blocks ----------------------------------------------------------------------------------


def test_bottleneck_of_torchvision_resnet50_layer2_first_block() -> None:
    # torchvision Bottleneck (V1.5): stride on the 3x3, one shared ReLU.
    ops = BLOCKS["bottleneck"].build(_block_args(256, 128, 512, stride=2), TV)
    assert ops == (
        _conv("conv1", 256, 128, 1, 1, 0, 56, 56),
        _bn("bn1", 128, 56),
        Act("relu", "relu", 56),
        _conv("conv2", 128, 128, 3, 2, 1, 56, 28),
        _bn("bn2", 128, 28),
        Act("relu", "relu", 28),
        _conv("conv3", 128, 512, 1, 1, 0, 28, 28),
        _bn("bn3", 512, 28),
    )
    assert _names(ops[0]) == {  # the stride is on the 3x3: a literal 1 here
        "in_channels": ("in_channels", None, None),
        "out_channels": ("width", None, None),
    }
    assert _names(ops[3]) == {
        "in_channels": ("width", None, None),
        "out_channels": ("width", None, None),
        "stride": ("stride", 1, None),
        "padding": ("dilation", 1, None),
        "dilation": ("dilation", 1, None),
        "groups": ("groups", 1, None),
    }
    assert _names(ops[6]) == {
        "in_channels": ("width", None, None),
        "out_channels": ("out_channels", None, None),
    }


def test_bottleneck_with_the_stride_on_the_1x1() -> None:
    ops = BLOCKS["bottleneck"].build(
        _block_args(256, 128, 512, stride=2, stride_on="1x1"), TIMM
    )
    assert ops[:4] == (
        _conv("conv1", 256, 128, 1, 2, 0, 56, 28),
        _bn("bn1", 128, 28),
        Act("act1", "relu", 28),
        _conv("conv2", 128, 128, 3, 1, 1, 28, 28),
    )
    assert ops[4:] == (
        _bn("bn2", 128, 28),
        Act("act2", "relu", 28),
        _conv("conv3", 128, 512, 1, 1, 0, 28, 28),
        _bn("bn3", 512, 28),
    )


def test_bottleneck_grouped_dilated_with_se_and_drop_path() -> None:
    # timm output stride 16: layer4's first block keeps the previous dilation on its 3x3.
    args = _block_args(
        1024,
        1024,
        2048,
        groups=32,
        first_dilation=2,
        dilation=4,
        in_size=14,
        attention=("se", None, None),
        drop_path=True,
    )
    ops = BLOCKS["bottleneck"].build(args, TIMM)
    assert ops[3] == _conv("conv2", 1024, 1024, 3, 1, 2, 14, 14, dilation=2, groups=32)
    assert ops[8:] == (
        Attention("se", "se", 2048, 128, 14),
        Dropout("drop_path", "drop_path"),
    )
    assert _names(ops[8])["channels"] == ("out_channels", None, None)


def test_basic_block_of_torchvision_resnet18_layer2_first_block() -> None:
    ops = BLOCKS["basic"].build(_block_args(64, 128, 128, stride=2), TV)
    assert ops == (
        _conv("conv1", 64, 128, 3, 2, 1, 56, 28),
        _bn("bn1", 128, 28),
        Act("relu", "relu", 28),
        _conv("conv2", 128, 128, 3, 1, 1, 28, 28),
        _bn("bn2", 128, 28),
    )
    assert _names(ops[0]) == {
        "in_channels": ("in_channels", None, None),
        "out_channels": ("width", None, "out_channels"),
        "stride": ("stride", 1, None),
        "padding": ("first_dilation", 1, None),
        "dilation": ("first_dilation", 1, None),
        "groups": ("groups", 1, None),
    }
    assert _names(ops[3]) == {
        "in_channels": ("width", None, "out_channels"),
        "out_channels": ("out_channels", None, None),
        "padding": ("dilation", 1, None),
        "dilation": ("dilation", 1, None),
        "groups": ("groups", 1, None),
    }


def test_block_attention_takes_the_specs_ratio_and_divisor() -> None:
    args = _block_args(64, 100, 100, in_size=7, attention=("se", 0.25, 1))
    assert BLOCKS["basic"].build(args, TIMM)[5] == Attention("se", "se", 100, 25, 7)
    args = _block_args(64, 25, 100, in_size=7, attention=("se", 0.25, 1))
    assert BLOCKS["bottleneck"].build(args, TIMM)[8] == Attention(
        "se", "se", 100, 25, 7
    )


def test_basic_block_dilations_and_eca() -> None:
    args = _block_args(
        256,
        512,
        512,
        first_dilation=2,
        dilation=4,
        in_size=14,
        attention=("eca", None, None),
        drop_path=True,
    )
    ops = BLOCKS["basic"].build(args, TIMM)
    assert ops[0] == _conv("conv1", 256, 512, 3, 1, 2, 14, 14, dilation=2)
    assert ops[3] == _conv("conv2", 512, 512, 3, 1, 4, 14, 14, dilation=4)
    assert ops[5:] == (
        Attention("se", "eca", 512, 5, 14),
        Dropout("drop_path", "drop_path"),
    )


def test_regnet_block_of_timm_regnety_004_s1_b1() -> None:
    # regnety_004: stem 32 wide, stage 1 48 wide, group width 8: 6 groups; SE from the input 32.
    args = _block_args(
        32, 48, 48, groups=6, stride=2, in_size=112, attention=("se", 0.25, None)
    )
    ops = BLOCKS["regnet"].build(args, TIMM_REGNET)
    assert ops == (
        _conv("conv1.conv", 32, 48, 1, 1, 0, 112, 112),
        _bn("conv1.bn", 48, 112),
        Act("conv1.act", "relu", 112),
        _conv("conv2.conv", 48, 48, 3, 2, 1, 112, 56, groups=6),
        _bn("conv2.bn", 48, 56),
        Act("conv2.act", "relu", 56),
        Attention("se", "se", 48, 8, 56),
        _conv("conv3.conv", 48, 48, 1, 1, 0, 56, 56),
        _bn("conv3.bn", 48, 56),
    )
    assert _names(ops[6]) == {
        "channels": ("width", None, None),
        "hidden": ("se_channels", None, None),
    }
    assert _names(ops[3])["dilation"] == ("dilation", 1, None)
    assert _names(ops[3])["padding"] == ("dilation", 1, None)
    assert _names(ops[3])["groups"] == ("groups", 1, None)
    assert _names(ops[3])["stride"] == ("stride", 1, None)
    assert _names(ops[0]) == {
        "in_channels": ("in_channels", None, None),
        "out_channels": ("width", None, None),
    }
    assert _names(ops[7]) == {
        "in_channels": ("width", None, None),
        "out_channels": ("out_channels", None, None),
    }


def test_regnet_block_se_ratio_default_dilation_activation_and_drop_path() -> None:
    silu = Style("timm-regnet", "batch", 0, 0, "silu")
    args = _block_args(
        58,
        64,
        64,
        groups=8,
        first_dilation=2,
        in_size=14,
        attention=("se", None, None),
        drop_path=True,
    )
    ops = BLOCKS["regnet"].build(args, silu)
    assert ops[2] == Act("conv1.act", "silu", 14)
    assert ops[3] == _conv("conv2.conv", 64, 64, 3, 1, 2, 14, 14, dilation=2, groups=8)
    assert ops[5] == Act("conv2.act", "silu", 14)
    assert ops[6] == Attention("se", "se", 64, 14, 14)  # round(14.5): half to even
    assert ops[-1] == Dropout("drop_path", "drop_path")
    assert len(ops) == 10
    ops = BLOCKS["regnet"].build(
        _block_args(58, 64, 64, attention=("se", 0.5, 8)), silu
    )
    assert ops[6] == Attention("se", "se", 64, 29, 56)


def test_regnet_block_without_se() -> None:
    ops = BLOCKS["regnet"].build(_block_args(64, 64, 64), TIMM_REGNET)
    assert [op.path for op in ops] == [
        "conv1.conv",
        "conv1.bn",
        "conv1.act",
        "conv2.conv",
        "conv2.bn",
        "conv2.act",
        "conv3.conv",
        "conv3.bn",
    ]


def test_block_recipes_registry() -> None:
    basic, bottleneck, reg = BLOCKS["basic"], BLOCKS["bottleneck"], BLOCKS["regnet"]
    assert list(BLOCKS) == [
        *("basic", "bottleneck", "regnet", "preact_bottleneck"),
        *("res2net", "resnest", "sk_basic", "sk_bottleneck"),
    ]
    # torchvision's class names and expansions (BasicBlock.expansion 1, Bottleneck 4).
    assert (basic.name, basic.class_name, basic.expansion) == ("basic", "BasicBlock", 1)
    assert (bottleneck.name, bottleneck.class_name, bottleneck.expansion) == (
        "bottleneck",
        "Bottleneck",
        4,
    )
    assert (reg.name, reg.class_name, reg.expansion) == ("regnet", "RegNetBlock", 1)
    common = (
        ("in_channels", None),
        ("width", None),
        ("out_channels", None),
        ("stride", 1),
        ("groups", 1),
    )
    assert basic.params == (*common, ("first_dilation", 1), ("dilation", 1))
    assert bottleneck.params == (*common, ("dilation", 1))
    assert reg.params == (*common, ("dilation", 1))
    assert basic.stride_on == ("3x3",) and reg.stride_on == ("3x3",)
    assert bottleneck.stride_on == ("3x3", "1x1")
    assert basic.timm_layout == "timm" and bottleneck.timm_layout == "timm"
    assert reg.timm_layout == "timm-regnet"
    # timm names the activation after the residual addition act2 in a basic block
    assert basic.residual_act == "act2"
    assert bottleneck.residual_act == reg.residual_act == "act3"
    assert reg.torchvision_layout == "torchvision-regnet"
    assert bottleneck.torchvision_layout == basic.torchvision_layout == "torchvision"
    # timm's PreActBottleneck: expansion 4, nothing after the addition, its own layout.
    preact = BLOCKS["preact_bottleneck"]
    assert (preact.class_name, preact.expansion) == ("PreActBottleneck", 4)
    assert preact.residual_act is None and preact.preact
    # timm's Bottle2neck: expansion 4, scale 4 unless given, one shared 'relu'.
    res2 = BLOCKS["res2net"]
    assert (res2.class_name, res2.expansion, res2.options) == (
        "Bottle2neck",
        4,
        {"scale": 4},
    )
    assert res2.residual_act == "relu"
    # timm's SelectiveKernelBasic and Bottleneck: one 'act' after the addition; SelectiveKernel's
    # defaults (a 3x3 and a 5x5 path, split input, attention 1/16 rounded to 8).
    sk_basic, sk_bottleneck = BLOCKS["sk_basic"], BLOCKS["sk_bottleneck"]
    assert (sk_basic.class_name, sk_basic.expansion) == ("SelectiveKernelBasic", 1)
    assert (sk_bottleneck.class_name, sk_bottleneck.expansion) == (
        "SelectiveKernelBottleneck",
        4,
    )
    assert sk_basic.residual_act == sk_bottleneck.residual_act == "act"
    # timm's ResNestBottleneck as its ResNeSts build it: radix 2, act3 after the addition.
    splat = BLOCKS["resnest"]
    assert (splat.class_name, splat.expansion, splat.residual_act) == (
        "ResNestBottleneck",
        4,
        "act3",
    )
    assert splat.options == {"radix": 2, "avd": None}
    assert (
        sk_basic.options
        == sk_bottleneck.options
        == {
            "kernel_sizes": (3, 5),
            "split_input": True,
            "attn_ratio": 1 / 16,
            "attn_divisor": 8,
        }
    )
    assert not (basic.preact or bottleneck.preact or reg.preact)
    assert preact.timm_layout == "timm-resnetv2"


BLOCK_SUMMARIES = {
    (
        "bottleneck",
        "resnet50",
    ): "1x1 reduce, 3x3 convolution, 1x1 expand; a norm after each.",
    (
        "basic",
        "resnet18",
    ): "Two 3x3 convolutions with a norm after each; the first carries the stride.",
    (
        "regnet",
        "regnetx_002",
    ): "1x1, grouped 3x3 carrying the stride, 1x1; a norm after each "
    "(RegNet's X block).",
}


@pytest.mark.parametrize(("block", "spec"), list(BLOCK_SUMMARIES))
def test_block_summaries_reach_the_rendered_module(block: str, spec: str) -> None:
    summary = BLOCK_SUMMARIES[block, spec]
    assert BLOCKS[block].summary == summary
    assert summary in _rendered(spec)


# --- shortcuts -------------------------------------------------------------------------------


def test_conv_shortcut_torchvision_and_timm_regnet_names() -> None:
    build = SHORTCUTS["conv"].build
    ops = build(ShortcutArgs(256, 512, 2, 1, 56), TV)
    assert ops == (
        _conv("downsample.0", 256, 512, 1, 2, 0, 56, 28),
        _bn("downsample.1", 512, 28),
    )
    assert _names(ops[0]) == {
        "in_channels": ("in_channels", None, None),
        "out_channels": ("out_channels", None, None),
        "stride": ("stride", 1, None),
    }
    assert _names(ops[1]) == {"channels": ("out_channels", None, None)}
    ops = build(ShortcutArgs(32, 48, 2, 1, 112), TIMM_REGNET)
    assert [op.path for op in ops] == ["downsample.conv", "downsample.bn"]


def test_avg_pool_shortcut_strided() -> None:
    # timm avg-down: AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False), 1x1, norm.
    ops = SHORTCUTS["avg_pool"].build(ShortcutArgs(256, 512, 2, 1, 56), TIMM)
    assert ops == (
        Pool("downsample.0", "avg", 2, 2, 0, 56, 28),
        _conv("downsample.1", 256, 512, 1, 1, 0, 28, 28),
        _bn("downsample.2", 512, 28),
    )
    assert _names(ops[0]) == {"stride": ("stride", 1, None)}
    assert _names(ops[1]) == {
        "in_channels": ("in_channels", None, None),
        "out_channels": ("out_channels", None, None),
    }
    assert _names(ops[2]) == {"channels": ("out_channels", None, None)}
    # ceil mode: a 7x7 map pools to 4x4.
    ops = SHORTCUTS["avg_pool"].build(ShortcutArgs(1024, 2048, 2, 1, 7), TIMM)
    assert ops[0] == Pool("downsample.0", "avg", 2, 2, 0, 7, 4)
    assert ops[1] == _conv("downsample.1", 1024, 2048, 1, 1, 0, 4, 4)


def test_avg_pool_shortcut_at_stride_1() -> None:
    ops = SHORTCUTS["avg_pool"].build(ShortcutArgs(64, 256, 1, 1, 56), TIMM)
    assert ops[0] == Pool("downsample.0", "avg", 2, 1, 0, 56, 56)
    assert _names(ops[0]) == {"stride": ("stride", 1, None)}
    assert ops[1] == _conv("downsample.1", 64, 256, 1, 1, 0, 56, 56)


def test_avg_pool_shortcut_in_a_dilated_stage_is_same_padded() -> None:
    ops = SHORTCUTS["avg_pool"].build(ShortcutArgs(1024, 2048, 1, 2, 14), TIMM)
    assert ops[0] == Pool("downsample.0", "avg_same", 2, 1, 0, 14, 14)
    assert _names(ops[0]) == {}
    assert ops[2] == _bn("downsample.2", 2048, 14)


def test_shortcut_recipes_registry() -> None:
    assert list(SHORTCUTS) == ["conv", "avg_pool"]
    conv, pool = SHORTCUTS["conv"], SHORTCUTS["avg_pool"]
    assert (conv.name, conv.function) == ("conv", "projection")
    assert (pool.name, pool.function) == ("avg_pool", "pooled_projection")
    tail = "the shortcut of a block that changes the stride or the channels."
    assert conv.summary == f"A 1x1 convolution carrying the stride, then a norm: {tail}"
    assert pool.summary == (
        "A 2x2 average pool carrying the stride, then a 1x1 convolution and a norm "
        f"(ResNet-D): {tail}"
    )
    assert conv.summary in _rendered("resnet50")
    assert pool.summary in _rendered("resnet50d")


# --- stems -----------------------------------------------------------------------------------


def test_torchvision_stem() -> None:
    ops = stem(StemArgs("conv", 3, 64, 7, 2, "max", 224), TV)
    assert ops == (
        _conv("conv1", 3, 64, 7, 2, 3, 224, 112),
        _bn("bn1", 64, 112),
        Act("relu", "relu", 112),
        Pool("maxpool", "max", 3, 2, 1, 112, 56),
    )
    assert _names(ops[0]) == {"in_channels": ("in_channels", None, None)}


def test_timm_regnet_stem_without_pool() -> None:
    ops = stem(StemArgs("conv", 3, STEM_WIDTH, 3, 2, "none", 224), TIMM_REGNET)
    assert ops == (
        _conv("stem.conv", 3, 32, 3, 2, 1, 224, 112),
        _bn("stem.bn", 32, 112),
        Act("stem.act", "relu", 112),
    )


def test_timm_deep_stem_of_resnet50d() -> None:
    # timm stem_type='deep', stem_width=32: 3->32 (stride 2), 32->32, 32->64.
    ops = stem(StemArgs("deep", 3, 64, 3, 2, "max", 224), TIMM)
    assert ops == (
        _conv("conv1.0", 3, 32, 3, 2, 1, 224, 112),
        _bn("conv1.1", 32, 112),
        Act("conv1.2", "relu", 112),
        _conv("conv1.3", 32, 32, 3, 1, 1, 112, 112),
        _bn("conv1.4", 32, 112),
        Act("conv1.5", "relu", 112),
        _conv("conv1.6", 32, 64, 3, 1, 1, 112, 112),
        _bn("bn1", 64, 112),
        Act("act1", "relu", 112),
        Pool("maxpool", "max", 3, 2, 1, 112, 56),
    )
    assert _names(ops[0]) == {"in_channels": ("in_channels", None, None)}


def test_timm_tiered_stem_with_a_conv_pool() -> None:
    # timm stem_type='deep_tiered', stem_width=32: (3 * (32 // 4), 32) = (24, 32), then 64;
    # replace_stem_pool: a 3x3 stride-2 conv, norm, activation as 'maxpool'.
    silu = Style("timm", "batch", 0, 0, "silu")
    ops = stem(StemArgs("deep_tiered", 3, 64, 3, 2, "conv", 224), silu)
    assert [op for op in ops if isinstance(op, Conv)] == [
        _conv("conv1.0", 3, 24, 3, 2, 1, 224, 112),
        _conv("conv1.3", 24, 32, 3, 1, 1, 112, 112),
        _conv("conv1.6", 32, 64, 3, 1, 1, 112, 112),
        _conv("maxpool.0", 64, 64, 3, 2, 1, 112, 56),
    ]
    assert ops[1] == _bn("conv1.1", 24, 112)
    assert ops[2] == Act("conv1.2", "silu", 112)
    assert ops[-3:] == (
        _conv("maxpool.0", 64, 64, 3, 2, 1, 112, 56),
        _bn("maxpool.1", 64, 56),
        Act("maxpool.2", "silu", 56),
    )
    assert len(ops) == 12


def test_stem_channels_are_integers() -> None:
    # Channel counts are written into the generated code: 32, not 32.0.
    for kind in ("deep", "deep_tiered"):
        ops = stem(StemArgs(kind, 3, 64, 3, 2, "max", 224), TIMM)
        for op in ops:
            if isinstance(op, Conv):
                assert (
                    type(op.in_channels) in (int, Sym) and type(op.out_channels) is int
                )
            if isinstance(op, Norm):
                assert type(op.channels) is int


def test_stem_max_pool_on_an_odd_map() -> None:
    # 30 -> 7x7/2 conv -> 15 -> MaxPool2d(3, 2, 1) -> floor((15 + 2 - 3) / 2) + 1 = 8.
    ops = stem(StemArgs("conv", 3, 64, 7, 2, "max", 30), TV)
    assert ops[0].out_size == 15  # type: ignore[union-attr]
    assert ops[-1] == Pool("maxpool", "max", 3, 2, 1, 15, 8)


def test_deep_stem_stride_1() -> None:
    ops = stem(StemArgs("deep", 3, 64, 3, 1, "none", 32), TIMM)
    assert ops[0] == _conv("conv1.0", 3, 32, 3, 1, 1, 32, 32)
    assert ops[-1] == Act("act1", "relu", 32)


# --- head ------------------------------------------------------------------------------------


def test_torchvision_head() -> None:
    ops = head(2048, 1000, 7, False, TV)
    assert ops == (
        Pool("avgpool", "global_avg", 7, 1, 0, 7, 1),
        Linear("fc", 2048, 1000),
    )
    assert _names(ops[1]) == {"out_features": ("num_classes", None, None)}


def test_timm_heads_with_dropout() -> None:
    assert head(512, 10, 4, True, TIMM) == (
        Pool("global_pool", "global_avg", 4, 1, 0, 4, 1),
        Dropout("dropout", "dropout"),
        Linear("fc", 512, 10),
    )
    assert head(368, 0, 7, False, TIMM_REGNET) == (
        Pool("head.global_pool", "global_avg", 7, 1, 0, 7, 1),
        Linear("head.fc", 368, 0),
    )


# --- regnet: published configurations ---------------------------------------------------------


def _stages(p: RegNetParams) -> list[tuple[int, int, int]]:
    return [(s.depth, s.width, s.group_width) for s in expand(p)]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # timm 1.0.31 model_cfgs and their stages (the RegNet paper's model table).
        (
            RegNetParams(w0=24, wa=36.44, wm=2.49, depth=13, group_width=8),
            [(1, 24, 8), (1, 56, 8), (4, 152, 8), (7, 368, 8)],
        ),
        (
            RegNetParams(w0=24, wa=24.48, wm=2.54, depth=22, group_width=16),
            [(1, 32, 16), (2, 64, 16), (7, 160, 16), (12, 384, 16)],
        ),
        (
            RegNetParams(
                w0=48, wa=27.89, wm=2.09, depth=16, group_width=8, se_ratio=0.25
            ),
            [(1, 48, 8), (3, 104, 8), (6, 208, 8), (6, 440, 8)],
        ),
        (
            RegNetParams(w0=80, wa=34.01, wm=2.25, depth=18, group_width=24),
            [(2, 72, 24), (4, 168, 24), (10, 408, 24), (2, 912, 24)],
        ),
        # regnetx_004_tv (group_min_ratio 0.9): torchvision's regnet_x_400mf, last stage 400.
        (
            RegNetParams(
                w0=24, wa=24.48, wm=2.54, depth=22, group_width=16, group_min_ratio=0.9
            ),
            [(1, 32, 16), (2, 64, 16), (7, 160, 16), (12, 400, 16)],
        ),
        # Bottleneck ratio 0.25 on regnety_004's numbers (timm adjust_widths_groups_comp).
        (
            RegNetParams(
                w0=48, wa=27.89, wm=2.09, depth=16, group_width=8, bottleneck_ratio=0.25
            ),
            [(1, 64, 8), (3, 96, 8), (6, 192, 8), (6, 448, 8)],
        ),
        # Quanta other than 8 (timm generate_regnet's q).
        (
            RegNetParams(w0=32, wa=24, wm=2.0, depth=6, group_width=8, quantum=16),
            [(1, 32, 8), (2, 64, 8), (3, 128, 8)],
        ),
        (
            RegNetParams(w0=20, wa=10, wm=2.0, depth=6, group_width=8, quantum=4),
            [(1, 16, 8), (3, 40, 8), (2, 80, 8)],
        ),
        (
            RegNetParams(w0=24, wa=10, wm=2.0, depth=6, group_width=8),
            [(1, 24, 8), (4, 48, 8), (1, 96, 8)],
        ),
    ],
)
def test_expand_matches_timm(
    params: RegNetParams, expected: list[tuple[int, int, int]]
) -> None:
    assert _stages(params) == expected
    assert all(s.stride == 2 for s in expand(params))
    assert all(s.bottleneck_ratio == params.bottleneck_ratio for s in expand(params))


def test_expand_float32_not_float64() -> None:
    # float32: 200 * 2.3 / 8 is exactly 57.5 -> 58 -> 464 (timm); float64 would give 456.
    p = RegNetParams(w0=200, wa=42.0, wm=2.3, depth=17, group_width=8)
    assert [s.width for s in expand(p)] == [200, 464, 1056]


def test_expand_timm_rounding_of_the_bottleneck_width() -> None:
    # bottleneck int(40 * 0.5) = 20, group width 16: make_divisible gives 16 < 0.9 * 20, so 32
    # and width 64; pycls's quantize_float gives round(20 / 16) * 16 = 16, width 32.
    p = RegNetParams(
        w0=40,
        wa=0,
        wm=2.0,
        depth=2,
        group_width=16,
        bottleneck_ratio=0.5,
        group_min_ratio=0.9,
    )
    assert _stages(p) == [(2, 64, 16)]
    assert _stages(dataclasses.replace(p, group_min_ratio=0.0)) == [(2, 32, 16)]
    # min_value wins when it exceeds the rounded width (timm make_divisible's max()).
    # make_divisible(10, 9, min_value=0.9): 9 is exactly 0.9 * 10, not below it: kept.
    exact = RegNetParams(
        w0=10, wa=0, wm=2.0, depth=1, group_width=9, quantum=2, group_min_ratio=0.9
    )
    assert _stages(exact) == [(1, 9, 9)]
    big = RegNetParams(
        w0=16, wa=0, wm=2.0, depth=2, group_width=8, group_min_ratio=100.0
    )
    assert _stages(big) == [(2, 100, 8)]


def test_expand_width_truncates_rounded_over_ratio() -> None:
    # bottleneck int(24 / 3) = 8 -> 8, width int(8 * 3) (8 / (1/3) = 24.000000000000004 -> 24)
    p = RegNetParams(
        w0=24, wa=0, wm=2.0, depth=3, group_width=8, bottleneck_ratio=1 / 3
    )
    assert _stages(p) == [(3, 24, 8)]
    p = RegNetParams(w0=24, wa=0, wm=2.0, depth=3, group_width=8, bottleneck_ratio=2.0)
    assert _stages(p) == [(3, 24, 8)]
    # bottleneck int(24 * 0.3) = 7, group width capped at 7: width int(7 / 0.3) = 23.
    p = RegNetParams(w0=24, wa=0, wm=2.0, depth=1, group_width=8, bottleneck_ratio=0.3)
    assert expand(p) == [RegNetStage(1, 23, 7, 0.3)]


def test_expand_refuses_a_zero_bottleneck_width_with_the_numbers() -> None:
    p = RegNetParams(w0=8, wa=0, wm=2, depth=1, group_width=1, bottleneck_ratio=0.1)
    with pytest.raises(ValueError) as info:
        expand(p)
    assert str(info.value) == (
        "bottleneck width int(8 * 0.1) = 0 of a stage is not positive"
    )
    # 8 * 0.125 = 1 is positive.
    assert _stages(dataclasses.replace(p, bottleneck_ratio=0.125)) == [(1, 8, 1)]


def test_expand_refuses_invalid_params_with_all_problems() -> None:
    p = RegNetParams(w0=0, wa=-1, wm=2, depth=10, group_width=8)
    with pytest.raises(ValueError) as info:
        expand(p)
    assert str(info.value) == (
        f"invalid RegNet parameters: w0 must be an integer in 1..{MAX_W0}, got 0; "
        f"wa must be a number in [0, {MAX_WA}], got -1"
    )


def test_expand_wa_zero_gives_one_stage_of_w0() -> None:
    p = RegNetParams(w0=64, wa=0.0, wm=1.0, depth=4, group_width=16)
    assert expand(p) == [
        RegNetStage(depth=4, width=64, group_width=16, bottleneck_ratio=1.0)
    ]


def test_block_widths_refuse_a_width_beyond_float32() -> None:
    # Unreachable through expand (validate_params's bounds keep widths far below float32's
    # maximum); the guard is checked on the private function: w0 = 1e20, wa = 1e38 -> ratio 1e18
    # of the second block, exponent round(ln 1e18 / ln 1e20) = 1, width 1e20 * 1e20 = 1e40.
    p = RegNetParams(w0=10**20, wa=1e38, wm=1e20, depth=2, group_width=8)
    with pytest.raises(ValueError) as info:
        regnet._block_widths(p)
    assert str(info.value) == f"RegNet widths overflow for {p}"


def test_block_widths_per_block() -> None:
    # regnetx_002 per block (timm generate_regnet): 1 x 24, 1 x 56, 4 x 152, 7 x 368.
    p = RegNetParams(w0=24, wa=36.44, wm=2.49, depth=13, group_width=8)
    assert regnet._block_widths(p) == [24, 56] + [152] * 4 + [368] * 7
    assert regnet._block_widths(dataclasses.replace(p, wa=0.0)) == [24] * 13


# --- regnet: stage figures and SE ------------------------------------------------------------


def test_stage_bottleneck_width_rounds_and_groups_divide() -> None:
    s = RegNetStage(depth=2, width=14, group_width=2, bottleneck_ratio=0.25)
    assert s.bottleneck_width == 4  # round(3.5) half to even, not int(3.5)
    assert s.groups == 2
    s = RegNetStage(depth=2, width=368, group_width=8, bottleneck_ratio=1.0)
    assert (s.bottleneck_width, s.groups, s.stride) == (368, 46, 2)
    s = RegNetStage(depth=1, width=100, group_width=24, bottleneck_ratio=1.0)
    assert s.groups == 4  # floor division


def test_se_channels_from_the_input_width() -> None:
    assert se_channels(32, 48, 0.25) == 8  # regnety_004 s1.b1: the stem's 32, not 48
    assert se_channels(58, 200, 0.25) == 14
    assert se_channels(62, 64, 0.25) == 16  # 15.5 -> 16
    assert se_channels(152, 152, 0.0) == 0
    assert se_channels(3, 152, 0.1) == 0  # round(0.3)


# --- regnet: validation ----------------------------------------------------------------------


def _valid(**changes: object) -> RegNetParams:
    base = RegNetParams(w0=24, wa=10.0, wm=2.0, depth=10, group_width=8)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"quantum": 1, "w0": 7},
        {"quantum": 1, "w0": 1},
        {"w0": MAX_W0},
        {"w0": 8, "quantum": 8},
        {"wa": 0.0, "wm": 0.5},
        {"wa": 0, "wm": 1.0},
        {"wa": MAX_WA},
        {"wa": 0.0},
        {"wm": MAX_WM},
        {"wm": 1.0001},
        {"depth": 1},
        {"depth": MAX_DEPTH},
        {"group_width": 1},
        {"bottleneck_ratio": 1e-9},
        {"se_ratio": 0.0},
        {"se_ratio": 0},
        {"group_min_ratio": 0.0},
        {"wa": 10, "wm": 2, "bottleneck_ratio": 1, "se_ratio": 1, "group_min_ratio": 1},
    ],
)
def test_valid_params_have_no_problems(changes: dict[str, object]) -> None:
    assert validate_params(_valid(**changes)) == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"quantum": 0}, "quantum must be a positive integer, got 0"),
        ({"quantum": 8.0}, "quantum must be a positive integer, got 8.0"),
        ({"quantum": True}, "quantum must be a positive integer, got True"),
        ({"w0": 0}, f"w0 must be an integer in 1..{MAX_W0}, got 0"),
        ({"w0": MAX_W0 + 8}, "w0 must be an integer in 1..65536, got 65544"),
        ({"w0": 24.0}, "w0 must be an integer in 1..65536, got 24.0"),
        ({"w0": 20}, "w0 must be a multiple of the quantum 8, got 20"),
        ({"wa": -0.5}, "wa must be a number in [0, 65536], got -0.5"),
        ({"wa": 65536.5}, "wa must be a number in [0, 65536], got 65536.5"),
        ({"wa": math.inf}, "wa must be a number in [0, 65536], got inf"),
        ({"wa": True}, "wa must be a number in [0, 65536], got True"),
        ({"wm": 1024.5}, "wm must be a finite number <= 1024, got 1024.5"),
        ({"wm": math.nan}, "wm must be a finite number <= 1024, got nan"),
        ({"wm": "2"}, "wm must be a finite number <= 1024, got '2'"),
        ({"wm": 1.0}, "wm must be > 1 when wa > 0, got 1.0"),
        ({"wm": 0.5}, "wm must be > 1 when wa > 0, got 0.5"),
        ({"depth": 0}, "depth must be an integer in 1..1000, got 0"),
        ({"depth": MAX_DEPTH + 1}, "depth must be an integer in 1..1000, got 1001"),
        ({"depth": 10.0}, "depth must be an integer in 1..1000, got 10.0"),
        ({"group_width": 0}, "group_width must be a positive integer, got 0"),
        ({"group_width": 8.0}, "group_width must be a positive integer, got 8.0"),
        ({"bottleneck_ratio": 0}, "bottleneck_ratio must be a number > 0, got 0"),
        ({"bottleneck_ratio": -1.0}, "bottleneck_ratio must be a number > 0, got -1.0"),
        (
            {"bottleneck_ratio": math.inf},
            "bottleneck_ratio must be a number > 0, got inf",
        ),
        ({"se_ratio": -0.25}, "se_ratio must be a number >= 0, got -0.25"),
        ({"se_ratio": math.nan}, "se_ratio must be a number >= 0, got nan"),
        ({"group_min_ratio": -0.5}, "group_min_ratio must be a number >= 0, got -0.5"),
        ({"group_min_ratio": None}, "group_min_ratio must be a number >= 0, got None"),
    ],
)
def test_invalid_params_give_exactly_one_problem(
    changes: dict[str, object], problem: str
) -> None:
    assert validate_params(_valid(**changes)) == [problem]


def test_a_bad_quantum_skips_the_multiple_check() -> None:
    # No division by a zero quantum; only the quantum's own problem.
    assert validate_params(_valid(quantum=0, w0=20)) == [
        "quantum must be a positive integer, got 0"
    ]
    assert validate_params(_valid(quantum=-8, w0=20)) == [
        "quantum must be a positive integer, got -8"
    ]


def test_a_bad_wa_still_requires_wm_above_1() -> None:
    assert validate_params(_valid(wa=math.nan, wm=1.0)) == [
        "wa must be a number in [0, 65536], got nan",
        "wm must be > 1 when wa > 0, got 1.0",
    ]


def test_sanity_bounds() -> None:
    assert (MAX_DEPTH, MAX_W0, MAX_WA, MAX_WM) == (1000, 65536, 65536, 1024.0)
    assert STEM_WIDTH == 32


# --- regnet: Interval and design-space notes --------------------------------------------------


def test_interval_membership() -> None:
    depth = Interval(1, 64, 1, high_open=True)
    assert 1 in depth and 63 in depth
    assert 0 not in depth and 64 not in depth and 65 not in depth
    assert 1.5 not in depth  # off the grid
    assert True not in depth  # bools are not numbers here
    assert "3" not in depth
    wm = Interval(1.5, 3)
    assert 1.5 in wm and 3 in wm and 2.123 in wm
    assert 1.49 not in wm and 3.01 not in wm
    grid = Interval(8, 256, 8)
    assert 256 in grid and 16 in grid and 12 not in grid
    assert 8 + 8 * 3 + 1e-10 in grid  # within the grid tolerance
    assert 8 + 8 * 3 + 1e-6 not in grid
    assert 1e-9 not in Interval(0, 1, 1)  # the tolerance is strict
    odd = Interval(1, 100, 4)  # a grid that starts off the multiples of its step
    assert 5 in odd and 97 in odd
    assert 3 not in odd and 7 not in odd
    assert 0.30000000000000004 in Interval(0, 1, 0.1)  # 3 steps, float noise tolerated


def test_interval_text() -> None:
    assert str(Interval(1, 64, 1, high_open=True)) == "[1, 64) step 1"
    assert str(Interval(1.5, 3)) == "[1.5, 3]"
    assert str(Interval(0, 256, high_open=True)) == "[0, 256)"
    assert str(Interval(8, 128, 8)) == "[8, 128] step 8"
    assert str(Interval(0.0, 2.5, 0.5)) == "[0, 2.5] step 0.5"


def test_paper_ranges() -> None:
    regnet_space = PAPER_RANGES["regnet"]
    assert list(PAPER_RANGES) == ["regnet", "regnetx", "pycls_sweep"]
    # Paper section 4: d < 64, w0 < 256, wa < 256, 1.5 <= wm <= 3; AnyNetX b and g.
    assert regnet_space.depth == Interval(1, 64, 1, high_open=True)
    assert regnet_space.w0 == Interval(8, 256, 8, high_open=True)
    assert regnet_space.wa == Interval(0, 256, high_open=True)
    assert regnet_space.wm == Interval(1.5, 3)
    assert regnet_space.group_width == (1, 2, 4, 8, 16, 32)
    assert regnet_space.bottleneck_b == (1, 2, 4)
    assert regnet_space.stages is None
    x = PAPER_RANGES["regnetx"]
    assert (x.depth, x.wm, x.bottleneck_b) == (
        Interval(12, 28, 1),
        Interval(2, 3),
        (1,),
    )
    assert x.w0 == Interval(8, 256, 8, high_open=True)
    assert x.wa == Interval(0, 256, high_open=True)
    assert x.group_width == (1, 2, 4, 8, 16, 32)
    assert x.stages is None
    sweep = PAPER_RANGES["pycls_sweep"]
    assert sweep.depth == Interval(12, 28, 1)
    assert sweep.w0 == Interval(8, 256, 8)
    assert sweep.wa == Interval(8, 256)
    assert sweep.wm == Interval(2, 3)
    assert sweep.group_width == Interval(8, 128, 8)
    assert sweep.bottleneck_b == (1,)
    assert sweep.stages == 4
    for space in PAPER_RANGES.values():
        assert "Radosavovic" in space.source or "pycls" in space.source


def test_published_regnetx_002_is_inside_the_regnet_space() -> None:
    p = RegNetParams(w0=24, wa=36.44, wm=2.49, depth=13, group_width=8)
    assert outside_design_space(p) == []
    assert outside_design_space(p, "regnetx") == []
    assert outside_design_space(p, "pycls_sweep") == []


def test_design_space_notes_name_every_out_of_range_value() -> None:
    p = RegNetParams(
        w0=640, wa=300.5, wm=3.5, depth=64, group_width=24, bottleneck_ratio=4.0
    )
    assert outside_design_space(p) == [
        "depth=64 is outside regnet range [1, 64) step 1",
        "w0=640 is outside regnet range [8, 256) step 8",
        "wa=300.5 is outside regnet range [0, 256)",
        "wm=3.5 is outside regnet range [1.5, 3]",
        "group_width=24 is outside regnet values {1, 2, 4, 8, 16, 32}",
        "bottleneck_ratio=4 is the paper's b=0.25, outside regnet values b in {1, 2, 4}",
    ]


def test_design_space_notes_of_the_sweep_space() -> None:
    p = RegNetParams(
        w0=24, wa=36.44, wm=2.49, depth=13, group_width=12, bottleneck_ratio=0.5
    )
    assert outside_design_space(p, "pycls_sweep") == [
        "group_width=12 is outside pycls_sweep values [8, 128] step 8",
        "bottleneck_ratio=0.5 is the paper's b=2, outside pycls_sweep values b in {1}",
    ]
    short = RegNetParams(w0=24, wa=36.44, wm=2.49, depth=2, group_width=8)
    assert outside_design_space(short, "pycls_sweep") == [
        "depth=2 is outside pycls_sweep range [12, 28] step 1",
        "expands to 2 stages, pycls_sweep requires 4",
    ]


def test_design_space_notes_skip_the_stage_count_of_invalid_params() -> None:
    # w0 not a multiple of the quantum: expand would raise, so no stage-count note.
    p = RegNetParams(w0=20, wa=36.44, wm=2.49, depth=13, group_width=8)
    assert outside_design_space(p, "pycls_sweep") == [
        "w0=20 is outside pycls_sweep range [8, 256] step 8"
    ]


def test_bottleneck_b_matches_with_isclose() -> None:
    p = RegNetParams(
        w0=24, wa=36.44, wm=2.49, depth=13, group_width=8, bottleneck_ratio=1 / 3
    )
    assert outside_design_space(p) == [
        "bottleneck_ratio=0.3333333333333333 is the paper's b=3, "
        "outside regnet values b in {1, 2, 4}"
    ]
    near = dataclasses.replace(p, bottleneck_ratio=0.25000000000000006)
    assert outside_design_space(near) == []


# --- regnet: float32 rounding ----------------------------------------------------------------


@pytest.mark.parametrize(
    "x",
    [
        2.3,
        0.1,
        -0.1,
        1e-45,
        3e-45,
        -1.5e-44,
        math.ldexp(1.0, -126),  # smallest normal
        math.ldexp(1.0, -126) * 1.3,
        math.ldexp(1.0, -125) * 1.3,
        math.ldexp(1.0, -124) * 1.3,
        math.ldexp(1.0, -127) * 1.3,  # subnormal
        math.ldexp(1.0, -127)
        + math.ldexp(1.0, -150),  # subnormal tie: to even, 2**-127
        math.ldexp(1.0, -126) + math.ldexp(1.0, -149),  # smallest normal, exact
        1.0 + math.ldexp(1.0, -24),  # a tie: rounds to even (1.0)
        1.0 + 3 * math.ldexp(1.0, -24),  # a tie: rounds to even (up)
        57.5,
        3.4e38,
        123456789.123,
    ],
)
def test_f32_equals_the_c_float32_conversion(x: float) -> None:
    assert regnet._f32(x) == _f32_oracle(x)


def test_f32_special_values_and_overflow() -> None:
    assert regnet._f32(0.0) == 0.0
    assert math.copysign(1.0, regnet._f32(-0.0)) == -1.0
    assert regnet._f32(math.inf) == math.inf
    assert math.isnan(regnet._f32(math.nan))
    assert regnet._f32(3.5e38) == math.inf
    assert regnet._f32(-3.5e38) == -math.inf
    flt_max = 3.4028234663852886e38
    assert regnet._f32(flt_max) == flt_max
    assert regnet._f32(math.ldexp(1.0, -150) * 1.5) == math.ldexp(1.0, -149)


def test_recipes_module_exports() -> None:
    assert recipes.SE_RATIO == 1 / 16 and recipes.SE_DIVISOR == 8
