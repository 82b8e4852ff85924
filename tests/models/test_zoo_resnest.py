"""ResNeSt (``block: resnest``) against timm 1.0.31: parameters and MACs equal
NOTES.md's figures, timm's model and FlopCounterMode; state-dict keys, order and shapes identical;
strict loading; equal eval outputs; forward_intermediates equal to timm's feature maps and
feature_info equal to timm's; dilation (output_stride) as timm's; for the checked-in modules and
for modules built by the code under test."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from types import ModuleType

import pytest
import timm
import torch

from conftest import (
    GENERATED,
    RESNEST_REFERENCE,
    SPECS,
    build_module,
    load_module,
    meta_macs,
    run_cli,
    timm_reference,
)

X = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("name", sorted(RESNEST_REFERENCE))
def test_analytic_counts_equal_timm_and_notes(name: str) -> None:
    data = json.loads(run_cli("show", "--format", "json", SPECS / f"{name}.yaml").out)
    assert (data["params"], data["macs"]) == RESNEST_REFERENCE[name]
    with torch.device("meta"):
        reference = timm.create_model(name, pretrained=False)
    assert data["params"] == sum(p.numel() for p in reference.parameters())
    assert data["macs"] == meta_macs(reference)


@pytest.fixture(scope="module", params=sorted(RESNEST_REFERENCE))
def pair(request: pytest.FixtureRequest) -> tuple[str, ModuleType]:
    return request.param, load_module(GENERATED / f"{request.param}.py")


def test_layout_loading_outputs_and_features_equal_timm(
    pair: tuple[str, ModuleType],
) -> None:
    name, module = pair
    reference = timm_reference(name)
    ours = getattr(module, name)().eval()
    theirs = reference.state_dict()
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == [
        (k, v.shape) for k, v in theirs.items()
    ]
    assert sum(p.numel() for p in ours.parameters()) == RESNEST_REFERENCE[name][0]
    ours.load_state_dict(theirs, strict=True)
    features = timm.create_model(name, pretrained=False, features_only=True).eval()
    features.load_state_dict(
        {k: v for k, v in theirs.items() if not k.startswith("fc.")}
    )
    with torch.no_grad():
        torch.testing.assert_close(ours(X), reference(X), rtol=0, atol=1e-5)
        maps, expected = ours.forward_intermediates(X), features(X)
    assert len(maps) == len(expected) == 5
    for mine, timms in zip(maps, expected, strict=True):
        torch.testing.assert_close(mine, timms, rtol=0, atol=1e-5)
    assert [(i["num_chs"], i["reduction"]) for i in ours.feature_info] == [
        (i["num_chs"], i["reduction"]) for i in reference.feature_info
    ]


def test_resnest_built_from_its_spec_dilates_as_timm(tmp_path: Path) -> None:
    """Output stride 16: the last stage's first block neither strides nor pools (timm's avd
    acts on a stride only) and its split attention dilates; the module also scripts."""
    module = build_module(tmp_path, SPECS / "resnest50d_4s2x40d.yaml", output_stride=16)
    reference = timm_reference("resnest50d_4s2x40d", output_stride=16)
    ours = module.resnest50d_4s2x40d().eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    with torch.no_grad():
        torch.testing.assert_close(ours(X), reference(X), rtol=0, atol=1e-5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # torch.jit is deprecated
            scripted = torch.jit.script(ours)
        torch.testing.assert_close(scripted(X), reference(X), rtol=0, atol=1e-5)
    assert ours.forward_intermediates(X)[-1].shape[-1] == 64 // 16
