"""timm's contract, against timm 1.0.31, for every timm-layout zoo model: ``create_model`` with
timm's arguments (``features_only``, ``out_indices``, ``output_stride``) gives timm's model,
``forward_intermediates`` answers every calling form timm documents as timm's does,
``prune_intermediate_layers`` removes what timm's removes, and ``pretrained_cfg`` names the
same first and last layers."""

from __future__ import annotations

from typing import Any

import pytest
import timm
import torch

import archgen

from conftest import REGNET_REFERENCE, RESNETV2_REFERENCE, TIMM_REFERENCE

TIMM_LAYOUT = sorted({**TIMM_REFERENCE, **REGNET_REFERENCE, **RESNETV2_REFERENCE})
X = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))

CALLS: list[dict[str, Any]] = [
    {},
    {"indices": 2},
    {"indices": [0, 2, 4]},
    {"indices": [-2, -1]},
    {"indices": [1, 3], "stop_early": True},
    {"indices": 1, "norm": True},
    {"indices": [2], "intermediates_only": True},
    {"indices": [0, 4], "stop_early": True, "norm": True, "intermediates_only": True},
]
"""``forward_intermediates``'s calling forms: indices as None, an int (the last n), a list with
negative entries; ``stop_early``, ``norm`` and ``intermediates_only``."""

FEATURES: dict[str, Any] = {
    "features_only": True,
    "out_indices": (1, 2, 3),
    "output_stride": 16,
}


def _randomised(model: torch.nn.Module) -> torch.nn.Module:
    """Non-trivial statistics and affine terms (timm zero-initialises some norms)."""
    torch.manual_seed(0)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
        if isinstance(m, torch.nn.BatchNorm2d | torch.nn.GroupNorm):
            m.weight.data.uniform_(0.5, 1.5)
    return model.eval()


def _same(ours: object, theirs: object) -> None:
    """Equal results of ``forward_intermediates``: the same structure, equal tensors."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == 2
        torch.testing.assert_close(ours[0], theirs[0])
        ours, theirs = ours[1], theirs[1]
    assert isinstance(ours, list) and isinstance(theirs, list)
    assert len(ours) == len(theirs)
    for mine, their in zip(ours, theirs, strict=True):
        torch.testing.assert_close(mine, their)


@pytest.mark.parametrize("name", TIMM_LAYOUT)
def test_create_model_forward_intermediates_and_pruning_equal_timm(name: str) -> None:
    reference = _randomised(timm.create_model(name, pretrained=False))
    ours = archgen.create_model(name).eval()
    report = archgen.load_weights(ours, reference)
    assert report.loaded == len(reference.state_dict()) and not report.left_out
    for key in ("first_conv", "classifier"):
        assert ours.pretrained_cfg[key] == reference.pretrained_cfg[key]
    with torch.no_grad():
        for form in CALLS:
            _same(
                ours.forward_intermediates(X, **form),
                reference.forward_intermediates(X, **form),
            )
    kept = reference.prune_intermediate_layers([1, 2], prune_norm=True)
    assert ours.prune_intermediate_layers([1, 2], prune_norm=True) == kept
    assert list(ours.state_dict()) == list(reference.state_dict())
    assert ours.num_features == reference.num_features
    with torch.no_grad():
        _same(
            ours.forward_intermediates(X, indices=[1, 2]),
            reference.forward_intermediates(X, indices=[1, 2]),
        )


@pytest.mark.parametrize("name", TIMM_LAYOUT)
def test_features_only_with_output_stride_equals_timm(name: str) -> None:
    reference = _randomised(timm.create_model(name, pretrained=False, **FEATURES))
    ours = archgen.create_model(name, **FEATURES).eval()
    assert list(ours.state_dict()) == list(reference.state_dict())
    archgen.load_weights(ours, reference)
    with torch.no_grad():
        _same(ours(X), reference(X))
    info, theirs = ours.feature_info, reference.feature_info
    assert info.channels() == theirs.channels()
    assert info.reduction() == theirs.reduction() == [4, 8, 16]
    assert info.module_name() == theirs.module_name()
    assert info.channels(0) == theirs.channels(0)
    assert info.get_dicts(keys=["num_chs", "reduction"]) == theirs.get_dicts(
        keys=["num_chs", "reduction"]
    )
    assert len(info) == len(theirs)
