"""The ResNeXt descendants whose blocks split and merge channels, against timm 1.0.31: Res2Net and
Res2NeXt (``block: res2net``), SKNet (``sk_basic``, ``sk_bottleneck``) and ResNeSt (``resnest``).
Parameters and MACs equal NOTES.md's figures, timm's model and FlopCounterMode; state-dict keys,
order and shapes identical; strict loading; equal eval outputs; forward_intermediates equal to
timm's and feature_info equal to timm's; dilation (output_stride) as timm's and TorchScript, for
modules built by the code under test."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import timm
import torch

from conftest import (
    GENERATED,
    RES2NET_REFERENCE,
    RESNEST_REFERENCE,
    SKNET_REFERENCE,
    SPECS,
    build_module,
    load_module,
    meta_macs,
    run_cli,
    timm_reference,
)

X = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))
REFERENCE = {**RES2NET_REFERENCE, **SKNET_REFERENCE, **RESNEST_REFERENCE}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_analytic_counts_equal_timm_and_notes(name: str) -> None:
    data = json.loads(run_cli("show", "--format", "json", SPECS / f"{name}.yaml").out)
    assert (data["params"], data["macs"]) == REFERENCE[name]
    with torch.device("meta"):
        reference = timm.create_model(name, pretrained=False)
    assert data["params"] == sum(p.numel() for p in reference.parameters())
    assert data["macs"] == meta_macs(reference)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_layout_loading_outputs_and_features_equal_timm(name: str) -> None:
    reference = timm_reference(name)
    with torch.device(
        "meta"
    ):  # timm's weights are assigned: no initialisation to pay for
        ours = getattr(load_module(GENERATED / f"{name}.py"), name)().eval()
    theirs = reference.state_dict()
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == [
        (k, v.shape) for k, v in theirs.items()
    ]
    assert sum(p.numel() for p in ours.parameters()) == REFERENCE[name][0]
    ours.load_state_dict(theirs, strict=True, assign=True)
    with torch.no_grad():
        torch.testing.assert_close(ours(X), reference(X), rtol=0, atol=1e-5)
        maps = ours.forward_intermediates(X, intermediates_only=True)
        expected = reference.forward_intermediates(X, intermediates_only=True)
    assert len(maps) == len(expected) == 5
    for mine, timms in zip(maps, expected, strict=True):
        torch.testing.assert_close(mine, timms, rtol=0, atol=1e-5)
    assert [(i["num_chs"], i["reduction"]) for i in ours.feature_info] == [
        (i["num_chs"], i["reduction"]) for i in reference.feature_info
    ]


@pytest.mark.parametrize(
    ("name", "output_stride"),
    [
        # The last stage's first block: its pooled part keeps stride 1, its parts dilate.
        ("res2next50", 16),
        # A stage's first block: the selective kernel keeps the previous dilation (its 5x5
        # path twice it), the second convolution takes the new one.
        ("skresnet18", 8),
        # No stride, so no avd pool (timm pools only a stride); split attention dilates.
        ("resnest14d", 16),
    ],
)
@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:FutureWarning")
def test_built_from_the_spec_dilates_and_scripts_as_timm(
    tmp_path: Path, name: str, output_stride: int
) -> None:
    module = build_module(tmp_path, SPECS / f"{name}.yaml", output_stride=output_stride)
    reference = timm_reference(name, output_stride=output_stride)
    with torch.device("meta"):
        ours = getattr(module, name)().eval()
    ours.load_state_dict(reference.state_dict(), strict=True, assign=True)
    with torch.no_grad():
        expected = reference(X)
        torch.testing.assert_close(ours(X), expected, rtol=0, atol=1e-5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # torch.jit is deprecated
            scripted = torch.jit.script(ours)
        torch.testing.assert_close(scripted(X), expected, rtol=0, atol=1e-5)
        assert (
            ours.forward_intermediates(X, intermediates_only=True)[-1].shape[-1]
            == 64 // output_stride
        )
