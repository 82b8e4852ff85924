"""The lowering of specs to plans (:mod:`archgen.plan`) against values worked out by hand.

Covers the plan's derived properties (all_ops, paper_width, loc, label, halves, origin, blocks,
stem sizes, feature taps), the helpers (``_out_size``, ``_reduction``, ``default_class_name``,
``_ceil_div``, ``_int``), and :func:`archgen.plan.lower` itself: network fields, the stem, stage
sources (``stages`` or ``regnet``), the style (norm and layout), width, channel and group
resolution, limits, stride placement, attention, dilation and ``output_stride``, shortcuts,
stochastic depth, and every diagnostic ``lower`` emits with its exact position.

Expected numbers follow PyTorch's size formulas, torchvision's and timm's ResNet rules and the
RegNet figures of ../shared/reference/NOTES.md, worked out by hand. Written to kill mutants
(``mutmut run``); no torch, no subprocess: each spec is parsed and lowered in-process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archgen.ops import Act, Attention, Conv, Dropout, Linear, Norm, Pool
from archgen.plan import (
    FeatureTap,
    NetworkPlan,
    Notation,
    StagePlan,
    _ceil_div,
    _out_size,
    _reduction,
    default_class_name,
)
from archgen.resolve import _int
from archgen.source import Document, parse
from archgen.validate import validate

from conftest import MINIMAL, SPECS, lowered

# --- helpers -------------------------------------------------------------------------------


def _plan(text: str) -> NetworkPlan:
    plan = lowered(text)
    assert isinstance(plan, NetworkPlan), plan
    return plan


def _problems(text: str) -> list[tuple[str, str, int, int]]:
    found = lowered(text)
    assert isinstance(found, list), found
    return [(d.code, d.message, d.line, d.column) for d in found]


def _op(ops: tuple[object, ...], path: str) -> object:
    return next(op for op in ops if getattr(op, "path", None) == path)


def _conv(ops: tuple[object, ...], path: str) -> Conv:
    op = _op(ops, path)
    assert isinstance(op, Conv)
    return op


# A two-stage ResNeXt-style network at 32x32 (tests/conftest.py's MINIMAL). By hand: stem conv
# 3->16, 3x3, stride 1, padding 1 keeps 32x32, no pool. Stage 1: width int(8 * 32 / 64) * 2 = 8,
# output 8 * 4 = 32, 2 groups, stride 1. Stage 2: width 16, output 64, stride 2 -> 16x16.
TINY = MINIMAL

RESNET50 = SPECS / "resnet50.yaml"
REGNETY_004 = SPECS / "regnety_004.yaml"


def _basic(
    stages: str, extra: str = "", stem: str = "{width: 16, stride: 1, pool: false}"
) -> str:
    return (
        f"name: net\ninput: {{image_size: 32}}\nstem: {stem}\n{extra}"
        f"defaults: {{block: basic}}\nstages:\n{stages}"
    )


# --- helper functions ----------------------------------------------------------------------


def test_out_size_is_the_last_sized_operation() -> None:
    conv = Conv("c", 3, 8, 3, 2, 1, 1, 1, False, 32, 16)
    pool = Pool("p", "max", 3, 2, 1, 16, 8)
    assert _out_size((conv, pool)) == 8
    assert _out_size((pool, conv)) == 16
    assert _out_size((conv, Norm("n", "batch", 8, 0, 5))) == 5
    assert _out_size((conv, Act("a", "relu", 7), Dropout("d", "drop_path"))) == 7


def test_out_size_refuses_operations_without_a_size() -> None:
    with pytest.raises(ValueError, match=r"^no sized operation$"):
        _out_size(())
    with pytest.raises(ValueError, match=r"^no sized operation$"):
        _out_size((Linear("fc", 8, 10),))


def test_reduction_multiplies_strides_up_to_and_including_the_tap() -> None:
    conv = Conv("c", 3, 8, 7, 2, 3, 1, 1, False, 224, 112)
    act = Act("relu", "relu", 112)
    pool = Pool("maxpool", "max", 3, 2, 1, 112, 56)
    assert _reduction((conv, act, pool)) == 4
    assert _reduction((conv, act, pool), until=act) == 2
    assert _reduction((conv, act, pool), until=conv) == 2
    assert _reduction(()) == 1
    assert isinstance(_reduction((conv, pool)), int)


def test_default_class_name_capitalises_only_the_first_letter() -> None:
    assert default_class_name("wide_resnet50_2") == "Wide_resnet50_2"
    assert default_class_name("resNet") == "ResNet"
    assert default_class_name("x") == "X"


def test_ceil_div_rounds_up() -> None:
    assert _ceil_div(7, 2) == 4
    assert _ceil_div(8, 2) == 4
    assert _ceil_div(57, 1) == 57


def test_int_accepts_only_true_integers() -> None:
    assert _int(3) == 3
    assert _int(True) is None
    assert _int(False) is None
    assert _int(2.0) is None
    assert _int("3") is None
    assert _int(None) is None


# --- Notation.paper_width ------------------------------------------------------------------


def _notation(
    planes: int | None, cardinality: int | None = None, base_width: int | None = None
) -> Notation:
    return Notation(planes, cardinality, base_width, None, None, None, None)


def test_paper_width_floors_before_multiplying_by_the_cardinality() -> None:
    # int(100 * 4 / 64) * 3 = 6 * 3 = 18 (torchvision: int(planes * (base_width / 64.0)) * groups)
    width = _notation(100, 3, 4).paper_width
    assert width == 18
    assert isinstance(width, int)
    assert _notation(64, 32, 4).paper_width == 128  # resnext50_32x4d layer1
    assert _notation(64, None, 128).paper_width == 128  # wide_resnet50_2 layer1


def test_paper_width_defaults_to_base_width_64_and_one_group() -> None:
    assert _notation(64).paper_width == 64
    assert _notation(100).paper_width == 100
    assert _notation(None, 32, 4).paper_width is None


# --- a whole network: fields, stem, stages, blocks, head -------------------------------------


def test_network_fields_of_the_tiny_network() -> None:
    plan = _plan(TINY)
    assert plan.name == "tiny"
    assert plan.class_name == "Tiny"
    assert plan.description == ""
    assert plan.layout == "torchvision"
    assert plan.design_space == "resnext"
    assert plan.named_blocks is False
    assert plan.stem_tap == "relu"
    assert plan.regnet is None
    assert plan.in_channels == 3
    assert plan.image_size == 32
    assert plan.stem_type == "conv"
    assert plan.num_features == 64
    assert plan.num_classes == 10
    assert plan.drop_rate is None
    assert plan.drop_path_rate is None
    assert plan.zero_init_residual is False
    assert plan.ignored_codes == frozenset()
    assert plan.severity_overrides == ()


def test_stem_of_the_tiny_network() -> None:
    plan = _plan(TINY)
    conv, norm, act = plan.stem
    assert isinstance(conv, Conv) and isinstance(norm, Norm) and isinstance(act, Act)
    assert (conv.path, conv.in_channels, conv.out_channels, conv.kernel) == (
        "conv1",
        3,
        16,
        3,
    )
    assert (conv.stride, conv.padding, conv.in_size, conv.out_size) == (1, 1, 32, 32)
    assert (norm.path, norm.channels, act.path) == ("bn1", 16, "relu")
    assert plan.stem_out_size == 32
    assert plan.stem_width == 16


def test_stages_of_the_tiny_network() -> None:
    plan = _plan(TINY)
    one, two = plan.stages
    assert (one.index, one.name, one.recipe, one.declared_stride) == (
        1,
        "layer1",
        "bottleneck",
        1,
    )
    assert (one.width, one.groups, one.out_channels) == (8, 2, 32)
    assert (one.in_size, one.out_size, one.nominal_in_size, one.nominal_out_size) == (
        32,
    ) * 4
    assert (one.reduction, one.dilate, one.halves) == (1, False, False)
    assert one.notation == Notation(8, 2, 32, None, None, None, None)
    assert (two.index, two.name, two.declared_stride, two.halves) == (
        2,
        "layer2",
        2,
        True,
    )
    assert (two.width, two.groups, two.out_channels) == (16, 2, 64)
    assert (two.in_size, two.out_size, two.nominal_in_size, two.nominal_out_size) == (
        32,
        16,
        32,
        16,
    )
    assert (two.reduction, two.dilate) == (2, False)
    assert two.label == "layer2 (stages[1])"
    assert len(one.blocks) == 2 and len(two.blocks) == 1
    assert plan.blocks == one.blocks + two.blocks


def test_blocks_of_the_tiny_network() -> None:
    plan = _plan(TINY)
    first, second, third = plan.blocks
    assert (first.in_channels, first.out_channels, first.in_size, first.out_size) == (
        16,
        32,
        32,
        32,
    )
    assert (
        second.in_channels,
        second.out_channels,
        second.in_size,
        second.out_size,
    ) == (
        32,
        32,
        32,
        32,
    )
    assert (third.in_channels, third.out_channels, third.in_size, third.out_size) == (
        32,
        64,
        32,
        16,
    )
    # 16 -> 32 channels: projection; 32 -> 32 at stride 1: identity; stride 2: projection.
    assert (
        first.shortcut is not None
        and second.shortcut is None
        and third.shortcut is not None
    )
    down = _conv(first.shortcut, "downsample.0")
    assert (down.in_channels, down.out_channels, down.stride, down.in_size) == (
        16,
        32,
        1,
        32,
    )
    down = _conv(third.shortcut, "downsample.0")
    assert (down.in_channels, down.out_channels, down.stride, down.out_size) == (
        32,
        64,
        2,
        16,
    )
    assert {b.shortcut_recipe for b in plan.blocks} == {"conv"}
    assert {b.recipe for b in plan.blocks} == {"bottleneck"}
    assert [b.drop_path_index for b in plan.blocks] == [None, None, None]
    conv2 = _conv(third.ops, "conv2")
    assert (conv2.in_channels, conv2.groups, conv2.stride, conv2.dilation) == (
        16,
        2,
        2,
        1,
    )
    assert (conv2.in_size, conv2.out_size) == (32, 16)
    assert _conv(first.ops, "conv1").in_channels == 16
    assert _conv(second.ops, "conv1").in_channels == 32
    assert third.residual_act == Act("relu", "relu", 16)


def test_all_ops_are_the_branch_then_the_shortcut_then_the_residual_activation() -> (
    None
):
    first, second, _ = _plan(TINY).blocks
    assert first.shortcut is not None
    assert first.all_ops == first.ops + first.shortcut + (first.residual_act,)
    assert len(first.all_ops) == 8 + 2 + 1
    assert second.all_ops == (*second.ops, second.residual_act)
    assert len(second.all_ops) == 9


def test_head_of_the_tiny_network() -> None:
    pool, fc = _plan(TINY).head
    assert pool == Pool("avgpool", "global_avg", 16, 1, 0, 16, 1)
    assert isinstance(fc, Linear)
    assert (fc.path, fc.in_features, fc.out_features) == ("fc", 64, 10)


def test_network_settings_reach_the_plan() -> None:
    plan = _plan(
        TINY.replace(
            "name: tiny\n", "name: tiny\nclass_name: TinyNet\ndescription: small\n"
        )
        + "drop_path_rate: 0.1\ninit: {zero_init_residual: true}\n"
        + "lint: {ignore: [AG2], severity: {AG302: info, AG205: error}}\n"
        + "design_space: anynet\n"
    )
    assert plan.class_name == "TinyNet"
    assert plan.description == "small"
    assert plan.design_space == "anynet"
    assert plan.drop_path_rate == 0.1
    assert plan.zero_init_residual is True
    assert plan.ignored_codes == frozenset({"AG2"})
    assert plan.severity_overrides == (("AG205", "error"), ("AG302", "info"))
    # Stochastic depth: one schedule over the network's blocks, a drop_path in each branch.
    assert [b.drop_path_index for b in plan.blocks] == [0, 1, 2]
    assert all(b.ops[-1] == Dropout("drop_path", "drop_path") for b in plan.blocks)


@pytest.mark.parametrize(
    ("rate", "dropout"), [("0.0", True), ("0.2", True), ("null", False)]
)
def test_head_dropout_follows_whether_a_drop_rate_is_given(
    rate: str, dropout: bool
) -> None:
    plan = _plan(
        TINY.replace(
            "head: {num_classes: 10}", f"head: {{num_classes: 10, drop_rate: {rate}}}"
        )
    )
    assert (Dropout("dropout", "dropout") in plan.head) is dropout
    assert plan.drop_rate == (None if rate == "null" else float(rate))
    assert len(plan.head) == 2 + dropout


# --- resnet50: features, stem pool, stage origins --------------------------------------------


def test_resnet50_feature_taps_are_timms_feature_info() -> None:
    plan = _plan(RESNET50.read_text(encoding="utf-8"))
    assert plan.features == (
        FeatureTap("relu", 64, 2, 112),
        FeatureTap("layer1", 256, 4, 56),
        FeatureTap("layer2", 512, 8, 28),
        FeatureTap("layer3", 1024, 16, 14),
        FeatureTap("layer4", 2048, 32, 7),
    )
    assert plan.stem_out_size == 56
    assert plan.stem_width == 64
    assert plan.head[0] == Pool("avgpool", "global_avg", 7, 1, 0, 7, 1)


def test_regnety_004_features_and_stage_origins() -> None:
    plan = _plan(REGNETY_004.read_text(encoding="utf-8"))
    # RegNetY-400MF: widths 48, 104, 208, 440, depths 1, 3, 6, 6, group width 8 (NOTES.md).
    assert plan.features == (
        FeatureTap("stem", 32, 2, 112),
        FeatureTap("s1", 48, 4, 56),
        FeatureTap("s2", 104, 8, 28),
        FeatureTap("s3", 208, 16, 14),
        FeatureTap("s4", 440, 32, 7),
    )
    assert [len(s.blocks) for s in plan.stages] == [1, 3, 6, 6]
    assert [s.groups for s in plan.stages] == [6, 13, 26, 55]
    assert [s.width for s in plan.stages] == [48, 104, 208, 440]
    assert plan.named_blocks is True
    assert plan.stem_tap == "stem.act"
    assert plan.design_space == "regnet"
    assert plan.regnet == (
        ("w0", 48),
        ("wa", 27.89),
        ("wm", 2.09),
        ("depth", 16),
        ("group_width", 8),
        ("bottleneck_ratio", 1.0),
        ("se_ratio", 0.25),
    )
    stage = plan.stages[0]
    assert stage.loc == ("regnet", "depth")
    assert stage.label == "s1 (stages[0])"
    assert stage.origin("out_channels") == ("regnet", "wa")
    assert stage.origin("width") == ("regnet", "bottleneck_ratio")
    assert stage.origin("groups") == ("regnet", "group_width")
    assert stage.origin("group_width") == ("regnet", "group_width")
    assert stage.origin("stride") == ("regnet",)
    assert stage.origin("attention") == ("regnet", "se_ratio")
    assert stage.origin("planes") == ("regnet", "depth")
    # SE sized from the block's input width: round(0.25 * 32) = 8 for s1's block.
    se = _op(stage.blocks[0].ops, "se")
    assert isinstance(se, Attention) and (se.kind, se.channels, se.hidden) == (
        "se",
        48,
        8,
    )
    assert all(b.recipe == "regnet" for b in plan.blocks)


def test_regnetx_has_no_attention_and_lists_only_the_given_parameters() -> None:
    plan = _plan(
        "name: net\nlayout: timm\nstem: {width: 32, kernel_size: 3, pool: none}\n"
        "regnet: {w0: 24, wa: 36.44, wm: 2.49, depth: 13, group_width: 8}\n"
    )
    # RegNetX-200MF: widths 24, 56, 152, 368, depths 1, 1, 4, 7.
    assert [s.out_channels for s in plan.stages] == [24, 56, 152, 368]
    assert [len(s.blocks) for s in plan.stages] == [1, 1, 4, 7]
    assert not any(isinstance(op, Attention) for b in plan.blocks for op in b.ops)
    assert plan.regnet == (
        ("w0", 24),
        ("wa", 36.44),
        ("wm", 2.49),
        ("depth", 13),
        ("group_width", 8),
        ("bottleneck_ratio", 1.0),
    )
    assert [s.declared_stride for s in plan.stages] == [2, 2, 2, 2]
    assert [s.name for s in plan.stages] == ["s1", "s2", "s3", "s4"]


def test_regnet_stages_take_the_defaults_and_the_given_block() -> None:
    plan = _plan(
        "name: net\nlayout: timm\nstem: {width: 32, kernel_size: 3, pool: none}\n"
        "defaults: {block: bottleneck, shortcut: avg_pool}\n"
        "regnet: {w0: 24, wa: 36.44, wm: 2.49, depth: 13, group_width: 8}\n"
    )
    assert plan.named_blocks is False
    assert [s.name for s in plan.stages] == ["layer1", "layer2", "layer3", "layer4"]
    assert all(s.recipe == "bottleneck" for s in plan.stages)
    assert plan.blocks[0].shortcut_recipe == "avg_pool"
    assert plan.stages[0].out_channels == 24


# --- stem --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pool", "last", "out"),
    [
        ("true", "maxpool", 8),
        ("max", "maxpool", 8),
        ("false", "relu", 16),
        ("none", "relu", 16),
    ],
)
def test_stem_pool_spellings(pool: str, last: str, out: int) -> None:
    plan = _plan(
        _basic("  - {blocks: 1, planes: 16}\n", stem=f"{{width: 16, pool: {pool}}}")
    )
    # 32x32, 7x7 stride-2 conv: 16x16; a 3x3 stride-2 max pool: 8x8.
    paths = [op.path for op in plan.stem]  # type: ignore[union-attr]
    assert paths[-1] == last
    assert plan.stem_out_size == out
    assert _conv(plan.stem, "conv1").kernel == 7


def test_conv_pool_stem_is_resnet_rs() -> None:
    plan = _plan(
        _basic("  - {blocks: 1, planes: 16}\n", stem="{width: 16, pool: conv}")
    )
    conv = _conv(plan.stem, "maxpool.0")
    assert (conv.stride, conv.in_size, conv.out_size) == (2, 16, 8)


def test_deep_stem_has_three_3x3_convolutions() -> None:
    plan = _plan(
        _basic(
            "  - {blocks: 1, planes: 32}\n", stem="{type: deep, width: 32, pool: false}"
        )
    )
    convs = [op for op in plan.stem if isinstance(op, Conv)]
    assert [(c.in_channels, c.out_channels, c.kernel, c.stride) for c in convs] == [
        (3, 16, 3, 2),
        (16, 16, 3, 1),
        (16, 32, 3, 1),
    ]
    assert plan.stem_type == "deep"
    assert plan.stem_width == 32


def test_a_kernel_size_on_a_deep_stem_is_refused_at_the_key() -> None:
    text = _basic(
        "  - {blocks: 1, planes: 32}\n", stem="{type: deep, width: 32, kernel_size: 3}"
    )
    assert _problems(text) == [
        (
            "AG108",
            "stem.kernel_size applies to a 'conv' stem; stem.type is 'deep'; expected "
            "'type: conv' or no kernel_size",
            3,
            31,
        )
    ]


def test_a_kernel_size_on_a_conv_stem_is_used() -> None:
    plan = _plan(
        _basic(
            "  - {blocks: 1, planes: 16}\n",
            stem="{type: conv, width: 16, kernel_size: 5}",
        )
    )
    conv = _conv(plan.stem, "conv1")
    assert (conv.kernel, conv.padding, conv.out_size) == (5, 2, 16)


def test_input_channels_reach_the_stem() -> None:
    text = _basic("  - {blocks: 1, planes: 16}\n")
    plan = _plan(
        text.replace("input: {image_size: 32}", "input: {channels: 1, image_size: 32}")
    )
    assert _conv(plan.stem, "conv1").in_channels == 1
    assert plan.in_channels == 1


# --- stage sources and their diagnostics ------------------------------------------------------


def test_stages_and_regnet_together_are_refused_at_the_regnet_key() -> None:
    text = (
        "name: net\nstages: [{blocks: 1, planes: 8, block: basic}]\n"
        "regnet: {w0: 48, wa: 27.89, wm: 2.09, depth: 16, group_width: 8}\n"
    )
    assert _problems(text) == [
        (
            "AG108",
            "the spec gives both 'stages' and 'regnet'; expected one of them",
            3,
            1,
        )
    ]


def test_a_spec_without_stages_or_regnet_is_refused_at_its_start() -> None:
    assert _problems("name: net\n") == [
        (
            "AG101",
            "missing required key 'stages' (or 'regnet'); expected a list of stages",
            1,
            1,
        )
    ]


def test_regnet_parameters_that_fail_validation_are_refused() -> None:
    text = (
        "name: net\nregnet: {w0: 12, wa: 27.89, wm: 2.09, depth: 16, group_width: 8}\n"
    )
    assert _problems(text) == [
        (
            "AG104",
            "regnet parameters cannot be expanded: w0 must be a multiple of the quantum 8, got 12",
            2,
            1,
        )
    ]


def test_regnet_parameters_that_fail_expansion_are_refused() -> None:
    text = (
        "name: net\nregnet: {w0: 48, wa: 27.89, wm: 2.09, depth: 16, group_width: 8, "
        "bottleneck_ratio: 0.001}\n"
    )
    assert _problems(text) == [
        (
            "AG104",
            "regnet: bottleneck width int(48 * 0.001) = 0 of a stage is not positive",
            2,
            1,
        )
    ]


# --- origins: stage over defaults ---------------------------------------------------------------


def test_stage_origins_prefer_the_stage_over_defaults() -> None:
    plan = _plan(
        TINY.replace(
            "{blocks: 1, planes: 16, stride: 2}",
            "{blocks: 1, planes: 16, stride: 2, cardinality: 4}",
        )
    )
    one, two = plan.stages
    assert one.loc == ("stages", 0)
    assert two.loc == ("stages", 1)
    assert one.origin("planes") == ("stages", 0, "planes")
    assert one.origin("cardinality") == ("defaults", "cardinality")
    assert two.origin("cardinality") == ("stages", 1, "cardinality")
    assert one.origin("width", "base_width", "planes") == ("defaults", "base_width")
    assert one.origin("stride") == ("stages", 0)
    assert two.origin("stride") == ("stages", 1, "stride")
    assert two.groups == 4
    assert two.width == 16 * 32 // 64 * 4


# --- the style: norm and layout -------------------------------------------------------------------


def test_group_norm_settings_on_a_batch_norm_are_refused_at_the_key() -> None:
    text = _basic("  - {blocks: 1, planes: 16}\n", extra="norm: {groups: 8}\n")
    assert _problems(text) == [
        (
            "AG108",
            "norm.groups applies to a 'group' norm; norm.type is 'batch'; expected "
            "'type: group' or no groups",
            4,
            8,
        )
    ]
    text = _basic(
        "  - {blocks: 1, planes: 16}\n",
        extra="norm: {type: frozen_batch, group_size: 8}\n",
    )
    assert _problems(text) == [
        (
            "AG108",
            "norm.group_size applies to a 'group' norm; norm.type is 'frozen_batch'; "
            "expected 'type: group' or no group_size",
            4,
            28,
        )
    ]


def test_group_norm_with_both_groups_and_group_size_is_refused() -> None:
    text = _basic(
        "  - {blocks: 1, planes: 16}\n",
        extra="norm: {type: group, groups: 4, group_size: 8}\n",
    )
    assert _problems(text) == [
        ("AG108", "norm gives both groups and group_size; expected one of them", 4, 32)
    ]


@pytest.mark.parametrize(
    ("norm", "groups", "group_size"),
    [
        ("{type: group}", 32, 0),
        ("{type: group, groups: 4}", 4, 0),
        ("{type: group, group_size: 8}", 0, 8),
    ],
)
def test_group_norm_groups(norm: str, groups: int, group_size: int) -> None:
    plan = _plan(
        _basic(
            "  - {blocks: 1, planes: 64}\n",
            extra=f"norm: {norm}\n",
            stem="{width: 64, stride: 1, pool: false}",
        )
    )
    bn1 = _op(plan.blocks[0].ops, "bn1")
    assert isinstance(bn1, Norm)
    assert (bn1.kind, bn1.groups, bn1.group_size) == ("group", groups, group_size)


def test_batch_norm_has_no_groups() -> None:
    bn1 = _op(_plan(_basic("  - {blocks: 1, planes: 16}\n")).blocks[0].ops, "bn1")
    assert bn1 == Norm("bn1", "batch", 16, 0, 32, 0)


def test_activation_reaches_the_blocks() -> None:
    plan = _plan(_basic("  - {blocks: 1, planes: 16}\n", extra="act: silu\n"))
    assert plan.blocks[0].residual_act == Act("act", "silu", 32)
    # torchvision's module 'relu' is named 'act' when it is not a ReLU.
    assert plan.blocks[0].ops[2] == Act("act", "silu", 32)


@pytest.mark.parametrize(
    ("layout", "blocks", "names"),
    [
        ("timm", ["regnet", "regnet"], ["s1", "s2"]),
        ("timm", ["basic", "regnet"], ["layer1", "layer2"]),
        ("timm", ["basic", "basic"], ["layer1", "layer2"]),
        (
            "torchvision",
            ["regnet", "regnet"],
            ["trunk_output.block1", "trunk_output.block2"],
        ),
        ("torchvision", ["bottleneck", "regnet"], ["layer1", "layer2"]),
    ],
)
def test_layout_follows_the_block_family(
    layout: str, blocks: list[str], names: list[str]
) -> None:
    stages = "".join(f"  - {{blocks: 1, planes: 16, block: {b}}}\n" for b in blocks)
    text = f"name: net\nlayout: {layout}\ninput: {{image_size: 32}}\nstem: {{width: 16}}\nstages:\n{stages}"
    plan = _plan(text)
    assert [s.name for s in plan.stages] == names
    assert plan.named_blocks is (names[0] != "layer1")


def test_timm_layout_basic_block_residual_activation_is_act2_as_timms() -> None:
    plan = _plan(_basic("  - {blocks: 1, planes: 16}\n", extra="layout: timm\n"))
    assert plan.blocks[0].residual_act == Act("act2", "relu", 32)
    assert plan.stem_tap == "act1"
    assert plan.features[0] == FeatureTap("act1", 16, 1, 32)


# --- stage resolution: block, widths, channels, groups -----------------------------------------------


def test_a_stage_without_a_block_is_refused_at_the_stage() -> None:
    text = "name: net\nstages:\n  - {blocks: 1, planes: 8, block: basic}\n  - {blocks: 1, planes: 8}\n"
    assert _problems(text) == [
        (
            "AG105",
            "layer2 (stages[1]) has no block type; expected 'block: basic' or "
            "'block: bottleneck' or 'block: regnet' or 'block: preact_bottleneck' or "
            "'block: res2net' or 'block: resnest' or 'block: sk_basic' or "
            "'block: sk_bottleneck' in the stage or in defaults",
            4,
            5,
        )
    ]


def test_timm_layout_stage_without_a_block_is_still_refused() -> None:
    text = "name: net\nlayout: timm\nstages:\n  - {blocks: 1, planes: 8}\n"
    assert [p[0] for p in _problems(text)] == ["AG105"]


def test_a_stage_without_a_width_is_refused_at_the_stage() -> None:
    message = (
        "layer1 (stages[0]) does not say how wide it is; expected "
        "'planes' (paper notation) or 'width' and 'out_channels' (explicit)"
    )
    assert _problems(_basic("  - {blocks: 1}\n")) == [("AG107", message, 6, 5)]
    assert _problems(_basic("  - {blocks: 1, width: 16}\n")) == [
        ("AG107", message, 6, 5)
    ]
    assert _problems(_basic("  - {blocks: 1, out_channels: 16}\n")) == [
        ("AG107", message, 6, 5)
    ]
    assert _problems(_basic("  - {blocks: 1, group_width: 8, out_channels: 16}\n")) == [
        ("AG107", message, 6, 5)
    ]


def test_explicit_width_and_channels_win_over_planes() -> None:
    stage = _plan(
        _basic("  - {blocks: 1, planes: 16, width: 24, out_channels: 40}\n")
    ).stages[0]
    assert (stage.width, stage.out_channels) == (24, 40)


def test_width_from_groups_and_group_width() -> None:
    stage = _plan(
        _basic("  - {blocks: 1, groups: 4, group_width: 16, out_channels: 64}\n")
    ).stages[0]
    assert (stage.width, stage.groups, stage.out_channels) == (64, 4, 64)


@pytest.mark.parametrize(
    ("width", "group_width", "groups"),
    [(64, 16, 4), (40, 16, 2), (16, 16, 1), (8, 16, 1)],
)
def test_groups_from_group_width(width: int, group_width: int, groups: int) -> None:
    stage = _plan(
        _basic(
            f"  - {{blocks: 1, width: {width}, group_width: {group_width}, out_channels: 16}}\n"
        )
    ).stages[0]
    assert stage.groups == groups


def test_explicit_groups_win_over_group_width_and_cardinality() -> None:
    stage = _plan(
        _basic(
            "  - {blocks: 1, width: 64, groups: 8, group_width: 16, cardinality: 2, out_channels: 64}\n"
        )
    ).stages[0]
    assert stage.groups == 8
    stage = _plan(
        _basic("  - {blocks: 1, width: 64, cardinality: 2, out_channels: 64}\n")
    ).stages[0]
    assert stage.groups == 2
    stage = _plan(_basic("  - {blocks: 1, planes: 16}\n")).stages[0]
    assert (stage.groups, stage.width, stage.out_channels) == (1, 16, 16)


def test_channel_limit_counts_the_expansion() -> None:
    # 16,384 planes in a bottleneck: 65,536 output channels, exactly the limit.
    text = "name: net\nstages:\n  - {blocks: 1, planes: 16384, block: bottleneck}\n"
    assert _plan(text).stages[0].out_channels == 65_536
    text = "name: net\nstages:\n  - {blocks: 1, planes: 16385, block: bottleneck}\n"
    assert _problems(text) == [
        (
            "AG109",
            "layer1 (stages[0]) output channels comes to 65,540 channels from planes; "
            "archgen's limit is 65,536",
            3,
            25,
        )
    ]


def test_width_limit_names_the_first_field_given() -> None:
    text = (
        "name: net\ndefaults: {cardinality: 2}\n"
        "stages:\n  - {blocks: 1, planes: 65536, block: basic, out_channels: 64}\n"
    )
    assert _problems(text) == [
        (
            "AG109",
            "layer1 (stages[0]) width comes to 131,072 channels from planes; "
            "archgen's limit is 65,536",
            4,
            25,
        )
    ]


def test_width_limit_without_a_named_field_points_at_the_stage() -> None:
    text = (
        "name: net\nstages:\n"
        "  - {blocks: 1, groups: 4, group_width: 65536, out_channels: 64, block: basic}\n"
    )
    assert _problems(text) == [
        (
            "AG109",
            "layer1 (stages[0]) width comes to 262,144 channels from planes; "
            "archgen's limit is 65,536",
            3,
            5,
        )
    ]


# --- stride placement and attention -------------------------------------------------------------------


def test_a_basic_block_cannot_take_the_stride_on_a_1x1() -> None:
    text = _basic("  - {blocks: 1, planes: 16, stride_on: 1x1}\n")
    assert _problems(text) == [
        (
            "AG108",
            "layer1 (stages[0]) puts the stride on a 1x1 convolution, which a basic block "
            "cannot; expected 'stride_on: 3x3' for basic blocks",
            6,
            40,
        )
    ]


@pytest.mark.parametrize(
    ("stride_on", "conv1", "conv2"), [("1x1", 2, 1), ("3x3", 1, 2), (None, 1, 2)]
)
def test_bottleneck_stride_placement(
    stride_on: str | None, conv1: int, conv2: int
) -> None:
    where = f", stride_on: {stride_on}" if stride_on else ""
    plan = _plan(TINY.replace("stride: 2}", f"stride: 2{where}}}"))
    block = plan.stages[1].blocks[0]
    assert (_conv(block.ops, "conv1").stride, _conv(block.ops, "conv2").stride) == (
        conv1,
        conv2,
    )
    assert block.out_size == 16


@pytest.mark.parametrize("extra", ["ratio: 0.25", "divisor: 8"])
def test_eca_refuses_a_reduction(extra: str) -> None:
    text = _basic(f"  - {{blocks: 1, planes: 16, attention: {{type: eca, {extra}}}}}\n")
    word = extra.split(":")[0]
    assert _problems(text) == [
        (
            "AG108",
            f"layer1 (stages[0]) gives 'eca' attention a {word}, which applies to 'se' "
            f"attention; expected 'type: se' or no {word}",
            6,
            40,
        )
    ]


def test_eca_and_se_attention_reach_the_block() -> None:
    plan = _plan(
        _basic(
            "  - {blocks: 1, planes: 64, attention: {type: eca}}\n",
            stem="{width: 64, stride: 1, pool: false}",
        )
    )
    # ECA's kernel for 64 channels: int((log2(64) + 1) / 2) = 3, odd.
    assert _op(plan.blocks[0].ops, "se") == Attention("se", "eca", 64, 3, 32)
    plan = _plan(
        _basic(
            "  - {blocks: 1, planes: 64, attention: {type: se, ratio: 0.25, divisor: 8}}\n",
            stem="{width: 64, stride: 1, pool: false}",
        )
    )
    # make_divisible(64 * 0.25, 8) = 16
    assert _op(plan.blocks[0].ops, "se") == Attention("se", "se", 64, 16, 32)
    plan = _plan(
        _basic(
            "  - {blocks: 1, planes: 64, attention: {type: se, ratio: 0.5, divisor: 8}}\n",
            stem="{width: 64, stride: 1, pool: false}",
        )
    )
    assert _op(plan.blocks[0].ops, "se") == Attention("se", "se", 64, 32, 32)


# --- dilation and output_stride -------------------------------------------------------------------------


RESNET50_64 = """\
name: net
input: {image_size: 64}
defaults: {block: bottleneck}
stages:
  - {blocks: 2, planes: 64}
  - {blocks: 2, planes: 128, stride: 2}
  - {blocks: 2, planes: 256, stride: 2}
  - {blocks: 2, planes: 512, stride: 2}
"""


def _dilations(stage: StagePlan) -> list[tuple[int, int]]:
    return [
        (_conv(b.ops, "conv2").stride, _conv(b.ops, "conv2").dilation)
        for b in stage.blocks
    ]


def test_output_stride_8_dilates_the_last_two_stages() -> None:
    # 64x64: stem 32, pool 16; reduction 4 before layer1. layer2 strides (4 < 8): 8x8, reduction 8.
    # layer3 (reduction 8 >= 8) and layer4 dilate: 2 then 4, their first block keeping the
    # previous dilation (torchvision's replace_stride_with_dilation=[False, True, True]).
    plan = _plan(RESNET50_64 + "output_stride: 8\n")
    _, s2, s3, s4 = plan.stages
    assert [s.dilate for s in plan.stages] == [False, False, True, True]
    assert [s.reduction for s in plan.stages] == [4, 8, 8, 8]
    assert [s.out_size for s in plan.stages] == [16, 8, 8, 8]
    assert [s.nominal_out_size for s in plan.stages] == [16, 8, 4, 2]
    assert [s.nominal_in_size for s in plan.stages] == [16, 16, 8, 4]
    assert [s.in_size for s in plan.stages] == [16, 16, 8, 8]
    assert _dilations(s2) == [(2, 1), (1, 1)]
    assert _dilations(s3) == [(1, 1), (1, 2)]
    assert _dilations(s4) == [(1, 2), (1, 4)]
    assert [s.declared_stride for s in plan.stages] == [1, 2, 2, 2]
    down = _conv(s3.blocks[0].shortcut or (), "downsample.0")
    assert (down.stride, down.in_channels, down.out_channels) == (1, 512, 1024)
    assert plan.features[-1] == FeatureTap("layer4", 2048, 8, 8)


def test_output_stride_16_dilates_the_last_stage_only() -> None:
    plan = _plan(RESNET50_64 + "output_stride: 16\n")
    assert [s.dilate for s in plan.stages] == [False, False, False, True]
    assert [s.reduction for s in plan.stages] == [4, 8, 16, 16]
    assert _dilations(plan.stages[3]) == [(1, 1), (1, 2)]


def test_output_stride_leaves_unstrided_stages_alone() -> None:
    plan = _plan(RESNET50_64 + "  - {blocks: 1, planes: 512}\noutput_stride: 8\n")
    assert [s.dilate for s in plan.stages] == [False, False, True, True, False]
    assert _dilations(plan.stages[4]) == [(1, 4)]


def test_output_stride_32_dilates_nothing() -> None:
    plan = _plan(RESNET50_64 + "output_stride: 32\n")
    assert [s.dilate for s in plan.stages] == [False] * 4
    assert [s.reduction for s in plan.stages] == [4, 8, 16, 32]


def test_dilate_replaces_a_stage_stride() -> None:
    plan = _plan(
        _basic(
            "  - {blocks: 2, planes: 16, stride: 2, dilate: true}\n"
            "  - {blocks: 1, planes: 16, stride: 2}\n"
            "  - {blocks: 1, planes: 16, dilate: true}\n"
        )
    )
    one, two, three = plan.stages
    assert (one.dilate, one.out_size, one.reduction, one.nominal_out_size) == (
        True,
        32,
        1,
        16,
    )
    first, second = one.blocks
    assert (_conv(first.ops, "conv1").dilation, _conv(first.ops, "conv2").dilation) == (
        1,
        2,
    )
    assert (
        _conv(second.ops, "conv1").dilation,
        _conv(second.ops, "conv2").dilation,
    ) == (2, 2)
    # A stride-2 stage after a dilated one strides, and keeps the dilation (timm's rule).
    assert (two.dilate, two.out_size, two.reduction, two.nominal_out_size) == (
        False,
        16,
        2,
        8,
    )
    assert _conv(two.blocks[0].ops, "conv1").stride == 2
    assert _conv(two.blocks[0].ops, "conv1").dilation == 2
    # The first block strides 2 with the same channels: it needs a projection.
    assert two.blocks[0].shortcut is not None
    assert (three.dilate, three.out_size, three.nominal_out_size) == (True, 16, 8)
    assert _conv(three.blocks[0].ops, "conv2").dilation == 2
    assert three.blocks[0].shortcut is None


def test_stride_one_same_channels_has_an_identity_shortcut() -> None:
    plan = _plan(
        _basic("  - {blocks: 1, planes: 16}\n  - {blocks: 1, planes: 16, stride: 2}\n")
    )
    assert plan.blocks[0].shortcut is None
    assert plan.blocks[1].shortcut is not None
    conv = _conv(plan.blocks[1].shortcut or (), "downsample.0")
    assert (conv.in_channels, conv.out_channels, conv.stride, conv.out_size) == (
        16,
        16,
        2,
        16,
    )


def test_avg_pool_shortcut_follows_stride_and_dilation() -> None:
    plan = _plan(
        RESNET50_64.replace(
            "{block: bottleneck}", "{block: bottleneck, shortcut: avg_pool}"
        )
        + "output_stride: 16\n"
    )
    pools = [b.shortcut[0] for b in plan.blocks if b.shortcut]
    assert [(p.kind, p.stride, p.out_size) for p in pools] == [  # type: ignore[union-attr]
        ("avg", 1, 16),
        ("avg", 2, 8),
        ("avg", 2, 4),
        ("avg_same", 1, 4),
    ]
    assert {b.shortcut_recipe for b in plan.blocks} == {"avg_pool"}


def test_odd_sizes_round_nominal_sizes_up() -> None:
    # 225x225: 7x7 stride-2 conv: (225 + 6 - 6 - 1) // 2 + 1 = 113; max pool: 57; stride 2: 29.
    plan = _plan(
        RESNET50_64.replace("image_size: 64", "image_size: 225") + "output_stride: 16\n"
    )
    assert plan.stem_out_size == 57
    assert [s.nominal_out_size for s in plan.stages] == [57, 29, 15, 8]
    assert [s.out_size for s in plan.stages] == [57, 29, 15, 15]


def test_regnet_se_ratio_sizes_the_squeeze_excitation() -> None:
    # RegNetY's SE is round(se_ratio x the block's input width): 0.5 x 32 = 16 for s1's block.
    plan = _plan(
        REGNETY_004.read_text(encoding="utf-8").replace(
            "se_ratio: 0.25", "se_ratio: 0.5"
        )
    )
    se = _op(plan.stages[0].blocks[0].ops, "se")
    assert isinstance(se, Attention) and (se.channels, se.hidden) == (48, 16)
    assert plan.stages[0].origin("attention") == ("regnet", "se_ratio")


def test_width_limit_of_an_expanded_regnet_points_at_the_bottleneck_ratio() -> None:
    # wa = w0 = 4096, wm = 2: block widths 4096 and 8192 (u1 = 8192 = 4096 x 2^1). With a
    # bottleneck ratio of 16 the second stage is int(8192 x 16) = 131,072 wide.
    text = (
        "name: net\nlayout: timm\n"
        "regnet: {w0: 4096, wa: 4096, wm: 2, depth: 2, group_width: 8, bottleneck_ratio: 16}\n"
    )
    assert _problems(text) == [
        (
            "AG109",
            "s2 (stages[1]) width comes to 131,072 channels from width; "
            "archgen's limit is 65,536",
            3,
            81,
        )
    ]


def test_channel_limit_of_an_expanded_regnet_points_at_wa() -> None:
    # w0 = wa = 4096, wm = 16, 70 blocks: u_j = 4096 (1 + j) quantises to 4096 x 16^k for
    # k = 0, 1, 2; the third stage has 1,048,576 output channels and, at a bottleneck ratio of
    # 1/16, a width of 65,536 (exactly the limit).
    text = (
        "name: net\nlayout: timm\n"
        "regnet: {w0: 4096, wa: 4096, wm: 16, depth: 70, group_width: 8, "
        "bottleneck_ratio: 0.0625}\n"
    )
    assert _problems(text) == [
        (
            "AG109",
            "s3 (stages[2]) output channels comes to 1,048,576 channels from out_channels; "
            "archgen's limit is 65,536",
            3,
            24,
        )
    ]


@pytest.mark.parametrize("field", ["base_width: 4", "cardinality: 2"])
def test_width_limit_from_groups_names_a_written_paper_field(field: str) -> None:
    text = (
        "name: net\nstages:\n"
        f"  - {{blocks: 1, groups: 4, group_width: 65536, out_channels: 64, {field}, "
        "block: basic}\n"
    )
    name = field.split(":")[0]
    assert _problems(text) == [
        (
            "AG109",
            f"layer1 (stages[0]) width comes to 262,144 channels from {name}; "
            "archgen's limit is 65,536",
            3,
            66 + len(name) + 2,
        )
    ]


def test_every_failing_stage_is_reported() -> None:
    text = (
        "name: net\nstages:\n  - {blocks: 1, planes: 8}\n  - {blocks: 1, planes: 8}\n"
    )
    assert [(code, line, column) for code, _, line, column in _problems(text)] == [
        ("AG105", 3, 5),
        ("AG105", 4, 5),
    ]


def test_a_block_option_on_a_block_that_does_not_take_it_is_refused_at_the_option() -> (
    None
):
    text = "name: net\ndefaults: {block: bottleneck, scale: 4}\nstages:\n  - {blocks: 1, planes: 8}\n"
    assert _problems(text) == [
        (
            "AG108",
            "layer1 (stages[0]) gives scale, which applies to 'res2net' blocks; its block is "
            "'bottleneck'; expected 'block: res2net' or no scale",
            2,
            31,  # the key 'scale' in "defaults: {block: bottleneck, scale: 4}"
        )
    ]


def test_res2net_scale_below_two_is_refused_by_the_schema() -> None:
    text = "name: net\ndefaults: {block: res2net, scale: 1}\nstages:\n  - {blocks: 1, planes: 8}\n"
    document = parse(Path("spec.yaml"), "spec.yaml", text.encode("utf-8"))
    assert isinstance(document, Document)
    problems = validate(document)
    assert isinstance(problems, list)
    assert [(d.code, d.message, d.line) for d in problems] == [
        ("AG104", "defaults.scale must be at least 2, found 1", 2)
    ]


def test_a_selective_kernel_whose_paths_do_not_divide_its_input_is_refused() -> None:
    # split_input gives each of 3 paths 64 / 3 channels; timm asserts the split is even.
    text = (
        "name: net\nlayout: timm\ndefaults: {block: sk_basic, kernel_sizes: [3, 5, 7]}\n"
        "stages:\n  - {blocks: 1, planes: 64}\n"
    )
    assert _problems(text) == [
        (
            "AG201",
            "layer1 (stages[0]) splits 64 input channels among 3 branches of its selective "
            "kernel, which does not divide them; expected a number of kernel_sizes that "
            "divides 64, or split_input: false",
            3,
            43,
        )
    ]


def test_split_attention_groups_that_do_not_divide_its_attention_are_refused() -> None:
    # width int(64 * 20 / 64) * 3 = 60; attention make_divisible(60 * 2 / 4, 8, least 32) = 32,
    # which timm's fc1 cannot split into 3 groups either (out_channels must be divisible).
    text = (
        "name: net\nlayout: timm\ndefaults: {block: resnest, cardinality: 3, base_width: 20}"
        "\nstages:\n  - {blocks: 1, planes: 64}\n"
    )
    assert _problems(text) == [
        (
            "AG201",
            "layer1 (stages[0]) splits the 32 channels of its split attention's fc1 into 3 "
            "groups, which does not divide them; expected cardinality that divides 32",
            3,
            41,
        )
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            "kernel_sizes: [3, 4]",
            "defaults.kernel_sizes must be odd sizes so that each branch keeps the map "
            "centred, found a sequence",
        ),
        ("radix: 0", "defaults.radix must be at least 1, found 0"),
    ],
)
def test_selective_kernel_and_split_attention_options_are_checked_by_the_schema(
    options: str, message: str
) -> None:
    text = f"name: net\ndefaults: {{block: resnest, {options}}}\nstages:\n  - {{blocks: 1, planes: 8}}\n"
    document = parse(Path("spec.yaml"), "spec.yaml", text.encode("utf-8"))
    assert isinstance(document, Document)
    problems = validate(document)
    assert isinstance(problems, list)
    assert [(d.code, d.message) for d in problems] == [("AG104", message)]


def test_avd_on_a_block_other_than_resnest_is_refused_at_the_option() -> None:
    text = "name: net\ndefaults: {block: bottleneck, avd: last}\nstages:\n  - {blocks: 1, planes: 8}\n"
    ((code, message, _, _),) = _problems(text)
    assert (code, message) == (
        "AG108",
        "layer1 (stages[0]) gives avd, which applies to 'resnest' blocks; its block is "
        "'bottleneck'; expected 'block: resnest' or no avd",
    )


def test_the_schema_offers_exactly_the_block_recipes() -> None:
    # Lowering relies on it: a block type the schema accepts always has a recipe.
    from typing import get_args

    from archgen.recipes import BLOCKS
    from archgen.spec import BlockType

    assert (
        set(get_args(BlockType))
        == set(BLOCKS)
        == {"basic", "bottleneck", "regnet", "preact_bottleneck", "res2net"}
        | {"resnest", "sk_basic", "sk_bottleneck"}
    )
