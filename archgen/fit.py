"""The quantized linear fit of Radosavovic et al. 2020 (section 3.3): RegNet parameters of a network.

A RegNet's per-block widths come from four numbers: ``u_j = w0 + wa * j`` for block ``j``, then
``s_j = round(log(u_j / w0) / log(wm))`` and the width ``w0 * wm ** s_j`` rounded to a multiple
of 8 (:func:`archgen.regnet.expand`). Given a network's per-block widths ``w_j``, the paper finds
the parameters whose widths fit best, by the mean log-ratio of predicted to observed widths,
``e_fit = mean_j |log(pred_j / w_j)|``, and calls a network RegNet-like when e_fit is small.

:func:`fit` first looks for parameters that expand (``expand``, with the network's group width and
bottleneck ratio) to exactly the network's stages: each stage's width is ``w0 * wm ** k`` quantized
(and adjusted to the group width) whatever ``wa``, so a grid of (w0, wm) gives the widths, and the
stage depths then bound ``wa`` to an interval, where the shortest decimal is taken. The predicted
widths are those of the expanded network, so e_fit is 0 exactly then. When no such parameters
exist it searches a grid of (w0, wa, wm) for the smallest e_fit of the quantized widths.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from archgen import zoo
from archgen.analysis import clean, compile_data, dump_spec
from archgen.config import Config
from archgen.ops import Attention
from archgen.pipeline import Compiled, compile_spec, is_io_error
from archgen.plan import NetworkPlan
from archgen.regnet import RegNetParams, expand, validate_params
from archgen.text import printable
from archgen.writer import WriteError, write_text

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
Q = 8
WM_GRID = np.round(np.arange(1.01, 6.0, 0.01), 2)
"""wm values the exact fit tries (steps of 0.01)."""
W0_TRIED = 64
"""w0 values the fits try: the multiples of 8 nearest the first stage's width."""


@dataclass(frozen=True)
class Stages:
    """What the fit reads from a network: per-stage depth, output width, bottleneck width and
    group width of the 3x3, and the squeeze-excitation ratio of its blocks (0: none)."""

    depths: tuple[int, ...]
    widths: tuple[int, ...]
    bottlenecks: tuple[int, ...]
    group_widths: tuple[int, ...]
    se_ratio: float = 0.0

    @property
    def block_widths(self) -> list[int]:
        return [
            w for d, w in zip(self.depths, self.widths, strict=True) for _ in range(d)
        ]


@dataclass(frozen=True)
class Fit:
    params: RegNetParams
    error: float
    """e_fit: mean |log(predicted / observed)| over the blocks."""
    exact: bool
    """``params`` expand to exactly the network's stages."""


def stages_of(plan: NetworkPlan) -> Stages:
    se = 0.0
    first = plan.stages[0].blocks[0]
    for op in first.ops:
        if isinstance(op, Attention) and op.kind == "se":
            se = round(op.hidden / first.in_channels, 4)
    return Stages(
        tuple(len(stage.blocks) for stage in plan.stages),
        tuple(stage.out_channels for stage in plan.stages),
        tuple(stage.width for stage in plan.stages),
        tuple(stage.width // stage.groups for stage in plan.stages),
        se,
    )


def expanded(params: RegNetParams) -> Stages | None:
    """The stages ``params`` expand to; None when they do not expand."""
    if validate_params(params):
        return None
    try:
        stages = expand(params)
    except ValueError:
        return None
    return Stages(
        tuple(s.depth for s in stages),
        tuple(s.width for s in stages),
        tuple(s.bottleneck_width for s in stages),
        tuple(s.group_width for s in stages),
        params.se_ratio,
    )


def e_fit(predicted: list[int], observed: list[int]) -> float:
    """The paper's fit error: mean |log(predicted / observed)|, inf when the depths differ."""
    if len(predicted) != len(observed):
        return math.inf
    return sum(
        abs(math.log(p / o)) for p, o in zip(predicted, observed, strict=True)
    ) / len(observed)


def _adjusted(quantized: Any, ratio: float, group_width: int) -> Any:
    """Stage widths after ``adjust_widths_groups_comp`` (as :func:`expand`), vectorised."""
    bottleneck = np.floor(quantized * ratio)
    g = np.minimum(group_width, np.maximum(bottleneck, 1))
    return np.floor(np.round(bottleneck / g) * g / ratio)


def _shortest_between(low: float, high: float) -> float | None:
    """The number with the fewest decimals (up to 4) in [low, high), nearest the middle."""
    for decimals in range(5):
        scale = 10**decimals
        first, last = math.ceil(low * scale), math.ceil(high * scale) - 1
        if first <= last:
            middle = round((low + high) / 2 * scale)
            return float(min(max(middle, first), last) / scale)
    return None


def _wa_interval(stages: Stages, w0: int, wm: float) -> tuple[float, float]:
    """wa for which the blocks change stage where ``stages``'s do (consecutive exponents)."""
    low, high = 0.0, math.inf
    start = 0
    for k, depth in enumerate(stages.depths[:-1], start=1):
        start += depth
        edge = w0 * (
            wm ** (k - 0.5) - 1
        )  # block j reaches exponent k when j * wa >= edge
        low = max(low, edge / start)
        high = min(high, edge / (start - 1)) if start > 1 else high
    last = w0 * (wm ** (len(stages.depths) - 0.5) - 1)
    total = sum(stages.depths)
    high = min(high, last / (total - 1)) if total > 1 else high
    return low, min(high, 4096.0)


def exact_fit(stages: Stages) -> RegNetParams | None:
    """Parameters that expand to exactly ``stages``, or None."""
    ratio = stages.bottlenecks[0] / stages.widths[0]
    group_width = max(stages.group_widths)
    base = RegNetParams(
        w0=Q,
        wa=0.0,
        wm=2.0,
        depth=sum(stages.depths),
        group_width=group_width,
        bottleneck_ratio=ratio,
        se_ratio=stages.se_ratio,
    )
    w0s = np.arange(Q, 2 * stages.widths[0] + 2 * Q, Q)
    w0s = w0s[np.argsort(np.abs(w0s - stages.widths[0]), kind="stable")][:W0_TRIED]
    powers = np.arange(len(stages.widths))
    quantized = np.round(w0s[:, None, None] * WM_GRID[None, :, None] ** powers / Q) * Q
    match = np.all(_adjusted(quantized, ratio, group_width) == stages.widths, axis=2)
    for i, j in zip(*np.nonzero(match), strict=True):
        w0, wm = int(w0s[i]), float(WM_GRID[j])
        if len(stages.depths) == 1:
            candidate = replace(base, w0=w0, wa=0.0, wm=wm)
        else:
            wa = _shortest_between(*_wa_interval(stages, w0, wm))
            if wa is None:
                continue
            candidate = replace(base, w0=w0, wa=wa, wm=wm)
        if expanded(candidate) == stages:
            return candidate
    return None


def grid_fit(stages: Stages) -> Fit:
    """The grid point (w0, wa, wm) of smallest e_fit of the quantized widths (float64)."""
    observed = np.array(stages.block_widths, dtype=np.float64)
    j = np.arange(len(observed))
    w0s = np.arange(Q, 2 * int(observed[0]) + 2 * Q, Q, dtype=np.float64)
    w0s = np.sort(w0s[np.argsort(np.abs(w0s - observed[0]), kind="stable")][:W0_TRIED])
    was = np.concatenate([[0.0], np.geomspace(0.1, 512, 80)])
    wms = np.round(np.arange(1.05, 4.0, 0.05), 2)
    wa, wm = (a.ravel() for a in np.meshgrid(was, wms, indexing="ij"))
    best = (math.inf, Q, 0.0, 2.0)
    for w0 in w0s:  # one w0 at a time: memory of one (wa, wm) grid by the depth
        exps = np.round(np.log1p(wa[:, None] * j / w0) / np.log(wm)[:, None])
        widths = np.maximum(np.round(w0 * wm[:, None] ** exps / Q) * Q, Q)
        errors = np.abs(np.log(widths / observed)).mean(axis=1)
        at = int(np.argmin(errors))
        if errors[at] < best[0]:
            best = (float(errors[at]), int(w0), float(wa[at]), float(wm[at]))
    params = RegNetParams(
        w0=best[1],
        wa=round(best[2], 2),
        wm=best[3],
        depth=len(observed),
        group_width=max(stages.group_widths),
        bottleneck_ratio=stages.bottlenecks[0] / stages.widths[0],
        se_ratio=stages.se_ratio,
    )
    return Fit(params, best[0], False)


def fit(stages: Stages) -> Fit:
    """The RegNet parameters of ``stages``: exact when some expand to them, else the best grid fit."""
    exact = exact_fit(stages)
    if exact is not None:
        result = expanded(exact)
        assert result is not None
        return Fit(exact, e_fit(result.block_widths, stages.block_widths), True)
    return grid_fit(stages)


# --- the command ---------------------------------------------------------------------------------


def regnet_data(data: dict[str, Any], params: RegNetParams) -> dict[str, Any]:
    """``data`` with its stages replaced by the ``regnet:`` section of ``params``."""
    section: dict[str, Any] = {
        "w0": params.w0,
        "wa": params.wa,
        "wm": params.wm,
        "depth": params.depth,
        "group_width": params.group_width,
    }
    if params.bottleneck_ratio != 1:
        section["bottleneck_ratio"] = params.bottleneck_ratio
    if params.se_ratio:
        section["se_ratio"] = params.se_ratio
    new = {
        k: v for k, v in data.items() if k not in ("stages", "regnet", "design_space")
    }
    defaults = {
        k: v
        for k, v in dict(data.get("defaults") or {}).items()
        if k not in ("block", "stride", "attention")
    }
    if defaults:
        new["defaults"] = defaults
    else:
        new.pop("defaults", None)
    new["regnet"] = section
    return new


def _same_network(a: Compiled, b: Compiled) -> bool:
    """Same stages (depth, widths, groups, strides) and the same figures, stage by stage."""
    if a.plan is None or b.plan is None or a.complexity is None or b.complexity is None:
        return False
    shape = [
        (s.recipe, len(s.blocks), s.width, s.groups, s.out_channels, s.declared_stride)
        for s in a.plan.stages
    ]
    other = [
        (s.recipe, len(s.blocks), s.width, s.groups, s.out_channels, s.declared_stride)
        for s in b.plan.stages
    ]
    return shape == other and a.complexity.to_json() == b.complexity.to_json()


def _error(message: str) -> None:
    print(printable(message), file=sys.stderr)


def report(name: str, result: Fit) -> str:
    p = result.params
    kind = (
        "exact fit (a RegNet has these stage depths and widths)"
        if result.exact
        else "nearest on the grid (no RegNet has these stage depths and widths)"
    )
    return (
        f"{name}: {kind}\n"
        f"  w0 {p.w0}  wa {p.wa:g}  wm {p.wm:g}  depth {p.depth}  group width "
        f"{p.group_width}  bottleneck ratio {p.bottleneck_ratio:g}"
        + (f"  se ratio {p.se_ratio:g}" if p.se_ratio else "")
        + f"\n  e_fit {result.error:.4f}\n"
    )


def command(
    argument: str, output: Path | None, force: bool, config: Config, display: str
) -> int:
    """``archgen fit SPEC [-o OUT] [--force]``: print the fit; write the ``regnet:`` form to
    ``output`` when it expands to exactly the same network. ``argument`` is a spec's path or the
    name of a zoo spec (a local path wins). Returns the exit code."""
    spec = Path(argument)
    if not os.path.lexists(spec):
        in_zoo = zoo.lookup(argument)
        if in_zoo is None:
            d = zoo.not_found(argument, display)
            _error(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}")
            return EXIT_USAGE
        spec, display = in_zoo, argument
    original = compile_spec(spec, config, display)
    for d in original.diagnostics:
        _error(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}")
    if original.plan is None or original.document is None:
        io = any(is_io_error(d) for d in original.diagnostics)
        return EXIT_USAGE if io else EXIT_FINDINGS
    if not original.plan.stages:
        _error(f"archgen fit: {display}: the network has no stages to fit")
        return EXIT_FINDINGS
    result = fit(stages_of(original.plan))
    sys.stdout.write(report(printable(display), result))
    if output is None:
        return EXIT_OK
    data = regnet_data(original.document.data, result.params)
    candidate = compile_data(data, config, str(output))
    if not result.exact or not clean(candidate, config):
        _error(
            f"archgen fit: {output}: not written: no regnet: form is the same network"
        )
        return EXIT_FINDINGS
    if not _same_network(original, candidate):
        _error(
            f"archgen fit: {output}: not written: the regnet: form has these widths but is "
            "another network (blocks, strides, squeeze-excitation or layout differ)"
        )
        return EXIT_FINDINGS
    comment = f"Fitted by `archgen fit` from {display}: e_fit {result.error:.4f}."
    if output.suffix.lower() == ".json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = dump_spec(data, comment)
    try:
        write_text(output, text, force=force)
    except WriteError as error:
        _error(f"archgen: {printable(str(output))}: {error.reason}")
        return EXIT_FINDINGS if error.exists else EXIT_USAGE
    print(f"wrote {printable(str(output))}")
    return EXIT_OK
