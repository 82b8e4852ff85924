"""The generated zoo against torchvision: same parameters, layout, initialisation and outputs."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
import torch
import torchvision

from conftest import REFERENCE, ZOO, build_module, zoo_module


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


def test_a_two_group_resnext_equals_torchvision(tmp_path: Path) -> None:
    """Groups of 2 (the zoo has 1, 32 and 64): torchvision's ResNet with groups=2 gives the same
    layout, same-seed initialisation and outputs, so every convolution gets its groups."""
    from torchvision.models.resnet import Bottleneck, ResNet

    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "name: resnext_2g\ninput: {channels: 3, image_size: 32}\nstem: {width: 64}\n"
        "defaults: {block: bottleneck, cardinality: 2, base_width: 64}\nstages:\n"
        "  - {blocks: 1, planes: 64}\n  - {blocks: 1, planes: 128, stride: 2}\n"
        "  - {blocks: 1, planes: 256, stride: 2}\n  - {blocks: 1, planes: 512, stride: 2}\n"
        "head: {num_classes: 10}\n"
    )
    (tmp_path / "built").mkdir()
    module = build_module(tmp_path / "built", spec)
    torch.manual_seed(0)
    ours = module.resnext_2g().eval()
    torch.manual_seed(0)
    reference = ResNet(
        Bottleneck, [1, 1, 1, 1], num_classes=10, groups=2, width_per_group=64
    )
    reference.eval()
    assert ours.layer1[0].conv2.groups == reference.layer1[0].conv2.groups == 2
    theirs = reference.state_dict()
    assert all(torch.equal(t, theirs[k]) for k, t in ours.state_dict().items())
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x), rtol=0, atol=0)
