"""The timm zoo against timm 1.0.31: parameters, state-dict layout, strict loading, outputs,
multi-scale features and output stride, for the checked-in modules and for modules built from
the specs by the code under test."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
import timm
import torch

from conftest import (
    GENERATED,
    SPECS,
    TIMM_REFERENCE,
    TIMM_ZOO,
    build_module,
    load_module,
)

X = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))


def _reference(name: str, **kwargs: object) -> torch.nn.Module:
    torch.manual_seed(0)
    model = timm.create_model(name, pretrained=False, **kwargs)
    for m in model.modules():  # non-trivial statistics and affine terms
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)  # timm zero-initialises the last norm
    return model.eval()


@pytest.fixture(scope="module", params=TIMM_ZOO)
def pair(request: pytest.FixtureRequest) -> tuple[str, ModuleType]:
    return request.param, load_module(GENERATED / f"{request.param}.py")


def test_parameters_and_state_dict_layout_equal_timm(
    pair: tuple[str, ModuleType],
) -> None:
    name, module = pair
    with torch.device("meta"):
        ours = getattr(module, name)().state_dict()
        reference = timm.create_model(name, pretrained=False).state_dict()
    assert list(ours) == list(reference)
    assert [t.shape for t in ours.values()] == [t.shape for t in reference.values()]
    params = sum(
        t.numel()
        for k, t in ours.items()
        if "running" not in k and "num_batches" not in k
    )
    assert params == TIMM_REFERENCE[name][0]


def test_timm_weights_load_strictly_and_outputs_and_features_match(
    pair: tuple[str, ModuleType],
) -> None:
    name, module = pair
    reference = _reference(name)
    ours = getattr(module, name)().eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    features = timm.create_model(name, pretrained=False, features_only=True).eval()
    features.load_state_dict(
        {k: v for k, v in reference.state_dict().items() if not k.startswith("fc.")}
    )
    with torch.no_grad():
        torch.testing.assert_close(ours(X), reference(X), rtol=0, atol=0)
        maps, expected = (
            ours.forward_intermediates(X, intermediates_only=True),
            features(X),
        )
    assert len(maps) == len(expected) == 5
    for mine, theirs in zip(maps, expected, strict=True):
        torch.testing.assert_close(mine, theirs, rtol=0, atol=0)
    assert [(info["num_chs"], info["reduction"]) for info in ours.feature_info] == [
        (info["num_chs"], info["reduction"]) for info in reference.feature_info
    ]


@pytest.mark.parametrize("name", ["resnet18d", "resnet50d", "seresnext50_32x4d"])
@pytest.mark.parametrize("output_stride", [8, 16])
def test_output_stride_equals_timm(
    tmp_path: Path, name: str, output_stride: int
) -> None:
    """Basic and bottleneck networks, with pooled and plain shortcuts."""
    module = build_module(tmp_path, SPECS / f"{name}.yaml", output_stride=output_stride)
    reference = _reference(name, output_stride=output_stride)
    ours = getattr(module, name)().eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    with torch.no_grad():
        maps = ours.forward_intermediates(X, intermediates_only=True)
        torch.testing.assert_close(ours(X), reference(X), rtol=0, atol=0)
    assert maps[-1].shape[-1] == 64 // output_stride
    reductions = [info["reduction"] for info in ours.feature_info]
    assert reductions == [info["reduction"] for info in reference.feature_info]


@pytest.mark.parametrize("name", ["resnet10t", "ecaresnet50d", "resnetrs50"])
def test_the_generator_builds_what_is_checked_in(tmp_path: Path, name: str) -> None:
    built = build_module(tmp_path, SPECS / f"{name}.yaml")
    torch.manual_seed(0)
    fresh = getattr(built, name)().state_dict()
    torch.manual_seed(0)
    checked_in = getattr(load_module(GENERATED / f"{name}.py"), name)().state_dict()
    assert list(fresh) == list(checked_in)
    assert all(torch.equal(fresh[k], checked_in[k]) for k in fresh)


def test_in_channels_matches_timm_in_chans(tmp_path: Path) -> None:
    module = load_module(GENERATED / "resnet26d.py")
    reference = _reference("resnet26d", in_chans=1)
    ours = module.resnet26d(in_channels=1).eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    x = torch.randn(1, 1, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x), rtol=0, atol=0)
