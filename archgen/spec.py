"""The spec schema: Pydantic models of what a spec file may say, and nothing more.

Every model forbids unknown keys and validates strictly (a quoted "3" is not a number). Each
optional section has a ``type`` or is a mapping, so later options (deep stem, average-pool
shortcut, squeeze-excitation, RegNet parameters) can be added without breaking existing specs.
Widths are *declared* here; the one place they are resolved into channel counts is
:mod:`archgen.plan`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

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
BlockType = Literal["basic", "bottleneck"]
SeverityName = Literal["error", "warning", "info"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


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
    """torchvision's stem: a KxK convolution, batch norm, ReLU and an optional 3x3 max pool."""

    type: Literal["conv"] = Field(
        "conv", description="Stem kind; 'conv' is torchvision's."
    )
    width: Channels = Field(64, description="Output channels of the stem convolution.")
    kernel_size: int = Field(
        7, ge=1, le=limits.MAX_KERNEL_SIZE, description="Odd kernel size."
    )
    stride: int = Field(2, ge=1, le=limits.MAX_STRIDE)
    pool: bool = Field(True, description="3x3 stride-2 max pool after the convolution.")

    @field_validator("kernel_size")
    @classmethod
    def _odd(cls, value: int) -> int:
        if value % 2 == 0:
            raise PydanticCustomError(
                "odd", "must be odd so that padding keeps the map centred"
            )
        return value


class StageOptions(_Model):
    """Settings a stage may give; ``defaults`` gives them once for every stage."""

    block: BlockType | None = Field(
        None, description="'basic' (two 3x3) or 'bottleneck'."
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
    num_classes: int = Field(1000, ge=1, le=limits.MAX_CLASSES)


class InitSpec(_Model):
    zero_init_residual: bool = Field(
        False,
        description="Zero the last batch norm of each residual branch (Goyal et al.).",
    )


class LintSettings(_Model):
    """Deliberate deviations of this spec from the design rules."""

    ignore: list[LintPrefix] = Field(default_factory=list, max_length=64)
    severity: dict[LintCode, SeverityName] = Field(default_factory=dict, max_length=64)


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
    input: InputSpec = InputSpec()
    stem: StemSpec = StemSpec()
    defaults: StageOptions = StageOptions()
    stages: list[StageSpec] = Field(min_length=1, max_length=limits.MAX_STAGES)
    head: HeadSpec = HeadSpec()
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


def json_schema() -> dict[str, object]:
    schema = NetworkSpec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
