"""Lower a resolved spec (:mod:`archgen.resolve`) to an immutable plan of operations.

This is the only module that does channel flow and spatial arithmetic (a stage's own width
follows from its notation in the resolve step). Lowering reads the resolved records, never the
source document; a limit only its arithmetic reaches (a dilation, a component's least width) is
a :class:`Refusal` located where the spec caused it. Every consumer (the
linter, the complexity analysis, the summaries and the renderer) reads the plan and never
recomputes it. The rules are torchvision's and timm's, so that generated models are
weight-compatible with them:

* the first block of a stage carries the stride and has a projection shortcut when the stride is
  not 1 or the channel count changes;
* ``dilate`` (torchvision's ``replace_stride_with_dilation``) or ``output_stride`` (timm's)
  replace a stage's stride by dilation; a stage's first block keeps the previous dilation in its
  first spatial convolution, every later block uses the new one.

Which operations a component runs is not decided here but by its recipe (:mod:`archgen.recipes`).
"""

from __future__ import annotations

from dataclasses import dataclass

from archgen import limits
from archgen.diagnostics import Diagnostic
from archgen.ops import Act, Attention, Conv, Linear, Norm, Op, Pool
from archgen.recipes import (
    ATTENTIONS,
    BLOCKS,
    POSITIONAL_STEMS,
    SHORTCUTS,
    BlockArgs,
    ShortcutArgs,
    Style,
    final,
    head,
    stem,
)
from archgen.resolve import (
    Notation,
    ResolvedNetwork,
    ResolvedStage,
    resolve,
)
from archgen.source import Document, Loc
from archgen.spec import NetworkSpec

__all__ = ["Notation", "lower", "lower_resolved"]


@dataclass(frozen=True)
class BlockPlan:
    recipe: str
    """Key of the block's recipe in :data:`archgen.recipes.BLOCKS`."""
    ops: tuple[Op, ...]
    """The residual branch, in order."""
    shortcut: tuple[Op, ...] | None
    """The projection shortcut's operations; None for an identity shortcut."""
    shortcut_recipe: str
    residual_act: Act | None
    """The activation after the residual addition (None: pre-activation blocks have none)."""
    drop_path_index: int | None
    """Position of the block in the network's stochastic-depth schedule."""
    in_channels: int
    out_channels: int
    in_size: int
    out_size: int

    @property
    def all_ops(self) -> tuple[Op, ...]:
        after = () if self.residual_act is None else (self.residual_act,)
        return self.ops + (self.shortcut or ()) + after


@dataclass(frozen=True)
class StagePlan:
    index: int
    """1-based position."""
    name: str
    """The stage's module: ``layer{index}`` (ResNets) or ``s{index}`` (RegNet)."""
    recipe: str
    blocks: tuple[BlockPlan, ...]
    declared_stride: int
    dilate: bool
    """The stage's stride became dilation (``dilate`` or ``output_stride``)."""
    width: int
    groups: int
    out_channels: int
    in_size: int
    out_size: int
    nominal_in_size: int
    """The map size had every stride been applied: a dilation that replaces a stride still halves
    it. The design rules compare stages by nominal size."""
    nominal_out_size: int
    reduction: int
    """Total stride from the input to the stage's output (timm's feature ``reduction``)."""
    notation: Notation
    origins: tuple[tuple[str, Loc], ...]

    @property
    def loc(self) -> Loc:
        known = dict(self.origins)
        return known.get("blocks", ("stages", self.index - 1))

    @property
    def label(self) -> str:
        """How messages name the stage: ``layer2 (stages[1])``."""
        return f"{self.name} (stages[{self.index - 1}])"

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


@dataclass(frozen=True)
class FeatureTap:
    """A map ``forward_intermediates`` returns: timm's ``feature_info`` entry."""

    module: str
    channels: int
    reduction: int
    size: int


@dataclass(frozen=True)
class Preprocess:
    """How images are prepared for the network (timm's ``pretrained_cfg``): the spec's
    ``preprocess`` section, with the input size and the first and last layers' paths."""

    mean: tuple[float, ...]
    std: tuple[float, ...]
    crop_pct: float
    crop_mode: str
    interpolation: str
    first_conv: str
    classifier: str


@dataclass(frozen=True)
class NetworkPlan:
    name: str
    class_name: str
    description: str
    layout: str
    design_space: str
    named_blocks: bool
    """Blocks are named ``b1``, ``b2``, ... in their stage (timm's RegNet) or ``block1-0``, ...
    (torchvision's), not numbered."""
    stage_helper: str | None
    """The helper that builds a stage of named blocks (:data:`archgen.recipes.STAGE_HELPERS`)."""
    naming: str
    """The naming table the module follows (a key of :data:`archgen.recipes.LAYOUTS`): the
    layout, made specific to the blocks' family (``torchvision-regnet``)."""
    stem_tap: str
    """Path of the stem activation whose output is the first feature map."""
    regnet: tuple[tuple[str, float], ...] | None
    """The RegNet parameters the stages were expanded from, as the spec gives them."""
    in_channels: int
    image_size: int
    stem: tuple[Op, ...]
    stem_type: str
    stages: tuple[StagePlan, ...]
    final: tuple[Op, ...]
    """What follows the last stage, before the head (pre-activation: a norm and an
    activation, timm's ``norm``); part of ``forward_features``."""
    head: tuple[Op, ...]
    num_features: int
    num_classes: int
    drop_rate: float | None
    drop_path_rate: float | None
    zero_init_residual: bool
    preprocess: Preprocess
    ignored_codes: frozenset[str]
    severity_overrides: tuple[tuple[str, str], ...]

    @property
    def blocks(self) -> tuple[BlockPlan, ...]:
        return tuple(block for stage in self.stages for block in stage.blocks)

    @property
    def stem_out_size(self) -> int:
        return _out_size(self.stem)

    @property
    def stem_width(self) -> int:
        for op in reversed(self.stem):
            if isinstance(op, Norm):
                return op.channels
            if isinstance(op, Conv):
                return op.out_channels
        raise ValueError("a stem without a convolution")

    @property
    def features(self) -> tuple[FeatureTap, ...]:
        """The stem's activation and each stage's output, as timm's ``feature_info``."""
        tap = next(op for op in self.stem if op.path == self.stem_tap)
        stem_reduction = _reduction(self.stem, until=tap)
        module = tap.path.split(".")[0]
        inside = [op for op in self.stem if op.path.split(".")[0] == module]
        if inside[-1] is not tap:  # a map inside a container: timm names the layer
            module = tap.path
        taps = [FeatureTap(module, self.stem_width, stem_reduction, _tap_size(tap))]
        taps += [
            FeatureTap(stage.name, stage.out_channels, stage.reduction, stage.out_size)
            for stage in self.stages
        ]
        return tuple(taps)


def _out_size(ops: tuple[Op, ...]) -> int:
    for op in reversed(ops):
        if isinstance(op, Conv | Pool):
            return op.out_size
        if isinstance(op, Norm | Act):
            return op.size
    raise ValueError("no sized operation")


def _stem_tap(ops: tuple[Op, ...], style: Style) -> str:
    """The stem's first feature map: its activation, or its last convolution when the blocks
    normalise and activate their input (pre-activation, timm's ``stem.conv``)."""
    if style.preact:
        return next(op.path for op in reversed(ops) if isinstance(op, Conv))
    if style.layout in POSITIONAL_STEMS:
        return next(op.path for op in reversed(ops) if op.path.startswith("stem."))
    return style.name("stem.act")


def _tap_size(op: Op) -> int:
    """The side of the map an operation outputs."""
    return _out_size((op,))


def _reduction(ops: tuple[Op, ...], until: Op | None = None) -> int:
    total = 1
    for op in ops:
        if isinstance(op, Conv | Pool):
            total *= int(op.stride)
        if op is until:
            break
    return total


def default_class_name(name: str) -> str:
    """``wide_resnet50_2`` -> ``Wide_resnet50_2``: the name with a capital, nothing guessed."""
    return name[0].upper() + name[1:]


@dataclass
class _Cursor:
    """Where lowering stands between stages."""

    channels: int
    size: int
    nominal: int
    reduction: int
    dilation: int
    block_index: int = 0


def lower(spec: NetworkSpec, document: Document) -> NetworkPlan | list[Diagnostic]:
    """Resolve the spec, then lower it: the plan, or every problem found, located."""
    resolved = resolve(spec, document)
    if isinstance(resolved, list):
        return resolved
    plan = lower_resolved(resolved)
    if isinstance(plan, Refusal):
        return [document.diagnostic(plan.code, plan.message, plan.loc)]
    return plan


@dataclass(frozen=True)
class Refusal:
    """A limit that only the arithmetic of lowering reaches, with where the spec caused it."""

    code: str
    message: str
    loc: Loc


def lower_resolved(network: ResolvedNetwork) -> NetworkPlan | Refusal:
    """Operations for every component: arithmetic and recipe calls, nothing read from the file."""
    spec, style = network.spec, network.style
    stem_ops = style.convs(stem(network.stem, style))
    reduction = _reduction(stem_ops)
    size = _out_size(stem_ops)
    cursor = _Cursor(network.stem.width, size, size, reduction, 1)
    stages: list[StagePlan] = []
    for resolved in network.stages:
        stage = _lower_stage(resolved, cursor, spec, style)
        if isinstance(stage, Refusal):
            return stage
        stages.append(stage)
    num_classes = spec.head.num_classes
    head_ops = head(
        cursor.channels,
        num_classes,
        cursor.size,
        spec.head.drop_rate is not None,
        style,
    )
    return NetworkPlan(
        name=spec.name,
        class_name=spec.class_name or default_class_name(spec.name),
        description=spec.description,
        layout=spec.layout,
        design_space=spec.design_space or ("regnet" if spec.regnet else "resnext"),
        named_blocks=style.stage_helper is not None,
        stage_helper=style.stage_helper,
        naming=style.layout,
        stem_tap=_stem_tap(stem_ops, style),
        regnet=tuple(spec.regnet.model_dump(exclude_none=True).items())
        if spec.regnet
        else None,
        in_channels=spec.input.channels,
        image_size=spec.input.image_size,
        stem=stem_ops,
        stem_type=network.stem.type,
        stages=tuple(stages),
        final=final(cursor.channels, cursor.size, style),
        head=head_ops,
        num_features=cursor.channels,
        num_classes=num_classes,
        drop_rate=spec.head.drop_rate,
        drop_path_rate=spec.drop_path_rate,
        zero_init_residual=spec.init.zero_init_residual,
        preprocess=_preprocess(spec, stem_ops, head_ops),
        ignored_codes=frozenset(spec.lint.ignore),
        severity_overrides=tuple(sorted(spec.lint.severity.items())),
    )


def _preprocess(
    spec: NetworkSpec, stem_ops: tuple[Op, ...], head_ops: tuple[Op, ...]
) -> Preprocess:
    given = spec.preprocess
    return Preprocess(
        mean=tuple(given.mean),
        std=tuple(given.std),
        crop_pct=given.crop_pct,
        crop_mode=given.crop_mode,
        interpolation=given.interpolation,
        first_conv=next(op.path for op in stem_ops if isinstance(op, Conv)),
        classifier=next(op.path for op in head_ops if isinstance(op, Linear)),
    )


def _dilation(
    resolved: ResolvedStage, cursor: _Cursor, spec: NetworkSpec
) -> tuple[bool, int, int] | Refusal:
    """Whether the stage dilates, its stride and its dilation."""
    declared = resolved.stride
    dilate = resolved.dilate
    if (
        spec.output_stride is not None
        and declared > 1
        and cursor.reduction >= spec.output_stride
    ):
        dilate = True
    if not dilate:
        return False, declared, cursor.dilation
    dilation = cursor.dilation * declared
    if dilation > limits.MAX_DILATION:
        cause = ("output_stride",) if spec.output_stride else resolved.loc("dilate")
        return Refusal(
            "AG109",
            f"stages[{resolved.index - 1}] dilates its convolutions by {dilation:,}; archgen's "
            f"limit is {limits.MAX_DILATION:,}; expected a larger output_stride or fewer "
            "strided stages after it",
            cause,
        )
    return True, 1, dilation


def _lower_stage(
    resolved: ResolvedStage, cursor: _Cursor, spec: NetworkSpec, style: Style
) -> StagePlan | Refusal:
    dilated = _dilation(resolved, cursor, spec)
    if isinstance(dilated, Refusal):
        return dilated
    dilate, stride, dilation = dilated
    blocks = _blocks(resolved, cursor, spec, style, stride, dilation)
    if isinstance(blocks, Refusal):
        return blocks
    size = blocks[-1].out_size
    nominal_out = _ceil_div(cursor.nominal, resolved.stride)
    if not dilate:
        cursor.reduction *= resolved.stride
    stage = StagePlan(
        index=resolved.index,
        name=style.stage_name(resolved.index),
        recipe=resolved.block,
        blocks=blocks,
        declared_stride=resolved.stride,
        dilate=dilate,
        width=resolved.width,
        groups=resolved.groups,
        out_channels=resolved.out_channels,
        in_size=cursor.size,
        out_size=size,
        nominal_in_size=cursor.nominal,
        nominal_out_size=nominal_out,
        reduction=cursor.reduction,
        notation=resolved.notation,
        origins=resolved.origins,
    )
    cursor.channels, cursor.size = resolved.out_channels, size
    cursor.nominal, cursor.dilation = nominal_out, dilation
    return stage


def _below_floor(
    ops: tuple[Op, ...], resolved: ResolvedStage, style: Style
) -> Refusal | None:
    """A component whose record says it needs more width than the arithmetic gave it."""
    for op in ops:
        if isinstance(op, Attention):
            record = ATTENTIONS[op.kind]
            if op.hidden < record.floor:
                label = resolved.label(style)
                return Refusal(
                    "AG206",
                    f"{label} sizes its {op.kind} attention on {op.channels:,} channels to "
                    f"{op.hidden}; expected at least {record.floor}; a larger ratio gives "
                    "it more",
                    resolved.loc("attention"),
                )
    return None


def _blocks(
    resolved: ResolvedStage,
    cursor: _Cursor,
    spec: NetworkSpec,
    style: Style,
    stride: int,
    dilation: int,
) -> tuple[BlockPlan, ...] | Refusal:
    """The stage's blocks, from the cursor's channels and map size on."""
    recipe = BLOCKS[resolved.block]
    previous_dilation = cursor.dilation
    attention = resolved.attention
    attention_args = (
        None
        if attention is None
        else (attention.kind, attention.ratio, attention.divisor)
    )
    shortcut_recipe = SHORTCUTS[resolved.shortcut]
    drop_path = spec.drop_path_rate is not None
    blocks: list[BlockPlan] = []
    in_channels, size = cursor.channels, cursor.size
    for position in range(resolved.blocks):
        first = position == 0
        args = BlockArgs(
            in_channels=in_channels,
            width=resolved.width,
            out_channels=resolved.out_channels,
            groups=resolved.groups,
            stride=stride if first else 1,
            first_dilation=previous_dilation if first else dilation,
            dilation=dilation,
            in_size=size,
            stride_on=resolved.stride_on,
            attention=attention_args,
            drop_path=drop_path,
        )
        ops = style.convs(recipe.build(args, style))
        below = _below_floor(ops, resolved, style)
        if below is not None:
            return below
        shortcut = None
        if first and (stride != 1 or in_channels != resolved.out_channels):
            shortcut = style.convs(
                shortcut_recipe.build(
                    ShortcutArgs(
                        in_channels,
                        resolved.out_channels,
                        stride,
                        dilation,
                        size,
                        recipe.preact,
                    ),
                    style,
                )
            )
        out_size = _out_size(ops)
        blocks.append(
            BlockPlan(
                recipe=resolved.block,
                ops=ops,
                shortcut=shortcut,
                shortcut_recipe=shortcut_recipe.name,
                residual_act=None
                if recipe.residual_act is None
                else style.act_op(recipe.residual_act, out_size),
                drop_path_index=cursor.block_index if drop_path else None,
                in_channels=in_channels,
                out_channels=resolved.out_channels,
                in_size=size,
                out_size=out_size,
            )
        )
        cursor.block_index += 1
        in_channels, size = resolved.out_channels, out_size
    return tuple(blocks)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)
