"""Exact parameters, MACs and activations of a planned network, from the plan alone (no torch).

Conventions, stated once and used everywhere archgen prints a cost:

* **params**: trainable parameters: convolution and linear weights, the linear bias, batch-norm
  weight and bias (running statistics are buffers, not parameters).
* **MACs**: multiply-accumulates of the convolution and linear layers for one image at the spec's
  input size: the paper's "FLOPs (multiply-adds)", torchvision's "GFLOPS", and
  ``torch.utils.flop_counter.FlopCounterMode`` total / 2. Batch norm, activations, pooling and
  bias additions are not counted.
* **acts**: output elements of the convolution and linear layers for one image (the activation
  count of Radosavovic et al., pycls).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from archgen.ops import Act, Attention, Conv, Dropout, Graph, Linear, Norm, Op, Pool
from archgen.plan import NetworkPlan, StagePlan
from archgen.recipes import ATTENTIONS

CONVENTION = (
    "MACs are multiply-accumulates of convolution and linear layers for one image "
    "(torchvision's GFLOPS; FlopCounterMode total / 2)"
)


@dataclass(frozen=True)
class Cost:
    params: int = 0
    macs: int = 0
    acts: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.params + other.params, self.macs + other.macs, self.acts + other.acts
        )

    def to_json(self) -> dict[str, int]:
        return {"params": self.params, "macs": self.macs, "acts": self.acts}


def conv_cost(op: Conv) -> Cost:
    weights = op.out_channels * (op.in_channels // op.groups) * op.kernel**op.dims
    outputs = op.out_channels * op.out_size**op.dims
    spatial = op.out_size**op.dims
    return Cost(
        weights + (op.out_channels if op.bias else 0), weights * spatial, outputs
    )


def norm_cost(op: Norm) -> Cost:
    return Cost(params=0 if op.kind == "frozen_batch" else 2 * op.channels)


def attention_cost(op: Attention) -> Cost:
    """Whatever the attention module's recipe says it costs."""
    return Cost(*ATTENTIONS[op.kind].cost(op.channels, op.hidden))


def linear_cost(op: Linear) -> Cost:
    weights = op.in_features * op.out_features
    return Cost(weights + op.out_features, weights, op.out_features)


def graph_cost(op: Graph) -> Cost:
    """What its operations cost (a split, a sum or a concatenation costs nothing)."""
    return cost_of(op.ops)


def free(_: Op) -> Cost:
    return Cost()


COSTS: dict[type, Callable[[Any], Cost]] = {
    Conv: conv_cost,
    Norm: norm_cost,
    Attention: attention_cost,
    Linear: linear_cost,
    Graph: graph_cost,
    Act: free,
    Pool: free,
    Dropout: free,
}
"""The cost of each kind of operation; the one table a new kind of operation adds to."""


def cost_of(ops: Iterable[Op]) -> Cost:
    result = Cost()
    for op in ops:
        result = result + COSTS[type(op)](op)
    return result


def total(costs: Iterable[Cost]) -> Cost:
    result = Cost()
    for cost in costs:
        result = result + cost
    return result


@dataclass(frozen=True)
class StageCost:
    stage: StagePlan
    blocks: tuple[Cost, ...]

    @property
    def total(self) -> Cost:
        return total(self.blocks)

    @property
    def macs_per_block(self) -> float:
        return self.total.macs / len(self.blocks)


@dataclass(frozen=True)
class Complexity:
    stem: Cost
    stages: tuple[StageCost, ...]
    head: Cost

    @property
    def total(self) -> Cost:
        return total([self.stem, *(stage.total for stage in self.stages), self.head])

    def to_json(self) -> dict[str, object]:
        return {
            **self.total.to_json(),
            "stem": self.stem.to_json(),
            "stages": [
                {"name": cost.stage.name, **cost.total.to_json()}
                for cost in self.stages
            ],
            "head": self.head.to_json(),
        }


def analyse(plan: NetworkPlan) -> Complexity:
    stages = tuple(
        StageCost(stage, tuple(cost_of(block.all_ops) for block in stage.blocks))
        for stage in plan.stages
    )
    return Complexity(cost_of(plan.stem), stages, cost_of(plan.final + plan.head))
