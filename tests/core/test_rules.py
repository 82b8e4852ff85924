"""Exact behaviour of the lint rules (archgen/rules/), read off the raw findings.

The tests compile small specs in-process (no torch, no subprocess) and call each rule directly,
so that every code, message, location and proposed fix the rule makes can be checked before the
pipeline verifies and merges fixes. Every expected figure is derived by hand from the ResNeXt
template (Xie et al., section 3.1, and torchvision's ``int(planes * base_width / 64) * groups``,
see shared/reference/NOTES.md) and written down as a literal; the comments show the arithmetic.
The pure helpers (divisors, multiples, the doubling vote, runs and segments) are checked on small
hand-made inputs. Tests are grouped by the function under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import pytest

from archgen import limits
from archgen.complexity import Complexity, analyse
from archgen.diagnostics import Fix
from archgen.plan import NetworkPlan, StagePlan
from archgen.rules import common, expect, registry, resnext, structural
from archgen.rules.base import Finding, Rule
from archgen.rules.expect import Expectation

from conftest import lowered


def _compile(text: str) -> tuple[NetworkPlan, Complexity]:
    """The plan and complexity of a YAML spec; the spec must be valid."""
    plan = lowered(text)
    assert not isinstance(plan, list), plan
    return plan, analyse(plan)


def _plan(text: str) -> NetworkPlan:
    return _compile(text)[0]


def _run(rule: Rule, text: str) -> list[Finding]:
    plan, complexity = _compile(text)
    return list(rule(plan, complexity))


def _spec(*stages: str, defaults: str = "{block: bottleneck}", extra: str = "") -> str:
    """A spec with the given stage mappings (flow style), one per line."""
    lines = ["name: t", f"defaults: {defaults}", "stages:"]
    lines += [f"  - {stage}" for stage in stages]
    return "\n".join(lines) + "\n" + extra


def _fix(loc: tuple[str | int, ...], old: object, new: object) -> Fix:
    return Fix(loc, old, new)


def _add(stage: int, value: int = 2) -> Fix:
    """The fix that adds ``stride`` to a stage that leaves it out."""
    return Fix(("stages", stage, "stride"), None, value, insert=True)


@dataclass(frozen=True)
class _Stage:
    """The two attributes the segmenting helpers read of a stage."""

    declared_stride: int

    @property
    def halves(self) -> bool:
        return self.declared_stride == 2


def _stages(*strides: int) -> list[StagePlan]:
    return cast("list[StagePlan]", [_Stage(stride) for stride in strides])


RESNET50_STAGES = (
    "{blocks: 3, planes: 64}",
    "{blocks: 4, planes: 128, stride: 2}",
    "{blocks: 6, planes: 256, stride: 2}",
    "{blocks: 3, planes: 512, stride: 2}",
)


# --- small helpers -------------------------------------------------------------------------------


def test_ceil_div_rounds_up() -> None:
    assert common.ceil_div(7, 2) == 4
    assert common.ceil_div(8, 2) == 4
    assert common.ceil_div(1, 64) == 1
    assert common.ceil_div(0, 5) == 0


def test_size_and_label_name_maps_and_stages() -> None:
    assert common.square(7) == "7x7"
    plan = _plan(_spec(*RESNET50_STAGES))
    assert [common.label(s) for s in plan.stages] == [
        "layer1 (stages[0])",
        "layer2 (stages[1])",
        "layer3 (stages[2])",
        "layer4 (stages[3])",
    ]


def test_depth_counts_branch_convolutions() -> None:
    # Bottleneck: 1x1, 3x3, 1x1 = 3; basic: 3x3, 3x3 = 2 (torchvision's blocks).
    bottleneck = _plan(_spec("{blocks: 2, planes: 64}")).stages[0]
    basic = _plan(_spec("{blocks: 2, planes: 64}", defaults="{block: basic}")).stages[0]
    assert common.depth(bottleneck) == 3
    assert common.depth(basic) == 2


def test_divisors_near_orders_by_distance_then_size() -> None:
    # Divisors of 200: 1 2 4 5 8 10 20 25 40 50 100 200; from 24: 25 (1), 20 (4), 10 (14), 40 (16).
    assert common.divisors_near(200, 24) == [25, 20, 10]
    # Divisors of 12 from 3: 3 (0), then 2 and 4 both at 1: the smaller first.
    assert common.divisors_near(12, 3) == [3, 2, 4]
    assert common.divisors_near(12, 3, 2) == [3, 2]
    assert common.divisors_near(12, 3, count=4) == [3, 2, 4, 1]
    # The channel count itself is a divisor.
    assert common.divisors_near(7, 7) == [7, 1]
    # Nothing larger than the channel count, and nothing at all for no channels.
    assert common.divisors_near(1, 5) == [1]
    assert common.divisors_near(0, 4) == []


def test_multiples_near_below_and_above() -> None:
    assert common.multiples_near(200, 24) == [192, 216]
    assert common.multiples_near(48, 24) == [48]
    assert common.multiples_near(5, 8) == [8]  # 0 is never proposed
    assert common.multiples_near(1, 1) == [1]  # but 1 is
    # 65,536 (limits.MAX_CHANNELS) is allowed, one step above it is not.
    assert limits.MAX_CHANNELS == 65_536
    assert common.multiples_near(65_535, 65_536) == [65_536]
    assert common.multiples_near(65_537, 2) == [65_536]


def test_gcd() -> None:
    assert common.gcd(12, 18) == 6
    assert common.gcd(0, 7) == 7
    assert common.gcd(7, 0) == 7
    assert common.gcd(256, 1024) == 256


def test_value_fixes_skip_the_old_value_and_need_a_location() -> None:
    loc = ("stages", 0, "planes")
    assert common.value_fixes(loc, 4, [3, 4, 5]) == (_fix(loc, 4, 3), _fix(loc, 4, 5))
    assert common.value_fixes(None, 4, [3, 5]) == ()


def test_written_reads_where_the_spec_gives_a_field() -> None:
    stage = _plan(
        _spec(
            "{blocks: 2, planes: 64}", defaults="{block: bottleneck, cardinality: 32}"
        )
    ).stages[0]
    assert common.written(stage, "planes") == ("stages", 0, "planes")
    assert common.written(stage, "cardinality") == ("defaults", "cardinality")
    assert common.written(stage, "width") is None


# --- segments, runs and what the rules expect ----------------------------------------------------


def test_segments_split_at_strides_other_than_one_or_two() -> None:
    plan = _plan(
        _spec(
            "{blocks: 1, planes: 64}",
            "{blocks: 1, planes: 128, stride: 2}",
            "{blocks: 1, planes: 256, stride: 3}",
            "{blocks: 1, planes: 256}",
            defaults="{block: basic}",
        )
    )
    segments = expect.segments(plan)
    assert [[s.index for s in segment] for segment in segments] == [[1, 2], [3, 4]]


def test_runs_group_stages_on_one_map_size() -> None:
    assert expect.runs(_stages(2, 1, 2, 1, 1)) == [[0, 1], [2, 3, 4]]
    assert expect.runs(_stages(1, 1)) == [[0, 1]]
    assert expect.runs(_stages(1, 3)) == [[0], [1]]


def test_doubling_takes_the_value_most_stages_agree_on() -> None:
    stages = _stages(1, 2, 2, 2)
    assert expect.doubling(stages, [64, 128, 256, 512]) == [64, 128, 256, 512]
    # 192 at the third stage votes for 48; 64 has three votes.
    assert expect.doubling(stages, [64, 128, 192, 512]) == [64, 128, 256, 512]
    # A stride-1 stage keeps the factor.
    assert expect.doubling(_stages(1, 1, 2), [64, 64, 100]) == [64, 64, 128]


def test_doubling_ties_go_to_the_earliest_stage() -> None:
    # 64 votes 64, 96 on the halving stage votes 48: one vote each, the first stage wins.
    assert expect.doubling(_stages(1, 2), [64, 96]) == [64, 128]
    assert expect.doubling(_stages(1, 2), [96, 128]) == [96, 192]


def test_doubling_first_stage_never_doubles_even_when_it_halves() -> None:
    assert expect.doubling(_stages(2, 2), [64, 128]) == [64, 128]


def test_doubling_of_odd_values_and_of_one() -> None:
    # 63 and 126 both vote 63 (126 / 2).
    assert expect.doubling(_stages(1, 2), [63, 126]) == [63, 126]
    # 1 votes 1, 4 votes 2: a tie, the first stage's 1 wins.
    assert expect.doubling(_stages(1, 2), [1, 4]) == [1, 2]


def test_doubling_ignores_zero_and_values_that_do_not_divide() -> None:
    assert expect.doubling(_stages(1, 2), [0, 128]) == [64, 128]
    assert expect.doubling(_stages(1, 2), [64, 127]) == [64, 128]
    assert expect.doubling(_stages(1, 2), [0, 0]) == [None, None]
    assert expect.doubling(_stages(1, 2), [0, 7]) == [None, None]


def test_doubling_expects_nothing_above_the_channel_limit() -> None:
    # 65,536 at both: votes 65,536 (first) and 32,768 tie; the first wins, doubled it is too wide.
    assert expect.doubling(_stages(1, 2), [65_536, 65_536]) == [65_536, None]


def test_sharing_takes_the_majority_of_each_run() -> None:
    assert expect.sharing(_stages(1, 1, 1), [8, 4, 4]) == [4, 4, 4]
    assert expect.sharing(_stages(1, 1), [8, 4]) == [8, 8]  # a tie: the earliest
    # Runs [0, 1] and [2, 3]: the second ties 32 against 1, and 32 comes first.
    assert expect.sharing(_stages(1, 1, 2, 1), [1, 1, 32, 1]) == [1, 1, 32, 32]
    assert expect.sharing(_stages(1, 2, 1, 1), [1, 32, 1, 1]) == [1, 1, 1, 1]
    assert expect.sharing(_stages(1, 2), ["basic", "bottleneck"]) == [
        "basic",
        "bottleneck",
    ]


def test_expectations_of_resnext50_are_its_own_figures() -> None:
    # ResNeXt-50 32x4d (Table 1): widths 128 256 512 1024, outputs 256 .. 2048, C = 32.
    plan = _plan(
        _spec(
            *RESNET50_STAGES,
            defaults="{block: bottleneck, cardinality: 32, base_width: 4}",
        )
    )
    assert expect.expectations(plan) == {
        1: Expectation(128, 256, 32, "bottleneck"),
        2: Expectation(256, 512, 32, "bottleneck"),
        3: Expectation(512, 1024, 32, "bottleneck"),
        4: Expectation(1024, 2048, 32, "bottleneck"),
    }


def test_expectations_per_segment() -> None:
    # The stride-3 stage starts a segment of its own; basic blocks: width = output = planes.
    plan = _plan(
        _spec(
            "{blocks: 1, planes: 64}",
            "{blocks: 1, planes: 96, stride: 3}",
            defaults="{block: basic}",
        )
    )
    assert expect.expectations(plan) == {
        1: Expectation(64, 64, 1, "basic"),
        2: Expectation(96, 96, 1, "basic"),
    }


# --- stage_fixes ---------------------------------------------------------------------------------


def test_stage_fixes_edit_every_key_the_spec_writes_in_its_own_notation() -> None:
    # layer2: planes 128 with 32x4d but width 320. For width 320 and outputs 512:
    # cardinality: int(128 * 4 / 64) = 8 channels a group in the paper's notation, 320 / 8 = 40;
    # planes: 512 / 4 = 128 (as it is), or 320 / 32 = 10 a group -> ceil(64 * 10 / 4) = 160;
    # base_width: ceil(64 * 10 / 128) = 5.
    plan = _plan(
        _spec(
            "{blocks: 3, planes: 64}",
            "{blocks: 4, planes: 128, width: 320, stride: 2}",
            defaults="{block: bottleneck, cardinality: 32, base_width: 4}",
        )
    )
    stage = plan.stages[1]
    assert common.stage_fixes(stage) == (
        _fix(("defaults", "cardinality"), 32, 40),
        _fix(("stages", 1, "planes"), 128, 160),
        _fix(("defaults", "base_width"), 4, 5),
    )
    assert all(type(fix.new) is int for fix in common.stage_fixes(stage))
    # Asked for width 256 (what 128 x 32x4d makes): width 320 -> 256, and every guess from
    # 256 / 32 = 8 a group is the stage's own notation again, so nothing else changes.
    assert common.stage_fixes(stage, width=256) == (
        _fix(("stages", 1, "width"), 320, 256),
    )


def test_stage_fixes_planes_from_output_channels_and_block_type() -> None:
    # ResNet-50's layer3 held to outputs 2048 -> planes 512 (expansion 4); as a basic block
    # (expansion 1) the same outputs would need planes 2048.
    plan = _plan(_spec(*RESNET50_STAGES))
    stage = plan.stages[2]
    assert common.stage_fixes(stage, out_channels=2048) == (
        _fix(("stages", 2, "planes"), 256, 512),
    )
    assert common.stage_fixes(stage, width=256, out_channels=2048, block="basic") == (
        _fix(("defaults", "block"), "bottleneck", "basic"),
        _fix(("stages", 2, "planes"), 256, 2048),
    )
    # The block type as it is proposes no change of it.
    assert common.stage_fixes(stage, block="bottleneck") == ()
    # planes is an integer key: the proposals are ints, not 512.0.
    proposed = [
        *common.stage_fixes(stage, out_channels=2048),
        *common.stage_fixes(stage, width=256, out_channels=2048, block="basic"),
    ]
    assert [type(fix.new) for fix in proposed] == [int, str, int]


def test_stage_fixes_output_channels_not_a_multiple_of_the_expansion() -> None:
    # Outputs 1026 are no multiple of 4: planes only from the width, 512 / 1 a group -> 512.
    plan = _plan(_spec(*RESNET50_STAGES))
    stage = plan.stages[2]
    assert common.stage_fixes(stage, width=512, out_channels=1026) == (
        _fix(("stages", 2, "planes"), 256, 512),
    )


def test_stage_fixes_explicit_keys() -> None:
    # width 96 as 8 groups of 16 (= 128): held to width 128, the keys written are width, groups,
    # group_width and out_channels; 128 / 8 = 16 is the group width as it is.
    plan = _plan(
        _spec("{blocks: 1, width: 96, groups: 8, group_width: 16, out_channels: 256}")
    )
    stage = plan.stages[0]
    assert common.stage_fixes(stage, width=128) == (
        _fix(("stages", 0, "width"), 96, 128),
    )
    assert common.stage_fixes(stage, width=96, groups=4, out_channels=512) == (
        _fix(("stages", 0, "out_channels"), 256, 512),
        _fix(("stages", 0, "groups"), 8, 4),
        _fix(("stages", 0, "group_width"), 16, 24),  # 96 / 4
    )
    assert all(type(fix.new) is int for fix in common.stage_fixes(stage, groups=4))
    # Width 100 in 8 groups has no whole group width: none is proposed.
    assert common.stage_fixes(stage, width=100) == (
        _fix(("stages", 0, "width"), 96, 100),
    )


def test_stage_fixes_cardinality_from_one_channel_a_group() -> None:
    # planes 16 at base width 4: int(16 * 4 / 64) = 1 channel a group, width 32 at C = 32.
    # Held to width 64: cardinality 64 / 1 = 64, planes 64 / 32 = 2 a group -> ceil(64 * 2 / 4)
    # = 32, base width ceil(64 * 2 / 16) = 8.
    plan = _plan(
        _spec(
            "{blocks: 1, planes: 16}",
            defaults="{block: bottleneck, cardinality: 32, base_width: 4}",
        )
    )
    stage = plan.stages[0]
    assert stage.width == 32
    assert common.stage_fixes(stage, width=64) == (
        _fix(("defaults", "cardinality"), 32, 64),
        _fix(("stages", 0, "planes"), 16, 32),
        _fix(("defaults", "base_width"), 4, 8),
    )


def test_stage_fixes_never_propose_zero() -> None:
    # ResNeXt 32x4d with planes 8: width int(8 * 4 / 64) * 32 = 0. Held to width 0 the
    # planes guess is ceil(64 * 0 / 4) = 0 and the base_width guess 0: neither is proposed.
    plan = _plan(
        _spec(
            "{blocks: 2, planes: 8}",
            defaults="{block: bottleneck, cardinality: 32, base_width: 4}",
        )
    )
    stage = plan.stages[0]
    assert stage.width == 0
    # planes from outputs 32 / 4 = 8 is the value as it is.
    assert common.stage_fixes(stage) == ()
    # Held to width 128: 128 / 32 = 4 a group -> planes ceil(64 * 4 / 4) = 64, base_width
    # ceil(64 * 4 / 8) = 32; the paper's width a group is int(8 * 4 / 64) = 0, no cardinality.
    assert common.stage_fixes(stage, width=128) == (
        _fix(("stages", 0, "planes"), 8, 64),
        _fix(("defaults", "base_width"), 4, 32),
    )


def test_stage_fixes_for_width_tries_each_width() -> None:
    plan = _plan(_spec("{blocks: 1, width: 200, group_width: 24, out_channels: 512}"))
    stage = plan.stages[0]  # 200 // 24 = 8 groups
    assert common.stage_fixes_for_width(stage, [192, 216]) == (
        _fix(("stages", 0, "width"), 200, 192),
        _fix(("stages", 0, "width"), 200, 216),
        _fix(("stages", 0, "group_width"), 24, 27),  # 216 / 8
    )
    assert common.stage_fixes_for_width(stage, []) == ()


# --- AG201 groups_divide_width -------------------------------------------------------------------


def test_ag201_group_width_that_does_not_divide_the_width() -> None:
    text = _spec(
        "{blocks: 1, width: 200, group_width: 24, out_channels: 512}",
        "{blocks: 1, width: 200, group_width: 20, out_channels: 512}",
    )
    (finding,) = _run(structural.groups_divide_width, text)
    width, gw = ("stages", 0, "width"), ("stages", 0, "group_width")
    assert finding == Finding(
        "AG201",
        "layer1 (stages[0]) splits width 200 into groups of 24 channels, which does not "
        "divide it; expected a width that is a multiple of 24, or channels per group that "
        "divide 200",
        gw,
        fixes=(
            # multiples of 24 near 200: 192 and 216 (216 / 8 groups = 27 a group)
            _fix(width, 200, 192),
            _fix(width, 200, 216),
            _fix(gw, 24, 27),
            # divisors of 200 near 24
            _fix(gw, 24, 25),
            _fix(gw, 24, 20),
            _fix(gw, 24, 10),
        ),
        clause="groups of 24 channels that do not divide the width (AG201)",
    )


def test_ag201_group_width_with_a_root_cause_elsewhere() -> None:
    # The fixture's layer2: widths 96 and 200 vote 96 and 100; the tie goes to 96, so the rules
    # expect 192 at layer2, whose fix comes first.
    text = _spec(
        "{blocks: 1, width: 96, group_width: 8, out_channels: 256}",
        "{blocks: 1, width: 200, group_width: 24, out_channels: 512, stride: 2}",
    )
    (finding,) = _run(structural.groups_divide_width, text)
    width = ("stages", 1, "width")
    assert finding.loc == ("stages", 1, "group_width")
    assert finding.fixes[:3] == (
        _fix(width, 200, 192),
        _fix(width, 200, 192),
        _fix(width, 200, 216),
    )


def test_ag201_groups_that_do_not_divide_the_width() -> None:
    text = _spec(
        "{blocks: 1, width: 128, groups: 32, out_channels: 256}",
        "{blocks: 1, width: 256, groups: 32, out_channels: 512, stride: 2}",
        "{blocks: 1, width: 250, groups: 32, out_channels: 1024, stride: 2}",
    )
    (finding,) = _run(structural.groups_divide_width, text)
    width, groups = ("stages", 2, "width"), ("stages", 2, "groups")
    assert finding == Finding(
        "AG201",
        "layer3 (stages[2]) splits width 250 into 32 groups, which does not divide it; "
        "expected width that is a multiple of 32, or groups that divide 250",
        groups,
        fixes=(
            _fix(width, 250, 512),  # the root: 128 doubled twice
            _fix(groups, 32, 25),  # divisors of 250 near 32: 25, 50, 10
            _fix(groups, 32, 50),
            _fix(groups, 32, 10),
            _fix(width, 250, 224),  # multiples of 32 near 250
            _fix(width, 250, 256),
        ),
        clause="32 groups that do not divide the width (AG201)",
    )


def test_ag201_cardinality_is_the_key_to_edit_when_groups_is_not_written() -> None:
    text = _spec(
        "{blocks: 1, width: 250, out_channels: 256}",
        defaults="{block: bottleneck, cardinality: 32}",
    )
    (finding,) = _run(structural.groups_divide_width, text)
    card, width = ("defaults", "cardinality"), ("stages", 0, "width")
    assert finding.loc == card
    assert finding.fixes == (
        _fix(card, 32, 25),
        _fix(card, 32, 50),
        _fix(card, 32, 10),
        _fix(width, 250, 224),
        _fix(width, 250, 256),
    )


def test_ag201_basic_block_output_channels_are_split_too() -> None:
    # Both convolutions of a depth-2 block are grouped: 66 outputs in 4 groups do not divide.
    text = _spec(
        "{blocks: 1, width: 64, groups: 4, out_channels: 66}", defaults="{block: basic}"
    )
    (finding,) = _run(structural.groups_divide_width, text)
    groups = ("stages", 0, "groups")
    assert finding == Finding(
        "AG201",
        "layer1 (stages[0]) splits output channels 66 into 4 groups, which does not divide "
        "it; expected output channels that is a multiple of 4, or groups that divide 66",
        groups,
        # divisors of 66 near 4: 3 (1), then 2 and 6 (2)
        fixes=(_fix(groups, 4, 3), _fix(groups, 4, 2), _fix(groups, 4, 6)),
        clause="4 groups that do not divide the output channels (AG201)",
    )


def test_ag201_basic_block_groups_from_group_width_has_no_groups_key_to_edit() -> None:
    text = _spec(
        "{blocks: 1, width: 64, group_width: 16, out_channels: 66}",
        defaults="{block: basic}",
    )
    (finding,) = _run(structural.groups_divide_width, text)
    assert finding.loc == ("stages", 0, "group_width")
    assert finding.fixes == ()
    assert finding.message.startswith(
        "layer1 (stages[0]) splits output channels 66 into 4"
    )


def test_ag201_bottleneck_output_channels_are_not_grouped() -> None:
    text = _spec("{blocks: 1, width: 128, groups: 32, out_channels: 250}")
    assert _run(structural.groups_divide_width, text) == []


def test_ag201_silent_on_resnext50_and_on_a_zero_width() -> None:
    resnext = _spec(
        *RESNET50_STAGES, defaults="{block: bottleneck, cardinality: 32, base_width: 4}"
    )
    assert _run(structural.groups_divide_width, resnext) == []
    zero = _spec(
        "{blocks: 2, planes: 8}",
        defaults="{block: bottleneck, cardinality: 32, base_width: 4}",
    )
    assert _run(structural.groups_divide_width, zero) == []


def test_ag201_each_stage_is_checked_after_one_with_a_bad_group_width() -> None:
    text = _spec(
        "{blocks: 1, width: 200, group_width: 24, out_channels: 512}",
        "{blocks: 1, width: 200, group_width: 48, out_channels: 512}",
    )
    findings = _run(structural.groups_divide_width, text)
    assert [f.loc for f in findings] == [
        ("stages", 0, "group_width"),
        ("stages", 1, "group_width"),
    ]


# --- AG202 notation_agrees -----------------------------------------------------------------------


def test_ag202_width_disagrees_with_planes() -> None:
    # int(128 * 4 / 64) * 32 = 256, not 320.
    text = _spec(
        "{blocks: 3, planes: 64}",
        "{blocks: 4, planes: 128, width: 320, stride: 2}",
        defaults="{block: bottleneck, cardinality: 32, base_width: 4}",
    )
    (finding,) = _run(structural.notation_agrees, text)
    assert finding == Finding(
        "AG202",
        "layer2 (stages[1]) gives width 320, but planes 128 with 32x4d makes "
        "int(128 * 4 / 64) * 32 = 256; expected the two to agree",
        ("stages", 1, "width"),
        fixes=(
            _fix(("stages", 1, "width"), 320, 256),
            # keep width 320, change the paper notation (see test_stage_fixes_edit_every_key...)
            _fix(("defaults", "cardinality"), 32, 40),
            _fix(("stages", 1, "planes"), 128, 160),
            _fix(("defaults", "base_width"), 4, 5),
        ),
        clause="notations that disagree on the width (AG202)",
    )


def test_ag202_width_disagrees_with_plain_planes() -> None:
    # No cardinality and base width: 1x64d, int(64 * 64 / 64) * 1 = 64, not 96.
    text = _spec("{blocks: 1, planes: 64, width: 96}")
    (finding,) = _run(structural.notation_agrees, text)
    assert finding.message == (
        "layer1 (stages[0]) gives width 96, but planes 64 with 1x64d makes "
        "int(64 * 64 / 64) * 1 = 64; expected the two to agree"
    )
    # Keeping width 96: 96 channels a group -> planes ceil(64 * 96 / 64) = 96.
    assert finding.fixes == (
        _fix(("stages", 0, "width"), 96, 64),
        _fix(("stages", 0, "planes"), 64, 96),
    )


def test_ag202_output_channels_disagree_with_planes() -> None:
    text = _spec("{blocks: 2, planes: 64, out_channels: 300}")
    (finding,) = _run(structural.notation_agrees, text)
    assert finding == Finding(
        "AG202",
        "layer1 (stages[0]) gives out_channels 300, but planes 64 x expansion 4 makes 256; "
        "expected the two to agree",
        ("stages", 0, "out_channels"),
        # 300 / 4 = 75 planes would make 300.
        fixes=(
            _fix(("stages", 0, "out_channels"), 300, 256),
            _fix(("stages", 0, "planes"), 64, 75),
        ),
        clause="notations that disagree on the output channels (AG202)",
    )


def test_ag202_output_channels_not_a_multiple_of_the_expansion() -> None:
    text = _spec("{blocks: 2, planes: 64, out_channels: 301}")
    (finding,) = _run(structural.notation_agrees, text)
    assert finding.fixes == (_fix(("stages", 0, "out_channels"), 301, 256),)


def test_ag202_basic_block_expansion_is_one() -> None:
    text = _spec("{blocks: 2, planes: 64, out_channels: 64}", defaults="{block: basic}")
    assert _run(structural.notation_agrees, text) == []
    text = _spec(
        "{blocks: 2, planes: 64, out_channels: 256}", defaults="{block: basic}"
    )
    (finding,) = _run(structural.notation_agrees, text)
    assert "planes 64 x expansion 1 makes 64" in finding.message


def test_ag202_groups_disagree_with_cardinality() -> None:
    text = _spec(
        "{blocks: 2, planes: 64}",
        "{blocks: 2, planes: 128, groups: 16, stride: 2}",
        defaults="{block: bottleneck, cardinality: 32, base_width: 4}",
    )
    (finding,) = _run(structural.notation_agrees, text)
    assert finding == Finding(
        "AG202",
        "layer2 (stages[1]) gives groups 16 but cardinality 32; expected the two to agree",
        ("stages", 1, "groups"),
        fixes=(
            _fix(("stages", 1, "groups"), 16, 32),
            _fix(("defaults", "cardinality"), 32, 16),
        ),
        clause="groups and cardinality that disagree (AG202)",
    )


def test_ag202_groups_times_group_width_is_not_the_width() -> None:
    # 8 groups of 16 = 128, width 96: 96 / 8 = 12 a group, or 96 / 16 = 6 groups, or width 128.
    text = _spec(
        "{blocks: 1, width: 96, groups: 8, group_width: 16, out_channels: 256}"
    )
    (finding,) = _run(structural.notation_agrees, text)
    assert finding == Finding(
        "AG202",
        "layer1 (stages[0]) gives 8 groups of 16 channels = 128, but its width is 96; "
        "expected the two to agree",
        ("stages", 0, "group_width"),
        fixes=(
            _fix(("stages", 0, "group_width"), 16, 12),
            _fix(("stages", 0, "groups"), 8, 6),
            _fix(("stages", 0, "width"), 96, 128),
        ),
        clause="groups times group_width that is not the width (AG202)",
    )


def test_ag202_groups_times_group_width_neither_divides() -> None:
    # 8 x 12 = 96 against width 100: 100 / 8 and 100 / 12 are not whole; only width 96.
    text = _spec(
        "{blocks: 1, width: 100, groups: 8, group_width: 12, out_channels: 256}"
    )
    (finding,) = _run(structural.notation_agrees, text)
    assert finding.fixes == (_fix(("stages", 0, "width"), 100, 96),)


def test_ag202_agreeing_notations_are_silent() -> None:
    resnext = _spec(
        "{blocks: 3, planes: 64, width: 128, out_channels: 256, groups: 32, group_width: 4}",
        defaults="{block: bottleneck, cardinality: 32, base_width: 4}",
    )
    assert _run(structural.notation_agrees, resnext) == []


# --- AG203 stride_one_or_two ---------------------------------------------------------------------


def test_ag203_stride_three() -> None:
    text = _spec(
        "{blocks: 2, planes: 64}",
        "{blocks: 2, planes: 128, stride: 3}",
        "{blocks: 2, planes: 256, stride: 2}",
        defaults="{block: basic}",
    )
    (finding,) = _run(structural.stride_one_or_two, text)
    loc = ("stages", 1, "stride")
    assert finding == Finding(
        "AG203",
        "layer2 (stages[1]) has stride 3; expected 1 (keep the map) or 2 (halve it)",
        loc,
        fixes=(_fix(loc, 3, 2), _fix(loc, 3, 1)),
    )


# --- AG204 map_not_exhausted ---------------------------------------------------------------------


def test_ag204_map_already_one_by_one() -> None:
    # 16 / 4 (stem) = 4 at layer1, 2 after layer2, 1 after layer3: layer4 halves 1x1.
    # The output reduction is 4 * 8 = 32: an input of 32 / 2 + 1 = 17 leaves layer4 a 2x2 map,
    # and 32 halves every map exactly.
    text = _spec(
        "{blocks: 1, planes: 64}",
        "{blocks: 1, planes: 128, stride: 2}",
        "{blocks: 1, planes: 256, stride: 2}",
        "{blocks: 1, planes: 512, stride: 2}",
        defaults="{block: basic}",
        extra="input: {image_size: 16}\n",
    )
    (finding,) = _run(structural.map_not_exhausted, text)
    assert finding == Finding(
        "AG204",
        "layer4 (stages[3]) halves a map that is already 1x1 for an input of 16x16; "
        "expected stride 1 here or an input of at least 17x17 (32x32 halves every map "
        "exactly)",
        ("stages", 3, "stride"),
        fixes=(
            _fix(("stages", 3, "stride"), 2, 1),
            _fix(("input", "image_size"), 16, 32),
        ),
    )


def test_ag204_two_stages_on_a_one_by_one_map() -> None:
    # Input 8: 2 at layer1, 1 after layer2; layers 3 and 4 halve 1x1 maps. Needed 32 / 2 + 1.
    text = _spec(
        "{blocks: 1, planes: 64}",
        "{blocks: 1, planes: 128, stride: 2}",
        "{blocks: 1, planes: 256, stride: 2}",
        "{blocks: 1, planes: 512, stride: 2}",
        defaults="{block: basic}",
        extra="input: {image_size: 8}\n",
    )
    findings = _run(structural.map_not_exhausted, text)
    assert [f.loc for f in findings] == [
        ("stages", 2, "stride"),
        ("stages", 3, "stride"),
    ]
    assert all(
        "an input of 8x8" in f.message and "at least 17x17" in f.message
        for f in findings
    )


def test_ag204_dilated_and_stride_one_stages_do_not_count() -> None:
    # Input 16: layer1 4x4, layer2 halves to 2x2, layer3 dilates instead: never 1x1.
    text = _spec(
        "{blocks: 1, planes: 64}",
        "{blocks: 1, planes: 128, stride: 2}",
        "{blocks: 1, planes: 256, stride: 2, dilate: true}",
        defaults="{block: basic}",
        extra="input: {image_size: 16}\n",
    )
    assert _run(structural.map_not_exhausted, text) == []
    only_ones = _spec(
        "{blocks: 1, planes: 64}",
        defaults="{block: basic}",
        extra="input: {image_size: 4}\n",
    )
    assert _run(structural.map_not_exhausted, only_ones) == []


def test_ag204_input_just_large_enough_is_silent() -> None:
    # 17: 5 at layer1, 3, 2, and layer4 halves a 2x2 map.
    text = _spec(
        "{blocks: 1, planes: 64}",
        "{blocks: 1, planes: 128, stride: 2}",
        "{blocks: 1, planes: 256, stride: 2}",
        "{blocks: 1, planes: 512, stride: 2}",
        defaults="{block: basic}",
        extra="input: {image_size: 17}\n",
    )
    assert _run(structural.map_not_exhausted, text) == []


# --- AG205 basic_block_not_grouped ---------------------------------------------------------------


def test_ag205_grouped_basic_block() -> None:
    text = _spec("{blocks: 2, planes: 64}", defaults="{block: basic, cardinality: 4}")
    (finding,) = _run(structural.basic_block_not_grouped, text)
    assert finding == Finding(
        "AG205",
        "layer1 (stages[0]) groups a basic block into 4; a grouped depth-2 block collapses to "
        "a plain wide one (Xie et al., 3.3) and torchvision refuses it; expected groups 1 or "
        "bottleneck blocks",
        ("defaults", "cardinality"),
        fixes=(
            _fix(("defaults", "cardinality"), 4, 1),
            _fix(("defaults", "block"), "basic", "bottleneck"),
        ),
    )


def test_ag205_basic_block_with_two_widths() -> None:
    text = _spec("{blocks: 2, width: 64, out_channels: 128}", defaults="{block: basic}")
    (finding,) = _run(structural.basic_block_not_grouped, text)
    assert finding == Finding(
        "AG205",
        "layer1 (stages[0]) gives a basic block inner width 64 and output 128; torchvision's "
        "basic block has one width; expected 128",
        ("stages", 0, "width"),
        fixes=(_fix(("stages", 0, "width"), 64, 128),),
    )


def test_ag205_checks_basic_stages_after_bottleneck_ones() -> None:
    text = _spec(
        "{blocks: 2, planes: 64, block: bottleneck, groups: 4}",
        "{blocks: 2, planes: 64, block: basic, groups: 4}",
        defaults="{block: bottleneck}",
    )
    (finding,) = _run(structural.basic_block_not_grouped, text)
    assert finding.loc == ("stages", 1, "groups")
    assert finding.fixes == (
        _fix(("stages", 1, "groups"), 4, 1),
        _fix(("stages", 1, "block"), "basic", "bottleneck"),
    )


def test_ag205_plain_basic_blocks_are_silent() -> None:
    assert (
        _run(
            structural.basic_block_not_grouped,
            _spec("{blocks: 2, planes: 64}", defaults="{block: basic}"),
        )
        == []
    )


# --- AG206 width_not_zero ------------------------------------------------------------------------


def test_ag206_width_rounds_to_zero() -> None:
    # int(8 * 4 / 64) * 32 = 0. Planes ceil(64 / 4) = 16 or base width ceil(64 / 8) = 8 make
    # planes * base_width at least 64.
    text = _spec(
        "{blocks: 2, planes: 8}",
        defaults="{block: bottleneck, base_width: 4, cardinality: 32}",
    )
    (finding,) = _run(structural.width_not_zero, text)
    assert finding == Finding(
        "AG206",
        "layer1 (stages[0]) width resolves to int(8 * 4 / 64) * 32 = 0 channels; expected "
        "planes * base_width of at least 64",
        ("defaults", "base_width"),
        fixes=(
            _fix(("stages", 0, "planes"), 8, 16),
            _fix(("defaults", "base_width"), 4, 8),
        ),
        clause="a width that rounds to 0 (AG206)",
    )


def test_ag206_what_the_other_stages_expect_comes_first() -> None:
    # layer1 has width int(64 * 4 / 64) * 32 = 128 and outputs 256: layer2 is expected to have
    # width 256 and outputs 512, i.e. planes 512 / 4 = 128, or base width 64 * 8 / 8 = 64
    # (256 / 32 = 8 channels a group).
    text = _spec(
        "{blocks: 2, planes: 64}",
        "{blocks: 2, planes: 8, stride: 2}",
        defaults="{block: bottleneck, base_width: 4, cardinality: 32}",
    )
    (finding,) = _run(structural.width_not_zero, text)
    planes, base_width = ("stages", 1, "planes"), ("defaults", "base_width")
    assert finding.message.startswith(
        "layer2 (stages[1]) width resolves to int(8 * 4 / 64)"
    )
    assert finding.fixes == (
        _fix(planes, 8, 128),
        _fix(base_width, 4, 64),
        _fix(planes, 8, 16),
        _fix(base_width, 4, 8),
    )


def test_ag206_silent_for_non_zero_widths() -> None:
    text = _spec(
        "{blocks: 2, planes: 16}",
        defaults="{block: bottleneck, base_width: 4, cardinality: 32}",
    )
    assert _run(structural.width_not_zero, text) == []


# --- AG207 norm_groups_divide --------------------------------------------------------------------


def test_ag207_group_count_that_does_not_divide() -> None:
    # Channels normalised: 64 (stem, layer1 conv1/conv2), 256 (conv3, shortcut); gcd 64.
    # Divisors of 64 near 12: 8 and 16 (both 4 away, the smaller first), then 4. Only the first
    # failing norm is reported (256 is no multiple of 12 either).
    text = _spec("{blocks: 1, planes: 64}", extra="norm: {type: group, groups: 12}\n")
    (finding,) = _run(structural.norm_groups_divide, text)
    loc = ("norm", "groups")
    assert finding == Finding(
        "AG207",
        "group norm of 64 channels (bn1) cannot make 12 groups; expected a group count that "
        "divides every channel count (64, 256)",
        loc,
        fixes=(_fix(loc, 12, 8), _fix(loc, 12, 16), _fix(loc, 12, 4)),
    )


def test_ag207_group_size_that_does_not_divide() -> None:
    # Divisors of 64 near 24: 16 and 32 (8 away), then 8.
    text = _spec(
        "{blocks: 1, planes: 64}", extra="norm: {type: group, group_size: 24}\n"
    )
    (finding,) = _run(structural.norm_groups_divide, text)
    loc = ("norm", "group_size")
    assert finding == Finding(
        "AG207",
        "group norm of 64 channels (bn1) cannot make groups of 24; expected a group_size that "
        "divides every channel count (64, 256)",
        loc,
        fixes=(_fix(loc, 24, 16), _fix(loc, 24, 32), _fix(loc, 24, 8)),
    )


def test_ag207_first_failing_channel_count_after_passing_ones() -> None:
    # 64 groups: the stem's 64 channels pass, layer1's 48 do not; gcd(48, 64, 192) = 16.
    text = _spec("{blocks: 1, planes: 48}", extra="norm: {type: group, groups: 64}\n")
    (finding,) = _run(structural.norm_groups_divide, text)
    loc = ("norm", "groups")
    # A block's op is named by its stage and its path in the block: layer1.0's bn1.
    assert finding.message == (
        "group norm of 48 channels (layer1 (stages[0]), bn1) cannot make 64 groups; "
        "expected a group "
        "count that divides every channel count (48, 64, 192)"
    )
    assert finding.fixes == (_fix(loc, 64, 16), _fix(loc, 64, 8), _fix(loc, 64, 4))


def test_ag207_silent_when_groups_divide_and_for_batch_norm() -> None:
    group = _spec("{blocks: 1, planes: 64}", extra="norm: {type: group, groups: 32}\n")
    assert _run(structural.norm_groups_divide, group) == []
    batch = _spec("{blocks: 1, planes: 48}")
    assert _run(structural.norm_groups_divide, batch) == []


# --- AG208 stem_width ----------------------------------------------------------------------------


def _stem(kind: str, width: int) -> str:
    return _spec(
        "{blocks: 1, planes: 64}",
        defaults="{block: basic}",
        extra=f"stem: {{type: {kind}, width: {width}}}\n",
    )


def test_ag208_deep_tiered_stem_with_an_empty_convolution() -> None:
    # deep_tiered width 6: half 3, first 3 * (3 // 4) = 0 -> widths 0, 3, 6; least 8.
    (finding,) = _run(structural.stem_width, _stem("deep_tiered", 6))
    loc = ("stem", "width")
    assert finding == Finding(
        "AG208",
        "a deep_tiered stem of width 6 has convolutions of widths 0, 3, 6; expected an even "
        "width of at least 8",
        loc,
        fixes=(_fix(loc, 6, 8),),
    )


def test_ag208_odd_deep_tiered_stem() -> None:
    # width 9: half 4, first 3 -> 3, 4, 9; even widths around 9: 10 and 8 (8 is at least 8).
    (finding,) = _run(structural.stem_width, _stem("deep_tiered", 9))
    loc = ("stem", "width")
    assert finding.message == (
        "a deep_tiered stem of width 9 has convolutions of widths 3, 4, 9; expected an even "
        "width of at least 8"
    )
    assert finding.fixes == (_fix(loc, 9, 10), _fix(loc, 9, 8))


def test_ag208_odd_deep_stem() -> None:
    # deep width 7: half 3 -> 3, 3, 7; least 2: 8 above, 6 below.
    (finding,) = _run(structural.stem_width, _stem("deep", 7))
    loc = ("stem", "width")
    assert finding.message == (
        "a deep stem of width 7 has convolutions of widths 3, 3, 7; expected an even width "
        "of at least 2"
    )
    assert finding.fixes == (_fix(loc, 7, 8), _fix(loc, 7, 6))


def test_ag208_below_the_least_width_is_not_proposed() -> None:
    # deep_tiered 7: widths 0, 3, 7; 8 above; 6 below is under 8.
    (finding,) = _run(structural.stem_width, _stem("deep_tiered", 7))
    assert finding.fixes == (_fix(("stem", "width"), 7, 8),)


def test_ag208_good_stems_are_silent() -> None:
    assert _run(structural.stem_width, _stem("deep_tiered", 8)) == []  # 3, 4, 8
    assert _run(structural.stem_width, _stem("deep", 64)) == []
    assert (
        _run(structural.stem_width, _stem("conv", 63)) == []
    )  # one convolution, any width


# --- AG301-AG303 the design rules ----------------------------------------------------------------

SAME = "blocks on maps of the same size share their hyper-parameters (rule i)"


def _design(text: str) -> list[Finding]:
    """Both design rules' findings, rule (i) first."""
    plan, complexity = _compile(text)
    return [
        *resnext.same_size_same_shape(plan, complexity),
        *resnext.halving_doubles(plan, complexity),
    ]


def test_halving_without_doubling_twice() -> None:
    # planes 64 128 192 384: 64 and 128 vote 64, 192 and 384 vote 48; the tie goes to 64, so
    # the rules expect 64 128 256 512. layer3 breaks rule (ii) against a trusted layer2; layer4
    # doubles layer3's wrong value and is held to twice what the rules expect of layer3.
    text = _spec(
        "{blocks: 3, planes: 64}",
        "{blocks: 4, planes: 128, stride: 2}",
        "{blocks: 6, planes: 192, stride: 2}",
        "{blocks: 3, planes: 384, stride: 2}",
    )
    plan, complexity = _compile(text)
    assert list(resnext.same_size_same_shape(plan, complexity)) == []
    l3, l4 = ("stages", 2, "planes"), ("stages", 3, "planes")
    s2, s3, s4 = (("stages", i, "stride") for i in (1, 2, 3))
    layer3_fixes = (_fix(l3, 192, 256), _fix(s3, 2, 1), _fix(s2, 2, 1), _fix(s4, 2, 1))
    layer4_fixes = (_fix(l4, 384, 512), _fix(s4, 2, 1), _fix(s3, 2, 1))
    assert list(resnext.halving_doubles(plan, complexity)) == [
        Finding(
            "AG302",
            "layer3 (stages[2]) halves the map (28 -> 14) but the width goes 128 -> 192; "
            "expected 256 (rule ii)",
            l3,
            fixes=layer3_fixes,
            clause="width 192, not 256 (AG302, rule ii)",
        ),
        Finding(
            "AG303",
            "layer3 (stages[2]) halves the map (28 -> 14) but the output channels go "
            "512 -> 768; expected 1024 (rule ii)",
            l3,
            fixes=layer3_fixes,
            clause="output channels 768, not 1024 (AG303, rule ii)",
        ),
        Finding(
            "AG302",
            "layer4 (stages[3]) halves the map (14 -> 7) and has width 384; expected 512, "
            "twice the 256 the rules expect of layer3 (stages[2]) (rule ii)",
            l4,
            fixes=layer4_fixes,
            clause="width 384, not 512 (AG302, rule ii)",
        ),
        Finding(
            "AG303",
            "layer4 (stages[3]) halves the map (14 -> 7) and has output channels 1536; "
            "expected 2048, twice the 1024 the rules expect of layer3 (stages[2]) (rule ii)",
            l4,
            fixes=layer4_fixes,
            clause="output channels 1536, not 2048 (AG303, rule ii)",
        ),
    ]


def test_same_size_changes_width() -> None:
    # planes 64 then 128 on the same 56x56 map: a tie, the first wins; no stride is written.
    text = _spec("{blocks: 3, planes: 64}", "{blocks: 3, planes: 128}")
    plan, complexity = _compile(text)
    assert list(resnext.halving_doubles(plan, complexity)) == []
    loc = ("stages", 1, "planes")
    assert list(resnext.same_size_same_shape(plan, complexity)) == [
        Finding(
            "AG301",
            f"layer2 (stages[1]) keeps the 56x56 map of layer1 (stages[0]) but changes its "
            f"width 64 -> 128; {SAME}; expected 64",
            loc,
            # or the forgotten stride: 2 that would make it halve the map
            fixes=(_fix(loc, 128, 64), _add(1)),
            clause="width 128, not 64 (AG301, rule i)",
        ),
        Finding(
            "AG301",
            f"layer2 (stages[1]) keeps the 56x56 map of layer1 (stages[0]) but changes its "
            f"output channels 256 -> 512; {SAME}; expected 256",
            loc,
            fixes=(_fix(loc, 128, 64), _add(1)),
            clause="output channels 512, not 256 (AG301, rule i)",
        ),
    ]


def test_same_size_after_an_untrusted_stage() -> None:
    # planes 64 64 96 96 64 on one map: 64 wins 3 to 2. layer3 changes a trusted 64; layer4
    # follows layer3's wrong 96.
    text = _spec(
        "{blocks: 1, planes: 64}",
        "{blocks: 1, planes: 64}",
        "{blocks: 1, planes: 96}",
        "{blocks: 1, planes: 96}",
        "{blocks: 1, planes: 64}",
    )
    widths = [f for f in _design(text) if f.clause.startswith("width")]
    assert [(f.code, f.message) for f in widths] == [
        (
            "AG301",
            f"layer3 (stages[2]) keeps the 56x56 map of layer2 (stages[1]) but changes its "
            f"width 64 -> 96; {SAME}; expected 64",
        ),
        (
            "AG301",
            f"layer4 (stages[3]) keeps the 56x56 map of layer3 (stages[2]) and has width 96; "
            f"{SAME}; expected 64",
        ),
    ]


def test_first_stage_compared_with_the_next_on_the_same_map() -> None:
    text = _spec(
        "{blocks: 1, planes: 64}",
        "{blocks: 1, planes: 128}",
        "{blocks: 1, planes: 128}",
    )
    findings = _design(text)
    assert [(f.code, f.loc, f.message) for f in findings] == [
        (
            "AG301",
            ("stages", 0, "planes"),
            f"layer1 (stages[0]) has width 64, but layer2 (stages[1]) on the same 56x56 map "
            f"has 128; {SAME}; expected 128",
        ),
        (
            "AG301",
            ("stages", 0, "planes"),
            f"layer1 (stages[0]) has output channels 256, but layer2 (stages[1]) on the same "
            f"56x56 map has 512; {SAME}; expected 512",
        ),
    ]


def test_first_stage_compared_with_the_next_that_halves() -> None:
    # planes 32 128 256 (halving twice): 32 votes 32, 128 and 256 vote 64; layer1 should be 64.
    text = _spec(
        "{blocks: 1, planes: 32}",
        "{blocks: 1, planes: 128, stride: 2}",
        "{blocks: 1, planes: 256, stride: 2}",
    )
    fixes = (_fix(("stages", 0, "planes"), 32, 64), _fix(("stages", 1, "stride"), 2, 1))
    assert [(f.code, f.message, f.fixes, f.clause) for f in _design(text)] == [
        (
            "AG302",
            "layer1 (stages[0]) has width 32, but layer2 (stages[1]), which halves the map "
            "after it, has 128; expected 64 (rule ii)",
            fixes,
            "width 32, not 64 (AG302, rule ii)",
        ),
        (
            "AG303",
            "layer1 (stages[0]) has output channels 128, but layer2 (stages[1]), which halves "
            "the map after it, has 512; expected 256 (rule ii)",
            fixes,
            "output channels 128, not 256 (AG303, rule ii)",
        ),
    ]


def test_dilated_stage_halves_the_map_nominally() -> None:
    text = _spec(
        "{blocks: 3, planes: 64}",
        "{blocks: 4, planes: 128, stride: 2}",
        "{blocks: 6, stride: 2, dilate: true, width: 128, out_channels: 512}",
    )
    findings = _design(text)
    assert [(f.code, f.loc, f.message) for f in findings] == [
        (
            "AG302",
            ("stages", 2, "width"),
            "layer3 (stages[2]) halves the map (28 -> 14 nominally; dilation replaces the "
            "stride) but the width goes 128 -> 128; expected 256 (rule ii)",
        ),
        (
            "AG303",
            ("stages", 2, "out_channels"),
            "layer3 (stages[2]) halves the map (28 -> 14 nominally; dilation replaces the "
            "stride) but the output channels go 512 -> 512; expected 1024 (rule ii)",
        ),
    ]


def test_groups_are_shared_on_one_map() -> None:
    text = _spec(
        "{blocks: 1, width: 128, groups: 32, out_channels: 256}",
        "{blocks: 1, width: 128, groups: 16, out_channels: 256}",
        "{blocks: 1, width: 128, groups: 32, out_channels: 256}",
    )
    loc = ("stages", 1, "groups")
    assert _design(text) == [
        Finding(
            "AG301",
            f"layer2 (stages[1]) keeps the 56x56 map of layer1 (stages[0]) but changes its "
            f"groups 32 -> 16; {SAME}; expected 32",
            loc,
            # 128 / 32 = 4 channels a group would be written nowhere: the groups edit, or
            # a stride added here or next door (the pipeline drops those that do not work).
            fixes=(_fix(loc, 16, 32), _add(1), _add(2)),
            clause="groups 16, not 32 (AG301, rule i)",
        )
    ]


def test_groups_may_change_where_the_map_halves() -> None:
    # Rule (ii) constrains widths; a stage that halves starts a new run for the groups.
    text = _spec(
        "{blocks: 1, width: 128, groups: 32, out_channels: 256}",
        "{blocks: 1, width: 256, groups: 16, out_channels: 512, stride: 2}",
    )
    assert _design(text) == []


def test_block_type_is_shared_on_one_map() -> None:
    # basic planes 64 is width 64 and outputs 64; as a bottleneck the outputs would be 256.
    text = _spec(
        "{blocks: 1, planes: 64, block: basic}",
        "{blocks: 1, planes: 64}",
        "{blocks: 1, planes: 64}",
    )
    findings = _design(text)
    assert [(f.loc, f.message) for f in findings] == [
        (
            ("stages", 0, "block"),
            f"layer1 (stages[0]) has block type basic, but layer2 (stages[1]) on the same "
            f"56x56 map has bottleneck; {SAME}; expected bottleneck",
        ),
        (
            ("stages", 0, "planes"),
            f"layer1 (stages[0]) has output channels 64, but layer2 (stages[1]) on the same "
            f"56x56 map has 256; {SAME}; expected 256",
        ),
    ]
    assert findings[0].fixes == (
        _fix(("stages", 0, "block"), "basic", "bottleneck"),
        _add(1),  # layer1 is the first stage: never offered a stride
    )
    assert findings[0].clause == "block type basic, not bottleneck (AG301, rule i)"


def test_a_stride_written_in_the_defaults_is_not_proposed() -> None:
    # Every stage halves (defaults: stride 2); the first stage never doubles: 64 128 256.
    text = _spec(
        "{blocks: 1, planes: 64}",
        "{blocks: 1, planes: 128}",
        "{blocks: 1, planes: 192}",
        defaults="{block: bottleneck, stride: 2}",
    )
    findings = _design(text)
    assert [f.clause for f in findings] == [
        "width 192, not 256 (AG302, rule ii)",
        "output channels 768, not 1024 (AG303, rule ii)",
    ]
    assert findings[0].fixes == (_fix(("stages", 2, "planes"), 192, 256),)


def test_a_stride_three_separates_the_design_rules() -> None:
    # layer2 starts a segment of its own: it is not held to double layer1.
    text = _spec("{blocks: 1, planes: 64}", "{blocks: 1, planes: 96, stride: 3}")
    assert _design(text) == []


def test_resnet50_and_resnext50_follow_the_design_rules() -> None:
    assert _design(_spec(*RESNET50_STAGES)) == []
    resnext = _spec(
        *RESNET50_STAGES, defaults="{block: bottleneck, cardinality: 32, base_width: 4}"
    )
    assert _design(resnext) == []


# --- AG401 cost_balance --------------------------------------------------------------------------

# One block a stage; MACs of a bottleneck block (torchvision V1.5: stride in the 3x3) with its
# 1x1 shortcut, at 56x56 = 3,136 and 28x28 = 784 positions.
GROUP_WIDTH_STAGES = (
    # 64 -> 96 (12 groups of 8) -> 256: 64*96*3136 + 9*8*96*3136 + 96*256*3136 + 64*256*3136
    # = 19,267,584 + 21,676,032 + 77,070,336 + 51,380,224 = 169,394,176
    "{blocks: 1, width: 96, group_width: 8, out_channels: 256}",
    # 256 -> 200 (8 groups of 25) -> 512, stride 2: 256*200*3136 + 9*25*200*784
    # + 200*512*784 + 256*512*784 = 160,563,200 + 35,280,000 + 80,281,600 + 102,760,448
    # = 378,885,248
    "{blocks: 1, width: 200, group_width: 24, out_channels: 512, stride: 2}",
)


def test_ag401_cost_spread_above_two() -> None:
    # 378,885,248 / 169,394,176 = 2.24
    (finding,) = _run(resnext.cost_balance, _spec(*GROUP_WIDTH_STAGES))
    assert finding == Finding(
        "AG401",
        "a block of layer2 (stages[1]) costs 378.9 M MACs and one of layer1 (stages[0]) "
        "169.4 M, a 2.2x spread; expected at most 2.0x, which doubling the width at each "
        "halving keeps",
        ("stages",),
        at_key=True,
    )


def test_ag401_costliest_first_with_thousands_separators() -> None:
    # layer1, 64 -> 256 -> 1024 at 56x56: 64*256*3136 + 9*256*256*3136 + 256*1024*3136
    # + 64*1024*3136 = 51,380,224 + 1,849,688,064 + 822,083,584 + 205,520,896 = 2,928,672,768.
    # layer2, 1024 -> 64 -> 256, stride 2: 1024*64*3136 + 9*64*64*784 + 64*256*784
    # + 1024*256*784 = 205,520,896 + 28,901,376 + 12,845,056 + 205,520,896 = 452,788,224.
    # 2,928,672,768 / 452,788,224 = 6.47.
    text = _spec("{blocks: 1, planes: 256}", "{blocks: 1, planes: 64, stride: 2}")
    (finding,) = _run(resnext.cost_balance, text)
    assert finding.message == (
        "a block of layer1 (stages[0]) costs 2,928.7 M MACs and one of layer2 (stages[1]) "
        "452.8 M, a 6.5x spread; expected at most 2.0x, which doubling the width at each "
        "halving keeps"
    )


def test_ag401_doubling_keeps_the_cost_within_two() -> None:
    # layer1 planes 64: 64*64*3136 + 9*64*64*3136 + 64*256*3136 + 64*256*3136 = 231,211,008;
    # layer2 planes 128, stride 2: 256*128*3136 + 9*128*128*784 + 128*512*784 + 256*512*784
    # = 372,506,624; 1.6x.
    assert resnext.BALANCE_THRESHOLD == 2.0
    text = _spec("{blocks: 1, planes: 64}", "{blocks: 1, planes: 128, stride: 2}")
    assert _run(resnext.cost_balance, text) == []


# --- check ---------------------------------------------------------------------------------------


def test_check_runs_every_rule_in_order_for_resnext_specs() -> None:
    plan, complexity = _compile(_spec(*GROUP_WIDTH_STAGES))
    assert plan.design_space == "resnext"
    assert [f.code for f in registry.check(plan, complexity)] == [
        "AG201",
        "AG302",
        "AG401",
    ]


def test_check_swaps_the_resnext_rules_for_the_space_rules_elsewhere() -> None:
    # An AnyNet whose width goes 64 -> 60 while halving: no rule (ii) or cost finding, but
    # the space rules: 60 is no multiple of 8 (AG501), the width shrinks (AG502), and the group
    # widths 16 and 20 differ (AG503).
    text = (
        "name: t\n"
        "design_space: anynet\n"
        "defaults: {block: regnet, stride: 2}\n"
        "stages:\n"
        "  - {blocks: 2, width: 64, group_width: 16, out_channels: 64}\n"
        "  - {blocks: 2, width: 60, group_width: 20, out_channels: 60}\n"
    )
    plan, complexity = _compile(text)
    assert plan.design_space == "anynet"
    assert sorted(f.code for f in registry.check(plan, complexity)) == [
        "AG501",
        "AG502",
        "AG503",
    ]
    assert (
        resnext.same_size_same_shape,
        resnext.halving_doubles,
        resnext.cost_balance,
    ) == resnext.RULES


# --- AG204, more inputs --------------------------------------------------------------------------


def test_ag204_exact_input_is_the_least_one() -> None:
    # A stride-1, unpooled stem: layer2 is the only stride, reduction 2; an input of
    # 2 / 2 + 1 = 2 is both the least and the exact one, said once.
    text = _spec(
        "{blocks: 1, planes: 64}",
        "{blocks: 1, planes: 128, stride: 2}",
        defaults="{block: basic}",
        extra="input: {image_size: 1}\nstem: {kernel_size: 3, stride: 1, pool: none}\n",
    )
    (finding,) = _run(structural.map_not_exhausted, text)
    assert finding.message == (
        "layer2 (stages[1]) halves a map that is already 1x1 for an input of 1x1; expected "
        "stride 1 here or an input of at least 2x2"
    )
    assert finding.fixes == (
        _fix(("stages", 1, "stride"), 2, 1),
        _fix(("input", "image_size"), 1, 2),
    )


def test_ag204_stride_three_divides_the_reduction() -> None:
    # Input 4: 1x1 at layer1; layer2 strides 3, reduction 4 * 3 = 12: the least input is
    # 12 / 3 + 1 = 5, the exact one 12.
    text = _spec(
        "{blocks: 1, planes: 64}",
        "{blocks: 1, planes: 64, stride: 3}",
        defaults="{block: basic}",
        extra="input: {image_size: 4}\n",
    )
    (finding,) = _run(structural.map_not_exhausted, text)
    assert finding.message == (
        "layer2 (stages[1]) halves a map that is already 1x1 for an input of 4x4; expected "
        "stride 1 here or an input of at least 5x5 (12x12 halves every map exactly)"
    )
    assert finding.fixes == (
        _fix(("stages", 1, "stride"), 3, 1),
        _fix(("input", "image_size"), 4, 12),
    )


def test_ag204_no_input_is_large_enough() -> None:
    # 12 halvings after the stem's 4: reduction 16,384, least input 8,193 > 8,192.
    # At 224: 56 at layer1, then 28 14 7 4 2 1: layers 8 to 13 halve a 1x1 map.
    assert limits.MAX_IMAGE_SIZE == 8_192
    stages = ["{blocks: 1, planes: 8}"] + ["{blocks: 1, planes: 8, stride: 2}"] * 12
    text = _spec(*stages, defaults="{block: basic}")
    findings = _run(structural.map_not_exhausted, text)
    assert [f.loc for f in findings] == [("stages", i, "stride") for i in range(7, 13)]
    assert findings[0].message == (
        "layer8 (stages[7]) halves a map that is already 1x1 for an input of 224x224; "
        "expected stride 1 here; no input up to 8192x8192 is large enough"
    )
    assert findings[0].fixes == (_fix(("stages", 7, "stride"), 2, 1),)


# --- AG205, where the width comes from -----------------------------------------------------------


def test_ag205_grouped_basic_block_by_group_width() -> None:
    # width 64 in groups of 16: 4 groups; with 1 group the group width is 64.
    text = _spec(
        "{blocks: 1, width: 64, group_width: 16, out_channels: 64}",
        defaults="{block: basic}",
    )
    (finding,) = _run(structural.basic_block_not_grouped, text)
    assert finding.loc == ("stages", 0, "group_width")
    assert finding.fixes == (
        _fix(("stages", 0, "group_width"), 16, 64),
        _fix(("defaults", "block"), "basic", "bottleneck"),
    )


def test_ag205_basic_block_widened_by_base_width() -> None:
    # planes 64 at base width 128: width int(64 * 128 / 64) = 128, outputs 64. Held to width 64:
    # planes ceil(64 * 64 / 128) = 32, or base width ceil(64 * 64 / 64) = 64.
    text = _spec("{blocks: 1, planes: 64}", defaults="{block: basic, base_width: 128}")
    (finding,) = _run(structural.basic_block_not_grouped, text)
    assert finding == Finding(
        "AG205",
        "layer1 (stages[0]) gives a basic block inner width 128 and output 64; torchvision's "
        "basic block has one width; expected 64",
        ("defaults", "base_width"),
        fixes=(
            _fix(("stages", 0, "planes"), 64, 32),
            _fix(("defaults", "base_width"), 128, 64),
        ),
    )


def test_ag205_basic_block_with_other_output_channels_points_at_planes() -> None:
    # planes 64 is width 64; out_channels 128: held to width 128, planes 128.
    text = _spec(
        "{blocks: 1, planes: 64, out_channels: 128}", defaults="{block: basic}"
    )
    (finding,) = _run(structural.basic_block_not_grouped, text)
    assert finding.loc == ("stages", 0, "planes")
    assert finding.fixes == (_fix(("stages", 0, "planes"), 64, 128),)


# --- AG206, more -----------------------------------------------------------------------------------


def test_ag206_without_cardinality() -> None:
    # int(1 * 32 / 64) * 1 = 0: planes ceil(64 / 32) = 2, or base width ceil(64 / 1) = 64.
    text = _spec(
        "{blocks: 1, planes: 1}", defaults="{block: bottleneck, base_width: 32}"
    )
    (finding,) = _run(structural.width_not_zero, text)
    assert finding.message == (
        "layer1 (stages[0]) width resolves to int(1 * 32 / 64) * 1 = 0 channels; expected "
        "planes * base_width of at least 64"
    )
    assert finding.fixes == (
        _fix(("stages", 0, "planes"), 1, 2),
        _fix(("defaults", "base_width"), 32, 64),
    )


def test_ag206_expected_output_channels_give_their_own_planes() -> None:
    # layer1: width 128, outputs 512 (written). layer2 (width 0, outputs 8 * 4 = 32) is held to
    # width 256 and outputs 1024: planes 1024 / 4 = 256 from the outputs, 128 from the width
    # (256 / 32 = 8 a group, ceil(64 * 8 / 4)), base width ceil(64 * 8 / 8) = 64.
    text = _spec(
        "{blocks: 2, planes: 64, out_channels: 512}",
        "{blocks: 2, planes: 8, stride: 2}",
        defaults="{block: bottleneck, base_width: 4, cardinality: 32}",
    )
    (finding,) = _run(structural.width_not_zero, text)
    planes, base_width = ("stages", 1, "planes"), ("defaults", "base_width")
    assert finding.fixes == (
        _fix(planes, 8, 256),
        _fix(planes, 8, 128),
        _fix(base_width, 4, 64),
        _fix(planes, 8, 16),
        _fix(base_width, 4, 8),
    )


# --- AG401, boundaries ---------------------------------------------------------------------------


def test_ag401_rounds_megamacs_to_a_tenth() -> None:
    # layer1, 64 -> 500 -> 2000 at 56x56: 3136 * (64*500 + 9*500*500 + 500*2000 + 64*2000)
    # = 3136 * 3,410,000 = 10,693,760,000. layer2, 2000 -> 1000 -> 4000: 3136 * (2000*1000
    # + 9*1000*1000 + 1000*4000 + 2000*4000) = 3136 * 23,000,000 = 72,128,000,000; 6.74x.
    text = _spec("{blocks: 1, planes: 500}", "{blocks: 1, planes: 1000}")
    (finding,) = _run(resnext.cost_balance, text)
    assert finding.message == (
        "a block of layer2 (stages[1]) costs 72,128.0 M MACs and one of layer1 (stages[0]) "
        "10,693.8 M, a 6.7x spread; expected at most 2.0x, which doubling the width at each "
        "halving keeps"
    )


def test_ag401_a_spread_of_exactly_two_is_allowed() -> None:
    # Basic blocks at 56x56 from the stem's 64 channels, no shortcut convolution:
    # layer1 9*64*64*3136 * 2 = 231,211,008; layer2 (64 -> 128 -> 64) 9*64*128*3136
    # + 9*128*64*3136 = 462,422,016: exactly twice.
    text = _spec(
        "{blocks: 1, planes: 64}",
        "{blocks: 1, width: 128, out_channels: 64}",
        defaults="{block: basic}",
    )
    assert _run(resnext.cost_balance, text) == []


def test_ag401_stages_of_equal_cost() -> None:
    text = _spec(*["{blocks: 1, planes: 64}"] * 3, defaults="{block: basic}")
    assert _run(resnext.cost_balance, text) == []


def test_ag401_a_stage_that_costs_nothing_is_no_reference() -> None:
    # layer2 has width 0 and keeps layer1's 256 channels (no shortcut convolution): 0 MACs.
    text = _spec(
        "{blocks: 1, planes: 64}",
        "{blocks: 1, planes: 8, out_channels: 256}",
        defaults="{block: bottleneck, base_width: 4, cardinality: 32}",
    )
    plan, complexity = _compile(text)
    assert [cost.macs_per_block for cost in complexity.stages][1] == 0
    assert list(resnext.cost_balance(plan, complexity)) == []


def test_ag401_a_stage_of_one_mac_a_block() -> None:
    # Input 4: 1x1 maps. layer1 (basic, 64 -> 1 -> 1): 9*64 + 9*1 + 64 (shortcut) = 649.
    # layer2 (planes 1 at base width 32: width 0, outputs 4), 4 blocks: only the first block's
    # shortcut costs, 1 * 4 = 4 MACs: 1 a block.
    text = _spec(
        "{blocks: 1, width: 1, out_channels: 1, block: basic}",
        "{blocks: 4, planes: 1, base_width: 32}",
        extra="input: {image_size: 4}\n",
    )
    (finding,) = _run(resnext.cost_balance, text)
    assert finding.message == (
        "a block of layer1 (stages[0]) costs 0.0 M MACs and one of layer2 (stages[1]) 0.0 M, "
        "a 649.0x spread; expected at most 2.0x, which doubling the width at each halving "
        "keeps"
    )


# --- fixes propose whole numbers, and the root cause with its outputs ----------------------------


def _all_int(findings: list[Finding]) -> bool:
    """Every proposed value of a numeric key is an int, as the spec's schema needs."""
    return all(type(f.new) is int for finding in findings for f in finding.fixes)


def test_ag202_fixes_are_integers() -> None:
    out = _run(
        structural.notation_agrees, _spec("{blocks: 2, planes: 64, out_channels: 300}")
    )
    assert out[0].fixes[1] == _fix(("stages", 0, "planes"), 64, 75)
    both = _run(
        structural.notation_agrees,
        _spec("{blocks: 1, width: 96, groups: 8, group_width: 16, out_channels: 256}"),
    )
    assert len(out) == 1
    assert len(both) == 1
    assert _all_int(out)
    assert _all_int(both)


def test_ag202_paper_width_of_zero_is_proposed_as_it_is() -> None:
    # planes 8 at 32x4d makes int(8 * 4 / 64) * 32 = 0; keeping width 128: 128 / 32 = 4 a
    # group -> planes ceil(64 * 4 / 4) = 64 or base width ceil(64 * 4 / 8) = 32.
    text = _spec(
        "{blocks: 1, planes: 8, width: 128}",
        defaults="{block: bottleneck, cardinality: 32, base_width: 4}",
    )
    (finding,) = _run(structural.notation_agrees, text)
    assert finding.message == (
        "layer1 (stages[0]) gives width 128, but planes 8 with 32x4d makes "
        "int(8 * 4 / 64) * 32 = 0; expected the two to agree"
    )
    assert finding.fixes == (
        _fix(("stages", 0, "width"), 128, 0),
        _fix(("stages", 0, "planes"), 8, 64),
        _fix(("defaults", "base_width"), 4, 32),
    )


def test_ag201_root_cause_fix_includes_the_expected_output_channels() -> None:
    # layer3 is held to width 512 and outputs 1024 (128 and 256 doubled twice).
    text = _spec(
        "{blocks: 1, width: 128, groups: 32, out_channels: 256}",
        "{blocks: 1, width: 256, groups: 32, out_channels: 512, stride: 2}",
        "{blocks: 1, width: 250, groups: 32, out_channels: 1000, stride: 2}",
    )
    (finding,) = _run(structural.groups_divide_width, text)
    width, groups = ("stages", 2, "width"), ("stages", 2, "groups")
    assert finding.fixes == (
        _fix(width, 250, 512),
        _fix(("stages", 2, "out_channels"), 1000, 1024),
        _fix(groups, 32, 25),
        _fix(groups, 32, 50),
        _fix(groups, 32, 10),
        _fix(width, 250, 224),
        _fix(width, 250, 256),
    )


# --- the design rules, partners and fixes --------------------------------------------------------


def test_design_fix_edits_an_explicit_width() -> None:
    # widths 64 and 100 vote 64 and 50: the tie goes to 64, so layer2 should be 128.
    text = _spec(
        "{blocks: 1, width: 64, out_channels: 256}",
        "{blocks: 1, width: 100, out_channels: 512, stride: 2}",
    )
    (finding,) = _design(text)
    assert finding == Finding(
        "AG302",
        "layer2 (stages[1]) halves the map (56 -> 28) but the width goes 64 -> 100; "
        "expected 128 (rule ii)",
        ("stages", 1, "width"),
        fixes=(
            _fix(("stages", 1, "width"), 100, 128),
            _fix(("stages", 1, "stride"), 2, 1),
        ),
        clause="width 100, not 128 (AG302, rule ii)",
    )


def test_design_fix_proposes_halving_where_stride_one_is_written() -> None:
    text = _spec("{blocks: 3, planes: 64}", "{blocks: 3, planes: 128, stride: 1}")
    findings = _design(text)
    assert [f.clause for f in findings] == [
        "width 128, not 64 (AG301, rule i)",
        "output channels 512, not 256 (AG301, rule i)",
    ]
    assert findings[0].fixes == (
        _fix(("stages", 1, "planes"), 128, 64),
        _fix(("stages", 1, "stride"), 1, 2),
    )


def test_design_groups_of_a_stage_that_starts_a_run_are_held_to_the_next() -> None:
    # layer2 halves and starts the 28x28 run layer2-layer4, whose groups are 16 32 32.
    text = _spec(
        "{blocks: 1, width: 128, groups: 32, out_channels: 256}",
        "{blocks: 1, width: 256, groups: 16, out_channels: 512, stride: 2}",
        "{blocks: 1, width: 256, groups: 32, out_channels: 512}",
        "{blocks: 1, width: 256, groups: 32, out_channels: 512}",
    )
    assert _design(text) == [
        Finding(
            "AG301",
            f"layer2 (stages[1]) has groups 16, but layer3 (stages[2]) on the same 28x28 map "
            f"has 32; {SAME}; expected 32",
            ("stages", 1, "groups"),
            fixes=(
                _fix(("stages", 1, "groups"), 16, 32),
                _fix(("stages", 1, "stride"), 2, 1),
                _add(2),
            ),
            clause="groups 16, not 32 (AG301, rule i)",
        )
    ]


def test_design_block_of_a_stage_that_starts_a_run_is_held_to_the_next() -> None:
    text = _spec(
        "{blocks: 1, width: 128, out_channels: 256}",
        "{blocks: 1, width: 256, out_channels: 512, stride: 2, block: basic}",
        "{blocks: 1, width: 256, out_channels: 512}",
        "{blocks: 1, width: 256, out_channels: 512}",
    )
    assert _design(text) == [
        Finding(
            "AG301",
            f"layer2 (stages[1]) has block type basic, but layer3 (stages[2]) on the same "
            f"28x28 map has bottleneck; {SAME}; expected bottleneck",
            ("stages", 1, "block"),
            fixes=(
                _fix(("stages", 1, "block"), "basic", "bottleneck"),
                _fix(("stages", 1, "stride"), 2, 1),
                _add(2),
            ),
            clause="block type basic, not bottleneck (AG301, rule i)",
        )
    ]


def test_design_nothing_expected_of_widths_that_all_round_to_zero() -> None:
    # Both widths are int(8 * 4 / 64) * 32 = 0: no rule (ii) expectation for the width. The
    # outputs 32 and 32 vote 32 and 16; the tie goes to 32, so layer2 should have 64.
    text = _spec(
        "{blocks: 1, planes: 8}",
        "{blocks: 1, planes: 8, stride: 2}",
        defaults="{block: bottleneck, cardinality: 32, base_width: 4}",
    )
    assert [f.clause for f in _design(text)] == [
        "output channels 32, not 64 (AG303, rule ii)"
    ]


def test_ag204_the_largest_input_is_proposed() -> None:
    # 11 halvings after the stem's 4: reduction 8,192; least input 8,192 / 2 + 1 = 4,097, and
    # 8,192 (limits.MAX_IMAGE_SIZE itself) halves every map exactly.
    stages = ["{blocks: 1, planes: 8}"] + ["{blocks: 1, planes: 8, stride: 2}"] * 11
    findings = _run(
        structural.map_not_exhausted, _spec(*stages, defaults="{block: basic}")
    )
    assert [f.loc for f in findings] == [("stages", i, "stride") for i in range(7, 12)]
    assert findings[0].message == (
        "layer8 (stages[7]) halves a map that is already 1x1 for an input of 224x224; "
        "expected stride 1 here or an input of at least 4097x4097 (8192x8192 halves every "
        "map exactly)"
    )
    assert findings[0].fixes == (
        _fix(("stages", 7, "stride"), 2, 1),
        _fix(("input", "image_size"), 224, 8192),
    )


# --- AG209 group_norm_single_value -----------------------------------------------------------

# 16 channels throughout; an 8x8 input halves to 1x1 at layer4 (8 -> 4 -> 2 -> 1).
_TO_ONE = (
    "{blocks: 1, planes: 16}",
    "{blocks: 1, planes: 16, stride: 2}",
    "{blocks: 1, planes: 16, stride: 2}",
)


def _gn(
    norm: str, last: str = "{blocks: 1, planes: 16, stride: 2}", size: int = 8
) -> str:
    return _spec(
        *_TO_ONE,
        last,
        defaults="{block: basic}",
        extra=f"input: {{image_size: {size}}}\n"
        "stem: {width: 16, stride: 1, pool: none}\n"
        f"norm: {norm}\n",
    )


def test_ag209_one_channel_per_group_on_a_1x1_map() -> None:
    # layer4's conv1 has stride 2, so its bn1 sees 16 channels on a 1x1 map: 16 groups of one
    # value. At most 16 // 2 = 8 groups keep two values each; divisors of 16 up to 8, nearest
    # 16 first: 8, 4, 2.
    (finding,) = _run(
        structural.group_norm_single_value, _gn("{type: group, groups: 16}")
    )
    loc = ("norm", "groups")
    assert finding == Finding(
        "AG209",
        "group norm of 16 channels (layer4 (stages[3]), bn1) on a 1x1 map has one value per "
        "group, which normalises to 0 whatever the input; expected at most 8 groups (two "
        "channels or more in each)",
        loc,
        fixes=(_fix(loc, 16, 8), _fix(loc, 16, 4), _fix(loc, 16, 2)),
    )


def test_ag209_group_size_of_one_on_a_1x1_map() -> None:
    # Divisors of 16 from 2 up, nearest 1 first: 2, 4, 8.
    (finding,) = _run(
        structural.group_norm_single_value, _gn("{type: group, group_size: 1}")
    )
    loc = ("norm", "group_size")
    assert finding.code == "AG209" and finding.loc == loc
    assert finding.message.endswith(
        "; expected a group_size of at least 2 that divides every channel count"
    )
    assert finding.fixes == (_fix(loc, 1, 2), _fix(loc, 1, 4), _fix(loc, 1, 8))


def test_ag209_fixes_are_divisors_of_every_group_norm_channel_count() -> None:
    # layer4 has 32 channels: a group size of 1 is single-valued there, and the fixes are
    # divisors of gcd(16, 32) = 16, the channel counts of every group norm, from 2 up.
    text = _gn(
        "{type: group, group_size: 1}", last="{blocks: 1, planes: 32, stride: 2}"
    )
    (finding,) = _run(structural.group_norm_single_value, text)
    assert "group norm of 32 channels (layer4 (stages[3]), bn1)" in finding.message
    assert [fix.new for fix in finding.fixes] == [2, 4, 8]  # gcd(16, 32) = 16


def test_ag209_a_stem_norm_is_named_by_its_path() -> None:
    # A 1x1 input: the stem's own norm already sees one value per group.
    text = _spec(
        "{blocks: 1, planes: 16}",
        defaults="{block: basic}",
        extra="input: {image_size: 1}\nstem: {width: 16, stride: 1, pool: none}\n"
        "norm: {type: group, groups: 16}\n",
    )
    (finding,) = _run(structural.group_norm_single_value, text)
    assert finding.message.startswith("group norm of 16 channels (bn1) on a 1x1 map")


@pytest.mark.parametrize(
    ("norm", "size"),
    [
        ("{type: group, groups: 8}", 8),  # two channels per group on the 1x1 map
        ("{type: group, group_size: 2}", 8),
        ("{type: group, groups: 16}", 16),  # the map ends at 2x2: four values per group
        ("{type: group, group_size: 1}", 16),
        ("{type: batch}", 8),
    ],
)
def test_ag209_silent_with_two_values_or_more_per_group(norm: str, size: int) -> None:
    assert _run(structural.group_norm_single_value, _gn(norm, size=size)) == []


def test_ag209_leaves_groups_that_do_not_divide_to_ag207() -> None:
    # 16 groups are single-valued on layer4's 16 channels, but do not divide a 24-channel
    # stage: AG207 reports that first, and this rule stays silent.
    text = _gn("{type: group, groups: 16}")
    text = text.replace("- {blocks: 1, planes: 16}\n", "- {blocks: 1, planes: 24}\n", 1)
    assert [f.code for f in _run(structural.norm_groups_divide, text)] == ["AG207"]
    assert _run(structural.group_norm_single_value, text) == []


def test_ag209_fixes_on_a_four_channel_network_reach_one_group_and_the_whole_width() -> (
    None
):
    # Four channels everywhere: divisors 1, 2, 4. Four groups are single-valued on the 1x1
    # map; at most 4 // 2 = 2 groups, nearest first: 2, then 1 (one group: layer norm). A group
    # size of 1 is fixed by 2 or 4, the whole width.
    def four(norm: str) -> str:
        return (
            _gn(norm)
            .replace("planes: 16", "planes: 4")
            .replace("width: 16", "width: 4")
        )

    loc = ("norm", "groups")
    (finding,) = _run(
        structural.group_norm_single_value, four("{type: group, groups: 4}")
    )
    assert finding.fixes == (_fix(loc, 4, 2), _fix(loc, 4, 1))
    loc = ("norm", "group_size")
    (finding,) = _run(
        structural.group_norm_single_value, four("{type: group, group_size: 1}")
    )
    assert finding.fixes == (_fix(loc, 1, 2), _fix(loc, 1, 4))


def test_ag207_checks_the_counts_after_a_repeated_one() -> None:
    # 64 groups: the stem's 64 channels pass, layer1's bn1 repeats 64 (skipped), and layer2's
    # 96 channels fail; gcd(64, 96) = 32, whose divisors nearest 64 are 32, 16, 8.
    text = _spec(
        "{blocks: 1, planes: 64}",
        "{blocks: 1, planes: 96, stride: 2}",
        defaults="{block: basic}",
        extra="stem: {width: 64}\nnorm: {type: group, groups: 64}\n",
    )
    (finding,) = _run(structural.norm_groups_divide, text)
    assert finding.message.startswith(
        "group norm of 96 channels (layer2 (stages[1]), bn1) cannot make 64 groups"
    )
    loc = ("norm", "groups")
    assert finding.fixes == (_fix(loc, 64, 32), _fix(loc, 64, 16), _fix(loc, 64, 8))


def test_res2net_blocks_double_their_width_times_scale() -> None:
    # Res2Net's block is width x scale wide (Gao et al. 2019): 26 x 4 = 104, 208, then layer3
    # gives 104 x 8 = 832 where doubling 208 expects 416; scale 4 (416 / 104) gives it, as does
    # planes 128 (int(128 * 26 / 64) = 52, x 8 = 416).
    text = _spec(
        "{blocks: 3, planes: 64, scale: 4}",
        "{blocks: 4, planes: 128, stride: 2, scale: 4}",
        "{blocks: 6, planes: 256, stride: 2, scale: 8}",
        "{blocks: 3, planes: 512, stride: 2, scale: 4}",
        defaults="{block: res2net, base_width: 26}",
    )
    plan, complexity = _compile(text)
    assert list(resnext.same_size_same_shape(plan, complexity)) == []
    (finding,) = resnext.halving_doubles(plan, complexity)
    assert finding.message == (
        "layer3 (stages[2]) halves the map (28 -> 14) but the width x scale goes "
        "208 -> 832; expected 416 (rule ii)"
    )
    assert finding.fixes[:2] == (
        _fix(("stages", 2, "scale"), 8, 4),
        _fix(("stages", 2, "planes"), 256, 128),
    )
    # The same network at scale 4 throughout (timm's res2net50_26w_4s) keeps both rules.
    plan, complexity = _compile(text.replace("scale: 8", "scale: 4"))
    assert list(resnext.halving_doubles(plan, complexity)) == []


def test_resnest_blocks_double_their_width_times_radix() -> None:
    # ResNeSt's split attention is width x radix wide (Zhang et al. 2020): 64 x 2 = 128, then
    # layer2 keeps width 128 but drops to radix 1: 128 where doubling expects 256; radix 2
    # (256 / 128) gives it back.
    text = _spec(
        "{blocks: 3, planes: 64, radix: 2}",
        "{blocks: 4, planes: 128, stride: 2, radix: 1}",
        defaults="{block: resnest}",
    )
    plan, complexity = _compile(text)
    (finding,) = resnext.halving_doubles(plan, complexity)
    assert finding.message == (
        "layer2 (stages[1]) halves the map (56 -> 28) but the width x radix goes 128 -> 128; "
        "expected 256 (rule ii)"
    )
    assert finding.fixes[0] == _fix(("stages", 1, "radix"), 1, 2)
