"""``fuse()`` folds every batch norm into the convolution before it: for every zoo network the
fused model computes what the unfused one does in eval mode, also in channels-last memory and
under TorchScript, and no batch norm is left."""

from __future__ import annotations

import copy
import warnings

import pytest
import torch

from conftest import RESNETV2_REFERENCE, SPECS, zoo_module

ZOO = sorted(path.stem for path in SPECS.glob("*.yaml"))


def _assert_close(
    actual: torch.Tensor, expected: torch.Tensor, relative: float = 1e-5
) -> None:
    """Equal up to float32 rounding, relative to the output's scale (deep networks with random
    norms reach large logits)."""
    scale = float(expected.abs().max())
    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=relative * scale)


LOOSER = {"resnetv2_50x1_bit": 1e-4}
"""Channels-last runs of weight-standardised group-norm networks differ more from contiguous
ones (measured: 2e-5 of the output's scale for resnetv2_50x1_bit, in timm's model too)."""


def _randomise_norms(model: torch.nn.Module) -> None:
    generator = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            for tensor, low, high in (
                (m.weight.data, 0.5, 1.5),
                (m.bias.data, -0.2, 0.2),
                (m.running_mean, -0.2, 0.2),
                (m.running_var, 0.5, 1.5),
            ):
                tensor.copy_(
                    torch.empty_like(tensor).uniform_(low, high, generator=generator)
                )


@pytest.mark.parametrize("name", ZOO)
def test_fused_model_equals_unfused_in_eval(name: str) -> None:
    torch.manual_seed(0)
    model = getattr(zoo_module(name), name)()
    _randomise_norms(model)
    model.eval()
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = model(x)
        fused = copy.deepcopy(model).fuse()
        assert not fused.training
        if name in RESNETV2_REFERENCE:
            # Pre-activation: a block's first norm and the final norm follow no convolution
            # and stay; norm2 and norm3 fold into conv1 and conv2 (batch norms only).
            kept = {
                n.rsplit(".", 1)[-1]
                for n, m in fused.named_modules()
                if isinstance(m, torch.nn.BatchNorm2d | torch.nn.GroupNorm)
            }
            norms = {"norm1", "norm"}
            assert kept == (norms | {"norm2", "norm3"} if "bit" in name else norms)
        else:
            assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())
            assert fused.state_dict().keys() != model.state_dict().keys()
        _assert_close(fused(x), expected)
        last = fused.to(memory_format=torch.channels_last)
        actual = last(x.to(memory_format=torch.channels_last))
        _assert_close(actual, expected, LOOSER.get(name, 1e-5))


@pytest.mark.parametrize("name", ["resnet18", "resnetv2_50"])
def test_fuse_puts_a_training_model_in_eval_mode(name: str) -> None:
    """Folding uses the running statistics, so fuse() returns the model in eval mode, every
    module included, whatever mode it was in: its outputs are the unfused model's in eval
    (ResNetV2 keeps its pre-activation norms, which would use batch statistics in training)."""
    torch.manual_seed(0)
    model = getattr(zoo_module(name), name)()
    _randomise_norms(model)
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = copy.deepcopy(model).eval()(x)
        fused = model.train().fuse()
        assert fused is model
        assert not fused.training
        # Every module that was there is in eval mode (the new fused convolutions and the
        # identities that replace the norms compute the same in either mode).
        new = (torch.nn.Conv2d, torch.nn.Identity)
        assert not any(m.training for m in fused.modules() if not isinstance(m, new))
        _assert_close(fused(x), expected)


@pytest.mark.parametrize("name", ["resnet18", "seresnext50_32x4d"])
def test_fused_model_scripts(name: str) -> None:
    model = getattr(zoo_module(name), name)().eval()
    _randomise_norms(model)
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        expected = model(x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # torch.jit is deprecated
            scripted = torch.jit.script(model.fuse())
        _assert_close(scripted(x), expected)
