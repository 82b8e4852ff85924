"""The generated zoo against torchvision: same parameters, layout, initialisation and outputs."""

from __future__ import annotations

from types import ModuleType

import pytest
import torch
import torchvision

from conftest import REFERENCE, ZOO, zoo_module


@pytest.fixture(scope="module", params=ZOO)
def pair(request: pytest.FixtureRequest) -> tuple[str, ModuleType]:
    name = request.param
    return name, zoo_module(name)


def test_parameter_count_matches_published_figure_and_torchvision(
    pair: tuple[str, ModuleType],
) -> None:
    name, module = pair
    with torch.device("meta"):
        ours = getattr(module, name)()
        reference = getattr(torchvision.models, name)()
    count = sum(p.numel() for p in ours.parameters())
    assert count == REFERENCE[name][0]
    assert count == sum(p.numel() for p in reference.parameters())


def test_state_dict_layout_and_same_seed_initialisation(
    pair: tuple[str, ModuleType],
) -> None:
    """Keys, order and shapes equal torchvision's; with one seed, every tensor is identical."""
    name, module = pair
    torch.manual_seed(0)
    reference = getattr(torchvision.models, name)().state_dict()
    torch.manual_seed(0)
    ours = getattr(module, name)().state_dict()
    assert list(ours) == list(reference)
    assert [t.shape for t in ours.values()] == [t.shape for t in reference.values()]
    different = [key for key in reference if not torch.equal(ours[key], reference[key])]
    assert different == []


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_torchvision_weights_load_strictly_and_outputs_match(
    pair: tuple[str, ModuleType], mode: str
) -> None:
    name, module = pair
    torch.manual_seed(1)
    reference = getattr(torchvision.models, name)()
    # Non-trivial batch-norm statistics, so that eval mode exercises them.
    for m in reference.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    ours = getattr(module, name)(num_classes=1000)
    ours.load_state_dict(reference.state_dict(), strict=True)
    getattr(reference, mode)()
    getattr(ours, mode)()
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        expected, actual = reference(x), ours(x)
    torch.testing.assert_close(actual, expected, rtol=0, atol=0)
    if mode == "train":  # batch statistics were updated identically
        torch.testing.assert_close(
            ours.state_dict(), reference.state_dict(), rtol=0, atol=0
        )


def test_zero_init_residual_matches_torchvision() -> None:
    module = zoo_module("resnet50")
    torch.manual_seed(3)
    reference = torchvision.models.resnet50(zero_init_residual=True).state_dict()
    torch.manual_seed(3)
    ours = module.resnet50(zero_init_residual=True).state_dict()
    assert all(torch.equal(ours[key], reference[key]) for key in reference)
    assert float(ours["layer1.0.bn3.weight"].abs().sum()) == 0.0


def test_forward_features_and_num_classes() -> None:
    module = zoo_module("resnext50_32x4d")
    model = module.resnext50_32x4d(num_classes=7).eval()
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        features = model.forward_features(x)
        logits = model(x)
    assert features.shape == (1, 2048, 7, 7)
    assert logits.shape == (1, 7)
    assert isinstance(model, module.ResNeXt50_32x4d)
