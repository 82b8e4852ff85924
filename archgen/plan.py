"""Lower a validated spec to an immutable plan that resolves every block.

This is the only module that does channel, width and spatial arithmetic. The linter, the
complexity analysis and the templates read the plan and never recompute it. The rules are
torchvision's, so that generated models are weight-compatible with it:

* paper notation: bottleneck width ``int(planes * d / 64) * C``, output ``planes * expansion``;
* the first block of a stage carries the stride (in the 3x3 convolution, "ResNet v1.5") and has a
  projection shortcut when the stride is not 1 or the channel count changes;
* ``dilate`` replaces a stage's stride by dilation; the stage's first block keeps the previous
  dilation (torchvision's ``replace_stride_with_dilation``).
"""

from __future__ import annotations

from dataclasses import dataclass

from archgen.diagnostics import Diagnostic
from archgen.source import Document, Loc
from archgen.spec import BlockType, NetworkSpec, StageOptions

EXPANSION: dict[str, int] = {"basic": 1, "bottleneck": 4}
BLOCK_CLASS: dict[str, str] = {"basic": "BasicBlock", "bottleneck": "Bottleneck"}
POOL_KERNEL, POOL_STRIDE, POOL_PADDING = 3, 2, 1


def conv_output_size(
    size: int, kernel: int, stride: int, padding: int, dilation: int = 1
) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


@dataclass(frozen=True)
class StemPlan:
    in_channels: int
    width: int
    kernel_size: int
    stride: int
    padding: int
    pool: bool
    in_size: int
    conv_size: int
    out_size: int


@dataclass(frozen=True)
class BlockPlan:
    kind: BlockType
    in_channels: int
    width: int
    out_channels: int
    groups: int
    stride: int
    dilation: int
    project: bool
    """Whether the shortcut is a 1x1 convolution and batch norm (torchvision's ``downsample``)."""
    in_size: int
    out_size: int

    @property
    def class_name(self) -> str:
        return BLOCK_CLASS[self.kind]


@dataclass(frozen=True)
class Notation:
    """What the spec declared for a stage, before resolution; the linter checks it agrees."""

    planes: int | None
    cardinality: int | None
    base_width: int | None
    width: int | None
    groups: int | None
    group_width: int | None
    out_channels: int | None

    @property
    def paper_width(self) -> int | None:
        if self.planes is None:
            return None
        return self.planes * (self.base_width or 64) // 64 * (self.cardinality or 1)


@dataclass(frozen=True)
class StagePlan:
    index: int
    """1-based; the stage's module is ``layer{index}``."""
    kind: BlockType
    blocks: tuple[BlockPlan, ...]
    declared_stride: int
    dilate: bool
    width: int
    groups: int
    out_channels: int
    in_size: int
    out_size: int
    nominal_in_size: int
    """The map size had every stride been applied: a dilation that replaces a stride still halves
    it. The design rules compare stages by nominal size."""
    nominal_out_size: int
    notation: Notation
    origins: tuple[tuple[str, Loc], ...]

    @property
    def name(self) -> str:
        return f"layer{self.index}"

    @property
    def loc(self) -> Loc:
        return ("stages", self.index - 1)

    @property
    def halves(self) -> bool:
        return self.declared_stride == 2

    def origin(self, *fields: str) -> Loc:
        """Where the first of ``fields`` that the spec gives for this stage is written."""
        known = dict(self.origins)
        for field in fields:
            if field in known:
                return known[field]
        return self.loc

    @property
    def runs(self) -> tuple[tuple[BlockPlan, int], ...]:
        """Consecutive identical blocks, grouped: how the generated code spells the stage."""
        runs: list[tuple[BlockPlan, int]] = []
        for block in self.blocks:
            if runs and runs[-1][0] == block:
                runs[-1] = (block, runs[-1][1] + 1)
            else:
                runs.append((block, 1))
        return tuple(runs)


@dataclass(frozen=True)
class HeadPlan:
    in_features: int
    num_classes: int


@dataclass(frozen=True)
class BlockClassPlan:
    """One block class of the generated module, with only the options the network uses."""

    kind: BlockType
    groups: bool
    dilation: bool
    takes_width: bool
    """Bottlenecks always take an inner width; a basic block only when one differs from its output."""

    @property
    def name(self) -> str:
        return BLOCK_CLASS[self.kind]


@dataclass(frozen=True)
class NetworkPlan:
    name: str
    class_name: str
    description: str
    in_channels: int
    image_size: int
    stem: StemPlan
    stages: tuple[StagePlan, ...]
    head: HeadPlan
    zero_init_residual: bool
    ignored_codes: frozenset[str]
    severity_overrides: tuple[tuple[str, str], ...]

    @property
    def blocks(self) -> tuple[BlockPlan, ...]:
        return tuple(block for stage in self.stages for block in stage.blocks)

    @property
    def block_classes(self) -> tuple[BlockClassPlan, ...]:
        classes = []
        for kind in ("basic", "bottleneck"):
            blocks = [block for block in self.blocks if block.kind == kind]
            if blocks:
                classes.append(
                    BlockClassPlan(
                        kind,
                        groups=any(block.groups != 1 for block in blocks),
                        dilation=any(block.dilation != 1 for block in blocks),
                        takes_width=kind == "bottleneck"
                        or any(block.width != block.out_channels for block in blocks),
                    )
                )
        return tuple(classes)


def default_class_name(name: str) -> str:
    """``wide_resnet50_2`` -> ``Wide_resnet50_2``: the name with a capital, nothing guessed."""
    return name[0].upper() + name[1:]


def lower(spec: NetworkSpec, document: Document) -> NetworkPlan | list[Diagnostic]:
    stem_spec = spec.stem
    padding = stem_spec.kernel_size // 2
    conv_size = conv_output_size(
        spec.input.image_size, stem_spec.kernel_size, stem_spec.stride, padding
    )
    out_size = (
        conv_output_size(conv_size, POOL_KERNEL, POOL_STRIDE, POOL_PADDING)
        if stem_spec.pool
        else conv_size
    )
    stem = StemPlan(
        spec.input.channels,
        stem_spec.width,
        stem_spec.kernel_size,
        stem_spec.stride,
        padding,
        stem_spec.pool,
        spec.input.image_size,
        conv_size,
        out_size,
    )
    problems: list[Diagnostic] = []
    stages: list[StagePlan] = []
    channels, size, nominal, dilation = stem.width, stem.out_size, stem.out_size, 1
    for index, stage_spec in enumerate(spec.stages, start=1):
        merged, origins = _merge(spec.defaults, stage_spec, index - 1)
        stage = _lower_stage(
            index,
            stage_spec.blocks,
            merged,
            origins,
            channels,
            size,
            nominal,
            dilation,
            document,
        )
        if isinstance(stage, Diagnostic):
            problems.append(stage)
            continue
        stages.append(stage)
        channels, size, nominal = (
            stage.out_channels,
            stage.out_size,
            stage.nominal_out_size,
        )
        dilation = stage.blocks[-1].dilation
    if problems:
        return problems
    return NetworkPlan(
        name=spec.name,
        class_name=spec.class_name or default_class_name(spec.name),
        description=spec.description,
        in_channels=spec.input.channels,
        image_size=spec.input.image_size,
        stem=stem,
        stages=tuple(stages),
        head=HeadPlan(channels, spec.head.num_classes),
        zero_init_residual=spec.init.zero_init_residual,
        ignored_codes=frozenset(spec.lint.ignore),
        severity_overrides=tuple(sorted(spec.lint.severity.items())),
    )


def _merge(
    defaults: StageOptions, stage: StageOptions, position: int
) -> tuple[dict[str, object], tuple[tuple[str, Loc], ...]]:
    """Per-stage settings over network-wide defaults, remembering where each one was written."""
    merged: dict[str, object] = {}
    origins: list[tuple[str, Loc]] = []
    for field in StageOptions.model_fields:
        own, shared = getattr(stage, field), getattr(defaults, field)
        if own is not None:
            merged[field] = own
            origins.append((field, ("stages", position, field)))
        elif shared is not None:
            merged[field] = shared
            origins.append((field, ("defaults", field)))
    return merged, tuple(origins)


def _lower_stage(
    index: int,
    count: int,
    merged: dict[str, object],
    origins: tuple[tuple[str, Loc], ...],
    in_channels: int,
    in_size: int,
    nominal_in: int,
    previous_dilation: int,
    document: Document,
) -> StagePlan | Diagnostic:
    loc: Loc = ("stages", index - 1)
    declared_kind = merged.get("block")
    if declared_kind not in EXPANSION:
        return document.diagnostic(
            "AG105",
            f"layer{index} has no block type; expected 'block: basic' or 'block: bottleneck' "
            "in the stage or in defaults",
            loc,
        )
    kind: BlockType = "basic" if declared_kind == "basic" else "bottleneck"
    notation = Notation(
        *(
            _int(merged.get(field))
            for field in (
                "planes",
                "cardinality",
                "base_width",
                "width",
                "groups",
                "group_width",
                "out_channels",
            )
        )
    )
    width = notation.width if notation.width is not None else notation.paper_width
    if (
        width is None
        and notation.groups is not None
        and notation.group_width is not None
    ):
        width = notation.groups * notation.group_width
    out_channels = notation.out_channels
    if out_channels is None and notation.planes is not None:
        out_channels = notation.planes * EXPANSION[kind]
    if width is None or out_channels is None:
        return document.diagnostic(
            "AG105",
            f"layer{index} does not say how wide it is; expected 'planes' (paper notation) or "
            "'width' and 'out_channels' (explicit)",
            loc,
        )
    if notation.groups is not None:
        groups = notation.groups
    elif notation.group_width is not None:
        groups = max(1, width // notation.group_width)
    else:
        groups = notation.cardinality or 1
    declared_stride = _int(merged.get("stride")) or 1
    dilate = bool(merged.get("dilate"))
    if dilate and kind == "basic":
        return document.diagnostic(
            "AG105",
            f"layer{index} dilates basic blocks; only bottleneck blocks support dilation "
            "(as in torchvision)",
            dict(origins)["dilate"],
        )
    stride, dilation = (
        (1, previous_dilation * declared_stride)
        if dilate
        else (declared_stride, previous_dilation)
    )
    out_size = conv_output_size(in_size, 1, stride, 0)
    first = BlockPlan(
        kind=kind,
        in_channels=in_channels,
        width=width,
        out_channels=out_channels,
        groups=groups,
        stride=stride,
        dilation=previous_dilation,
        project=stride != 1 or in_channels != out_channels,
        in_size=in_size,
        out_size=out_size,
    )
    rest = BlockPlan(
        kind=kind,
        in_channels=out_channels,
        width=width,
        out_channels=out_channels,
        groups=groups,
        stride=1,
        dilation=dilation,
        project=False,
        in_size=out_size,
        out_size=out_size,
    )
    return StagePlan(
        index=index,
        kind=kind,
        blocks=(first,) + (rest,) * (count - 1),
        declared_stride=declared_stride,
        dilate=dilate,
        width=width,
        groups=groups,
        out_channels=out_channels,
        in_size=in_size,
        out_size=out_size,
        nominal_in_size=nominal_in,
        nominal_out_size=conv_output_size(nominal_in, 1, declared_stride, 0),
        notation=notation,
        origins=origins,
    )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
