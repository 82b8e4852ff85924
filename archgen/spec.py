"""The spec schema: Pydantic models of what a spec file may say, and nothing more.

Every model forbids unknown keys and validates strictly (a quoted "3" is not a number). Each
optional section has a ``type`` or is a mapping, so later options (deep stem, average-pool
shortcut, squeeze-excitation, RegNet parameters) can be added without breaking existing specs.
Widths are *declared* here; the one place they are resolved into channel counts is
:mod:`archgen.plan`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from archgen import limits, names, selection
from archgen.recipes import (
    ACTS,
    ATTENTIONS,
    BLOCKS,
    CONVS,
    NORMS,
    SHORTCUTS,
    STEM_POOLS,
    STEMS,
)

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_WINDOWS_DEVICES = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])\Z", re.IGNORECASE)
RESERVED_NAMES = names.RESERVED_NAMES
"""Names the generated module uses itself, and Python's keywords and builtins (archgen.names)."""


def _identifier(value: str) -> str:
    if len(value) > limits.MAX_NAME_LENGTH:
        raise PydanticCustomError(
            "identifier",
            "must be at most {limit} characters",
            {"limit": limits.MAX_NAME_LENGTH},
        )
    if not _IDENTIFIER.match(value):
        raise PydanticCustomError(
            "identifier",
            "must be an ASCII Python identifier (letters, digits, underscores)",
        )
    if value.startswith("_"):
        raise PydanticCustomError("identifier", "must not start with an underscore")
    reason = names.why_reserved(value)
    if reason is not None:
        raise PydanticCustomError("identifier", "{reason}", {"reason": reason})
    if _WINDOWS_DEVICES.match(value):
        raise PydanticCustomError("identifier", "is a reserved device name on Windows")
    return value


def _lint_code(value: str) -> str:
    problem = selection.code_problem(value)
    if problem is not None:
        raise PydanticCustomError("lint_code", "{problem}", {"problem": problem})
    return value


Identifier = Annotated[str, AfterValidator(_identifier)]


def _lint_prefix(value: str) -> str:
    problem = selection.prefix_problem(value)
    if problem is not None:
        raise PydanticCustomError("lint_code", "{problem}", {"problem": problem})
    return value


LintCode = Annotated[str, AfterValidator(_lint_code)]
LintPrefix = Annotated[str, AfterValidator(_lint_prefix)]
Channels = Annotated[int, Field(ge=1, le=limits.MAX_CHANNELS)]
# The component kinds a spec may name are the keys of the component records (archgen.recipes):
# a record added there is a value the schema accepts.
if TYPE_CHECKING:
    BlockType = str
    AttentionType = str
    ShortcutType = str
    NormType = str
    ConvType = str
    ActName = str
    StemType = str
    StemPool = str | bool
else:
    BlockType = Literal[tuple(BLOCKS)]
    AttentionType = Literal[tuple(ATTENTIONS)]
    ShortcutType = Literal[tuple(SHORTCUTS)]
    NormType = Literal[tuple(NORMS)]
    ConvType = Literal[tuple(CONVS)]
    ActName = Literal[tuple(ACTS)]
    StemType = Literal[tuple(STEMS)]
    StemPool = Literal[
        tuple(alias for r in STEM_POOLS.values() for alias in r.aliases)
        + tuple(STEM_POOLS)
    ]
SeverityName = Literal["error", "warning", "info"]


def _kinds(docs: dict[str, str], quote: bool = True) -> str:
    """A schema description of the kinds a key may name, from their records."""
    parts = (f"{repr(k) if quote else k}: {d.rstrip('.')}" for k, d in docs.items())
    return "; ".join(parts) + "."


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, allow_inf_nan=False
    )


class InputSpec(_Model):
    """The images the network is built for; the analysis and the linter use the size."""

    channels: Channels = Field(3, description="Input channels (3 for RGB).")
    image_size: int = Field(
        224,
        ge=1,
        le=limits.MAX_IMAGE_SIZE,
        description="Height and width of a square input.",
    )


class StemSpec(_Model):
    """The stem: one KxK convolution (torchvision's) or three 3x3 ones ("ResNet-C"), batch norm,
    activation, then a 3x3 stride-2 max pool, a 3x3 stride-2 convolution (ResNet-RS) or nothing."""

    type: StemType = Field(
        "conv",
        description=_kinds({name: r.doc for name, r in STEMS.items()}),
    )
    width: Channels = Field(64, description="Output channels of the stem.")
    kernel_size: int = Field(
        7,
        ge=1,
        le=limits.MAX_KERNEL_SIZE,
        description="Odd kernel size of a 'conv' stem.",
    )
    stride: int = Field(
        2, ge=1, le=limits.MAX_STRIDE, description="Stride of the first convolution."
    )
    pool: StemPool = Field(
        True,
        description="After the stem: "
        + _kinds(
            {
                " or ".join([repr(name), *(str(a).lower() for a in r.aliases)]): r.doc
                for name, r in STEM_POOLS.items()
            },
            quote=False,
        ),
    )

    @field_validator("kernel_size")
    @classmethod
    def _odd(cls, value: int) -> int:
        if value % 2 == 0:
            raise PydanticCustomError(
                "odd", "must be odd so that padding keeps the map centred"
            )
        return value


class AttentionSpec(_Model):
    """Channel attention after the last norm of each block, before the residual addition."""

    type: AttentionType = Field(
        description=_kinds({name: r.doc for name, r in ATTENTIONS.items()})
    )
    ratio: float | None = Field(
        None,
        gt=0,
        le=1,
        description="SE: reduced width as a fraction of the channels (default 1/16).",
    )
    divisor: int | None = Field(
        None,
        ge=1,
        le=limits.MAX_CHANNELS,
        description="SE: the reduced width is rounded to a multiple of this (default 8).",
    )


class StageOptions(_Model):
    """Settings a stage may give; ``defaults`` gives them once for every stage."""

    block: BlockType | None = Field(
        None,
        description=_kinds({name: r.summary for name, r in BLOCKS.items()}),
    )
    stride_on: Literal["3x3", "1x1"] | None = Field(
        None,
        description="Bottleneck convolution that carries the stride: '3x3' (ResNet v1.5, "
        "the default) or '1x1' (the original ResNet).",
    )
    shortcut: ShortcutType | None = Field(
        None,
        description="Projection shortcut (default 'conv'): "
        + _kinds({name: r.summary for name, r in SHORTCUTS.items()}),
    )
    attention: AttentionSpec | None = Field(
        None, description="Channel attention in every block of the stage."
    )
    stride: int | None = Field(
        None, ge=1, le=limits.MAX_STRIDE, description="Default 1."
    )
    dilate: bool | None = Field(
        None,
        description="Replace this stage's stride by dilation (torchvision's option).",
    )
    planes: Channels | None = Field(
        None,
        description="Paper notation: output channels are planes x expansion (4 or 1).",
    )
    cardinality: Channels | None = Field(
        None, description="Paper notation: C, the groups."
    )
    base_width: Channels | None = Field(
        None,
        description="Paper notation: d; bottleneck width is int(planes * d / 64) * C.",
    )
    width: Channels | None = Field(
        None, description="Explicit bottleneck (inner) width."
    )
    groups: Channels | None = Field(
        None, description="Explicit groups of the 3x3 convolution."
    )
    group_width: Channels | None = Field(
        None, description="Explicit channels per group."
    )
    out_channels: Channels | None = Field(None, description="Explicit output channels.")


class StageSpec(StageOptions):
    blocks: int = Field(
        ge=1, le=limits.MAX_BLOCKS_PER_STAGE, description="Residual blocks."
    )


class HeadSpec(_Model):
    type: Literal["linear"] = Field(
        "linear", description="Global average pool and a linear layer."
    )
    num_classes: int = Field(
        1000,
        ge=0,
        le=limits.MAX_CLASSES,
        description="Classes; 0 gives a headless backbone (pooled features).",
    )
    drop_rate: float | None = Field(
        None,
        ge=0,
        lt=1,
        description="Dropout before the classifier (timm's drop_rate).",
    )


class NormSpec(_Model):
    type: NormType = Field(
        "batch",
        description=_kinds({name: r.summary for name, r in NORMS.items()}),
    )
    groups: Channels | None = Field(
        None, description="Group norm: groups per layer (default 32)."
    )
    group_size: Channels | None = Field(
        None, description="Group norm: channels per group instead of a group count."
    )


class ConvSpec(_Model):
    type: ConvType = Field(
        "plain",
        description=_kinds({name: r.summary for name, r in CONVS.items()}),
    )
    eps: float | None = Field(
        None,
        gt=0,
        le=1,
        description="Weight standardisation: added to each filter's variance (1e-6; BiT 1e-8).",
    )


LayoutName = Literal["torchvision", "timm"]


class InitSpec(_Model):
    zero_init_residual: bool = Field(
        False,
        description="Zero the last batch norm of each residual branch (Goyal et al.).",
    )


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

Unit = Annotated[float, Field(ge=0, le=1)]


class PreprocessSpec(_Model):
    """How images are prepared for the network: the figures of timm's ``pretrained_cfg``, which
    ``timm.data.resolve_data_config`` reads. The input size is the ``input`` section's."""

    mean: list[Unit] = Field(
        list(IMAGENET_MEAN),
        min_length=1,
        max_length=limits.MAX_CHANNELS,
        description="Per-channel mean subtracted from the input (ImageNet's by default).",
    )
    std: list[Annotated[float, Field(gt=0, le=1)]] = Field(
        list(IMAGENET_STD),
        min_length=1,
        max_length=limits.MAX_CHANNELS,
        description="Per-channel standard deviation the input is divided by (as many as mean).",
    )
    crop_pct: float = Field(
        0.875,
        gt=0,
        le=1,
        description="Evaluation: the centre crop's share of the resized image (0.875: 224 of 256).",
    )
    crop_mode: Literal["center", "squash", "border"] = Field(
        "center", description="Evaluation: how the image is cropped (timm's crop_mode)."
    )
    interpolation: Literal["bilinear", "bicubic", "nearest"] = Field(
        "bilinear", description="Resampling when the image is resized."
    )

    @field_validator("std")
    @classmethod
    def _as_many_as_mean(cls, value: list[float], info: ValidationInfo) -> list[float]:
        mean = info.data.get("mean")
        if mean is not None and len(mean) != len(value):
            raise PydanticCustomError(
                "length_mismatch",
                "expected as many values as mean ({expected}), found {found}",
                {"expected": len(mean), "found": len(value)},
            )
        return value


class LintSettings(_Model):
    """Deliberate deviations of this spec from the design rules."""

    ignore: list[LintPrefix] = Field(default_factory=list, max_length=64)
    severity: dict[LintCode, SeverityName] = Field(default_factory=dict, max_length=64)


class RegNetSpec(_Model):
    """RegNet's quantised linear widths (Radosavovic et al. 2020), expanded into stages."""

    w0: int = Field(ge=8, le=4096, description="Initial width (a multiple of 8).")
    wa: float = Field(ge=0, le=4096, description="Slope of the linear widths.")
    wm: float = Field(gt=1, le=64, description="Width multiplier between stages.")
    depth: int = Field(
        ge=1, le=limits.MAX_BLOCKS_PER_STAGE, description="Total blocks."
    )
    group_width: int = Field(
        ge=1, le=limits.MAX_CHANNELS, description="Channels per group."
    )
    bottleneck_ratio: float = Field(
        1.0,
        gt=0,
        le=16,
        description="Bottleneck width / block width (timm's bottle_ratio).",
    )
    se_ratio: float | None = Field(
        None,
        gt=0,
        le=1,
        description="Squeeze-excitation width as a fraction of the block's input (RegNetY: 0.25).",
    )


class NetworkSpec(_Model):
    """A residual network, described stage by stage."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, title="archgen network spec"
    )

    schema_: str | None = Field(
        None, alias="$schema", max_length=2048, description="Editor hint; ignored."
    )
    name: Identifier = Field(
        description="Names the generated module and its builder function."
    )
    class_name: Identifier | None = Field(
        None, description="Model class; default from name."
    )
    description: str = Field("", max_length=limits.MAX_DESCRIPTION_LENGTH)
    layout: LayoutName = Field(
        "torchvision",
        description="Whose state-dict layout and module names the module follows.",
    )
    input: InputSpec = InputSpec()
    stem: StemSpec = StemSpec()
    norm: NormSpec = NormSpec()
    conv: ConvSpec = Field(
        ConvSpec(),
        description="The convolutions of the stem, the blocks and the shortcuts.",
    )
    act: ActName = Field("relu", description="Activation of the stem and the blocks.")
    output_stride: Literal[8, 16, 32] | None = Field(
        None,
        description="Largest reduction of the input: later stages dilate instead of "
        "striding (timm's output_stride).",
    )
    drop_path_rate: float | None = Field(
        None,
        ge=0,
        lt=1,
        description="Stochastic depth: rate of the last block, linear from 0 (timm's rule).",
    )
    defaults: StageOptions = StageOptions()
    design_space: Literal["resnext", "anynet", "regnet"] | None = Field(
        None,
        description="Whose design rules the linter applies: the ResNeXt paper's (default), "
        "AnyNet's or RegNet's (default when 'regnet' is given).",
    )
    stages: list[StageSpec] | None = Field(
        None,
        min_length=1,
        max_length=limits.MAX_STAGES,
        description="One entry per stage (or give 'regnet').",
    )
    regnet: RegNetSpec | None = Field(
        None,
        description="RegNet parameters, expanded into stages (instead of 'stages').",
    )
    head: HeadSpec = HeadSpec()
    preprocess: PreprocessSpec = PreprocessSpec()
    init: InitSpec = InitSpec()
    lint: LintSettings = LintSettings()

    @field_validator("class_name")
    @classmethod
    def _not_the_builder(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and value == info.data.get("name"):
            raise PydanticCustomError(
                "name_clash", "must differ from name, which names the builder function"
            )
        return value


def _per_stage(description: str, least: int, most: int) -> dict[str, object]:
    return {
        "type": "array",
        "items": {"type": "integer", "minimum": least, "maximum": most},
        "minItems": 1,
        "maxItems": limits.MAX_STAGES,
        "description": description,
    }


COMPACT_FORM: dict[str, dict[str, object]] = {
    "depths": _per_stage(
        "Compact form, instead of stages: residual blocks per stage.",
        1,
        limits.MAX_BLOCKS_PER_STAGE,
    ),
    "planes": _per_stage(
        "Compact form: planes per stage (paper notation).", 1, limits.MAX_CHANNELS
    ),
    "widths": _per_stage(
        "Compact form: width and output channels per stage (explicit notation).",
        1,
        limits.MAX_CHANNELS,
    ),
    "strides": _per_stage(
        "Compact form: stride per stage (default 1, then 2).", 1, limits.MAX_STRIDE
    ),
}
"""The compact form's top-level keys (one list each, one item per stage), which
:func:`archgen.validate.expand` writes out as ``stages`` before validation."""


def json_schema() -> dict[str, object]:
    schema = NetworkSpec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    # The compact form: `depths` with `planes` or `widths` (and `strides`) instead of `stages`.
    properties = schema["properties"]
    assert isinstance(properties, dict)
    properties.update(COMPACT_FORM)
    compact = [{"required": [key]} for key in COMPACT_FORM]
    stages, regnet = {"required": ["stages"]}, {"required": ["regnet"]}
    # Exactly one way of giving the stages: a list, the compact form, or RegNet's numbers.
    schema["oneOf"] = [
        {"required": ["stages"], "not": {"anyOf": [*compact, regnet]}},
        {
            "required": ["depths"],
            "not": {"anyOf": [stages, regnet]},
            "oneOf": [{"required": ["planes"]}, {"required": ["widths"]}],
        },
        {"required": ["regnet"], "not": {"anyOf": [stages, *compact]}},
    ]
    return schema
