"""Training options against timm with the same settings: activation, group and frozen norms,
stochastic depth (eval outputs, per-block rates, identical train steps from one seed),
classifier dropout, headless backbones, ``forward_head`` and ``reset_classifier``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import timm
import torch
from timm.layers import freeze_batch_norm_2d

from conftest import SPECS, build_module

X = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
TIMM_LAYOUT = {"layout": "timm", "class_name": None}


def _pair(
    folder: Path, spec: str, timm_name: str, changes: dict[str, Any], **timm_kwargs: Any
) -> tuple[torch.nn.Module, torch.nn.Module]:
    module = build_module(folder, SPECS / f"{spec}.yaml", **TIMM_LAYOUT, **changes)
    torch.manual_seed(0)
    reference = timm.create_model(timm_name, pretrained=False, **timm_kwargs)
    for m in reference.modules():
        if isinstance(m, torch.nn.BatchNorm2d | torch.nn.GroupNorm):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.1)
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    ours = getattr(module, spec)()
    ours.load_state_dict(reference.state_dict(), strict=True)
    return ours, reference


def _equal_in(mode: str, ours: torch.nn.Module, reference: torch.nn.Module) -> None:
    getattr(ours, mode)()
    getattr(reference, mode)()
    torch.manual_seed(7)
    expected = reference(X)
    torch.manual_seed(7)
    actual = ours(X)
    torch.testing.assert_close(actual, expected, rtol=0, atol=0)


@pytest.mark.parametrize(
    "act", ["silu", "gelu", "mish", "hard_swish", "leaky_relu", "elu"]
)
def test_activation_equals_timm_act_layer(tmp_path: Path, act: str) -> None:
    ours, reference = _pair(
        tmp_path, "resnet18", "resnet18", {"act": act}, act_layer=act
    )
    _equal_in("eval", ours, reference)


def test_group_norm_equals_timm_resnet50_gn(tmp_path: Path) -> None:
    ours, reference = _pair(
        tmp_path, "resnet50", "resnet50_gn", {"norm": {"type": "group", "groups": 32}}
    )
    _equal_in("eval", ours, reference)
    _equal_in("train", ours, reference)


def test_frozen_batch_norm_equals_timm_frozen_model_and_stays_frozen(
    tmp_path: Path,
) -> None:
    ours, reference = _pair(
        tmp_path, "resnet18", "resnet18", {"norm": {"type": "frozen_batch"}}
    )
    reference = freeze_batch_norm_2d(reference)
    assert not any("num_batches_tracked" in key for key in ours.state_dict())
    assert sum(p.numel() for p in ours.parameters()) == sum(
        p.numel() for p in reference.parameters()
    )
    before = {k: v.clone() for k, v in ours.state_dict().items()}
    _equal_in("train", ours, reference)  # frozen: train mode uses the fixed statistics
    assert all(torch.equal(before[k], v) for k, v in ours.state_dict().items())


def test_stochastic_depth_schedule_eval_and_train_equal_timm(tmp_path: Path) -> None:
    ours, reference = _pair(
        tmp_path, "resnet50", "resnet50", {"drop_path_rate": 0.2}, drop_path_rate=0.2
    )
    ours_rates = [m.rate for m in ours.modules() if type(m).__name__ == "DropPath"]
    timm_rates = [
        block.drop_path.drop_prob if block.drop_path is not None else 0.0
        for layer in (
            reference.layer1,
            reference.layer2,
            reference.layer3,
            reference.layer4,
        )
        for block in layer
    ]
    assert ours_rates == pytest.approx(timm_rates, abs=0, rel=1e-15)
    assert ours_rates[0] == 0 and ours_rates[-1] == pytest.approx(0.2)
    _equal_in("eval", ours, reference)
    _equal_in("train", ours, reference)  # the same random draws, block by block


def test_builder_drop_path_rate_overrides_the_spec(tmp_path: Path) -> None:
    module = build_module(tmp_path, SPECS / "resnet18.yaml", drop_path_rate=0.1)
    model = module.resnet18(drop_path_rate=0.3)
    rates = [m.rate for m in model.modules() if type(m).__name__ == "DropPath"]
    assert rates[-1] == pytest.approx(0.3) and rates[0] == 0.0


def test_classifier_dropout_equals_timm_drop_rate(tmp_path: Path) -> None:
    ours, reference = _pair(
        tmp_path, "resnet18", "resnet18", {"head": {"drop_rate": 0.5}}, drop_rate=0.5
    )
    _equal_in("eval", ours, reference)
    _equal_in("train", ours, reference)


def test_headless_backbone_forward_head_and_reset_classifier(tmp_path: Path) -> None:
    ours, reference = _pair(
        tmp_path, "resnet18", "resnet18", {"head": {"num_classes": 0}}, num_classes=0
    )
    assert not any(key.startswith("fc.") for key in ours.state_dict())
    _equal_in("eval", ours, reference)
    with torch.no_grad():
        assert ours(X).shape == (2, 512)
        features = ours.forward_features(X)
        torch.testing.assert_close(
            ours.forward_head(features, pre_logits=True), ours(X)
        )
    ours.reset_classifier(7)
    reference.reset_classifier(7)
    ours.fc.load_state_dict(reference.fc.state_dict())
    _equal_in("eval", ours, reference)
    assert ours(X).shape == (2, 7)
    # The attributes timm's code reads follow the new classifier.
    assert ours.num_classes == reference.num_classes == 7
    ours.reset_classifier(0)
    reference.reset_classifier(0)
    assert ours.num_classes == reference.num_classes == 0
    _equal_in("eval", ours, reference)


@pytest.mark.parametrize("image_size", [8, 16])
@pytest.mark.parametrize(
    "norm",
    [
        {"type": "group", "groups": 16},
        {"type": "group", "groups": 8},
        {"type": "group", "groups": 4},
        {"type": "group", "group_size": 1},
        {"type": "group", "group_size": 2},
    ],
    ids=lambda norm: "-".join(f"{k}{v}" for k, v in norm.items() if k != "type"),
)
def test_group_norm_of_one_value_is_refused_exactly_when_torch_cannot_run_it(
    norm: dict[str, Any], image_size: int
) -> None:
    """AG209 against torch: lint refuses a network exactly when one of its group norms would
    see a single value per group, which torch refuses for a batch of one (and which would
    always output its bias). A network lint accepts runs on a single image."""
    from archgen import api

    spec = {
        "name": "gn_net",
        "input": {"channels": 3, "image_size": image_size},
        "stem": {"width": 16, "stride": 1, "pool": "none"},
        "norm": norm,
        "defaults": {"block": "basic"},
        "lint": {"ignore": ["AG3", "AG4"]},
        "stages": [
            {"blocks": 1, "planes": 16},
            {"blocks": 1, "planes": 16, "stride": 2},
            {"blocks": 1, "planes": 16, "stride": 2},
            {"blocks": 1, "planes": 16, "stride": 2},
        ],
    }
    refused = any(d.code == "AG209" for d in api.lint(spec))
    model = api.build_model(spec, ignore_lint=True).eval()
    x = torch.randn(1, 3, image_size, image_size)
    if refused:
        with pytest.raises(ValueError, match="more than 1 value per channel"):
            model(x)
    else:
        assert model(x).shape == (1, 1000)
    # 16 channels reach a 1x1 map only from an 8x8 input; one channel per group there is
    # 16 groups or a group size of 1.
    one_per_group = norm.get("groups") == 16 or norm.get("group_size") == 1
    assert refused == (image_size == 8 and one_per_group)
