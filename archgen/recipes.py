"""The registry of components: each stem, stem pool, norm, activation, attention module,
shortcut and block is defined once here, as a record.

A record holds what every pass needs to know of its component: its schema name and the options
it takes (the schema's kinds come from these dictionaries, :mod:`archgen.spec`), its widths and
their floors, how it lowers to operations, the names it makes the generated module define
(:mod:`archgen.names` reserves them), the order its reference registers its modules in, and how it
renders (the constructor call the templates write, or the helper macro of
``templates/helpers.py.j2`` that defines its class). The plan (:mod:`archgen.plan`) decides the
numbers (channels, stride, dilation, map size); a record decides which operations a component
runs and in what order, and names each after the weight layout the spec follows.

Adding a component means adding its record here, and its helper macro when the generated
module defines a class for it: the schema, the reserved names, the summaries, the costs and the
templates read the record. Only a new kind of *operation* also needs a template macro
(``templates/ops.py.j2``) and a cost (:mod:`archgen.complexity`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

from archgen.ops import (
    Act,
    ActKind,
    Attention,
    AttentionKind,
    Conv,
    Dropout,
    Linear,
    Norm,
    NormKind,
    Op,
    Pool,
    Sym,
    conv_output_size,
    pool_output_size,
)

# --- weight layouts --------------------------------------------------------------------------

LAYOUTS: dict[str, dict[str, str]] = {
    # torchvision's ResNet shares one ReLU per block and calls the head's pool 'avgpool'.
    "torchvision": {
        "act1": "relu",
        "act2": "relu",
        "act3": "relu",
        "stem.act": "relu",
        "head.pool": "avgpool",
    },
    # timm's ResNet: one activation module per use, 'global_pool' for the head's pool.
    "timm": {
        "stem.act": "act1",
        "head.pool": "global_pool",
    },
    # timm's RegNet: convolutions and norms in named pairs, stages s1.b1, a 'head' module.
    "timm-regnet": {
        "conv1": "stem.conv",
        "bn1": "stem.bn",
        "stem.act": "stem.act",
        "downsample.0": "downsample.conv",
        "downsample.1": "downsample.bn",
        "head.pool": "head.global_pool",
        "fc": "head.fc",
    },
    # torchvision's RegNet: a Sequential stem, stages trunk_output.block1 with blocks block1-0,
    # each block's branch a Sequential 'f' of Sequentials a, b, (se,) c, its shortcut 'proj'.
    "torchvision-regnet": {
        "conv1": "stem.0",
        "bn1": "stem.1",
        "stem.act": "stem.2",
        "conv1.conv": "f.a.0",
        "conv1.bn": "f.a.1",
        "conv1.act": "f.a.2",
        "conv2.conv": "f.b.0",
        "conv2.bn": "f.b.1",
        "conv2.act": "f.b.2",
        "se": "f.se",
        "conv3.conv": "f.c.0",
        "conv3.bn": "f.c.1",
        "act3": "activation",
        "downsample.0": "proj.0",
        "downsample.1": "proj.1",
        "head.pool": "avgpool",
    },
    # timm's ResNetV2 (pre-activation): stem.conv and stem.pool, stages.0.blocks.0, a final
    # norm, head.fc; a shortcut of a convolution (and pool) only, named downsample.conv.
    "timm-resnetv2": {
        "conv1": "stem.conv",
        "conv1.0": "stem.conv1",
        "conv1.1": "stem.norm1",
        "conv1.2": "stem.act1",
        "conv1.3": "stem.conv2",
        "conv1.4": "stem.norm2",
        "conv1.5": "stem.act2",
        "conv1.6": "stem.conv3",
        "maxpool": "stem.pool",
        "downsample.0": "downsample.conv",
        "head.pool": "head.global_pool",
        "fc": "head.fc",
    },
}
"""Module names that differ between layouts, by role; a role not listed is its own name."""

STAGE_PREFIXES = {
    "timm-regnet": "s",
    "torchvision-regnet": "trunk_output.block",
    "timm-resnetv2": "stages.",
}
"""A stage's module is its layout's prefix and its position (``layer`` unless listed)."""
POSITIONAL_STEMS = frozenset({"torchvision-regnet"})
"""Layouts whose stem is one Sequential numbered 0, 1, ... up to its activation."""
ZERO_BASED = frozenset({"timm-resnetv2"})
"""Layouts whose stages count from 0 (``stages.0``)."""
FLATTENED_FEATURES = frozenset({"timm-resnetv2"})
"""Layouts whose features-only model holds the children of each top-level Sequential
(timm's ``flatten_sequential``): ``stem_conv``, ``stages_0``."""
STAGE_HELPERS = {
    "timm-regnet": "stage",
    "torchvision-regnet": "indexed_stage",
    "timm-resnetv2": "blocks_stage",
}
"""The helper macro (``templates/helpers.py.j2``) that names the blocks of a stage: ``b1``, ...
(timm's RegNet), ``block1-0``, ... (torchvision's); a layout not listed numbers them."""


# --- convolutions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvRecord:
    """A kind of convolution: the class the generated module instantiates for it."""

    name: str
    summary: str
    torch_class: str
    helper: str | None
    """The helper macro (``templates/helpers.py.j2``) that defines ``torch_class``, if any."""
    options: frozenset[str]
    """Keys of the spec's ``conv`` section it takes besides ``type``."""
    foldable: bool
    """Whether a batch norm after it folds into it (its weights are used as they are)."""


CONVS: dict[str, ConvRecord] = {
    record.name: record
    for record in (
        ConvRecord(
            "plain",
            "a plain convolution (Conv2d)",
            "nn.Conv2d",
            None,
            frozenset(),
            True,
        ),
        ConvRecord(
            "std",
            "weight-standardised convolution (Qiao et al. 2019; timm's StdConv2d, BiT): each "
            "filter normalised to zero mean and unit variance, `eps` (1e-6) added to the "
            "variance",
            "StdConv2d",
            "std_conv",
            frozenset({"eps"}),
            False,
        ),
    )
}
"""Every convolution a spec's ``conv.type`` may name."""
STD_CONV_EPS = 1e-6
"""timm's StdConv2d default epsilon."""


# --- norms and activations -------------------------------------------------------------------


@dataclass(frozen=True)
class NormRecord:
    """A normalisation layer: the options it takes, how it renders, how it initialises."""

    name: str
    summary: str
    options: frozenset[str]
    """Keys of the spec's ``norm`` section it takes besides ``type``."""
    torch_class: str
    """The class the generated module instantiates (and initialises, when ``affine``)."""
    helper: str | None
    """The helper macro (``templates/helpers.py.j2``) that defines ``torch_class``, if any."""
    trainable: bool
    """Whether its affine weights are parameters (counted, initialised to 1 and 0)."""
    foldable: bool
    """Whether it folds into the convolution before it for inference (fixed statistics)."""

    def call(self, channels: str, op: Norm) -> str:
        """The constructor call for ``channels`` (already spelled)."""
        if self.name != "group":
            return f"{self.torch_class}({channels})"
        groups = str(op.groups) if op.groups else f"{channels} // {op.group_size}"
        return f"{self.torch_class}({groups}, {channels})"


NORMS: dict[str, NormRecord] = {
    record.name: record
    for record in (
        NormRecord(
            "batch",
            "batch norm (BatchNorm2d)",
            frozenset(),
            "nn.BatchNorm2d",
            None,
            True,
            True,
        ),
        NormRecord(
            "group",
            "group norm (GroupNorm): `groups` per layer (32) or `group_size` channels each",
            frozenset({"groups", "group_size"}),
            "nn.GroupNorm",
            None,
            True,
            False,
        ),
        NormRecord(
            "frozen_batch",
            "batch norm with fixed statistics and affine terms, for fine-tuning detectors; "
            "loads a BatchNorm2d state",
            frozenset(),
            "FrozenBatchNorm2d",
            "frozen_batch",
            False,
            True,
        ),
    )
}
"""Every norm a spec's ``norm.type`` may name."""


@dataclass(frozen=True)
class ActRecord:
    """An activation: the constructor call the generated module writes."""

    name: str
    call: str


ACTS: dict[str, ActRecord] = {
    record.name: record
    for record in (
        ActRecord("relu", "nn.ReLU(inplace=True)"),
        ActRecord("relu6", "nn.ReLU6(inplace=True)"),
        ActRecord("silu", "nn.SiLU(inplace=True)"),
        ActRecord("gelu", "nn.GELU()"),
        ActRecord("mish", "nn.Mish(inplace=True)"),
        ActRecord("hard_swish", "nn.Hardswish(inplace=True)"),
        ActRecord("leaky_relu", "nn.LeakyReLU(inplace=True)"),
        ActRecord("elu", "nn.ELU(inplace=True)"),
    )
}
"""Every activation a spec's ``act`` may name."""


@dataclass(frozen=True)
class Style:
    """Network-wide choices every recipe follows: names, norm and activation."""

    layout: str
    norm: NormKind
    norm_groups: int
    norm_group_size: int
    act: ActKind
    preact: bool = False
    """Pre-activation blocks (ResNet v2): the stem ends with its convolution (and pool), a
    final norm and activation follow the last stage."""
    conv: str = "plain"
    """The kind of every convolution but the classifier (a key of :data:`CONVS`)."""
    conv_eps: float = 0.0

    def convs(self, ops: tuple[Op, ...]) -> tuple[Op, ...]:
        """``ops`` with every convolution of the network's kind."""
        if self.conv == "plain":
            return ops
        return tuple(
            dataclasses.replace(op, kind=self.conv, eps=self.conv_eps)
            if isinstance(op, Conv)
            else op
            for op in ops
        )

    def stage_name(self, index: int) -> str:
        """The module of the stage at 1-based ``index``: ``layer1``, ``s1``, ``stages.0``."""
        return f"{self.stage_prefix}{index - 1 if self.layout in ZERO_BASED else index}"

    @property
    def stage_prefix(self) -> str:
        """Stages are ``layer1``, ... (ResNets) or ``s1``, ... with blocks ``b1``, ... (RegNet)."""
        return STAGE_PREFIXES.get(self.layout, "layer")

    @property
    def stage_helper(self) -> str | None:
        """The helper macro that names a stage's blocks (RegNet layouts); None: positions."""
        return STAGE_HELPERS.get(self.layout)

    def name(self, role: str) -> str:
        names = LAYOUTS[self.layout]
        if self.act != "relu" and names.get(role) == "relu":
            return "act"  # a module called 'relu' that is not a ReLU would mislead
        return names.get(
            role,
            role.rsplit(".", 1)[-1] if role.startswith(("stem.", "head.")) else role,
        )

    def norm_op(self, path: str, channels: int, size: int) -> Norm:
        if self.norm == "group":
            return Norm(
                path, self.norm, channels, self.norm_groups, size, self.norm_group_size
            )
        return Norm(path, self.norm, channels, 0, size)

    def act_op(self, role: str, size: int) -> Act:
        return Act(self.name(role), self.act, size)


def conv_op(
    path: str,
    in_channels: int,
    out_channels: int,
    kernel: int,
    in_size: int,
    stride: int = 1,
    dilation: int = 1,
    groups: int = 1,
    padding: int | None = None,
) -> Conv:
    pad = dilation * (kernel - 1) // 2 if padding is None else padding
    out = conv_output_size(in_size, kernel, stride, pad, dilation)
    return Conv(
        path,
        in_channels,
        out_channels,
        kernel,
        stride,
        pad,
        dilation,
        groups,
        False,
        in_size,
        out,
    )


# --- attention -------------------------------------------------------------------------------


def make_divisible(value: float, divisor: int, round_limit: float = 0.9) -> int:
    """timm's rounding of a reduced width to a multiple of ``divisor``."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < round_limit * value:
        rounded += divisor
    return rounded


def eca_kernel(channels: int, gamma: int = 2, beta: int = 1) -> int:
    """The ECA paper's kernel size for ``channels``: odd, at least 3."""
    # A width that resolves to no channel is the design rules' to refuse (AG206), not a crash.
    t = int(abs(math.log(max(channels, 1), 2) + beta) / gamma)
    return max(t if t % 2 else t + 1, 3)


SE_RATIO, SE_DIVISOR = 1 / 16, 8
REGNET_SE_RATIO = 0.25
"""RegNetY's squeeze-excitation width, as a fraction of the block's input channels."""


@dataclass(frozen=True)
class AttentionRecipe:
    """A channel-attention module: its options, how wide its inside is, what it costs, how
    tables name it and how the generated module spells it."""

    kind: str
    summary: str
    """How a block's docstring describes it."""
    label: str
    """Its entry in a Table-1 block template; ``{hidden}`` is its inside width or kernel."""
    param: str | None
    """The block constructor argument that carries ``hidden`` (None: ``hidden`` is not an
    argument of its own)."""
    hidden: Callable[[int, float | None, int | None, int | None], int]
    """``hidden`` from the channels it gates, the spec's ratio and divisor, and the block's input
    channels when the block sizes its attention from them (RegNet; None otherwise)."""
    cost: Callable[[int, int], tuple[int, int, int]]
    """Parameters, MACs and output elements from channels and ``hidden``."""
    class_name: str
    """The class the generated module defines for it (a helper macro of the same kind's name)."""
    call: str
    """Its constructor call; ``{channels}`` and ``{hidden}`` are spelled by the renderer."""
    doc: str
    """What the schema and the docs say it is."""
    options: frozenset[str] = frozenset()
    """Keys of an ``attention`` mapping it takes besides ``type``."""
    floor: int = 1
    """The least ``hidden`` that makes a working module."""


def _se_hidden(
    channels: int, ratio: float | None, divisor: int | None, in_channels: int | None
) -> int:
    if in_channels is not None:  # RegNet: a fraction of the block's input, rounded
        return round(in_channels * (ratio or REGNET_SE_RATIO))
    return make_divisible(
        channels * (ratio or SE_RATIO), divisor or SE_DIVISOR, round_limit=0.0
    )


def _se_cost(channels: int, hidden: int) -> tuple[int, int, int]:
    """Two 1x1 convolutions with bias on the pooled vector."""
    weights = 2 * channels * hidden
    return weights + hidden + channels, weights, hidden + channels


def _eca_cost(channels: int, kernel: int) -> tuple[int, int, int]:
    """One 1-D convolution (no bias) across the pooled channels."""
    return kernel, kernel * channels, channels


def _ese_cost(channels: int, _hidden: int) -> tuple[int, int, int]:
    """One 1x1 convolution with bias on the pooled vector, as wide as its input."""
    return channels * channels + channels, channels * channels, channels


ATTENTIONS: dict[str, AttentionRecipe] = {
    recipe.kind: recipe
    for recipe in (
        AttentionRecipe(
            "se",
            "Squeeze-excitation",
            "SE, {hidden}",
            "se_channels",
            _se_hidden,
            _se_cost,
            "SqueezeExcite",
            "SqueezeExcite({channels}, {hidden})",
            "squeeze-excitation (Hu et al. 2018): two 1x1 convolutions around a ReLU, "
            "a sigmoid gate; reduced to `ratio` (1/16) of the channels, a multiple of "
            "`divisor` (8)",
            frozenset({"ratio", "divisor"}),
        ),
        AttentionRecipe(
            "eca",
            "Efficient channel attention",
            "ECA, k={hidden}",
            "eca_kernel",
            lambda channels, _ratio, _divisor, _input: eca_kernel(channels),
            _eca_cost,
            "EfficientChannelAttention",
            "EfficientChannelAttention({hidden})",
            "efficient channel attention (Wang et al. 2020): one 1-D convolution across "
            "the channels, its kernel from the channel count",
        ),
        AttentionRecipe(
            "ese",
            "Effective squeeze-excitation",
            "eSE",
            None,
            lambda channels, _ratio, _divisor, _input: channels,
            _ese_cost,
            "EffectiveSqueezeExcite",
            "EffectiveSqueezeExcite({channels})",
            "effective squeeze-excitation (Lee et al. 2020, timm's 'ese'): one 1x1 "
            "convolution as wide as the channels and a hard-sigmoid gate",
        ),
    )
}
"""Every attention a spec's ``attention.type`` may name."""


def attention_op(
    kind: AttentionKind,
    channels: int,
    size: int,
    ratio: float | None,
    divisor: int | None,
    in_channels: int | None = None,
) -> Attention:
    recipe = ATTENTIONS[kind]
    hidden = recipe.hidden(channels, ratio, divisor, in_channels)
    if recipe.param is not None:
        hidden = Sym(hidden, recipe.param)
    return Attention("se", kind, channels, hidden, size)


# --- blocks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockArgs:
    """The resolved numbers of one residual block."""

    in_channels: int
    width: int
    out_channels: int
    groups: int
    stride: int
    first_dilation: int
    """Dilation of the block's first spatial convolution: the previous stage's (timm, torchvision)."""
    dilation: int
    in_size: int
    stride_on: str
    attention: tuple[AttentionKind, float | None, int | None] | None
    drop_path: bool


BlockBuilder = Callable[[BlockArgs, Style], tuple[Op, ...]]


@dataclass(frozen=True)
class BlockRecipe:
    name: str
    class_name: str
    expansion: int
    """Output channels per ``planes`` in paper notation."""
    summary: str
    build: BlockBuilder
    params: tuple[tuple[str, int | None], ...]
    """Constructor arguments in order, with their defaults (None: required)."""
    stride_on: tuple[str, ...] = ("3x3",)
    """Convolutions that can carry the stride (``stride_on``), the default first."""
    timm_layout: str = "timm"
    """The naming table of timm's layout for networks of these blocks."""
    torchvision_layout: str = "torchvision"
    """The naming table of torchvision's layout for networks of these blocks."""
    residual_act: str | None = "act3"
    """Role of the activation after the residual addition (timm's name for it); None: the
    block adds and returns (pre-activation)."""
    preact: bool = False
    """Pre-activation (ResNet v2): the branch starts with a norm and an activation, whose output
    the projection shortcut reads; the shortcut has no norm of its own."""
    order: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    """The order in which the reference of each layout registers the block's modules
    (``downsample`` included), which ``print(model)`` and the state dict follow; a module
    not listed keeps its place after the listed ones."""


def _tail(args: BlockArgs, size: int) -> tuple[Op, ...]:
    """What follows a block's last norm: attention, then stochastic depth."""
    ops: list[Op] = []
    if args.attention is not None:
        kind, ratio, divisor = args.attention
        ops.append(
            attention_op(
                kind, Sym(args.out_channels, "out_channels"), size, ratio, divisor
            )
        )
    if args.drop_path:
        ops.append(Dropout("drop_path", "drop_path"))
    return tuple(ops)


def _arguments(
    args: BlockArgs, width_is_output: bool = False
) -> tuple[Sym, Sym, Sym, Sym, Sym]:
    """The constructor arguments every block takes: channels in, width, channels out, stride
    and groups."""
    out_ch = Sym(args.out_channels, "out_channels")
    width = Sym(args.width, "width", alias=out_ch if width_is_output else None)
    return (
        Sym(args.in_channels, "in_channels"),
        width,
        out_ch,
        Sym(args.stride, "stride", 1),
        Sym(args.groups, "groups", 1),
    )


def bottleneck(args: BlockArgs, style: Style) -> tuple[Op, ...]:
    """1x1 reduce, 3x3 (grouped) convolution, 1x1 expand, a norm after each."""
    in_ch, width, out_ch, stride, groups = _arguments(args)
    dilation = Sym(args.first_dilation, "dilation", 1)
    on_1x1 = args.stride_on == "1x1"
    conv1 = conv_op("conv1", in_ch, width, 1, args.in_size, stride if on_1x1 else 1)
    conv2 = conv_op(
        "conv2",
        width,
        width,
        3,
        conv1.out_size,
        1 if on_1x1 else stride,
        dilation,
        groups,
        padding=dilation,
    )
    size = conv2.out_size
    conv3 = conv_op("conv3", width, out_ch, 1, size)
    return (
        conv1,
        style.norm_op("bn1", width, conv1.out_size),
        style.act_op("act1", conv1.out_size),
        conv2,
        style.norm_op("bn2", width, size),
        style.act_op("act2", size),
        conv3,
        style.norm_op("bn3", out_ch, size),
        *_tail(args, size),
    )


def basic(args: BlockArgs, style: Style) -> tuple[Op, ...]:
    """Two 3x3 convolutions with a norm after each; the first carries the stride."""
    # A basic block's width is usually its output: the constructor takes it only otherwise.
    in_ch, width, out_ch, stride, groups = _arguments(args, width_is_output=True)
    first = Sym(args.first_dilation, "first_dilation", 1)
    dilation = Sym(args.dilation, "dilation", 1)
    conv1 = conv_op(
        "conv1", in_ch, width, 3, args.in_size, stride, first, groups, padding=first
    )
    size = conv1.out_size
    conv2 = conv_op(
        "conv2", width, out_ch, 3, size, 1, dilation, groups, padding=dilation
    )
    return (
        conv1,
        style.norm_op("bn1", width, size),
        style.act_op("act1", size),
        conv2,
        style.norm_op("bn2", out_ch, size),
        *_tail(args, size),
    )


def regnet(args: BlockArgs, style: Style) -> tuple[Op, ...]:
    """RegNet's X block: 1x1, grouped 3x3 carrying the stride, channel attention (RegNetY's
    squeeze-excitation, sized from the block's input width), 1x1; each convolution with its
    norm, in named pairs."""
    in_ch, width, out_ch, stride, groups = _arguments(args)
    dilation = Sym(args.first_dilation, "dilation", 1)
    conv1 = conv_op(style.name("conv1.conv"), in_ch, width, 1, args.in_size)
    size = conv1.out_size
    conv2 = conv_op(
        style.name("conv2.conv"),
        width,
        width,
        3,
        size,
        stride,
        dilation,
        groups,
        padding=dilation,
    )
    size = conv2.out_size
    ops: list[Op] = [
        conv1,
        style.norm_op(style.name("conv1.bn"), width, conv1.out_size),
        Act(style.name("conv1.act"), style.act, conv1.out_size),
        conv2,
        style.norm_op(style.name("conv2.bn"), width, size),
        Act(style.name("conv2.act"), style.act, size),
    ]
    if args.attention is not None:
        kind, ratio, divisor = args.attention
        # RegNet sizes its attention from the block's input, not from what it gates.
        gate = attention_op(kind, width, size, ratio, divisor, int(args.in_channels))
        ops.append(dataclasses.replace(gate, path=style.name(gate.path)))
    conv3 = conv_op(style.name("conv3.conv"), width, out_ch, 1, size)
    ops += [conv3, style.norm_op(style.name("conv3.bn"), out_ch, size)]
    if args.drop_path:
        ops.append(Dropout("drop_path", "drop_path"))
    return tuple(ops)


def preact_bottleneck(args: BlockArgs, style: Style) -> tuple[Op, ...]:
    """Pre-activation bottleneck (He et al. 2016, ResNet v2): a norm and an activation before
    each of 1x1 reduce, 3x3 (grouped) convolution and 1x1 expand; nothing after the addition."""
    in_ch, width, out_ch, stride, groups = _arguments(args)
    dilation = Sym(args.first_dilation, "dilation", 1)
    size = args.in_size
    conv1 = conv_op("conv1", in_ch, width, 1, size)
    conv2 = conv_op(
        "conv2", width, width, 3, size, stride, dilation, groups, padding=dilation
    )
    out = conv2.out_size
    return (
        style.norm_op("norm1", in_ch, size),
        style.act_op("act1", size),
        conv1,
        style.norm_op("norm2", width, size),
        style.act_op("act2", size),
        conv2,
        style.norm_op("norm3", width, out),
        style.act_op("act3", out),
        conv_op("conv3", width, out_ch, 1, out),
        *_tail(args, out),
    )


_SHAPE_ARGS: tuple[tuple[str, int | None], ...] = (
    ("in_channels", None),
    ("width", None),
    ("out_channels", None),
    ("stride", 1),
    ("groups", 1),
)
"""The constructor arguments every block takes first (what :func:`_arguments` reads)."""

_TIMM_BASIC = ("conv1", "bn1", "act1", "conv2", "bn2", "se", "act2", "downsample")
_TIMM_BOTTLENECK = (
    *("conv1", "bn1", "act1", "conv2", "bn2", "act2", "conv3", "bn3"),
    *("se", "act3", "downsample", "drop_path"),
)

BLOCKS: dict[str, BlockRecipe] = {
    recipe.name: recipe
    for recipe in (
        BlockRecipe(
            "basic",
            "BasicBlock",
            1,
            "Two 3x3 convolutions with a norm after each; the first carries the stride.",
            basic,
            (*_SHAPE_ARGS, ("first_dilation", 1), ("dilation", 1)),
            residual_act="act2",
            order={
                "torchvision": ("conv1", "bn1", "relu", "conv2", "bn2", "downsample"),
                "timm": (*_TIMM_BASIC, "drop_path"),
            },
        ),
        BlockRecipe(
            "bottleneck",
            "Bottleneck",
            4,
            "1x1 reduce, 3x3 convolution, 1x1 expand; a norm after each.",
            bottleneck,
            (*_SHAPE_ARGS, ("dilation", 1)),
            stride_on=("3x3", "1x1"),
            order={
                "torchvision": (
                    *("conv1", "bn1", "conv2", "bn2", "conv3", "bn3"),
                    *("relu", "downsample"),
                ),
                "timm": _TIMM_BOTTLENECK,
            },
        ),
        BlockRecipe(
            "regnet",
            "RegNetBlock",
            1,
            "1x1, grouped 3x3 carrying the stride, 1x1; a norm after each (RegNet's X block).",
            regnet,
            (*_SHAPE_ARGS, ("dilation", 1)),
            timm_layout="timm-regnet",
            torchvision_layout="torchvision-regnet",
            order={
                "torchvision": ("downsample", "f", "activation"),
                "timm": (
                    *("conv1", "conv2", "se", "conv3", "act3", "downsample"),
                    "drop_path",
                ),
            },
        ),
        BlockRecipe(
            "preact_bottleneck",
            "PreActBottleneck",
            4,
            "A norm and an activation before each of 1x1 reduce, 3x3 convolution and 1x1 "
            "expand (pre-activation, ResNet v2); the shortcut reads the first activation.",
            preact_bottleneck,
            (*_SHAPE_ARGS, ("dilation", 1)),
            timm_layout="timm-resnetv2",
            residual_act=None,
            preact=True,
            order={
                "timm": (
                    *("downsample", "norm1", "act1", "conv1", "norm2", "act2", "conv2"),
                    *("norm3", "act3", "conv3", "drop_path"),
                ),
            },
        ),
    )
}

ATTENTION_PARAMS: tuple[tuple[str, int | None], ...] = tuple(
    (recipe.param, None) for recipe in ATTENTIONS.values() if recipe.param is not None
)
"""Constructor arguments that attention adds to any block, after the recipe's own."""


# --- shortcuts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShortcutArgs:
    in_channels: int
    out_channels: int
    stride: int
    dilation: int
    in_size: int
    preact: bool = False
    """The shortcut of a pre-activation block: it reads normalised input, so no norm follows."""


def conv_shortcut(args: ShortcutArgs, style: Style) -> tuple[Op, ...]:
    """A 1x1 convolution carrying the stride, then a norm (torchvision's ``downsample``)."""
    stride = Sym(args.stride, "stride", 1)
    conv = conv_op(
        style.name("downsample.0"),
        Sym(args.in_channels, "in_channels"),
        Sym(args.out_channels, "out_channels"),
        1,
        args.in_size,
        stride,
    )
    if args.preact:
        return (conv,)
    norm = style.norm_op(style.name("downsample.1"), conv.out_channels, conv.out_size)
    return (conv, norm)


def avg_pool_shortcut(args: ShortcutArgs, style: Style) -> tuple[Op, ...]:
    """ResNet-D: a 2x2 average pool carries the stride, then a 1x1 convolution and a norm.

    At stride 1 the pool is an identity; in a stage whose stride became dilation it is timm's
    'same'-padded stride-1 pool.
    """
    size = args.in_size
    pool: Pool
    stride = Sym(args.stride, "stride", 1)
    at = "downsample.pool" if args.preact else "downsample.0"
    if args.stride == 1 and args.dilation == 1:  # the pool is an identity at stride 1
        pool = Pool(at, "avg", 2, stride, 0, size, size)
    elif args.stride == 1:
        pool = Pool(at, "avg_same", 2, 1, 0, size, size)
    else:
        out = pool_output_size(size, 2, args.stride, 0, ceil_mode=True)
        pool = Pool(at, "avg", 2, stride, 0, size, out)
    conv = conv_op(
        "downsample.conv" if args.preact else "downsample.1",
        Sym(args.in_channels, "in_channels"),
        Sym(args.out_channels, "out_channels"),
        1,
        pool.out_size,
    )
    if args.preact:
        return (pool, conv)
    return (pool, conv, style.norm_op("downsample.2", conv.out_channels, conv.out_size))


@dataclass(frozen=True)
class ShortcutRecipe:
    name: str
    function: str
    """Name of the generated function that builds it."""
    summary: str
    build: Callable[[ShortcutArgs, Style], tuple[Op, ...]]


SHORTCUTS: dict[str, ShortcutRecipe] = {
    "conv": ShortcutRecipe(
        "conv",
        "projection",
        "A 1x1 convolution carrying the stride, then a norm: the shortcut of a block that "
        "changes the stride or the channels.",
        conv_shortcut,
    ),
    "avg_pool": ShortcutRecipe(
        "avg_pool",
        "pooled_projection",
        "A 2x2 average pool carrying the stride, then a 1x1 convolution and a norm (ResNet-D): "
        "the shortcut of a block that changes the stride or the channels.",
        avg_pool_shortcut,
    ),
}


# --- stems -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StemArgs:
    type: str
    in_channels: int
    width: int
    kernel: int
    stride: int
    pool: str
    in_size: int


@dataclass(frozen=True)
class StemRecord:
    """A stem's convolutions: one KxK convolution, or a stack of 3x3 ones."""

    name: str
    doc: str
    widths: Callable[[int], tuple[int, ...]] | None
    """The output widths of a stack of 3x3 convolutions for the stem's width; None for one
    KxK convolution."""
    options: frozenset[str] = frozenset()
    """Keys of the ``stem`` section only this type takes."""


def _deep(width: int) -> tuple[int, ...]:
    return (width // 2, width // 2, width)


def _deep_tiered(width: int) -> tuple[int, ...]:
    return (3 * (width // 2 // 4), width // 2, width)


STEMS: dict[str, StemRecord] = {
    record.name: record
    for record in (
        StemRecord(
            "conv",
            "one KxK convolution (torchvision's)",
            None,
            frozenset({"kernel_size"}),
        ),
        StemRecord(
            "deep", "three 3x3 convolutions of widths w/2, w/2, w (ResNet-C)", _deep
        ),
        StemRecord("deep_tiered", "three 3x3 convolutions: 3w/8, w/2, w", _deep_tiered),
    )
}
"""Every stem a spec's ``stem.type`` may name."""


@dataclass(frozen=True)
class StemPoolRecord:
    """What follows the stem's activation and halves the map again (or nothing)."""

    name: str
    doc: str
    aliases: tuple[bool, ...]
    """The booleans a spec may write for it."""
    build: Callable[[int, int, Style], list[Op]]
    """Its operations from the stem's width and map size."""


def _zero_pad_max_pool(_width: int, size: int, style: Style) -> list[Op]:
    out = conv_output_size(size + 2, 3, 2, 0)
    return [Pool(style.name("maxpool"), "max_zero_pad", 3, 2, 1, size, out)]


def _max_pool(_width: int, size: int, style: Style) -> list[Op]:
    return [
        Pool(
            style.name("maxpool"), "max", 3, 2, 1, size, conv_output_size(size, 3, 2, 1)
        )
    ]


def _conv_pool(width: int, size: int, style: Style) -> list[Op]:
    conv = conv_op("maxpool.0", width, width, 3, size, 2)
    return [
        conv,
        style.norm_op("maxpool.1", width, conv.out_size),
        Act("maxpool.2", style.act, conv.out_size),
    ]


STEM_POOLS: dict[str, StemPoolRecord] = {
    record.name: record
    for record in (
        StemPoolRecord("max", "a 3x3 stride-2 max pool", (True,), _max_pool),
        StemPoolRecord(
            "conv",
            "a 3x3 stride-2 convolution, norm and activation (ResNet-RS)",
            (),
            _conv_pool,
        ),
        StemPoolRecord(
            "max_zero_pad",
            "zero padding of 1, then a 3x3 stride-2 max pool (BiT's 'fixed' stem)",
            (),
            _zero_pad_max_pool,
        ),
        StemPoolRecord("none", "nothing", (False,), lambda _w, _s, _style: []),
    )
}
"""Every pool a spec's ``stem.pool`` may name."""


def stem_pool_name(given: str | bool) -> str:
    """The record a spec's ``stem.pool`` value names (``true`` is ``max``)."""
    if isinstance(given, str):
        return given
    return next(name for name, r in STEM_POOLS.items() if given in r.aliases)


def _stem_convs(args: StemArgs, style: Style) -> list[Op]:
    in_ch = Sym(args.in_channels, "in_channels")
    widths = STEMS[args.type].widths
    if widths is None:
        return [
            conv_op(
                style.name("conv1"),
                in_ch,
                args.width,
                args.kernel,
                args.in_size,
                args.stride,
            )
        ]
    ops: list[Op] = []
    size = args.in_size
    cin: int = in_ch
    stack = widths(args.width)
    for index, cout in enumerate(stack):
        conv = conv_op(
            style.name(f"conv1.{3 * index}"),
            cin,
            cout,
            3,
            size,
            args.stride if index == 0 else 1,
        )
        size = conv.out_size
        ops.append(conv)
        if index < len(stack) - 1:
            ops.append(style.norm_op(style.name(f"conv1.{3 * index + 1}"), cout, size))
            ops.append(Act(style.name(f"conv1.{3 * index + 2}"), style.act, size))
        cin = cout
    return ops


def stem(args: StemArgs, style: Style) -> tuple[Op, ...]:
    """The stem's convolutions, norm and activation, then its pool."""
    ops = _stem_convs(args, style)
    size = ops[-1].out_size  # type: ignore[union-attr]
    if style.preact:  # the first block's norm and activation follow
        return tuple(ops + STEM_POOLS[args.pool].build(args.width, size, style))
    ops += [
        style.norm_op(style.name("bn1"), args.width, size),
        style.act_op("stem.act", size),
    ]
    if style.layout in POSITIONAL_STEMS:  # deep stems too: stem.0 ... stem.8
        ops = [dataclasses.replace(op, path=f"stem.{i}") for i, op in enumerate(ops)]
    ops += STEM_POOLS[args.pool].build(args.width, size, style)
    return tuple(ops)


# --- head ------------------------------------------------------------------------------------


def head(
    in_features: int, num_classes: int, size: int, dropout: bool, style: Style
) -> tuple[Op, ...]:
    """Global average pool, optional dropout, then a linear classifier; with 0 classes the
    classifier is an identity (it costs nothing) and the model returns pooled features."""
    ops: list[Op] = [Pool(style.name("head.pool"), "global_avg", size, 1, 0, size, 1)]
    if dropout:
        ops.append(Dropout("dropout", "dropout"))
    ops.append(
        Linear(
            style.name("fc"),
            in_features,
            Sym(num_classes, "num_classes"),
            conv=style.layout in CONV_HEADS,
        )
    )
    return tuple(ops)


CONV_HEADS = frozenset({"timm-resnetv2"})
"""Layouts whose classifier is a 1x1 convolution on the pooled map (timm's ``use_conv``)."""


def final(channels: int, size: int, style: Style) -> tuple[Op, ...]:
    """What follows the last stage before the head: a norm and an activation after
    pre-activation blocks (ResNet v2), else nothing."""
    if not style.preact:
        return ()
    return (style.norm_op("norm", channels, size), Act("norm_act", style.act, size))


@dataclass(frozen=True)
class Records:
    """Every component record, by kind: what the templates look kinds up in."""

    norms: dict[str, NormRecord]
    convs: dict[str, ConvRecord]
    acts: dict[str, ActRecord]
    attentions: dict[str, AttentionRecipe]
    stems: dict[str, StemRecord]
    stem_pools: dict[str, StemPoolRecord]
    shortcuts: dict[str, ShortcutRecipe]
    blocks: dict[str, BlockRecipe]


RECORDS = Records(NORMS, CONVS, ACTS, ATTENTIONS, STEMS, STEM_POOLS, SHORTCUTS, BLOCKS)
