"""The RegNet design space of Radosavovic et al. 2020 ("Designing Network Design Spaces").

Pure Python (``math``, ``dataclasses``, ``typing``): no torch, no numpy. :func:`expand` turns the
four RegNet numbers (``w0``, ``wa``, ``wm``, ``depth``) plus group width and bottleneck ratio into
per-stage depths and widths, exactly as timm 1.0.31 does in ``timm.models.regnet``
(``generate_regnet``, the ``torch.unique`` grouping in ``RegNet._get_stage_args`` and
``adjust_widths_groups_comp``).

Float semantics. timm 1.0.31 computes the per-block widths with **float32 torch tensors**, not with
numpy float64 as pycls does::

    widths_cont = torch.arange(depth, dtype=torch.float32) * wa + w0
    width_exps = torch.round(torch.log(widths_cont / w0) / math.log(wm))
    widths = torch.round((w0 * torch.pow(wm, width_exps)) / q) * q

Every tensor operation there rounds to float32; Python scalars (``wa``, ``math.log(wm)``, ``wm``)
are converted to float32 when they meet the tensor. :func:`expand` replays those operations one by
one, each rounded to float32 with round-half-to-even (:func:`_f32`), and rounds like
``torch.round`` (half to even, as Python's ``round``). The two rounding steps are where float32 and
float64 disagree: for ``w0=200, wa=42, wm=2.3`` the float64 value ``200 * 2.3 / 8`` is just below
57.5 (width 456) while in float32 it is exactly 57.5 and rounds to 58 (width 464). timm says 464,
pycls says 456; we say 464. For every configuration in timm's ``model_cfgs`` the two agree.

``torch.log`` and ``torch.pow`` are not always correctly rounded in float32 (vectorised kernels are
within an ulp); we use the correctly rounded value. A one-ulp difference can change a width only
when a value lies within an ulp of a rounding boundary; no such case was found in about a million
random parameter sets compared with timm 1.0.31 on CPU (``tests/core/test_regnet.py`` keeps a few
thousand of them).

Bottleneck ratio. ``bottleneck_ratio`` follows timm (``bottle_ratio``) and pycls (``BOT_MUL``): the
bottleneck width is ``width * bottleneck_ratio``. The paper's ``b`` is the inverse, ``width / b``:
the paper's b = 4 is ``bottleneck_ratio=0.25``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

__all__ = [
    "MAX_DEPTH",
    "MAX_W0",
    "MAX_WA",
    "MAX_WM",
    "PAPER_RANGES",
    "STEM_WIDTH",
    "DesignSpace",
    "Interval",
    "RegNetParams",
    "RegNetStage",
    "expand",
    "outside_design_space",
    "se_channels",
    "validate_params",
]

STEM_WIDTH: Final = 32
"""Output channels of the stem (3x3 stride-2 conv) in pycls and timm RegNets."""

MAX_DEPTH: Final = 1000
MAX_W0: Final = 65_536
MAX_WA: Final = 65_536
MAX_WM: Final = 1024.0
"""Sanity bounds of :func:`validate_params`, far beyond any published RegNet."""

_FLT_MAX: Final = math.ldexp(2.0 - math.ldexp(1.0, -23), 127)


@dataclass(frozen=True)
class RegNetParams:
    """The RegNet parameters of one network (timm's ``RegNetCfg`` minus the non-width fields).

    ``w0`` initial width, ``wa`` slope, ``wm`` width multiplier (the per-stage width ratio),
    ``depth`` total number of blocks, ``group_width`` channels per group of the 3x3 conv,
    ``bottleneck_ratio`` bottleneck width / block width (timm's ``bottle_ratio``, pycls's
    ``BOT_MUL``), ``se_ratio`` squeeze-excitation ratio (0: RegNetX, 0.25: RegNetY),
    ``quantum`` width quantum (``q``), ``group_min_ratio`` timm's ``group_min_ratio``: 0 rounds the
    bottleneck width to the nearest multiple of the group width (pycls); non-zero selects timm's
    torchvision-compatible rounding (the ``*_tv`` models use 0.9).
    """

    w0: int
    wa: float
    wm: float
    depth: int
    group_width: int
    bottleneck_ratio: float = 1.0
    se_ratio: float = 0.0
    quantum: int = 8
    group_min_ratio: float = 0.0
    divisible: bool = False
    """Round the bottleneck width as torchvision's ``_make_divisible`` does (to a multiple of
    the group width, at least one group, never more than 10% below)."""


@dataclass(frozen=True)
class RegNetStage:
    """One stage: ``depth`` blocks of output width ``width``; the first block has ``stride``."""

    depth: int
    width: int
    group_width: int
    bottleneck_ratio: float
    stride: int = 2

    @property
    def bottleneck_width(self) -> int:
        """Channels of conv1/conv2 (timm's ``Bottleneck``: ``int(round(out_chs * bottle_ratio))``)."""
        return round(self.width * self.bottleneck_ratio)

    @property
    def groups(self) -> int:
        """``groups`` of the 3x3 conv (``bottleneck_chs // group_size``)."""
        return self.bottleneck_width // self.group_width


def se_channels(in_channels: int, bottleneck_channels: int, se_ratio: float) -> int:
    """Reduced width of a block's squeeze-excitation (0 when the block has none).

    timm (and pycls) take it from the block's **input** width, not from the bottleneck width the
    SE module acts on: ``int(round(in_chs * se_ratio))``, Python rounding (half to even), no
    divisor. ``bottleneck_channels`` (the SE module's in/out channels) does not enter; it is a
    parameter so that the call site names both widths. The first block of a stage takes the previous
    stage's width (the stem's for stage 1), the other blocks the stage's own width.
    """
    del bottleneck_channels  # the SE input/output width; the reduced width ignores it
    if not se_ratio:
        return 0
    return round(in_channels * se_ratio)


@dataclass(frozen=True)
class Interval:
    """Closed interval ``[low, high]`` (``high`` excluded when ``high_open``), on a grid of ``step``."""

    low: float
    high: float
    step: float = 0.0
    high_open: bool = False

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return False
        if (
            value < self.low
            or value > self.high
            or (self.high_open and value == self.high)
        ):
            return False
        if self.step:
            k = (value - self.low) / self.step
            return abs(k - round(k)) < 1e-9
        return True

    def __str__(self) -> str:
        close = ")" if self.high_open else "]"
        grid = f" step {_num(self.step)}" if self.step else ""
        return f"[{_num(self.low)}, {_num(self.high)}{close}{grid}"


@dataclass(frozen=True)
class DesignSpace:
    """Sampling ranges of a RegNet design space.

    ``bottleneck_b`` holds the paper's ``b`` (width / bottleneck width), the inverse of
    :attr:`RegNetParams.bottleneck_ratio`. ``group_width`` is a set of values or an interval.
    ``stages`` is the number of stages the sampled networks must have (after expansion).
    """

    source: str
    depth: Interval
    w0: Interval
    wa: Interval
    wm: Interval
    group_width: tuple[int, ...] | Interval
    bottleneck_b: tuple[float, ...]
    stages: int | None = None


PAPER_RANGES: Final[dict[str, DesignSpace]] = {
    # Section 4, the RegNet design space: "d < 64, w0, wa < 256, 1.5 <= wm <= 3 and b and g as in
    # AnyNetX_E" (AnyNetX, section 3: b_i in {1, 2, 4}, g_i in {1, 2, ..., 32}, widths multiples of 8,
    # d_i <= 16 per stage, w_i <= 1024).
    "regnet": DesignSpace(
        source="Radosavovic et al. 2020, section 4 (RegNet), b and g from AnyNetX (section 3)",
        depth=Interval(1, 64, 1, high_open=True),
        w0=Interval(8, 256, 8, high_open=True),
        wa=Interval(0, 256, high_open=True),
        wm=Interval(1.5, 3),
        group_width=(1, 2, 4, 8, 16, 32),
        bottleneck_b=(1, 2, 4),
    ),
    # Section 4 refinement used for the RegNetX/RegNetY models: b = 1, 12 <= d <= 28, wm >= 2.
    "regnetx": DesignSpace(
        source="Radosavovic et al. 2020, section 4 (refined RegNetX: b = 1, 12 <= d <= 28, wm >= 2)",
        depth=Interval(12, 28, 1),
        w0=Interval(8, 256, 8, high_open=True),
        wa=Interval(0, 256, high_open=True),
        wm=Interval(2, 3),
        group_width=(1, 2, 4, 8, 16, 32),
        bottleneck_b=(1,),
    ),
    # pycls/sweep/config.py SAMPLERS.REGNET_SAMPLER defaults and SETUP.CONSTRAINTS.REGNET.NUM_STAGES.
    # pycls/sweep/samplers.py also quantises samples (w0 to 8, wa to 0.1, wm to 0.001, group width
    # to 8); the grids of wa and wm are left out here, the published models have wa to 0.01.
    "pycls_sweep": DesignSpace(
        source="pycls sweep REGNET_SAMPLER defaults (pycls/sweep/config.py)",
        depth=Interval(12, 28, 1),
        w0=Interval(8, 256, 8),
        wa=Interval(8, 256),
        wm=Interval(2, 3),
        group_width=Interval(8, 128, 8),
        bottleneck_b=(1,),
        stages=4,
    ),
}
"""Published sampling ranges of the RegNet design space, by name. Informational: timm's own models
leave them (regnety_2560 has w0=640), so :func:`validate_params` does not enforce them; see
:func:`outside_design_space`."""


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_real(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def validate_params(p: RegNetParams) -> list[str]:
    """Problems that make ``p`` not a RegNet (empty when :func:`expand` can run).

    The checks are those timm asserts (``wa >= 0``, ``w0 > 0``, ``wm > 1``, ``w0 % q == 0``), except
    that ``wm`` is free when ``wa == 0`` (every block then has width ``w0``), plus types, finiteness
    and sanity bounds (``MAX_*``). The published design-space ranges are not problems; see
    :func:`outside_design_space`.
    """
    problems: list[str] = []
    if not _is_int(p.quantum) or p.quantum < 1:
        problems.append(f"quantum must be a positive integer, got {p.quantum!r}")
    if not _is_int(p.w0) or not 0 < p.w0 <= MAX_W0:
        problems.append(f"w0 must be an integer in 1..{MAX_W0}, got {p.w0!r}")
    elif _is_int(p.quantum) and p.quantum >= 1 and p.w0 % p.quantum:
        problems.append(f"w0 must be a multiple of the quantum {p.quantum}, got {p.w0}")
    if not _is_real(p.wa) or not 0 <= p.wa <= MAX_WA:
        problems.append(f"wa must be a number in [0, {MAX_WA}], got {p.wa!r}")
    if not _is_real(p.wm) or p.wm > MAX_WM:
        problems.append(f"wm must be a finite number <= {_num(MAX_WM)}, got {p.wm!r}")
    elif p.wm <= 1 and not (_is_real(p.wa) and p.wa == 0):
        problems.append(f"wm must be > 1 when wa > 0, got {p.wm!r}")
    if not _is_int(p.depth) or not 1 <= p.depth <= MAX_DEPTH:
        problems.append(f"depth must be an integer in 1..{MAX_DEPTH}, got {p.depth!r}")
    if not _is_int(p.group_width) or p.group_width < 1:
        problems.append(
            f"group_width must be a positive integer, got {p.group_width!r}"
        )
    if not _is_real(p.bottleneck_ratio) or p.bottleneck_ratio <= 0:
        problems.append(
            f"bottleneck_ratio must be a number > 0, got {p.bottleneck_ratio!r}"
        )
    if not _is_real(p.se_ratio) or p.se_ratio < 0:
        problems.append(f"se_ratio must be a number >= 0, got {p.se_ratio!r}")
    if not _is_real(p.group_min_ratio) or p.group_min_ratio < 0:
        problems.append(
            f"group_min_ratio must be a number >= 0, got {p.group_min_ratio!r}"
        )
    return problems


def outside_design_space(p: RegNetParams, space: str = "regnet") -> list[str]:
    """Where valid parameters ``p`` leave the design space ``PAPER_RANGES[space]`` (notes, not errors)."""
    ds = PAPER_RANGES[space]
    notes: list[str] = []
    for name, value, interval in (
        ("depth", p.depth, ds.depth),
        ("w0", p.w0, ds.w0),
        ("wa", p.wa, ds.wa),
        ("wm", p.wm, ds.wm),
    ):
        if value not in interval:
            notes.append(f"{name}={_num(value)} is outside {space} range {interval}")
    if p.group_width not in ds.group_width:
        allowed = (
            str(ds.group_width)
            if isinstance(ds.group_width, Interval)
            else "{" + ", ".join(map(str, ds.group_width)) + "}"
        )
        notes.append(f"group_width={p.group_width} is outside {space} values {allowed}")
    b = 1 / p.bottleneck_ratio
    if not any(math.isclose(b, x) for x in ds.bottleneck_b):
        allowed = "{" + ", ".join(_num(x) for x in ds.bottleneck_b) + "}"
        notes.append(
            f"bottleneck_ratio={_num(p.bottleneck_ratio)} is the paper's b={_num(b)}, "
            f"outside {space} values b in {allowed}"
        )
    if ds.stages is not None and not validate_params(p):
        n = len(expand(p))
        if n != ds.stages:
            notes.append(f"expands to {n} stages, {space} requires {ds.stages}")
    return notes


def _f32(x: float) -> float:
    """``x`` rounded to the nearest float32 (ties to even), as a Python float.

    The result of a float32 ``+ - * /`` equals the float64 result rounded to float32 (float64 has
    more than twice float32's precision, so the double rounding is harmless).
    """
    if x == 0.0 or not math.isfinite(x):
        return x
    mantissa, exponent = math.frexp(x)
    if exponent < -125:  # float32 subnormal: a fixed grid of 2**-149
        return math.ldexp(round(math.ldexp(x, 149)), -149)
    y = math.ldexp(round(math.ldexp(mantissa, 24)), exponent - 24)
    return y if abs(y) <= _FLT_MAX else math.copysign(math.inf, y)


def _block_widths(p: RegNetParams) -> list[int]:
    """Per-block quantised widths: timm's ``generate_regnet`` in float32."""
    q = float(p.quantum)
    w0 = _f32(float(p.w0))
    wa = _f32(float(p.wa))
    if p.wa == 0:
        # Every block has width w0 and exponent 0 (timm computes log(1) / log(wm) = 0 here).
        exps = [0.0] * p.depth
    else:
        log_wm = _f32(math.log(p.wm))
        exps = []
        for i in range(p.depth):
            cont = _f32(_f32(i * wa) + w0)  # arange(depth) * wa + w0
            ratio = _f32(cont / w0)  # widths_cont / w0
            exps.append(float(round(_f32(_f32(math.log(ratio)) / log_wm))))
    wm = _f32(float(p.wm))
    widths: list[int] = []
    for e in exps:
        # math.pow cannot overflow: e rounds log(ratio) / log(wm), so e * log(float32 wm) is
        # within about twice |log(ratio)| < 104 (ratio is a finite float32), far below 709.
        power = _f32(math.pow(wm, e))  # torch.pow(wm, width_exps)
        scaled = _f32(_f32(w0 * power) / q)  # (w0 * pow) / q
        if not math.isfinite(scaled):
            raise ValueError(f"RegNet widths overflow for {p}")
        widths.append(int(_f32(round(scaled) * q)))  # round(...) * q, then .int()
    return widths


def expand(params: RegNetParams) -> list[RegNetStage]:
    """Per-stage depth, width, group width and bottleneck ratio of the RegNet ``params``.

    Blocks of equal quantised width form a stage, in increasing width (timm's ``torch.unique``).
    Then the bottleneck width ``int(width * bottleneck_ratio)`` caps the group width and is rounded
    to a multiple of it, and the width is recomputed from it (``adjust_widths_groups_comp``). Every
    stage has stride 2 (pycls; timm builds only 4-stage RegNets, all stride 2 at output stride 32).

    Raises ``ValueError`` with the problems of :func:`validate_params`, or when a bottleneck width
    comes out as 0 or narrower than its group width.
    """
    problems = validate_params(params)
    if problems:
        raise ValueError("invalid RegNet parameters: " + "; ".join(problems))
    block_widths = _block_widths(params)
    b = params.bottleneck_ratio
    stages: list[RegNetStage] = []
    for width in sorted(set(block_widths)):
        bottleneck = int(width * b)
        if bottleneck < 1:
            raise ValueError(
                f"bottleneck width int({width} * {b}) = {bottleneck} of a stage is not positive"
            )
        group_width = min(params.group_width, bottleneck)
        rounded: float
        if params.divisible:
            # torchvision's _make_divisible(bottleneck, group_width): min_value is the divisor
            rounded = max(
                group_width,
                int(bottleneck + group_width / 2) // group_width * group_width,
            )
            if rounded < 0.9 * bottleneck:
                rounded += group_width
        elif params.group_min_ratio:
            # timm.layers.make_divisible(bottleneck, group_width, min_value=group_min_ratio)
            rounded = max(
                params.group_min_ratio,
                int(bottleneck + group_width / 2) // group_width * group_width,
            )
            if rounded < 0.9 * bottleneck:
                rounded += group_width
        else:
            # quantize_float(bottleneck, group_width)
            rounded = round(bottleneck / group_width) * group_width
        stage = RegNetStage(
            depth=block_widths.count(width),
            width=int(rounded / b),
            group_width=group_width,
            bottleneck_ratio=b,
        )
        if stage.groups < 1:
            # timm builds Conv2d(..., groups=0) here: the width recomputed from the rounded
            # bottleneck lost a channel, and its bottleneck no longer holds one group.
            raise ValueError(
                f"a stage of width {stage.width} has a bottleneck of round({stage.width} * "
                f"{b}) = {stage.bottleneck_width} channels, fewer than its group width "
                f"{group_width}; expected a group_width of at most {stage.bottleneck_width}"
            )
        stages.append(stage)
    return stages
