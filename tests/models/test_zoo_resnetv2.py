"""Pre-activation ResNets (ResNet v2, ``block: preact_bottleneck``) against timm 1.0.31: parameters
and MACs equal NOTES.md's figures, timm's model and FlopCounterMode; state-dict keys, order and
shapes identical; strict loading; equal eval outputs; forward_intermediates equal to timm's
feature maps and feature_info equal to timm's; for the checked-in modules and for modules built
by the code under test."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest
import timm
import torch
from torch.utils.flop_counter import FlopCounterMode

from conftest import (
    GENERATED,
    RESNETV2_REFERENCE,
    SPECS,
    build_module,
    load_module,
    run_cli,
)

X = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))


def _reference(name: str) -> torch.nn.Module:
    torch.manual_seed(0)
    model = timm.create_model(name, pretrained=False)
    for m in model.modules():  # non-trivial statistics, so that a misplaced norm shows
        if isinstance(m, torch.nn.BatchNorm2d | torch.nn.GroupNorm):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.1)
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return model.eval()


def _macs(model: torch.nn.Module) -> int:
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model.eval()(torch.randn(1, 3, 224, 224))
    return counter.get_total_flops() // 2


@pytest.mark.parametrize("name", sorted(RESNETV2_REFERENCE))
def test_analytic_counts_equal_timm_and_notes(name: str) -> None:
    data = json.loads(run_cli("show", "--format", "json", SPECS / f"{name}.yaml").out)
    assert (data["params"], data["macs"]) == RESNETV2_REFERENCE[name]
    reference = timm.create_model(name, pretrained=False)
    assert data["params"] == sum(p.numel() for p in reference.parameters())
    assert data["macs"] == _macs(reference)


@pytest.fixture(scope="module", params=sorted(RESNETV2_REFERENCE))
def pair(request: pytest.FixtureRequest) -> tuple[str, ModuleType]:
    return request.param, load_module(GENERATED / f"{request.param}.py")


def test_layout_loading_outputs_and_features_equal_timm(
    pair: tuple[str, ModuleType],
) -> None:
    name, module = pair
    reference = _reference(name)
    ours = getattr(module, name)().eval()
    theirs = reference.state_dict()
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == [
        (k, v.shape) for k, v in theirs.items()
    ]
    assert sum(p.numel() for p in ours.parameters()) == RESNETV2_REFERENCE[name][0]
    assert _macs(ours) == RESNETV2_REFERENCE[name][1]
    ours.load_state_dict(theirs, strict=True)
    with torch.no_grad():
        torch.testing.assert_close(ours(X), reference(X), rtol=0, atol=1e-5)
        torch.testing.assert_close(
            ours.forward_head(ours.forward_features(X), pre_logits=True),
            reference.forward_head(reference.forward_features(X), pre_logits=True),
            rtol=0,
            atol=1e-5,
        )
        maps = reference.forward_intermediates(X, intermediates_only=True)
        for mine, theirs_map in zip(
            ours.forward_intermediates(X, intermediates_only=True), maps, strict=True
        ):
            torch.testing.assert_close(mine, theirs_map, rtol=0, atol=1e-5)
    assert ours.feature_info == [
        {key: info[key] for key in ("num_chs", "reduction", "module")}
        for info in reference.feature_info
    ]


def test_a_preact_block_adds_without_an_activation_and_its_shortcut_reads_the_norm(
    tmp_path: Path,
) -> None:
    built = build_module(tmp_path, SPECS / "resnetv2_50.yaml")
    block = built.resnetv2_50().eval().stages[1].blocks[0]
    x = torch.randn(1, 256, 8, 8)
    with torch.no_grad():
        preact = block.act1(block.norm1(x))
        branch = block.conv3(
            block.act3(
                block.norm3(block.conv2(block.act2(block.norm2(block.conv1(preact)))))
            )
        )
        torch.testing.assert_close(block(x), branch + block.downsample(preact))
        plain = built.resnetv2_50().eval().stages[1].blocks[1]
        y = torch.randn(1, 512, 4, 4)
        assert (plain(y) < 0).any()  # no activation after the addition


def test_the_generator_builds_resnetv2_as_checked_in(tmp_path: Path) -> None:
    built = build_module(tmp_path, SPECS / "resnetv2_50d.yaml")
    reference = _reference("resnetv2_50d")
    ours = built.resnetv2_50d().eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    with torch.no_grad():
        torch.testing.assert_close(ours(X), reference(X), rtol=0, atol=1e-5)
    assert torch.jit.script(ours)(X).shape == (2, 1000)
    headless = built.resnetv2_50d(num_classes=0).eval()
    assert headless(X).shape == (2, 2048)
    ours.reset_classifier(10)
    assert ours(X).shape == (2, 10)


def test_weight_standardised_convolutions_match_timm_and_are_not_folded(
    tmp_path: Path,
) -> None:
    from timm.layers import StdConv2d

    built = build_module(
        tmp_path,
        SPECS / "resnet18.yaml",
        conv={"type": "std", "eps": 1e-8},
        input={"image_size": 64},
    )
    ours = built.resnet18()
    conv = ours.layer1[0].conv2
    theirs = StdConv2d(64, 64, 3, padding=1, eps=1e-8)
    theirs.weight.data.copy_(conv.weight.data)
    x = torch.randn(2, 64, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(conv(x), theirs(x), rtol=0, atol=0)
        for m in ours.modules():  # statistics of the data, so that eval mode is finite
            if isinstance(m, torch.nn.BatchNorm2d):
                m.momentum = None
        ours.train()(X)
        ours.eval()
        before = ours(X)
        assert torch.isfinite(before).all()
        # a batch norm after a standardised convolution stays: folding would drop the
        # standardisation
        torch.testing.assert_close(ours.fuse()(X), before, rtol=1e-4, atol=1e-4)
        assert isinstance(ours.layer1[0].bn2, torch.nn.BatchNorm2d)


def test_an_option_the_convolution_does_not_take_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "plain.yaml"
    spec.write_text(
        "name: plain\nconv: {type: plain, eps: 1.0e-8}\n"
        "stages:\n  - {blocks: 1, planes: 16, block: bottleneck}\n"
    )
    found = run_cli("lint", "--format", "json", spec)
    assert found.code == 1
    codes = {(d["code"], d["line"]) for d in json.loads(found.out)}
    assert ("AG108", 2) in codes


def test_pre_and_post_activation_blocks_are_not_mixed(tmp_path: Path) -> None:
    spec = tmp_path / "mixed.yaml"
    spec.write_text(
        "name: mixed\nlayout: timm\n"
        "stages:\n"
        "  - {blocks: 1, planes: 16, block: preact_bottleneck}\n"
        "  - {blocks: 1, planes: 32, stride: 2, block: bottleneck}\n"
    )
    found = run_cli("lint", "--format", "json", spec)
    assert found.code == 1
    [diagnostic] = [d for d in json.loads(found.out) if d["code"] == "AG108"]
    assert (diagnostic["line"], diagnostic["column"]) == (5, 40)
    assert "preact_bottleneck" in diagnostic["message"]
