"""Random networks, end to end.

* Every network torchvision's ``ResNet`` class can express (block type, depths, groups, width per
  group, ``replace_stride_with_dilation``) gives, from its spec, a module that loads
  torchvision's weights strictly and computes exactly torchvision's outputs.
* Every network the schema can express (both notations, mixed block types, dilation anywhere,
  every stem, shortcut, attention, norm and activation) lints without crashing, renders to code
  that passes ``ruff check`` and ``ruff format --check``, constructs, runs, and has the shapes,
  parameter counts and MACs of its plan.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

from archgen.config import Config
from archgen.diagnostics import Severity
from archgen.pipeline import Compiled, compile_spec
from archgen.render import render

from conftest import load_module

RUFF = shutil.which("ruff")


def _compile(folder: Path, spec: dict[str, Any]) -> Compiled:
    path = folder / f"{spec['name']}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return compile_spec(path, Config(root=folder))


def _build(folder: Path, spec: dict[str, Any]) -> tuple[Compiled, Path]:
    result = _compile(folder, spec)
    assert result.plan is not None and result.complexity is not None, result.diagnostics
    schema = [d for d in result.diagnostics if d.code < "AG200"]
    assert schema == [], schema
    target = folder / f"{spec['name']}.py"
    target.write_text(render(result.plan, result.complexity, "spec.yaml", "0" * 64))
    return result, target


# --- torchvision-expressible networks -------------------------------------------------------


@st.composite
def torchvision_networks(draw: st.DrawFn) -> dict[str, Any]:
    bottleneck = draw(st.booleans())
    layers = draw(st.lists(st.integers(1, 2), min_size=4, max_size=4))
    groups = draw(st.sampled_from([1, 2, 4, 32])) if bottleneck else 1
    width = draw(st.sampled_from([4, 16, 24, 64])) if bottleneck else 64
    dilate = (
        draw(st.lists(st.booleans(), min_size=3, max_size=3))
        if bottleneck
        else [False] * 3
    )
    return {
        "name": "tv_net",
        "defaults": {
            "block": "bottleneck" if bottleneck else "basic",
            "cardinality": groups,
            "base_width": width,
        },
        "stages": [
            {
                "blocks": layers[i],
                "planes": 64 * 2**i,
                **({"stride": 2} if i else {}),
                **({"dilate": True} if i and dilate[i - 1] else {}),
            }
            for i in range(4)
        ],
        "head": {"num_classes": draw(st.integers(1, 10))},
    }


def _torchvision(spec: dict[str, Any]) -> ResNet:
    defaults = spec["defaults"]
    block = Bottleneck if defaults["block"] == "bottleneck" else BasicBlock
    return ResNet(
        block,
        [stage["blocks"] for stage in spec["stages"]],
        num_classes=spec["head"]["num_classes"],
        groups=defaults["cardinality"],
        width_per_group=defaults["base_width"],
        replace_stride_with_dilation=[
            bool(s.get("dilate")) for s in spec["stages"][1:]
        ],
    )


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=torchvision_networks())
def test_torchvision_expressible_networks_equal_torchvision(
    tmp_path_factory: pytest.TempPathFactory, spec: dict[str, Any]
) -> None:
    folder = tmp_path_factory.mktemp("tv")
    _, path = _build(folder, spec)
    torch.manual_seed(0)
    reference = _torchvision(spec)
    for m in reference.modules():  # non-trivial statistics, so that eval mode uses them
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    ours = load_module(path).tv_net()
    ours.load_state_dict(reference.state_dict(), strict=True)
    named = dict(ours.named_modules())
    for name, module in reference.named_modules():
        if isinstance(module, torch.nn.Conv2d):
            mine = named[name]
            assert (mine.stride, mine.padding, mine.dilation, mine.groups) == (
                module.stride,
                module.padding,
                module.dilation,
                module.groups,
            ), name
    x = torch.randn(2, 3, 48, 48, generator=torch.Generator().manual_seed(1))
    ours.eval()
    reference.eval()
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x), rtol=0, atol=0)


# --- anything the schema can say -------------------------------------------------------------


@st.composite
def any_network(draw: st.DrawFn, index: int = 0) -> dict[str, Any]:
    """A small network from the whole schema; stage options are drawn per stage and in
    defaults, in both notations."""
    stages = []
    wide = draw(st.booleans())
    for position in range(draw(st.integers(1, 4))):
        stage: dict[str, Any] = {
            "blocks": draw(st.integers(1, 3)),
            "block": draw(st.sampled_from(["basic", "bottleneck"])),
        }
        if position:
            stage["stride"] = draw(st.sampled_from([1, 2, 2]))
            if draw(st.integers(0, 4)) == 0:
                stage["dilate"] = True
        if draw(st.booleans()):  # paper notation
            stage["planes"] = draw(
                st.sampled_from([4, 8, 12, 16] + ([96, 200] if wide else []))
            )
            if stage["block"] == "bottleneck":
                stage["cardinality"] = draw(st.sampled_from([1, 2, 4]))
                stage["base_width"] = draw(st.sampled_from([16, 24, 64, 100]))
        else:  # explicit notation
            groups = (
                draw(st.sampled_from([1, 2, 4]))
                if stage["block"] == "bottleneck"
                else 1
            )
            stage["width"] = groups * draw(
                st.sampled_from([4, 8, 12] + ([700] if wide else []))
            )
            stage["groups"] = groups
            stage["out_channels"] = draw(
                st.sampled_from([8, 16, 24, 32] + ([3000] if wide else []))
            )
        if stage["block"] == "bottleneck" and draw(st.booleans()):
            stage["stride_on"] = draw(st.sampled_from(["3x3", "1x1"]))
        stages.append(stage)
    defaults: dict[str, Any] = {}
    if draw(st.booleans()):
        defaults["shortcut"] = draw(st.sampled_from(["conv", "avg_pool"]))
    if draw(st.booleans()):
        attention = draw(st.sampled_from(["se", "eca"]))
        defaults["attention"] = {"type": attention}
        if attention == "se" and draw(st.booleans()):
            defaults["attention"]["ratio"] = draw(st.sampled_from([0.25, 0.0625, 0.5]))
    stem_type = draw(st.sampled_from(["conv", "deep", "deep_tiered"]))
    stem: dict[str, Any] = {
        "type": stem_type,
        "width": draw(st.sampled_from([8, 16, 32])),
        "stride": draw(st.sampled_from([1, 2])),
        "pool": draw(st.sampled_from([True, False, "max", "conv", "none"])),
    }
    if stem_type == "conv":
        stem["kernel_size"] = draw(st.sampled_from([3, 5, 7]))
    norm: dict[str, Any] = {
        "type": draw(st.sampled_from(["batch", "group", "frozen_batch"]))
    }
    if norm["type"] == "group":
        norm["groups"] = 4 if draw(st.booleans()) else 1
    spec: dict[str, Any] = {
        "name": f"net_{index}",
        "layout": draw(st.sampled_from(["torchvision", "timm"])),
        "input": {
            "channels": draw(st.sampled_from([1, 3])),
            "image_size": draw(st.integers(8, 40)),
        },
        "stem": stem,
        "norm": norm,
        "act": draw(
            st.sampled_from(["relu", "silu", "gelu", "leaky_relu", "hard_swish"])
        ),
        "defaults": defaults,
        "stages": stages,
        "head": {"num_classes": draw(st.integers(0, 12))},
        "init": {"zero_init_residual": draw(st.booleans())},
        # The design rules judge a network, they do not make it unbuildable: leave them out so
        # that most random networks get built.
        "lint": {"ignore": ["AG3", "AG4"]},
    }
    if draw(st.booleans()):
        spec["output_stride"] = draw(st.sampled_from([8, 16, 32]))
    if draw(st.booleans()):
        spec["drop_path_rate"] = draw(st.sampled_from([0.0, 0.1]))
    if draw(st.booleans()):
        spec["head"]["drop_rate"] = 0.2
    return spec


def _measured(model: torch.nn.Module, x: torch.Tensor) -> tuple[int, int]:
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(x)
    return sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2


@st.composite
def network_batches(draw: st.DrawFn) -> list[dict[str, Any]]:
    return [draw(any_network(index)) for index in range(16)]


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=network_batches())
def test_any_network_lints_renders_formats_constructs_and_matches_its_plan(
    tmp_path_factory: pytest.TempPathFactory, specs: list[dict[str, Any]]
) -> None:
    folder = tmp_path_factory.mktemp("any")
    built = [_build(folder, spec) for spec in specs]
    accepted = 0
    if RUFF:  # one ruff process for the whole batch
        files = [str(path) for _, path in built]
        for args in (["check", "--isolated"], ["format", "--check", "--isolated"]):
            checked = subprocess.run(
                [RUFF, *args, *files], capture_output=True, text=True
            )
            assert checked.returncode == 0, checked.stdout + checked.stderr
    for (result, path), spec in zip(built, specs, strict=True):
        plan, complexity = result.plan, result.complexity
        assert plan is not None and complexity is not None
        for diagnostic in result.diagnostics:
            assert diagnostic.severity in Severity and diagnostic.line >= 1
        if any(d.severity is Severity.ERROR for d in result.diagnostics):
            continue  # lint refuses it, so build would not write it
        accepted += 1
        model = getattr(load_module(path), spec["name"])().eval()
        size = plan.image_size
        x = torch.randn(2, plan.in_channels, size, size)
        params, macs = _measured(model, x[:1])
        assert (params, macs) == (complexity.total.params, complexity.total.macs), spec
        with torch.no_grad():
            maps = model.forward_intermediates(x, intermediates_only=True)
            logits = model(x)
        assert [tuple(m.shape) for m in maps] == [
            (2, tap.channels, tap.size, tap.size) for tap in plan.features
        ], spec
        width = plan.num_classes or plan.num_features
        assert logits.shape == (2, width)
        with torch.no_grad():
            fused = copy.deepcopy(model).fuse()(x)
        scale = float(logits.abs().max())
        torch.testing.assert_close(fused, logits, rtol=1e-4, atol=1e-5 * scale + 1e-6)
        model.train()
        model(x).sum().backward()  # trains: every operation has a gradient path
    assert accepted >= len(specs) // 2, (
        f"only {accepted} networks built: the generator is too wild"
    )
