"""Complexity against the published figures and each operation's cost worked by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from archgen.complexity import (
    CONVENTION,
    Complexity,
    Cost,
    StageCost,
    analyse,
    attention_cost,
    conv_cost,
    cost_of,
    linear_cost,
    norm_cost,
    total,
)
from archgen.config import Config
from archgen.ops import (
    Act,
    Attention,
    Conv,
    Dropout,
    Linear,
    Norm,
    Pool,
    kind_of,
)
from archgen.pipeline import compile_spec

from conftest import (
    ALL_REFERENCE,
    REFERENCE,
    SPECS,
)


def _compiled(path: Path):  # type: ignore[no-untyped-def]
    result = compile_spec(path, Config(root=path.parent))
    assert result.plan is not None and result.complexity is not None, result.diagnostics
    return result


# --- complexity against published figures ---------------------------------------------------


@pytest.mark.parametrize("name", sorted(ALL_REFERENCE))
def test_analytic_params_and_macs_equal_the_published_figures(name: str) -> None:
    complexity = _compiled(SPECS / f"{name}.yaml").complexity
    assert (complexity.total.params, complexity.total.macs) == ALL_REFERENCE[name]
    parts = total([complexity.stem, *(s.total for s in complexity.stages)])
    assert parts + complexity.head == complexity.total


def test_resnet50_acts_and_json_breakdown() -> None:
    """torchvision ResNet-50: the head is a 2048 -> 1000 linear layer; the 7x7 stem conv has
    64 * 3 * 49 weights and 64 x 112 x 112 outputs."""
    result = _compiled(SPECS / "resnet50.yaml")
    data = result.complexity.to_json()
    assert data["head"] == {
        "params": 2048 * 1000 + 1000,
        "macs": 2048 * 1000,
        "acts": 1000,
    }
    stem_conv = 64 * 3 * 7 * 7
    assert data["stem"] == {
        "params": stem_conv + 2 * 64,
        "macs": stem_conv * 112 * 112,
        "acts": 64 * 112 * 112,
    }
    assert [s["name"] for s in data["stages"]] == [f"layer{i}" for i in range(1, 5)]
    assert (data["params"], data["macs"]) == REFERENCE["resnet50"]
    assert sum(s["params"] for s in data["stages"]) == (
        data["params"] - data["stem"]["params"] - data["head"]["params"]
    )
    assert (
        sum(s["acts"] for s in data["stages"]) + 1000 + 64 * 112 * 112 == data["acts"]
    )
    layer1 = result.complexity.stages[0]
    assert len(layer1.blocks) == 3
    assert layer1.macs_per_block == layer1.total.macs / 3
    assert analyse(result.plan) == result.complexity
    assert "FlopCounterMode total / 2" in CONVENTION


# --- operation costs by hand ----------------------------------------------------------------


def _conv(**changes: object) -> Conv:
    base: dict[str, object] = {
        "path": "c",
        "in_channels": 8,
        "out_channels": 6,
        "kernel": 3,
        "stride": 1,
        "padding": 1,
        "dilation": 1,
        "groups": 2,
        "bias": False,
        "in_size": 5,
        "out_size": 4,
    }
    return Conv(**{**base, **changes})  # type: ignore[arg-type]


def test_conv_cost_counts_grouped_weights_bias_and_outputs() -> None:
    weights = 6 * (8 // 2) * 3 * 3
    assert conv_cost(_conv()) == Cost(weights, weights * 16, 6 * 16)
    assert conv_cost(_conv(bias=True)) == Cost(weights + 6, weights * 16, 6 * 16)
    # A 1-D convolution (dims=1): kernel**1 and out_size**1.
    assert conv_cost(_conv(dims=1, groups=1)) == Cost(6 * 8 * 3, 6 * 8 * 3 * 4, 6 * 4)


def test_norm_attention_and_linear_costs() -> None:
    assert norm_cost(Norm("n", "batch", 10, 0, 4)) == Cost(20, 0, 0)
    assert norm_cost(Norm("n", "group", 10, 2, 4)) == Cost(20, 0, 0)
    assert norm_cost(Norm("n", "frozen_batch", 10, 0, 4)) == Cost()
    # SE on 256 channels reduced to 16: 1x1 convs 256->16 and 16->256, both with bias.
    assert attention_cost(Attention("a", "se", 256, 16, 7)) == Cost(
        2 * 256 * 16 + 16 + 256, 2 * 256 * 16, 16 + 256
    )
    # ECA: one 1-D conv of kernel 5 without bias, sliding over 256 channels.
    assert attention_cost(Attention("a", "eca", 256, 5, 7)) == Cost(5, 5 * 256, 256)
    assert linear_cost(Linear("fc", 512, 10)) == Cost(5130, 5120, 10)


def test_free_operations_and_the_sum_of_costs() -> None:
    ops = [
        Act("r", "relu", 4),
        Pool("p", "max", 3, 2, 1, 8, 4),
        Dropout("d", "dropout"),
        Linear("fc", 3, 2),
        Linear("fc2", 2, 1),
    ]
    assert cost_of(ops) == Cost(8 + 3, 6 + 2, 3)
    assert cost_of([]) == Cost() == total([])
    assert Cost(1, 2, 3) + Cost(10, 20, 30) == Cost(11, 22, 33)
    assert Cost(1, 2, 3).to_json() == {"params": 1, "macs": 2, "acts": 3}


def test_complexity_json_and_stage_average() -> None:
    stage = _compiled(SPECS / "resnet18.yaml").plan.stages[0]
    costs = StageCost(stage, (Cost(1, 10, 100), Cost(2, 20, 200)))
    assert costs.total == Cost(3, 30, 300)
    assert costs.macs_per_block == 15
    complexity = Complexity(Cost(5, 6, 7), (costs,), Cost(100, 200, 300))
    assert complexity.total == Cost(108, 236, 607)
    assert complexity.to_json() == {
        "params": 108,
        "macs": 236,
        "acts": 607,
        "stem": {"params": 5, "macs": 6, "acts": 7},
        "stages": [{"name": "layer1", "params": 3, "macs": 30, "acts": 300}],
        "head": {"params": 100, "macs": 200, "acts": 300},
    }


def test_kind_of_names_each_operation() -> None:
    assert kind_of(_conv()) == "conv"
    assert kind_of(Attention("a", "se", 4, 2, 1)) == "attention"
    assert kind_of(Dropout("d", "drop_path")) == "dropout"
