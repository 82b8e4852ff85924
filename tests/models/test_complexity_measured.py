"""Analytic complexity (no torch) against the published figures and against torch's own counts."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from archgen.complexity import analyse
from archgen.config import Config
from archgen.pipeline import compile_spec

from conftest import (
    REFERENCE,
    SPECS,
    TIMM_REFERENCE,
    zoo_module,
)

ALL_SPECS = sorted(SPECS.glob("*.yaml"))


def _analysed(path: Path):  # type: ignore[no-untyped-def]
    result = compile_spec(path, Config(root=path.parent))
    assert result.plan is not None and result.complexity is not None, result.diagnostics
    return result


def _torch_counts(name: str, image_size: int, channels: int) -> tuple[int, int, int]:
    """Parameters, FlopCounterMode MACs and conv/linear output elements, measured by torch."""
    module = zoo_module(name)
    with torch.device("meta"):
        # Eval mode: a norm on a pooled 1x1 map (selective kernels, split attention) cannot
        # train on one image; the counts do not depend on the mode.
        model = getattr(module, name)().eval()
        x = torch.empty(1, channels, image_size, image_size)
    outputs = 0

    def count(_module: torch.nn.Module, _inputs: object, output: torch.Tensor) -> None:
        nonlocal outputs
        outputs += output[0].numel()

    for m in model.modules():
        if isinstance(m, (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Linear)):
            m.register_forward_hook(count)
    counter = FlopCounterMode(display=False)
    with counter:
        model(x)
    params = sum(p.numel() for p in model.parameters())
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return params, flops // 2, outputs


@pytest.mark.parametrize("path", ALL_SPECS, ids=lambda p: p.stem)
def test_analytic_counts_equal_torch_counts_on_the_generated_model(path: Path) -> None:
    result = _analysed(path)
    plan, total = result.plan, result.complexity.total
    params, macs, acts = _torch_counts(plan.name, plan.image_size, plan.in_channels)
    assert (total.params, total.macs, total.acts) == (params, macs, acts)


@pytest.mark.parametrize("name", sorted(REFERENCE) + sorted(TIMM_REFERENCE))
def test_analytic_counts_equal_published_reference_figures(name: str) -> None:
    total = _analysed(SPECS / f"{name}.yaml").complexity.total
    assert (total.params, total.macs) == {**REFERENCE, **TIMM_REFERENCE}[name]


def test_stage_costs_add_up_and_follow_table_1() -> None:
    result = _analysed(SPECS / "resnext50_32x4d.yaml")
    complexity = result.complexity
    parts = complexity.stem.params + complexity.head.params
    parts += sum(stage.total.params for stage in complexity.stages)
    assert parts == complexity.total.params == 25_028_904
    # Xie et al. Table 1: ResNeXt-50 32x4d has 25.0 M parameters and 4.2 G FLOPs (multiply-adds).
    assert round(complexity.total.params / 1e6, 1) == 25.0
    assert round(complexity.total.macs / 1e9, 1) == 4.2
    resnet = _analysed(SPECS / "resnet50.yaml").complexity.total
    assert (round(resnet.params / 1e6, 1), round(resnet.macs / 1e9, 1)) == (25.6, 4.1)


@pytest.mark.parametrize(
    ("name", "size"), [("resnet18", 97), ("resnet50d", 160), ("regnety_004", 65)]
)
def test_analysis_at_other_input_sizes_equals_torch(
    tmp_path: Path, name: str, size: int
) -> None:
    """Odd sizes exercise every rounding of the map sizes (ceil-mode pools, strides)."""
    from conftest import build_module

    result = compile_spec(_resized(tmp_path, name, size), Config(root=tmp_path))
    assert result.complexity is not None
    module = build_module(tmp_path, tmp_path / f"{name}.yaml")
    with torch.device("meta"):
        model = getattr(module, name)()
        x = torch.empty(1, 3, size, size)
    counter = FlopCounterMode(display=False)
    with counter:
        model(x)
    assert result.complexity.total.macs == counter.get_total_flops() // 2
    assert analyse(result.plan) == result.complexity


def _resized(folder: Path, name: str, size: int) -> Path:
    import yaml

    data = yaml.safe_load((SPECS / f"{name}.yaml").read_text())
    data["input"] = {"channels": 3, "image_size": size}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize("name", ["resnet18", "resnext50_32x4d", "wide_resnet50_2"])
def test_per_block_parameters_equal_torchvision_blocks(name: str) -> None:
    import json

    import torchvision

    from conftest import run_cli

    shown = json.loads(run_cli("show", "--format", "json", SPECS / f"{name}.yaml").out)
    with torch.device("meta"):
        reference = getattr(torchvision.models, name)()
    for index, stage in enumerate(shown["stages"], start=1):
        layer = getattr(reference, f"layer{index}")
        expected = [sum(p.numel() for p in block.parameters()) for block in layer]
        assert [block["params"] for block in stage["per_block"]] == expected
        assert sum(block["macs"] for block in stage["per_block"]) == stage["macs"]
