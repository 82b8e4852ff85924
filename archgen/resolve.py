"""Resolve a validated spec into typed, frozen records: one per stage, with every default merged.

This is the step between validation and lowering. It reads the spec and its document (for the
positions of what it finds), and it owns every structural check that needs more than the schema:
a stage with no block type or no width (AG105, AG107), a width over archgen's limits (AG109), an
option the named component does not take (AG108), RegNet numbers that expand to nothing or to more
stages than archgen allows (AG104, AG109). What comes out is what lowering needs and nothing else:
:func:`archgen.plan.lower_resolved` turns it into operations with arithmetic and recipe calls, and
never reads the document.

Which options each component takes, and how a stage's notation resolves to a width, come from the
component records (:mod:`archgen.recipes`); no kind is named here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from archgen import limits
from archgen.diagnostics import Diagnostic
from archgen.recipes import (
    ATTENTIONS,
    BLOCKS,
    CONVS,
    NORMS,
    STD_CONV_EPS,
    STEMS,
    StemArgs,
    Style,
    stem_pool_name,
)
from archgen.regnet import RegNetParams, RegNetStage, expand, validate_params
from archgen.source import Document, Loc
from archgen.spec import NetworkSpec, StageOptions

DEFAULT_GROUP_NORM_GROUPS = 32
REGNET_BLOCK = "regnet"
"""The block RegNet parameters expand into unless ``defaults.block`` says otherwise."""

Origins = tuple[tuple[str, Loc], ...]
"""Where each setting of a stage was written: ``(key, location)``."""


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


_NOTATION_FIELDS = (
    "planes",
    "cardinality",
    "base_width",
    "width",
    "groups",
    "group_width",
    "out_channels",
)


@dataclass(frozen=True)
class Attention:
    """A stage's channel attention: the record's key and the options the spec gave."""

    kind: str
    ratio: float | None
    divisor: int | None


@dataclass(frozen=True)
class ResolvedStage:
    """One stage with its defaults merged: every number lowering needs, and where it came from."""

    index: int
    """1-based position."""
    blocks: int
    block: str
    """Key of the block's record in :data:`archgen.recipes.BLOCKS`."""
    width: int
    out_channels: int
    groups: int
    stride: int
    """The stride the spec declares (lowering may turn it into dilation)."""
    dilate: bool
    stride_on: str
    shortcut: str
    attention: Attention | None
    notation: Notation
    origins: Origins
    options: dict[str, object] = dataclasses.field(default_factory=dict)
    """The block's own options (:attr:`archgen.recipes.BlockRecipe.options`), defaults filled."""

    def loc(self, key: str) -> Loc:
        """Where ``key`` was written, or the stage itself."""
        return dict(self.origins).get(key, ("stages", self.index - 1))

    def label(self, style: Style) -> str:
        """How messages name the stage: ``layer2 (stages[1])``."""
        return stage_label(style, self.index)


def stage_label(style: Style, index: int) -> str:
    """``layer2 (stages[1])``, or ``s2 (stages[1])`` in timm's RegNet layout."""
    return f"{style.stage_name(index)} (stages[{index - 1}])"


@dataclass(frozen=True)
class ResolvedNetwork:
    spec: NetworkSpec
    style: Style
    stem: StemArgs
    stages: tuple[ResolvedStage, ...]


def resolve(
    spec: NetworkSpec, document: Document
) -> ResolvedNetwork | list[Diagnostic]:
    """The spec's typed stages, or every structural problem found, located."""
    problems: list[Diagnostic] = []
    style = _style(spec, document, problems)
    stem = _stem(spec, document, problems)
    stages = []
    for index, (count, merged, origins) in enumerate(
        _stage_sources(spec, document, problems), start=1
    ):
        stage = _stage(index, count, merged, origins, style, document)
        if isinstance(stage, Diagnostic):
            problems.append(stage)
        else:
            stages.append(stage)
    if problems:
        return problems
    return ResolvedNetwork(spec, style, stem, tuple(stages))


def _owners(records: Mapping[str, frozenset[str]], option: str) -> tuple[str, str]:
    """Which kinds take ``option``, as a message says it, and the first of them."""
    owners = [kind for kind, options in records.items() if option in options]
    return " or ".join(f"'{kind}'" for kind in owners), owners[0]


def _refuse_options(
    document: Document,
    problems: list[Diagnostic],
    section: str,
    kind: str,
    given: Mapping[str, object],
    records: Mapping[str, frozenset[str]],
) -> None:
    """AG108 for each option ``given`` that the component ``kind`` does not take."""
    for option, value in given.items():
        if value is None or option in records[kind]:
            continue
        owners, first = _owners(records, option)
        problems.append(
            document.diagnostic(
                "AG108",
                f"{section}.{option} applies to a {owners} {section}; {section}.type is "
                f"'{kind}'; expected 'type: {first}' or no {option}",
                (section, option),
                at_key=True,
            )
        )


def _stem(
    spec: NetworkSpec, document: Document, problems: list[Diagnostic]
) -> StemArgs:
    given = spec.stem
    written = document.data.get("stem")
    if isinstance(written, dict):
        # Only options a spec writes can be refused: the defaults fit every stem.
        options = {name: record.options for name, record in STEMS.items()}
        only = frozenset().union(*options.values())
        given_options = {k: written[k] for k in sorted(only) if k in written}
        _refuse_options(document, problems, "stem", given.type, given_options, options)
    return StemArgs(
        given.type,
        spec.input.channels,
        given.width,
        given.kernel_size,
        given.stride,
        stem_pool_name(given.pool),
        spec.input.image_size,
    )


def _style(spec: NetworkSpec, document: Document, problems: list[Diagnostic]) -> Style:
    norm = spec.norm
    given = {"groups": norm.groups, "group_size": norm.group_size}
    options = {name: record.options for name, record in NORMS.items()}
    _refuse_options(document, problems, "norm", norm.type, given, options)
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
    # timm and torchvision name a network after its blocks' family (a ResNet, or a RegNet).
    families = {
        BLOCKS[name].timm_layout
        if layout == "timm"
        else BLOCKS[name].torchvision_layout
        for name in _block_names(spec)
        if name in BLOCKS
    }
    layout = families.pop() if len(families) == 1 else layout
    preact = _preact(spec, document, problems)
    conv = spec.conv
    conv_options = {name: record.options for name, record in CONVS.items()}
    _refuse_options(
        document, problems, "conv", conv.type, {"eps": conv.eps}, conv_options
    )
    eps = (conv.eps or STD_CONV_EPS) if "eps" in CONVS[conv.type].options else 0.0
    return Style(
        layout,
        norm.type,
        groups,
        norm.group_size or 0,
        spec.act,
        preact,
        conv.type,
        eps,
    )


def _preact(spec: NetworkSpec, document: Document, problems: list[Diagnostic]) -> bool:
    """Whether the blocks are pre-activation ones; a network of both kinds is refused (the
    stem and the end of the network differ between them)."""
    kinds = [
        BLOCKS[name].preact if name in BLOCKS else None for name in _block_names(spec)
    ]
    first = next((kind for kind in kinds if kind is not None), False)
    for position, kind in enumerate(kinds):
        if kind is not None and kind != first:
            stage = (spec.stages or ())[position]
            problems.append(
                document.diagnostic(
                    "AG108",
                    f"stages[{position}] mixes {'pre' if kind else 'post'}-activation "
                    f"blocks with the {'pre' if first else 'post'}-activation blocks of "
                    "stages[0]; expected blocks of one kind (preact_bottleneck throughout, "
                    "or none)",
                    ("stages", position, "block")
                    if stage.block is not None
                    else ("stages", position),
                    at_key=stage.block is not None,
                )
            )
            break
    return first


def _block_names(spec: NetworkSpec) -> list[str | None]:
    if spec.regnet is not None:
        return [spec.defaults.block or REGNET_BLOCK]
    return [stage.block or spec.defaults.block for stage in spec.stages or ()]


Source = tuple[int, dict[str, object], Origins]


def _stage_sources(
    spec: NetworkSpec, document: Document, problems: list[Diagnostic]
) -> list[Source]:
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
    return [
        (stage.blocks, *_merge(spec.defaults, stage, position))
        for position, stage in enumerate(spec.stages)
    ]


def _expanded(spec: NetworkSpec, document: Document) -> list[RegNetStage] | Diagnostic:
    """The stages RegNet's numbers expand to, or why they cannot be archgen's stages."""
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
        # torchvision rounds a stage's bottleneck width with _make_divisible, timm to the
        # nearest multiple of the group width (regnet_x_400mf: 400 wide, not 384).
        divisible=spec.layout == "torchvision",
    )
    reasons = validate_params(params)
    if reasons:
        return document.diagnostic(
            "AG104",
            f"regnet parameters cannot be expanded: {'; '.join(reasons)}",
            ("regnet",),
            at_key=True,
        )
    try:
        expanded = expand(params)
    except ValueError as error:
        return document.diagnostic(
            "AG104", f"regnet: {error}", ("regnet",), at_key=True
        )
    if len(expanded) > limits.MAX_STAGES:
        return document.diagnostic(
            "AG109",
            f"regnet expands to {len(expanded)} stages; archgen's limit is "
            f"{limits.MAX_STAGES}; expected a larger wm (fewer width steps) or a "
            "smaller wa",
            ("regnet", "wm"),
        )
    if given.se_ratio and spec.defaults.attention is not None:
        return document.diagnostic(
            "AG108",
            "regnet.se_ratio and defaults.attention both give the blocks' attention; "
            "expected one of them",
            ("regnet", "se_ratio"),
            at_key=True,
        )
    return expanded


def _regnet_stages(
    spec: NetworkSpec, document: Document, problems: list[Diagnostic]
) -> list[Source]:
    given = spec.regnet
    assert given is not None
    expanded = _expanded(spec, document)
    if isinstance(expanded, Diagnostic):
        problems.append(expanded)
        return []
    # The spec's defaults apply to every expanded stage, under the expanded numbers.
    shared = {
        name: getattr(spec.defaults, name)
        for name in StageOptions.model_fields
        if getattr(spec.defaults, name) is not None
    }
    shared_origins = tuple((name, ("defaults", name)) for name in shared)
    # Findings on an expanded stage point at the parameters that produced its numbers.
    origins: Origins = (
        *shared_origins,
        ("blocks", ("regnet", "depth")),
        ("out_channels", ("regnet", "wa")),
        ("width", ("regnet", "bottleneck_ratio")),
        ("groups", ("regnet", "group_width")),
        ("group_width", ("regnet", "group_width")),
        ("stride", ("regnet",)),
    )
    if given.se_ratio:
        origins += (("attention", ("regnet", "se_ratio")),)
    sources = []
    for stage in expanded:
        merged = dict(shared)
        merged.update(
            block=merged.get("block", REGNET_BLOCK),
            stride=stage.stride,
            width=stage.bottleneck_width,
            groups=stage.groups,
            out_channels=stage.width,
        )
        if given.se_ratio:
            merged["attention"] = Attention("se", given.se_ratio, None)
        sources.append((stage.depth, merged, origins))
    return sources


def _merge(
    defaults: StageOptions, stage: StageOptions, position: int
) -> tuple[dict[str, object], Origins]:
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


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _widths(notation: Notation, expansion: int) -> tuple[int | None, int | None]:
    """A stage's inner width and output channels from what it declares, in either notation."""
    width = notation.width if notation.width is not None else notation.paper_width
    if width is None and None not in (notation.groups, notation.group_width):
        width = notation.groups * notation.group_width  # type: ignore[operator]
    out_channels = notation.out_channels
    if out_channels is None and notation.planes is not None:
        out_channels = notation.planes * expansion
    return width, out_channels


def _groups(notation: Notation, width: int) -> int:
    if notation.groups is not None:
        return notation.groups
    if notation.group_width is not None:
        return max(1, width // notation.group_width)
    return notation.cardinality or 1


def _attention(
    merged: dict[str, object], label: str, where: dict[str, Loc], document: Document
) -> Attention | Diagnostic | None:
    given = merged.get("attention")
    if given is None:
        return None
    if isinstance(given, Attention):  # RegNet's own squeeze-excitation
        return given
    kind = given.type  # type: ignore[attr-defined]
    record = ATTENTIONS[kind]
    ratio, divisor = given.ratio, given.divisor  # type: ignore[attr-defined]
    for option, value in (("ratio", ratio), ("divisor", divisor)):
        if value is not None and option not in record.options:
            options = {name: r.options for name, r in ATTENTIONS.items()}
            owners, first = _owners(options, option)
            return document.diagnostic(
                "AG108",
                f"{label} gives '{kind}' attention a {option}, which applies to {owners} "
                f"attention; expected 'type: {first}' or no {option}",
                where["attention"],
            )
    return Attention(kind, ratio, divisor)


def _stage(
    index: int,
    count: int,
    merged: dict[str, object],
    origins: Origins,
    style: Style,
    document: Document,
) -> ResolvedStage | Diagnostic:
    where = dict(origins)
    # An expanded RegNet stage always resolves its block and widths, so only a written stage
    # can be refused here, at its position in 'stages'.
    loc: Loc = ("stages", index - 1)
    label = stage_label(style, index)
    block = merged.get("block")
    if not isinstance(block, str):  # validation allows only the keys of BLOCKS
        kinds = " or ".join(f"'block: {name}'" for name in BLOCKS)
        return document.diagnostic(
            "AG105",
            f"{label} has no block type; expected {kinds} in the stage or in defaults",
            loc,
        )
    record = BLOCKS[block]
    notation = Notation(*(_int(merged.get(field)) for field in _NOTATION_FIELDS))
    width, out_channels = _widths(notation, record.expansion)
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
    stride_on = str(merged.get("stride_on") or record.stride_on[0])
    if stride_on not in record.stride_on:
        return document.diagnostic(
            "AG108",
            f"{label} puts the stride on a {stride_on} convolution, which a {block} "
            f"block cannot; expected 'stride_on: {record.stride_on[0]}' for {block} blocks",
            where["stride_on"],
        )
    attention = _attention(merged, label, where, document)
    if isinstance(attention, Diagnostic):
        return attention
    options = _block_options(merged, block, label, where, document)
    if isinstance(options, Diagnostic):
        return options
    return ResolvedStage(
        index=index,
        blocks=count,
        block=block,
        width=width,
        out_channels=out_channels,
        groups=_groups(notation, width),
        stride=_int(merged.get("stride")) or 1,
        dilate=bool(merged.get("dilate")),
        stride_on=stride_on,
        shortcut=str(merged.get("shortcut") or "conv"),
        attention=attention,
        notation=notation,
        origins=origins,
        options=options,
    )


def _block_options(
    merged: dict[str, object],
    block: str,
    label: str,
    where: dict[str, Loc],
    document: Document,
) -> dict[str, object] | Diagnostic:
    """The block's own options with their defaults; AG108 for one its block does not take."""
    takes = BLOCKS[block].options
    for option in sorted({name for r in BLOCKS.values() for name in r.options}):
        if merged.get(option) is None or option in takes:
            continue
        owners = " or ".join(
            f"'{name}'" for name, r in BLOCKS.items() if option in r.options
        )
        return document.diagnostic(
            "AG108",
            f"{label} gives {option}, which applies to {owners} blocks; its block is "
            f"'{block}'; expected 'block: {owners.split(' or ')[0][1:-1]}' or no {option}",
            where[option],
            at_key=True,
        )
    given = {name: merged.get(name) for name in takes}
    return {
        name: default
        if value is None
        else tuple(value)
        if isinstance(value, list)
        else value
        for (name, default), value in zip(takes.items(), given.values(), strict=True)
    }
