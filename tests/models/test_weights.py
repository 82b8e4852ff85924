"""``archgen.load_weights``: weights in from every reference model of the zoo, into headless
models too, with equal outputs; from files and wrapped models; and reports in the spec's terms
when they do not fit."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import timm
import torch
import torchvision

import archgen

from conftest import REFERENCE, REGNET_REFERENCE, TV_REGNET_REFERENCE

TORCHVISION_LAYOUT = sorted({**REFERENCE, **TV_REGNET_REFERENCE})
X = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))


def _randomised(model: torch.nn.Module) -> torch.nn.Module:
    torch.manual_seed(0)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
    return model.eval()


@pytest.mark.parametrize("name", TORCHVISION_LAYOUT)
def test_torchvision_weights_move_into_a_headless_model_with_equal_features(
    name: str,
) -> None:
    reference = _randomised(getattr(torchvision.models, name)())
    ours = archgen.create_model(name, num_classes=0).eval()
    with pytest.warns(UserWarning, match=r"left out fc \(2 tensors\)"):
        report = archgen.load_weights(ours, reference)
    assert report.left_out == ("fc.weight", "fc.bias")
    assert report.loaded == len(reference.state_dict()) - 2
    reference.fc = torch.nn.Identity()
    with torch.no_grad():
        torch.testing.assert_close(ours(X), reference(X))


def test_full_and_features_only_timm_models_load_each_other() -> None:
    full = _randomised(timm.create_model("resnetv2_50d", pretrained=False))
    features = archgen.create_model(
        "resnetv2_50d", features_only=True, out_indices=(2, 3)
    )
    with pytest.warns(UserWarning, match="left out"):
        report = archgen.load_weights(features, full)
    # timm's FeatureListNet flattens resnetv2's containers: stages.0 -> stages_0
    assert report.renamed == report.loaded > 0
    assert {name.split(".")[0] for name in report.left_out} == {
        "stages",
        "norm",
        "head",
    }
    reference = timm.create_model(
        "resnetv2_50d", pretrained=False, features_only=True, out_indices=(2, 3)
    )
    reference.load_state_dict(features.state_dict())
    with torch.no_grad():
        for mine, theirs in zip(features.eval()(X), reference.eval()(X), strict=True):
            torch.testing.assert_close(mine, theirs)
    back = archgen.create_model("resnetv2_50d", num_classes=0).eval()
    report = archgen.load_weights(back, features, strict=False)
    assert report.missing and all(
        k.startswith(("stages.3", "norm.")) for k in report.missing
    )


@pytest.mark.parametrize("suffix", [".pt", ".safetensors"])
def test_weights_load_from_files_checkpoints_and_wrapped_models(
    tmp_path: Path, suffix: str
) -> None:
    reference = _randomised(torchvision.models.resnet18())
    state = reference.state_dict()
    path = tmp_path / f"weights{suffix}"
    if suffix == ".pt":
        # a training checkpoint of a DistributedDataParallel model
        wrapped = {f"module.{k}": v for k, v in state.items()}
        torch.save({"epoch": 3, "state_dict": wrapped}, path)
    else:
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    ours = archgen.create_model("resnet18").eval()
    report = archgen.load_weights(ours, path)
    assert report.loaded == len(state)
    with torch.no_grad():
        torch.testing.assert_close(ours(X), reference(X))


def test_weights_of_another_architecture_are_reported_in_the_specs_terms() -> None:
    ours = archgen.create_model("resnet50")
    before = {k: v.clone() for k, v in ours.state_dict().items()}
    with pytest.raises(archgen.ArchgenError) as raised:
        archgen.load_weights(ours, torchvision.models.resnet34())
    messages = [d.message for d in raised.value.diagnostics]
    assert messages[0] == (
        "stage 1, block 1: conv3 (layer1.0.conv3) is not in the weights: weight"
    )
    assert messages[-1].startswith("and ") and "another architecture" in messages[-1]
    assert all(d.path == "<load_weights>" for d in raised.value.diagnostics)
    # strict: nothing was loaded
    assert all(torch.equal(v, before[k]) for k, v in ours.state_dict().items())


def test_mis_shaped_tensors_name_stage_block_and_component() -> None:
    ours = archgen.create_model("resnet18", num_classes=10)
    reference = torchvision.models.resnet18()
    with pytest.raises(archgen.ArchgenError) as raised:
        archgen.load_weights(ours, reference)
    assert [d.message for d in raised.value.diagnostics] == [
        "after the stages: fc.weight (fc.weight): expected shape (10, 512), found "
        "(1000, 512) in the weights",
        "after the stages: fc.bias (fc.bias): expected shape (10,), found (1000,) in the "
        "weights",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing left out on purpose: no warning
        report = archgen.load_weights(ours, reference, strict=False)
    assert report.mismatched == ("fc.weight", "fc.bias")
    assert report.loaded == len(reference.state_dict()) - 2
    torch.testing.assert_close(
        ours.conv1.weight, reference.conv1.weight, rtol=0, atol=0
    )


@pytest.mark.parametrize(
    ("model", "source", "expected"),
    [
        ("resnet18", 42, "source: expected a model, a state dict or a file"),
        ("resnet18", {"a": 1}, "source: a mapping that is neither a state dict"),
        ("resnet18", "no/such/file.pt", "no such file of weights"),
        (None, {}, "model: expected a torch.nn.Module"),
    ],
)
def test_bad_sources_and_models_are_archgen_errors(
    model: str | None, source: object, expected: str
) -> None:
    built = archgen.create_model(model) if model else "not a model"
    with pytest.raises(archgen.ArchgenError) as raised:
        archgen.load_weights(built, source)  # type: ignore[arg-type]
    assert expected in raised.value.diagnostics[0].message


def test_a_file_that_is_not_weights_is_an_archgen_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.pt"
    path.write_text("not a pickle")
    with pytest.raises(archgen.ArchgenError) as raised:
        archgen.load_weights(archgen.create_model("resnet18"), path)
    assert raised.value.diagnostics[0].code == "AG001"
    assert "not a file of weights" in raised.value.diagnostics[0].message


SAME_ACROSS_LAYOUTS = [
    (tv, timm_name)
    for tv, figures in TV_REGNET_REFERENCE.items()
    for timm_name, theirs in REGNET_REFERENCE.items()
    if figures == theirs
]
"""torchvision's and timm's RegNets of the same published parameters and MACs."""


@pytest.mark.parametrize(("tv", "timm_name"), SAME_ACROSS_LAYOUTS)
def test_weights_move_between_torchvision_and_timm_layouts(
    tv: str, timm_name: str
) -> None:
    """torchvision's RegNet weights into the timm-layout spec and back: the names differ
    (trunk_output.block1.block1-0.f.a.0 / s1.b1.conv1.conv), the network does not."""
    assert len(SAME_ACROSS_LAYOUTS) == 3
    for ours_name, reference in (
        (timm_name, getattr(torchvision.models, tv)()),
        (tv, timm.create_model(timm_name, pretrained=False)),
    ):
        reference = _randomised(reference)
        ours = archgen.create_model(ours_name).eval()
        report = archgen.load_weights(ours, reference)
        assert report.renamed == report.loaded == len(reference.state_dict())
        with torch.no_grad():
            torch.testing.assert_close(ours(X), reference(X))


def test_batch_norm_weights_move_into_frozen_batch_norm() -> None:
    """A frozen batch norm has no step counter: num_batches_tracked is not a weight."""
    reference = _randomised(torchvision.models.resnet18())
    ours = archgen.create_model("resnet18", norm={"type": "frozen_batch"}).eval()
    report = archgen.load_weights(ours, reference)
    assert not report.unexpected and report.loaded == len(ours.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(ours(X), reference(X))
