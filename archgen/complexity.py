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

from dataclasses import dataclass

from archgen.plan import BlockPlan, NetworkPlan, StagePlan

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


def conv(
    in_channels: int, out_channels: int, kernel: int, out_size: int, groups: int = 1
) -> Cost:
    weights = out_channels * (in_channels // groups) * kernel * kernel
    outputs = out_channels * out_size * out_size
    return Cost(weights, weights * out_size * out_size, outputs)


def batch_norm(channels: int) -> Cost:
    return Cost(params=2 * channels)


def linear(in_features: int, out_features: int) -> Cost:
    weights = in_features * out_features
    return Cost(weights + out_features, weights, out_features)


def total(costs: tuple[Cost, ...] | list[Cost]) -> Cost:
    result = Cost()
    for cost in costs:
        result = result + cost
    return result


def block_cost(block: BlockPlan) -> Cost:
    size, width, groups = block.out_size, block.width, block.groups
    if block.kind == "bottleneck":
        layers = [
            conv(block.in_channels, width, 1, block.in_size),
            batch_norm(width),
            conv(width, width, 3, size, groups),
            batch_norm(width),
            conv(width, block.out_channels, 1, size),
            batch_norm(block.out_channels),
        ]
    else:
        layers = [
            conv(block.in_channels, width, 3, size, groups),
            batch_norm(width),
            conv(width, block.out_channels, 3, size, groups),
            batch_norm(block.out_channels),
        ]
    if block.project:
        layers += [
            conv(block.in_channels, block.out_channels, 1, size),
            batch_norm(block.out_channels),
        ]
    return total(layers)


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
    stem = plan.stem
    stem_cost = conv(
        stem.in_channels, stem.width, stem.kernel_size, stem.conv_size
    ) + batch_norm(stem.width)
    stages = tuple(
        StageCost(stage, tuple(block_cost(block) for block in stage.blocks))
        for stage in plan.stages
    )
    return Complexity(
        stem_cost, stages, linear(plan.head.in_features, plan.head.num_classes)
    )
