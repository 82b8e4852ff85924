"""Table-1 style summaries of a network, and stage-by-stage comparisons of two networks.

Used by ``archgen show``, ``archgen diff`` and the generated module's docstring, so that the
numbers a reader sees in each place are the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from archgen.complexity import CONVENTION, Complexity, Cost, StageCost
from archgen.plan import NetworkPlan, StagePlan


@dataclass(frozen=True)
class Row:
    stage: str
    output: str
    block: str
    cost: Cost


def _size(size: int) -> str:
    return f"{size}x{size}"


def block_template(stage: StagePlan) -> str:
    """The stage's block as the paper's Table 1 writes it: ``[1x1, 128; 3x3, 128, C=32; ...] x3``."""
    block = stage.blocks[-1]
    middle = f"3x3, {block.width}"
    if block.groups != 1:
        middle += f", C={block.groups}"
    if block.dilation != 1:
        middle += f", dilation {block.dilation}"
    if stage.kind == "bottleneck":
        layers = f"1x1, {block.width}; {middle}; 1x1, {block.out_channels}"
    else:
        last = f"3x3, {block.out_channels}" + (
            f", C={block.groups}" if block.groups != 1 else ""
        )
        layers = f"{middle}; {last}"
    return f"[{layers}] x{len(stage.blocks)}"


def rows(plan: NetworkPlan, complexity: Complexity) -> list[Row]:
    stem = plan.stem
    result = [
        Row(
            "conv1",
            _size(stem.conv_size),
            f"{stem.kernel_size}x{stem.kernel_size}, {stem.width}, stride {stem.stride}",
            complexity.stem,
        )
    ]
    if stem.pool:
        result.append(
            Row("maxpool", _size(stem.out_size), "3x3 max pool, stride 2", Cost())
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
    result.append(
        Row(
            "fc",
            "1x1",
            f"global average pool, {plan.head.num_classes}-d fc",
            complexity.head,
        )
    )
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
    return "\n".join([head, "", *table(plan, complexity), "", f"{CONVENTION}."]) + "\n"


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

DIFF_FIELDS = ("blocks", "stride", "width", "groups", "out_channels", "params", "macs")


@dataclass(frozen=True)
class StageDiff:
    name: str
    left: dict[str, int] | None
    right: dict[str, int] | None
    left_block: str | None
    right_block: str | None

    @property
    def changed(self) -> list[str]:
        left, right = self.left or {}, self.right or {}
        return [key for key in DIFF_FIELDS if left.get(key) != right.get(key)]


@dataclass(frozen=True)
class Side:
    plan: NetworkPlan
    complexity: Complexity
    source: str


def diff(left: Side, right: Side) -> list[StageDiff]:
    a, b = left.complexity.stages, right.complexity.stages
    return [
        StageDiff(
            f"layer{index + 1}",
            stage_fields(a[index]) if index < len(a) else None,
            stage_fields(b[index]) if index < len(b) else None,
            block_template(a[index].stage) if index < len(a) else None,
            block_template(b[index].stage) if index < len(b) else None,
        )
        for index in range(max(len(a), len(b)))
    ]


def diff_json(left: Side, right: Side) -> dict[str, object]:
    totals = {}
    for key in ("params", "macs"):
        old = getattr(left.complexity.total, key)
        new = getattr(right.complexity.total, key)
        totals[key] = {"left": old, "right": new, "delta": new - old}
    return {
        "left": left.source,
        "right": right.source,
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


def _change(old: int | None, new: int | None) -> str:
    shown_old = "-" if old is None else f"{old:,}"
    shown_new = "-" if new is None else f"{new:,}"
    return shown_old if old == new else f"{shown_old} -> {shown_new}"


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
    lines += [*_aligned(blocks, 3), "", *_aligned(cells, 1)]
    lines += ["", f"* marks stages that differ. {CONVENTION}."]
    return "\n".join(lines) + "\n"
