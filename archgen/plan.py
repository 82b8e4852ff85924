"""Lower a validated spec to an immutable plan of operations.

This is the only module that does channel, width and spatial arithmetic. Every consumer (the
linter, the complexity analysis, the summaries and the renderer) reads the plan and never
recomputes it. The rules are torchvision's and timm's, so that generated models are
weight-compatible with them:

* paper notation: bottleneck width ``int(planes * d / 64) * C``, output ``planes * expansion``;
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
from archgen.ops import Act, Conv, Norm, Op, Pool
from archgen.recipes import (
    BLOCKS,
    RESIDUAL_ACT,
    SHORTCUTS,
    BlockArgs,
    ShortcutArgs,
    StemArgs,
    Style,
    head,
    stem,
)
from archgen.regnet import RegNetParams, expand, validate_params
from archgen.source import Document, Loc
from archgen.spec import AttentionSpec, NetworkSpec, StageOptions

DEFAULT_GROUP_NORM_GROUPS = 32
REGNET_BLOCK = "regnet"
"""The block RegNet parameters expand into unless ``defaults.block`` says otherwise."""


@dataclass(frozen=True)
class BlockPlan:
    recipe: str
    """Key of the block's recipe in :data:`archgen.recipes.BLOCKS`."""
    ops: tuple[Op, ...]
    """The residual branch, in order."""
    shortcut: tuple[Op, ...] | None
    """The projection shortcut's operations; None for an identity shortcut."""
    shortcut_recipe: str
    residual_act: Act
    """The activation after the residual addition."""
    drop_path_index: int | None
    """Position of the block in the network's stochastic-depth schedule."""
    in_channels: int
    out_channels: int
    in_size: int
    out_size: int

    @property
    def all_ops(self) -> tuple[Op, ...]:
        return self.ops + (self.shortcut or ()) + (self.residual_act,)


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
class NetworkPlan:
    name: str
    class_name: str
    description: str
    layout: str
    design_space: str
    named_blocks: bool
    """Blocks are named ``b1``, ``b2``, ... in their stage (timm's RegNet), not numbered."""
    stem_tap: str
    """Path of the stem activation whose output is the first feature map."""
    regnet: tuple[tuple[str, float], ...] | None
    """The RegNet parameters the stages were expanded from, as the spec gives them."""
    in_channels: int
    image_size: int
    stem: tuple[Op, ...]
    stem_type: str
    stages: tuple[StagePlan, ...]
    head: tuple[Op, ...]
    num_features: int
    num_classes: int
    drop_rate: float | None
    drop_path_rate: float | None
    zero_init_residual: bool
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
        return next(op.channels for op in reversed(self.stem) if isinstance(op, Norm))

    @property
    def features(self) -> tuple[FeatureTap, ...]:
        """The stem's activation and each stage's output, as timm's ``feature_info``."""
        tap = next(
            op for op in self.stem if isinstance(op, Act) and op.path == self.stem_tap
        )
        stem_reduction = _reduction(self.stem, until=tap)
        module = tap.path.split(".")[0]
        taps = [FeatureTap(module, self.stem_width, stem_reduction, tap.size)]
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
    problems: list[Diagnostic] = []
    style = _style(spec, document, problems)
    given_pool = spec.stem.pool
    pool = (
        given_pool if isinstance(given_pool, str) else ("max" if given_pool else "none")
    )
    stem_spec = spec.stem
    # A stem type other than 'conv' is only ever written in a 'stem' mapping of the file.
    if stem_spec.type != "conv" and "kernel_size" in document.data["stem"]:
        problems.append(
            document.diagnostic(
                "AG108",
                f"stem.kernel_size applies to a 'conv' stem; a '{stem_spec.type}' stem has three "
                "3x3 convolutions; expected no kernel_size here",
                ("stem", "kernel_size"),
                at_key=True,
            )
        )
    stem_ops = stem(
        StemArgs(
            stem_spec.type,
            spec.input.channels,
            stem_spec.width,
            stem_spec.kernel_size,  # read by a 'conv' stem only
            stem_spec.stride,
            str(pool),
            spec.input.image_size,
        ),
        style,
    )
    reduction = _reduction(stem_ops)
    size = _out_size(stem_ops)
    cursor = _Cursor(stem_spec.width, size, size, reduction, 1)
    stages: list[StagePlan] = []
    sources = _stage_sources(spec, document, problems)
    for index, (count, merged, origins) in enumerate(sources, start=1):
        stage = _lower_stage(
            index,
            count,
            merged,
            origins,
            cursor,
            spec,
            style,
            document,
        )
        if isinstance(stage, Diagnostic):
            problems.append(stage)
            continue
        stages.append(stage)
    if problems:
        return problems
    num_classes = spec.head.num_classes
    return NetworkPlan(
        name=spec.name,
        class_name=spec.class_name or default_class_name(spec.name),
        description=spec.description,
        layout=spec.layout,
        design_space=spec.design_space or ("regnet" if spec.regnet else "resnext"),
        named_blocks=style.stage_prefix == "s",
        stem_tap=style.name("stem.act"),
        regnet=tuple(spec.regnet.model_dump(exclude_none=True).items())
        if spec.regnet
        else None,
        in_channels=spec.input.channels,
        image_size=spec.input.image_size,
        stem=stem_ops,
        stem_type=stem_spec.type,
        stages=tuple(stages),
        head=head(
            cursor.channels,
            num_classes,
            cursor.size,
            spec.head.drop_rate is not None,
            style,
        ),
        num_features=cursor.channels,
        num_classes=num_classes,
        drop_rate=spec.head.drop_rate,
        drop_path_rate=spec.drop_path_rate,
        zero_init_residual=spec.init.zero_init_residual,
        ignored_codes=frozenset(spec.lint.ignore),
        severity_overrides=tuple(sorted(spec.lint.severity.items())),
    )


def _stage_sources(
    spec: NetworkSpec, document: Document, problems: list[Diagnostic]
) -> list[tuple[int, dict[str, object], tuple[tuple[str, Loc], ...]]]:
    """Each stage's block count and settings, with where each was written: the spec's stages
    over its defaults, or the stages that RegNet's parameters expand to."""
    if spec.stages is not None and spec.regnet is not None:
        problems.append(
            document.diagnostic(
                "AG108",
                "the spec gives both 'stages' and 'regnet'; expected one of them",
                ("regnet",),
                at_key=True,
            )
        )
        return []
    if spec.regnet is not None:
        return _regnet_stages(spec, document, problems)
    if spec.stages is None:
        problems.append(
            document.diagnostic(
                "AG101",
                "missing required key 'stages' (or 'regnet'); expected a list of stages",
            )
        )
        return []
    sources = []
    for position, stage_spec in enumerate(spec.stages):
        merged, origins = _merge(spec.defaults, stage_spec, position)
        sources.append((stage_spec.blocks, merged, origins))
    return sources


def _regnet_stages(
    spec: NetworkSpec, document: Document, problems: list[Diagnostic]
) -> list[tuple[int, dict[str, object], tuple[tuple[str, Loc], ...]]]:
    given = spec.regnet
    assert given is not None
    params = RegNetParams(
        w0=given.w0,
        wa=given.wa,
        wm=given.wm,
        depth=given.depth,
        group_width=given.group_width,
        bottleneck_ratio=given.bottleneck_ratio,
        se_ratio=given.se_ratio or 0.0,
    )
    reasons = validate_params(params)
    if reasons:
        problems.append(
            document.diagnostic(
                "AG104",
                f"regnet parameters cannot be expanded: {'; '.join(reasons)}",
                ("regnet",),
                at_key=True,
            )
        )
        return []
    try:
        expanded = expand(params)
    except ValueError as error:
        problems.append(
            document.diagnostic("AG104", f"regnet: {error}", ("regnet",), at_key=True)
        )
        return []
    sources = []
    for stage in expanded:
        merged: dict[str, object] = {
            name: getattr(spec.defaults, name)
            for name in StageOptions.model_fields
            if getattr(spec.defaults, name) is not None
        }
        merged.update(
            block=merged.get("block", REGNET_BLOCK),
            stride=stage.stride,
            width=stage.bottleneck_width,
            groups=stage.groups,
            out_channels=stage.width,
        )
        if given.se_ratio:
            merged["attention"] = AttentionSpec(type="se", ratio=given.se_ratio)
        # Findings on an expanded stage point at the parameters that produced its numbers.
        origins: tuple[tuple[str, Loc], ...] = (
            ("blocks", ("regnet", "depth")),
            ("out_channels", ("regnet", "wa")),
            ("width", ("regnet", "bottleneck_ratio")),
            ("groups", ("regnet", "group_width")),
            ("group_width", ("regnet", "group_width")),
            ("stride", ("regnet",)),
            ("attention", ("regnet", "se_ratio")),
        )
        sources.append((stage.depth, merged, origins))
    return sources


def _style(spec: NetworkSpec, document: Document, problems: list[Diagnostic]) -> Style:
    norm = spec.norm
    if norm.type != "group" and (
        norm.groups is not None or norm.group_size is not None
    ):
        key = "groups" if norm.groups is not None else "group_size"
        problems.append(
            document.diagnostic(
                "AG108",
                f"norm.{key} applies to group norm; norm.type is '{norm.type}'; expected "
                "'type: group' or no groups",
                ("norm", key),
                at_key=True,
            )
        )
    if norm.groups is not None and norm.group_size is not None:
        problems.append(
            document.diagnostic(
                "AG108",
                "norm gives both groups and group_size; expected one of them",
                ("norm", "group_size"),
                at_key=True,
            )
        )
    groups = norm.groups or (0 if norm.group_size else DEFAULT_GROUP_NORM_GROUPS)
    layout: str = spec.layout
    if layout == "timm":
        # timm names a network after its blocks' family (a ResNet, or a RegNet).
        families = {
            BLOCKS[name].timm_layout for name in _block_names(spec) if name in BLOCKS
        }
        layout = families.pop() if len(families) == 1 else layout
    return Style(layout, norm.type, groups, norm.group_size or 0, spec.act)


def _block_names(spec: NetworkSpec) -> list[str | None]:
    if spec.regnet is not None:
        return [spec.defaults.block or REGNET_BLOCK]
    return [stage.block or spec.defaults.block for stage in spec.stages or ()]


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


def _notation(merged: dict[str, object]) -> Notation:
    return Notation(
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


def _lower_stage(
    index: int,
    count: int,
    merged: dict[str, object],
    origins: tuple[tuple[str, Loc], ...],
    cursor: _Cursor,
    spec: NetworkSpec,
    style: Style,
    document: Document,
) -> StagePlan | Diagnostic:
    where = dict(origins)
    # An expanded RegNet stage always resolves its block and widths, so only a written stage
    # can be refused here, at its position in 'stages'.
    loc: Loc = ("stages", index - 1)
    label = f"{style.stage_prefix}{index} (stages[{index - 1}])"
    recipe_name = merged.get("block")
    if not isinstance(recipe_name, str):  # validation allows only the keys of BLOCKS
        return document.diagnostic(
            "AG105",
            f"{label} has no block type; expected 'block: basic' or "
            "'block: bottleneck' in the stage or in defaults",
            loc,
        )
    recipe = BLOCKS[recipe_name]
    notation = _notation(merged)
    width = notation.width if notation.width is not None else notation.paper_width
    if (
        width is None
        and notation.groups is not None
        and notation.group_width is not None
    ):
        width = notation.groups * notation.group_width
    out_channels = notation.out_channels
    if out_channels is None and notation.planes is not None:
        out_channels = notation.planes * recipe.expansion
    if width is None or out_channels is None:
        return document.diagnostic(
            "AG107",
            f"{label} does not say how wide it is; expected "
            "'planes' (paper notation) or 'width' and 'out_channels' (explicit)",
            loc,
        )
    for what, value, fields in (
        ("width", width, ("width", "planes", "base_width", "cardinality")),
        ("output channels", out_channels, ("out_channels", "planes")),
    ):
        if value > limits.MAX_CHANNELS:
            field = next((f for f in fields if f in where), "planes")
            return document.diagnostic(
                "AG109",
                f"{label} {what} comes to {value:,} channels from "
                f"{field}; archgen's limit is {limits.MAX_CHANNELS:,}",
                where.get(field, loc),
            )
    if notation.groups is not None:
        groups = notation.groups
    elif notation.group_width is not None:
        groups = max(1, width // notation.group_width)
    else:
        groups = notation.cardinality or 1
    stride_on = str(merged.get("stride_on") or recipe.stride_on[0])
    if stride_on not in recipe.stride_on:
        return document.diagnostic(
            "AG108",
            f"{label} puts the stride on a {stride_on} convolution, which a {recipe_name} "
            f"block cannot; expected 'stride_on: {recipe.stride_on[0]}' for {recipe_name} blocks",
            where["stride_on"],
        )
    attention = merged.get("attention")
    attention_args = None
    if attention is not None:
        kind = attention.type  # type: ignore[attr-defined]
        ratio, divisor = attention.ratio, attention.divisor  # type: ignore[attr-defined]
        if kind == "eca" and (ratio is not None or divisor is not None):
            return document.diagnostic(
                "AG108",
                f"{label} gives ECA a reduction "
                f"{'ratio' if ratio is not None else 'divisor'}; ECA has none (its kernel "
                "follows from the channels); expected only 'type: eca'",
                where["attention"],
            )
        attention_args = (kind, ratio, divisor)

    declared_stride = _int(merged.get("stride")) or 1
    dilate = bool(merged.get("dilate"))
    if (
        spec.output_stride is not None
        and declared_stride > 1
        and cursor.reduction >= spec.output_stride
    ):
        dilate = True
    previous_dilation = cursor.dilation
    if dilate:
        stride, dilation = 1, previous_dilation * declared_stride
    else:
        stride, dilation = declared_stride, previous_dilation
    shortcut_recipe = SHORTCUTS[str(merged.get("shortcut") or "conv")]
    drop_path = spec.drop_path_rate is not None
    blocks: list[BlockPlan] = []
    in_channels, size = cursor.channels, cursor.size
    for position in range(count):
        first = position == 0
        args = BlockArgs(
            in_channels=in_channels,
            width=width,
            out_channels=out_channels,
            groups=groups,
            stride=stride if first else 1,
            first_dilation=previous_dilation if first else dilation,
            dilation=dilation,
            in_size=size,
            stride_on=stride_on,
            attention=attention_args,
            drop_path=drop_path,
        )
        ops = recipe.build(args, style)
        shortcut = None
        if first and (stride != 1 or in_channels != out_channels):
            shortcut = shortcut_recipe.build(
                ShortcutArgs(in_channels, out_channels, stride, dilation, size), style
            )
        out_size = _out_size(ops)
        blocks.append(
            BlockPlan(
                recipe=recipe_name,
                ops=ops,
                shortcut=shortcut,
                shortcut_recipe=shortcut_recipe.name,
                residual_act=style.act_op(RESIDUAL_ACT, out_size),
                drop_path_index=cursor.block_index if drop_path else None,
                in_channels=in_channels,
                out_channels=out_channels,
                in_size=size,
                out_size=out_size,
            )
        )
        cursor.block_index += 1
        in_channels, size = out_channels, out_size
    nominal_out = _ceil_div(cursor.nominal, declared_stride)
    if not dilate:
        cursor.reduction *= declared_stride
    stage = StagePlan(
        index=index,
        name=f"{style.stage_prefix}{index}",
        recipe=recipe_name,
        blocks=tuple(blocks),
        declared_stride=declared_stride,
        dilate=dilate,
        width=width,
        groups=groups,
        out_channels=out_channels,
        in_size=cursor.size,
        out_size=size,
        nominal_in_size=cursor.nominal,
        nominal_out_size=nominal_out,
        reduction=cursor.reduction,
        notation=notation,
        origins=origins,
    )
    cursor.channels, cursor.size, cursor.nominal = out_channels, size, nominal_out
    cursor.dilation = dilation
    return stage


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
