"""The RegNet zoo against timm 1.0.31 and the RegNet paper: parameters and MACs equal timm's
and round to the paper's published figures; identical state-dict layout; strict loading; equal
outputs and features, for the checked-in modules and for modules built by the code under test."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
import timm
import torch

from conftest import (
    GENERATED,
    REGNET_REFERENCE,
    SPECS,
    build_module,
    load_module,
    run_cli,
)

REGNET = REGNET_REFERENCE
# Radosavovic et al. 2020, Tables 4 and 5 (appendix): params in millions, GF (multiply-adds).
PAPER = {
    "regnetx_002": (2.7, 0.2),
    "regnetx_004": (5.2, 0.4),
    "regnetx_016": (9.2, 1.6),
    "regnetx_032": (15.3, 3.2),
    "regnety_004": (4.3, 0.4),
    "regnety_016": (11.2, 1.6),
    "regnety_032": (19.4, 3.2),
}
X = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("name", sorted(REGNET))
def test_analytic_counts_equal_timm_and_the_paper(name: str) -> None:
    import json

    data = json.loads(run_cli("show", "--format", "json", SPECS / f"{name}.yaml").out)
    assert (data["params"], data["macs"]) == REGNET[name]
    params, gigaflops = PAPER[name]
    assert round(data["params"] / 1e6, 1) == params
    assert round(data["macs"] / 1e9, 1) == gigaflops


@pytest.fixture(scope="module", params=sorted(REGNET))
def pair(request: pytest.FixtureRequest) -> tuple[str, ModuleType]:
    return request.param, load_module(GENERATED / f"{request.param}.py")


def _reference(name: str) -> torch.nn.Module:
    torch.manual_seed(0)
    model = timm.create_model(name, pretrained=False)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5)
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return model.eval()


def test_layout_loading_outputs_and_features_equal_timm(
    pair: tuple[str, ModuleType],
) -> None:
    name, module = pair
    reference = _reference(name)
    ours = getattr(module, name)().eval()
    assert list(ours.state_dict()) == list(reference.state_dict())
    assert sum(p.numel() for p in ours.parameters()) == REGNET[name][0]
    ours.load_state_dict(reference.state_dict(), strict=True)
    features = timm.create_model(name, pretrained=False, features_only=True).eval()
    features.load_state_dict(
        {k: v for k, v in reference.state_dict().items() if not k.startswith("head.")}
    )
    with torch.no_grad():
        torch.testing.assert_close(ours(X), reference(X), rtol=0, atol=0)
        for mine, theirs in zip(
            ours.forward_intermediates(X, intermediates_only=True),
            features(X),
            strict=True,
        ):
            torch.testing.assert_close(mine, theirs, rtol=0, atol=0)
    assert ours.feature_info == [
        {key: info[key] for key in ("num_chs", "reduction", "module")}
        for info in reference.feature_info
    ]


def test_the_generator_builds_regnety_as_checked_in(tmp_path: Path) -> None:
    built = build_module(tmp_path, SPECS / "regnety_016.yaml")
    reference = _reference("regnety_016")
    ours = built.regnety_016().eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    with torch.no_grad():
        torch.testing.assert_close(ours(X), reference(X), rtol=0, atol=0)


def test_regnet_specs_need_no_lint_ignore_and_get_their_own_rules(
    tmp_path: Path,
) -> None:
    assert run_cli("lint", *(SPECS / f"{name}.yaml" for name in REGNET)).code == 0
    narrowing = tmp_path / "narrowing.yaml"
    narrowing.write_text(
        "name: narrowing\ndesign_space: anynet\nlayout: timm\n"
        "stem: {width: 32, kernel_size: 3, pool: none}\ndefaults: {block: regnet, stride: 2}\n"
        "stages:\n"
        "  - {blocks: 2, width: 64, group_width: 16, out_channels: 64}\n"
        "  - {blocks: 2, width: 60, group_width: 20, out_channels: 60}\n"
    )
    import json

    found = json.loads(
        run_cli("lint", "--format", "json", "--show-info", narrowing).out
    )
    codes = sorted({d["code"] for d in found})
    assert codes == ["AG501", "AG502", "AG503"], found
    assert not any(code.startswith("AG3") for code in codes)
