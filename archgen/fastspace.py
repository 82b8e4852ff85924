"""The design spaces of Radosavovic et al. 2020, drawn and costed in batches with numpy.

``archgen sample`` rejects most draws on their MACs or parameters alone; this module gets those
figures for a whole batch of candidates at once, from their design parameters, without building a
spec: :func:`costs` gives the parameters, MACs and activations that archgen's full pipeline
(validate, lower, :func:`archgen.complexity.analyse`) gives for the same network, integer for
integer (``tests/core/test_fastspace.py`` checks it on random candidates). Only the kept candidates go
through the full pipeline.

Every space has 4 stages of X blocks (RegNet's block: 1x1, grouped 3x3 carrying the stride, an
optional squeeze-excitation, 1x1) after a 3x3 stride-2 stem of width 32, at 224 x 224; every stage
halves the map. Spaces (section 3 of the paper, and section 4 for RegNet):

* ``anynetx_a`` (also ``anynetx``): per stage depth d_i in 1..16, width w_i in 8..1024 (multiples
  of 8), bottleneck ratio b_i in {1, 2, 4} and group width g_i in {1, 2, ..., 32}, independently;
* ``anynetx_b``: one b shared by all stages; ``anynetx_c``: and one g shared;
* ``anynetx_d``: and widths that do not decrease (w_i <= w_i+1);
* ``anynetx_e``: and depths that do not decrease (d_i <= d_i+1);
* ``regnet`` (RegNetX) and ``regnety`` (RegNetY, squeeze-excitation 0.25): depth in 1..63, w0 in
  8..248, wa in 0.1..255.9, wm in 1.5..3, group width and b as in AnyNetX; kept only when the
  parameters expand to exactly 4 stages.

Distributions are pycls's (``pycls/sweep/random.py``): depths, widths, w0, wa and wm log-uniform
on their grids (d: 1, w and w0: 8, wa: 0.1, wm: 0.001), b and g uniform over powers of two. The
paper draws d_i, w_i log-uniformly too ("log-uniform sampling of d_i <= 16, w_i <= 1024 and
divisible by 8"). The order constraints of D and E are met by sorting the drawn values of each
network, which gives the distribution of the unconstrained draws conditioned on being ordered
(exactly so for distinct values; ties are more likely by the number of their orderings).
AnyNetX widths are then made compatible as pycls does: the group width is capped at the
bottleneck width w_i / b_i, which is rounded to a multiple of it, and w_i recomputed from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from archgen.spaces import ANYNETX_SPACES, REGNET_SPACES, SPACES

__all__ = ["ANYNETX_SPACES", "REGNET_SPACES", "SPACES", "Candidates", "costs", "draw"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

STAGES: Final = 4
IMAGE_SIZE: Final = 224
STEM_WIDTH: Final = 32
NUM_CLASSES: Final = 1000
Q: Final = 8
"""RegNet's width quantum."""

MAX_REGNET_DEPTH: Final = 63


@dataclass(frozen=True)
class Candidates:
    """A batch of networks, one row each: per-stage arrays of shape (n, 4).

    ``depth`` blocks, ``width`` output channels, ``bottleneck`` channels of the 3x3 and
    ``group_width`` of the 3x3 of every stage; ``se_ratio`` squeeze-excitation width as a fraction of
    each block's input (0: none). ``index`` is each row's position among the draws of the batch
    (rows that are not networks of 4 stages are left out); ``drawn`` the number of draws.
    ``design`` holds the parameters drawn, per row, by name (the table's columns).
    """

    depth: Ints
    width: Ints
    bottleneck: Ints
    group_width: Ints
    se_ratio: float
    index: Ints
    drawn: int
    design: dict[str, Ints | Floats]

    def __len__(self) -> int:
        return len(self.index)


# --- pycls's distributions -----------------------------------------------------------------------


def log_uniform(
    rng: np.random.Generator, low: float, high: float, q: float, shape: tuple[int, ...]
) -> Floats:
    """pycls's ``log_uniform``: log-uniform in (low - min(q, low / 2), high], rounded up to q."""
    lowest = np.log(low - min(q, low / 2))
    f = np.exp(rng.uniform(lowest, np.log(high), shape))
    return np.clip(np.ceil(np.round(f / q, 9)) * q, low, high)


def power2_uniform(
    rng: np.random.Generator, low: int, high: int, shape: tuple[int, ...]
) -> Ints:
    """pycls's ``power2_uniform``: a power of two in [low, high], uniformly over the exponent."""
    exponents = rng.integers(int(np.log2(low)), int(np.log2(high)) + 1, shape)
    return np.left_shift(1, exponents).astype(np.int64)


# --- AnyNetX -------------------------------------------------------------------------------------


def _compatible(width: Ints, b: Ints, group_width: Ints) -> tuple[Ints, Ints, Ints]:
    """pycls's ``adjust_ws_gs_comp``: width, bottleneck width and group width that fit."""
    bottleneck = width // b
    group_width = np.minimum(group_width, bottleneck)
    bottleneck = np.round(bottleneck / group_width).astype(np.int64) * group_width
    return bottleneck * b, bottleneck, group_width


def draw_anynetx(space: str, rng: np.random.Generator, n: int) -> Candidates:
    """``n`` draws of AnyNetX_A .. AnyNetX_E (``space`` ``anynetx_a`` .. ``anynetx_e``)."""
    level = "abcde".index(space[-1]) if space != "anynetx" else 0
    shape = (n, STAGES)
    depth = log_uniform(rng, 1, 16, 1, shape).astype(np.int64)
    width = log_uniform(rng, 8, 1024, 8, shape).astype(np.int64)
    per_stage = (n, 1) if level >= 1 else shape
    b = np.broadcast_to(power2_uniform(rng, 1, 4, per_stage), shape)
    per_stage = (n, 1) if level >= 2 else shape
    g = np.broadcast_to(power2_uniform(rng, 1, 32, per_stage), shape)
    if level >= 3:
        width = np.sort(width, axis=1)
    if level >= 4:
        depth = np.sort(depth, axis=1)
    width, bottleneck, group_width = _compatible(width, b, g)
    design: dict[str, Ints | Floats] = {}
    for i in range(STAGES):
        design[f"d{i + 1}"] = depth[:, i]
        design[f"w{i + 1}"] = width[:, i]
        design[f"b{i + 1}"] = b[:, i]
        design[f"g{i + 1}"] = group_width[:, i]
    return Candidates(
        depth, width, bottleneck, group_width, 0.0, np.arange(n), n, design
    )


# --- RegNet --------------------------------------------------------------------------------------


F32 = np.float32


def _exponents(w0: Any, wa: Any, wm: Any, j: Any) -> Any:
    """Width exponents of blocks ``j``: :func:`archgen.regnet.expand`'s float32 replay of
    timm's ``generate_regnet``, in numpy float32 (``+ - * /`` and ``round`` are those of IEEE
    float32; ``log`` is taken in float64 and rounded, as archgen's replay does)."""
    cont = j.astype(F32) * wa.astype(F32) + w0.astype(F32)  # arange(depth) * wa + w0
    ratio = cont / w0.astype(F32)
    log_ratio = np.log(ratio.astype(np.float64)).astype(F32)
    log_wm = np.log(wm).astype(F32)
    return np.where(wa == 0, F32(0), np.round(log_ratio / log_wm))


def block_widths(w0: Floats, wa: Floats, wm: Floats, depth: Ints) -> Ints:
    """Per-block quantised widths, (n, max depth), 0 past each network's depth."""
    j = np.arange(int(depth.max()))[None, :]
    w0, wa, wm = w0[:, None], wa[:, None], wm[:, None]
    exps = _exponents(w0, wa, wm, j)
    wm32 = wm.astype(F32).astype(np.float64)
    power = np.power(wm32, exps.astype(np.float64)).astype(F32)
    scaled = w0.astype(F32) * power / F32(Q)
    widths = (np.round(scaled) * F32(Q)).astype(np.int64)
    return np.where(j < depth[:, None], widths, 0)


def regnet_stages(
    w0: Floats, wa: Floats, wm: Floats, depth: Ints
) -> tuple[Ints, Ints, Ints]:
    """Stages of each RegNet: (number of stages, depths (n, 4), widths (n, 4)).

    Widths do not decrease along a network, so its stages (blocks of equal width) are runs. A
    network whose last block has a width exponent below 3 has fewer than 4 stages: its blocks
    are not expanded, and its count is that exponent + 1 (an upper bound). Depths and widths of
    networks of other than 4 stages are meaningless.
    """
    last = _exponents(w0, wa, wm, depth - 1)
    count = last.astype(np.int64) + 1
    depths = np.zeros((len(depth), STAGES), np.int64)
    stage_widths = np.zeros((len(depth), STAGES), np.int64)
    rows = np.flatnonzero(last >= STAGES - 1)
    if not len(rows):
        return count, depths, stage_widths
    widths = block_widths(w0[rows], wa[rows], wm[rows], depth[rows])
    valid = widths > 0
    change = (widths[:, 1:] != widths[:, :-1]) & valid[:, 1:]
    stage = np.concatenate(
        [np.zeros((len(rows), 1), np.int64), np.cumsum(change, axis=1)], axis=1
    )
    count[rows] = stage.max(axis=1) + 1
    for k in range(STAGES):
        here = (stage == k) & valid
        depths[rows, k] = here.sum(axis=1)
        stage_widths[rows, k] = np.where(here, widths, 0).max(axis=1)
    return count, depths, stage_widths


def draw_regnet(space: str, rng: np.random.Generator, n: int) -> Candidates:
    """``n`` draws of RegNetX (``regnet``) or RegNetY (``regnety``); only 4-stage ones kept."""
    depth = np.floor(rng.uniform(1, MAX_REGNET_DEPTH + 1, n)).astype(np.int64)
    w0 = log_uniform(rng, 8, 248, 8, (n,))
    wa = np.round(log_uniform(rng, 0.1, 255.9, 0.1, (n,)), 1)
    wm = np.round(log_uniform(rng, 1.5, 3.0, 0.001, (n,)), 3)
    group_width = power2_uniform(rng, 1, 32, (n,))
    b = power2_uniform(rng, 1, 4, (n,))
    count, depths, widths = regnet_stages(w0, wa, wm, depth)
    keep = np.flatnonzero(count == STAGES)
    widths, depths = widths[keep], depths[keep]
    ratio = (1.0 / b[keep])[:, None]
    bottleneck = (widths * ratio).astype(np.int64)  # int(width * bottleneck_ratio)
    g = np.minimum(group_width[keep][:, None], bottleneck)
    rounded = np.round(bottleneck / g) * g  # quantize_float(bottleneck, g)
    widths = (rounded / ratio).astype(np.int64)
    bottleneck = np.round(widths * ratio).astype(np.int64)
    se_ratio = 0.25 if space == "regnety" else 0.0
    design: dict[str, Ints | Floats] = {
        "w0": w0[keep].astype(np.int64),
        "wa": wa[keep],
        "wm": wm[keep],
        "depth": depth[keep],
        "group_width": group_width[keep],
        "bottleneck_ratio": 1.0 / b[keep],
        "se_ratio": np.full(len(keep), se_ratio),
    }
    for i in range(STAGES):
        design[f"d{i + 1}"] = depths[:, i]
        design[f"w{i + 1}"] = widths[:, i]
    return Candidates(depths, widths, bottleneck, g, se_ratio, keep, n, design)


def draw(space: str, rng: np.random.Generator, n: int) -> Candidates:
    """``n`` draws of ``space`` (one of :data:`SPACES`)."""
    if space in REGNET_SPACES:
        return draw_regnet(space, rng, n)
    if space in SPACES:
        return draw_anynetx(space, rng, n)
    raise ValueError(f"unknown design space {space!r}; expected one of {SPACES}")


# --- costs ---------------------------------------------------------------------------------------


def _sizes() -> tuple[int, list[int]]:
    """The stem's output size and each stage's output size (3x3 or 1x1, stride 2, padding 1/0)."""
    size = (IMAGE_SIZE - 1) // 2 + 1
    stem, sizes = size, []
    for _ in range(STAGES):
        size = (size - 1) // 2 + 1
        sizes.append(size)
    return stem, sizes


def _se_hidden(channels: Ints, se_ratio: float) -> Ints:
    """``round(channels * se_ratio)``, half to even as Python's round."""
    return np.round(channels * se_ratio).astype(np.int64)


def _block(
    c_in: Ints, v: Ints, w: Ints, g: Ints, size_in: int, size: int, se_ratio: float
) -> tuple[Ints, Ints, Ints]:
    """Params, MACs and activations of one X block (a shortcut conv when it strides)."""
    area_in, area = size_in * size_in, size * size
    stride = size_in != size
    params = c_in * v + 9 * v * g + v * w + 4 * v + 2 * w
    macs = c_in * v * area_in + (9 * v * g + v * w) * area
    acts = v * area_in + (v + w) * area
    if stride:
        params = params + c_in * w + 2 * w
        macs = macs + c_in * w * area
        acts = acts + w * area
    if se_ratio:
        hidden = _se_hidden(c_in, se_ratio)
        params = params + 2 * v * hidden + hidden + v
        macs = macs + 2 * v * hidden
        acts = acts + hidden + v
    return params, macs, acts


def costs(batch: Candidates) -> tuple[Ints, Ints, Ints]:
    """Parameters, MACs and activations of every candidate, as :mod:`archgen.complexity` counts."""
    stem_size, sizes = _sizes()
    stem_weights = 3 * STEM_WIDTH * 9
    n = len(batch)
    params = np.full(n, stem_weights + 2 * STEM_WIDTH, np.int64)
    macs = np.full(n, stem_weights * stem_size * stem_size, np.int64)
    acts = np.full(n, STEM_WIDTH * stem_size * stem_size, np.int64)
    c_in = np.full(n, STEM_WIDTH, np.int64)
    size_in = stem_size
    for i, size in enumerate(sizes):
        v, w, g = batch.bottleneck[:, i], batch.width[:, i], batch.group_width[:, i]
        first = _block(c_in, v, w, g, size_in, size, batch.se_ratio)
        rest = _block(w, v, w, g, size, size, batch.se_ratio)
        repeats = batch.depth[:, i] - 1
        params = params + first[0] + repeats * rest[0]
        macs = macs + first[1] + repeats * rest[1]
        acts = acts + first[2] + repeats * rest[2]
        c_in, size_in = w, size
    params = params + c_in * NUM_CLASSES + NUM_CLASSES
    macs = macs + c_in * NUM_CLASSES
    acts = acts + NUM_CLASSES
    return params, macs, acts
