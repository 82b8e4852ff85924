"""torchvision's RegNets (``layout: torchvision``) against torchvision 0.29.1: parameters and MACs
equal NOTES.md's figures, torchvision's model and FlopCounterMode; module names and registration
order, state-dict keys, order and shapes identical; strict loading; equal eval outputs; for the
checked-in modules and for modules built by the code under test."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest
import torch
import torchvision
from torch.utils.flop_counter import FlopCounterMode

from conftest import (
    GENERATED,
    SPECS,
    TV_REGNET_REFERENCE,
    build_module,
    load_module,
    run_cli,
)

X = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))


def _reference(name: str) -> torch.nn.Module:
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)()
    for m in model.modules():  # non-trivial statistics, so that a misplaced norm shows
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.1)
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return model.eval()


def _macs(model: torch.nn.Module) -> int:
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model.eval()(torch.randn(1, 3, 224, 224))
    return counter.get_total_flops() // 2


def _modules(model: torch.nn.Module) -> list[str]:
    return [
        name
        for name, _ in model.named_modules()
        if ".se." not in name or name.endswith((".fc1", ".fc2"))
    ]


@pytest.mark.parametrize("name", sorted(TV_REGNET_REFERENCE))
def test_analytic_counts_equal_torchvision_and_notes(name: str) -> None:
    data = json.loads(run_cli("show", "--format", "json", SPECS / f"{name}.yaml").out)
    assert (data["params"], data["macs"]) == TV_REGNET_REFERENCE[name]
    reference = getattr(torchvision.models, name)()
    assert data["params"] == sum(p.numel() for p in reference.parameters())
    assert data["macs"] == _macs(reference)


@pytest.fixture(scope="module", params=sorted(TV_REGNET_REFERENCE))
def pair(request: pytest.FixtureRequest) -> tuple[str, ModuleType]:
    return request.param, load_module(GENERATED / f"{request.param}.py")


def test_layout_loading_and_outputs_equal_torchvision(
    pair: tuple[str, ModuleType],
) -> None:
    name, module = pair
    reference = _reference(name)
    ours = getattr(module, name)().eval()
    theirs = reference.state_dict()
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == [
        (k, v.shape) for k, v in theirs.items()
    ]
    # Every module in torchvision's order; inside squeeze-excitation torchvision also
    # registers its parameter-free pool and gates, which archgen's SqueezeExcite calls inline.
    assert _modules(ours) == _modules(reference)
    assert sum(p.numel() for p in ours.parameters()) == TV_REGNET_REFERENCE[name][0]
    assert _macs(ours) == TV_REGNET_REFERENCE[name][1]
    ours.load_state_dict(theirs, strict=True)
    with torch.no_grad():
        torch.testing.assert_close(ours(X), reference(X), rtol=0, atol=1e-5)
        # forward_intermediates ends with the last stage: the map torchvision pools
        trunk = reference.trunk_output(reference.stem(X))
        torch.testing.assert_close(
            ours.forward_intermediates(X, intermediates_only=True)[-1],
            trunk,
            rtol=0,
            atol=1e-5,
        )


def test_torchvision_rounds_the_last_stage_of_x_400mf_to_400_wide_in_25_groups() -> (
    None
):
    shown = json.loads(
        run_cli("show", "--format", "json", SPECS / "regnet_x_400mf.yaml").out
    )
    timm = json.loads(
        run_cli("show", "--format", "json", SPECS / "regnetx_004.yaml").out
    )
    ours, theirs = shown["stages"][-1], timm["stages"][-1]
    assert (ours["out_channels"], ours["groups"]) == (400, 25)
    assert (theirs["out_channels"], theirs["groups"]) == (384, 24)


def test_the_generator_builds_the_torchvision_layout_as_checked_in(
    tmp_path: Path,
) -> None:
    built = build_module(tmp_path, SPECS / "regnet_y_400mf.yaml")
    reference = _reference("regnet_y_400mf")
    ours = built.regnet_y_400mf().eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    with torch.no_grad():
        torch.testing.assert_close(ours(X), reference(X), rtol=0, atol=1e-5)
    fused = built.regnet_y_400mf()
    fused.load_state_dict(reference.state_dict(), strict=True)
    with torch.no_grad():
        torch.testing.assert_close(fused.fuse()(X), reference(X), rtol=1e-4, atol=1e-4)
    assert torch.jit.script(ours)(X).shape == (2, 1000)
