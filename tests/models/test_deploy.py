"""From spec to deployment: the zoo's models, built in memory with the API, go through
TorchScript, torch.export with a dynamic batch, torch.compile without graph breaks, and
BatchNorm folding. (resnet18 through TorchScript, torch.export with a dynamic batch, and ONNX
exported with a dynamic batch and run in onnxruntime on another batch size: docs/deployment.md,
whose blocks tests/docs/test_code_blocks.py runs.) Inputs are small (32x32, 64x64) to stay fast on 2 cores."""

from __future__ import annotations

import functools
from types import ModuleType

import pytest
import torch
from torch import nn

import archgen

from conftest import ROOT, load_module

pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:FutureWarning"
)


@functools.cache
def _model(name: str) -> nn.Module:
    torch.manual_seed(0)
    return archgen.build_model(name, num_classes=10).eval()


def model(name: str) -> nn.Module:
    """A fresh copy of the zoo model ``name`` (10 classes, eval mode), built once."""
    import copy

    return copy.deepcopy(_model(name))


@pytest.mark.parametrize("name", ["resnext50_32x4d"])  # resnet18: docs/deployment.md
def test_torchscript(name: str) -> None:
    eager = model(name)
    scripted = torch.jit.script(eager)
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(scripted(x), eager(x))
        torch.testing.assert_close(
            scripted.forward_features(x), eager.forward_features(x)
        )


def test_torch_compile_fullgraph_inductor_resnet18() -> None:
    """The default backend, inductor, which compiles C++ kernels (gcc is on the machine).
    fullgraph=True fails on any graph break."""
    import torch._dynamo
    import torch._inductor.config

    torch._dynamo.reset()
    eager = model("resnet18")
    x = torch.randn(2, 3, 32, 32)
    # One compile worker: on 2 cores, starting a pool costs more than it saves.
    with torch._inductor.config.patch(compile_threads=1), torch.no_grad():
        compiled = torch.compile(eager, fullgraph=True)
        torch.testing.assert_close(compiled(x), eager(x), atol=1e-4, rtol=1e-4)


def test_torch_compile_fullgraph_resnet50() -> None:
    """No graph breaks in ResNet-50 either; aot_eager traces the whole graph through dynamo and
    AOTAutograd without inductor's C++ compile time (half a minute on 2 cores)."""
    import torch._dynamo

    torch._dynamo.reset()
    eager = model("resnet50")
    x = torch.randn(2, 3, 32, 32)
    compiled = torch.compile(eager, fullgraph=True, backend="aot_eager")
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), eager(x), atol=1e-5, rtol=1e-5)


# --- folding BatchNorm into convolutions -------------------------------------------------------


@functools.cache
def _bench_models() -> ModuleType:
    return load_module(ROOT / "benchmarks" / "bench_models.py")


@pytest.mark.parametrize("name", ["resnet18", "resnext50_32x4d"])
def test_fuse_model_folds_every_batchnorm(name: str) -> None:
    """The benchmark's generic folding (torch.fx + fuse_conv_bn_eval), for models without a
    fuse() method: every norm goes, the outputs stay."""
    eager = model(name)
    # Statistics that are not the identity, so that a wrong fold shows.
    with torch.no_grad():
        for module in eager.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expected = eager(x)
    fused = _bench_models().fuse_model(eager)
    assert fused is eager
    assert not any(isinstance(m, nn.BatchNorm2d) for m in fused.modules())
    with torch.no_grad():
        torch.testing.assert_close(fused(x), expected, atol=1e-4, rtol=1e-4)
        assert fused.forward_features(x).shape == (2, fused.num_features, 1, 1)


@pytest.mark.parametrize("name", ["resnet18", "resnext50_32x4d"])
def test_fuse_method_of_generated_models(name: str) -> None:
    """``model.fuse()`` folds every BatchNorm into the preceding convolution in eval mode and
    returns the model; outputs are unchanged, and the fused model still scripts and exports."""
    eager = model(name)
    with torch.no_grad():
        for module in eager.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expected = eager(x)
    fused = eager.fuse()
    assert fused is eager
    assert not fused.training
    assert not any(isinstance(m, nn.BatchNorm2d) for m in fused.modules())
    with torch.no_grad():
        torch.testing.assert_close(fused(x), expected, atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(
            torch.jit.script(fused)(x), expected, atol=1e-4, rtol=1e-4
        )
    exported = torch.export.export(fused, (x,))
    with torch.no_grad():
        torch.testing.assert_close(exported.module()(x), expected, atol=1e-4, rtol=1e-4)
