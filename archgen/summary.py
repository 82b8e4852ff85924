"""Table-1 style summaries of a network, and stage-by-stage comparisons of two networks.

Used by ``archgen show``, ``archgen diff`` and the generated module's docstring, so that the
numbers a reader sees in each place are the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from archgen.complexity import CONVENTION, Complexity, Cost, StageCost, cost_of
from archgen.ops import Attention, Conv, Graph, Op, Pool
from archgen.plan import NetworkPlan, StagePlan
from archgen.recipes import ATTENTIONS, BLOCKS, GRAPHS


@dataclass(frozen=True)
class Row:
    stage: str
    output: str
    block: str
    cost: Cost


def _size(size: int) -> str:
    return f"{size}x{size}"


def _conv_text(op: Conv, show_stride: bool = False) -> str:
    text = f"{op.kernel}x{op.kernel}, {op.out_channels}"
    if op.groups != 1:
        text += f", C={op.groups}"
    if op.dilation != 1:
        text += f", dilation {op.dilation}"
    if show_stride and op.stride != 1:
        text += f", stride {op.stride}"
    if op.kind == "std":
        text += ", WS"  # weight-standardised
    return text


def _op_text(op: Op, show_stride: bool = False) -> str | None:
    """One operation as the paper's tables write it; None for what they leave out."""
    if isinstance(op, Conv):
        return _conv_text(op, show_stride)
    if isinstance(op, Attention):
        return ATTENTIONS[op.kind].label.format(hidden=op.hidden)
    if isinstance(op, Graph):
        return GRAPHS[op.kind].label(op)
    if isinstance(op, Pool) and op.kind == "max":
        return f"{op.kernel}x{op.kernel} max pool, stride {op.stride}"
    if isinstance(op, Pool) and op.kind == "max_zero_pad":
        return f"zero pad 1, {op.kernel}x{op.kernel} max pool, stride {op.stride}"
    return None


def _texts(ops: tuple[Op, ...], show_stride: bool = False) -> list[str]:
    return [text for op in ops if (text := _op_text(op, show_stride)) is not None]


def block_template(stage: StagePlan) -> str:
    """The stage's block as the paper's Table 1 writes it: ``[1x1, 128; 3x3, 128, C=32; ...] x3``."""
    block = stage.blocks[-1]
    text = f"[{'; '.join(_texts(block.ops))}] x{len(stage.blocks)}"
    return f"pre-act {text}" if BLOCKS[block.recipe].preact else text


def _split_stem(plan: NetworkPlan) -> tuple[tuple[Op, ...], tuple[Op, ...]]:
    """The stem's convolutions up to its activation, and the pooling that follows."""
    cut = next(i for i, op in enumerate(plan.stem) if op.path == plan.stem_tap)
    return plan.stem[: cut + 1], plan.stem[cut + 1 :]


def head_text(plan: NetworkPlan) -> str:
    parts = ["norm, global average pool" if plan.final else "global average pool"]
    if plan.drop_rate is not None:
        parts.append(f"dropout {plan.drop_rate:g}")
    parts.append(f"{plan.num_classes}-d fc" if plan.num_classes else "no classifier")
    return ", ".join(parts)


def rows(plan: NetworkPlan, complexity: Complexity) -> list[Row]:
    convs, pool = _split_stem(plan)
    tap = plan.features[0]
    pool_cost = cost_of(pool)
    stem_cost = complexity.stem
    result = [
        Row(
            convs[0].path.split(".")[0],
            _size(tap.size),
            "; ".join(_texts(convs, True)),
            Cost(
                stem_cost.params - pool_cost.params,
                stem_cost.macs - pool_cost.macs,
                stem_cost.acts - pool_cost.acts,
            ),
        )
    ]
    if pool:
        name = pool[0].path.split(".")[0]
        # timm's ResNetV2 keeps its pool inside the stem (stem.conv, stem.pool): rows need
        # distinct names, or diff would take one for the other.
        result.append(
            Row(
                pool[0].path if name == result[0].stage else name,
                _size(plan.stem_out_size),
                "; ".join(_texts(pool, True)),
                pool_cost,
            )
        )
    for cost in complexity.stages:
        result.append(
            Row(
                cost.stage.name,
                _size(cost.stage.out_size),
                block_template(cost.stage),
                cost.total,
            )
        )
    classifier = plan.head[-1].path.split(".")[0]
    result.append(Row(classifier, "1x1", head_text(plan), complexity.head))
    return result


def _aligned(cells: list[list[str]], left_columns: int) -> list[str]:
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = []
    for row in cells:
        padded = [
            cell.ljust(width) if i < left_columns else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(padded).rstrip())
    return lines


def table(plan: NetworkPlan, complexity: Complexity) -> list[str]:
    """The summary as aligned text lines, totals last."""
    body = [
        (row.stage, row.output, row.block, f"{row.cost.params:,}", f"{row.cost.macs:,}")
        for row in rows(plan, complexity)
    ]
    overall = complexity.total
    cells = [("stage", "output", "block", "params", "MACs"), *body]
    cells.append(("total", "", "", f"{overall.params:,}", f"{overall.macs:,}"))
    return _aligned([list(cell) for cell in cells], 3)


def show_text(plan: NetworkPlan, complexity: Complexity, source: str) -> str:
    overall = complexity.total
    head = (
        f"{plan.name} ({source}): input {plan.in_channels}x{_size(plan.image_size)}, "
        f"{len(plan.blocks)} blocks, {overall.params:,} params, {overall.macs:,} MACs "
        f"({overall.macs / 1e9:.2f} G)"
    )
    lines = [head, ""]
    if plan.regnet is not None:
        lines += [expansion_text(plan), ""]
    lines += [*table(plan, complexity), "", f"{CONVENTION}."]
    return "\n".join(lines) + "\n"


def expansion_text(plan: NetworkPlan) -> str:
    """``regnet: w0=24, ... -> depths [1, 2, 7, 12], widths [32, 64, 160, 384], ...``."""
    given = ", ".join(f"{key}={value:g}" for key, value in plan.regnet or ())
    depths = [len(stage.blocks) for stage in plan.stages]
    widths = [stage.out_channels for stage in plan.stages]
    groups = [stage.width // stage.groups for stage in plan.stages]
    return (
        f"regnet: {given}\n  -> depths {depths}, widths {widths}, group widths {groups}"
    )


def show_markdown(plan: NetworkPlan, complexity: Complexity, source: str) -> str:
    lines = [
        f"### {plan.name}",
        "",
        f"Input {plan.in_channels}x{_size(plan.image_size)}; from `{source}`.",
        "",
        "| stage | output | block | params | MACs |",
        "|---|---|---|---:|---:|",
    ]
    for row in rows(plan, complexity):
        lines.append(
            f"| {row.stage} | {row.output} | {row.block} | {row.cost.params:,} | {row.cost.macs:,} |"
        )
    overall = complexity.total
    lines += [
        f"| **total** | | | **{overall.params:,}** | **{overall.macs:,}** |",
        "",
        f"{CONVENTION}.",
    ]
    return "\n".join(lines) + "\n"


def stage_fields(cost: StageCost) -> dict[str, int]:
    stage = cost.stage
    return {
        "blocks": len(stage.blocks),
        "stride": stage.declared_stride,
        "width": stage.width,
        "groups": stage.groups,
        "out_channels": stage.out_channels,
        "params": cost.total.params,
        "macs": cost.total.macs,
    }


def show_json(
    plan: NetworkPlan, complexity: Complexity, source: str
) -> dict[str, object]:
    overall = complexity.total
    return {
        "name": plan.name,
        "spec": source,
        "input": {"channels": plan.in_channels, "image_size": plan.image_size},
        "regnet": dict(plan.regnet) if plan.regnet is not None else None,
        "features": [
            {"module": tap.module, "num_chs": tap.channels, "reduction": tap.reduction}
            for tap in plan.features
        ],
        "params": overall.params,
        "macs": overall.macs,
        "acts": overall.acts,
        "convention": CONVENTION,
        "rows": [
            {
                "stage": row.stage,
                "output": row.output,
                "block": row.block,
                **row.cost.to_json(),
            }
            for row in rows(plan, complexity)
        ],
        "stages": [
            {
                "name": cost.stage.name,
                **stage_fields(cost),
                "acts": cost.total.acts,
                "dilate": cost.stage.dilate,
                "output_size": cost.stage.out_size,
                "per_block": [block.to_json() for block in cost.blocks],
            }
            for cost in complexity.stages
        ],
    }


# --- diff ----------------------------------------------------------------------------------------

DIFF_FIELDS = (
    "output",
    "blocks",
    "stride",
    "width",
    "groups",
    "out_channels",
    "params",
    "macs",
)

Value = int | str


@dataclass(frozen=True)
class StageDiff:
    name: str
    left: dict[str, Value] | None
    right: dict[str, Value] | None
    left_block: str | None
    right_block: str | None

    @property
    def changed(self) -> list[str]:
        left, right = self.left or {}, self.right or {}
        changed = [key for key in DIFF_FIELDS if left.get(key) != right.get(key)]
        # Equal figures with different blocks (weight standardisation, a padded pool,
        # another attention) are still a difference.
        return [*changed, "block"] if self.left_block != self.right_block else changed


@dataclass(frozen=True)
class Side:
    plan: NetworkPlan
    complexity: Complexity
    source: str


def _row_fields(side: Side) -> dict[str, tuple[dict[str, Value], str]]:
    """Every row of a side's table by name (stem, pool, stages, head) with its figures."""
    stages = {cost.stage.name: cost for cost in side.complexity.stages}
    fields: dict[str, tuple[dict[str, Value], str]] = {}
    for row in rows(side.plan, side.complexity):
        values: dict[str, Value] = {"output": row.output}
        if row.stage in stages:
            values.update(stage_fields(stages[row.stage]))
        else:
            values.update(params=row.cost.params, macs=row.cost.macs)
        fields[row.stage] = (values, row.block)
    return fields


def diff(left: Side, right: Side) -> list[StageDiff]:
    a, b = _row_fields(left), _row_fields(right)
    names = list(a)
    for name in b:
        if name not in names:  # a row only the right side has goes before the head
            names.insert(len(names) - 1 if name != "fc" else len(names), name)
    result = []
    for name in names:
        old, new = a.get(name), b.get(name)
        result.append(
            StageDiff(
                name,
                old[0] if old else None,
                new[0] if new else None,
                old[1] if old else None,
                new[1] if new else None,
            )
        )
    return result


def input_differences(left: Side, right: Side) -> list[str]:
    """What makes the two networks' figures incomparable: input, channels or classes."""
    notes = []
    for what, old, new in (
        ("input sizes", left.plan.image_size, right.plan.image_size),
        ("input channels", left.plan.in_channels, right.plan.in_channels),
        ("classes", left.plan.num_classes, right.plan.num_classes),
    ):
        if old != new:
            notes.append(f"{what} differ ({old} vs {new})")
    return notes


def diff_json(left: Side, right: Side) -> dict[str, object]:
    totals = {}
    for key in ("params", "macs"):
        old = getattr(left.complexity.total, key)
        new = getattr(right.complexity.total, key)
        totals[key] = {"left": old, "right": new, "delta": new - old}
    return {
        "left": left.source,
        "right": right.source,
        "warnings": input_differences(left, right),
        "stages": [
            {
                "name": s.name,
                "left": s.left,
                "right": s.right,
                "left_block": s.left_block,
                "right_block": s.right_block,
                "changed": s.changed,
            }
            for s in diff(left, right)
        ],
        "totals": totals,
    }


def _shown(value: Value | None) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else value


def _change(old: Value | None, new: Value | None) -> str:
    return _shown(old) if old == new else f"{_shown(old)} -> {_shown(new)}"


def diff_text(left: Side, right: Side) -> str:
    stages = diff(left, right)
    blocks = [["stage", left.plan.name, right.plan.name]]
    for stage in stages:
        mark = "* " if stage.changed else "  "
        blocks.append(
            [mark + stage.name, stage.left_block or "-", stage.right_block or "-"]
        )
    cells: list[list[str]] = [["stage", *DIFF_FIELDS]]
    for stage in stages:
        old, new = stage.left or {}, stage.right or {}
        mark = "* " if stage.changed else "  "
        cells.append(
            [mark + stage.name, *(_change(old.get(k), new.get(k)) for k in DIFF_FIELDS)]
        )
    total_row = ["  total", *([""] * (len(DIFF_FIELDS) - 2))]
    for key in ("params", "macs"):
        old_total = getattr(left.complexity.total, key)
        new_total = getattr(right.complexity.total, key)
        text = _change(old_total, new_total)
        if old_total != new_total and old_total:
            text += f" ({(new_total - old_total) / old_total:+.1%})"
        total_row.append(text)
    cells.append(total_row)
    lines = [f"--- {left.source}", f"+++ {right.source}", ""]
    lines += [
        f"warning: {note}; the figures are not comparable"
        for note in input_differences(left, right)
    ]
    lines += [*_aligned(blocks, 3), "", *_aligned(cells, 1)]
    lines += ["", f"* marks rows that differ. {CONVENTION}."]
    return "\n".join(lines) + "\n"
