"""Generated models work with TorchScript and torch.export, and dilation matches torchvision."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch
import torchvision

from conftest import load_module, run_cli, write_spec, zoo_module


@pytest.mark.parametrize("name", ["resnet18", "resnext50_32x4d"])
def test_torchscript(name: str) -> None:
    model = getattr(zoo_module(name), name)(num_classes=10).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        scripted = torch.jit.script(model)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(scripted(x), model(x))
        torch.testing.assert_close(
            scripted.forward_features(x), model.forward_features(x)
        )


@pytest.mark.parametrize("name", ["resnet18", "resnext50_32x4d"])
def test_torch_export(name: str) -> None:
    model = getattr(zoo_module(name), name)(num_classes=10).eval()
    x = torch.randn(2, 3, 64, 64)
    exported = torch.export.export(model, (x,))
    with torch.no_grad():
        torch.testing.assert_close(exported.module()(x), model(x))


DILATED = """\
name: resnet50_dilated
description: ResNet-50 with output stride 8, as DeepLab uses it.
defaults: {block: bottleneck}
stages:
  - {blocks: 3, planes: 64}
  - {blocks: 4, planes: 128, stride: 2}
  - {blocks: 6, planes: 256, stride: 2, dilate: true}
  - {blocks: 3, planes: 512, stride: 2, dilate: true}
"""


def test_dilation_matches_torchvision_replace_stride_with_dilation(
    cli_in: Path,
) -> None:
    spec = write_spec(cli_in, DILATED)
    assert run_cli("lint", spec).code == 0
    assert run_cli("build", spec, "-o", "out").code == 0
    module = load_module(cli_in / "out" / "resnet50_dilated.py")
    torch.manual_seed(0)
    reference = torchvision.models.resnet50(
        replace_stride_with_dilation=[False, True, True]
    )
    torch.manual_seed(0)
    ours = module.resnet50_dilated()
    assert all(
        torch.equal(a, b)
        for a, b in zip(
            ours.state_dict().values(), reference.state_dict().values(), strict=True
        )
    )
    named = dict(ours.named_modules())
    for name, m_ref in reference.named_modules():
        if isinstance(m_ref, torch.nn.Conv2d):
            m_ours = named[name]
            assert (m_ours.stride, m_ours.dilation, m_ours.padding) == (
                m_ref.stride,
                m_ref.dilation,
                m_ref.padding,
            )
    ours.eval()
    reference.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert ours.forward_features(x).shape == (1, 2048, 8, 8)
        torch.testing.assert_close(ours(x), reference(x), rtol=0, atol=0)
