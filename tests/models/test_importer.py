"""``archgen import``: the ResNet lineage of timm 1.0.31 and torchvision 0.29.1 as specs.

Every name timm registers in its ResNet-lineage modules and every ResNet, ResNeXt, Wide ResNet
and RegNet of torchvision is imported: either its spec builds the reference (state-dict keys,
order and shapes on the meta device; analytic parameters equal torch's count) or the refusal
names the feature archgen does not express. A deterministic sample runs by default; the whole
lineage with ``ARCHGEN_LINEAGE=all pytest tests/models/test_importer.py`` (about 3 minutes on
2 cores). The zoo's hand-written specs equal what import writes for the same names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import timm
import torch
import torchvision
import yaml
from torchvision.models import regnet

import archgen
from archgen.cli import main

from conftest import SPECS

TIMM_MODULES = ("resnet", "regnet", "resnetv2", "res2net", "resnest", "sknet")
TORCHVISION_FAMILIES = ("resnet", "resnext", "wide_resnet", "regnet")
LINEAGE = [
    f"timm:{name}"
    for module in TIMM_MODULES
    for name in timm.list_models(module=module)
] + [
    f"torchvision:{name}"
    for name in torchvision.models.list_models(module=torchvision.models)
    if name.startswith(TORCHVISION_FAMILIES)
]
EVERY = 1 if os.environ.get("ARCHGEN_LINEAGE") == "all" else 6
SAMPLE = LINEAGE[::EVERY]


@contextmanager
def _meta() -> Iterator[None]:
    """Build on the meta device; torchvision's RegNet computes its widths with tensors, on
    the CPU."""
    original = regnet.BlockParams.from_init_params

    def on_cpu(*args: object, **kwargs: object) -> object:
        with torch.device("cpu"):
            return original(*args, **kwargs)

    with torch.device("meta"):
        regnet.BlockParams.from_init_params = on_cpu  # type: ignore[method-assign]
        try:
            yield
        finally:
            regnet.BlockParams.from_init_params = original  # type: ignore[method-assign]


def _reference(source: str, name: str) -> torch.nn.Module:
    if source == "timm":
        return timm.create_model(name, pretrained=False)
    return getattr(torchvision.models, name)(weights=None)


def test_the_lineage_is_what_the_issue_counts() -> None:
    assert len(LINEAGE) == 184
    assert sum(ref.startswith("torchvision:") for ref in LINEAGE) == 25


@pytest.mark.parametrize("reference", SAMPLE)
def test_an_imported_network_builds_the_reference_or_names_what_is_missing(
    reference: str,
) -> None:
    source, name = reference.split(":")
    try:
        text = archgen.import_spec(reference)
    except archgen.ArchgenError as error:
        (found,) = error.diagnostics
        assert found.code == "AG010" and found.message.startswith(f"{reference}: uses ")
        assert found.message.endswith(", which archgen does not express")
        return
    spec = yaml.safe_load(text)
    assert spec["name"] == name
    assert text.startswith(f"# Imported by `archgen import {reference}`")
    with _meta():
        ours = archgen.create_model(spec)
        theirs = _reference(source, name)
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == [
        (k, v.shape) for k, v in theirs.state_dict().items()
    ]
    params = sum(p.numel() for p in theirs.parameters())
    assert archgen.analyse(spec).params == params


def _zoo_reference(path: Path) -> str:
    layout = yaml.safe_load(path.read_text()).get("layout", "torchvision")
    return f"{'timm' if layout == 'timm' else 'torchvision'}:{path.stem}"


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_zoo_spec_is_what_import_writes(path: Path) -> None:
    """The same module but for the names the zoo gives the class and its description."""
    zoo = yaml.safe_load(path.read_text())
    imported = yaml.safe_load(archgen.import_spec(_zoo_reference(path)))
    imported.update(
        class_name=zoo.get("class_name"), description=zoo.get("description", "")
    )
    ours, theirs = archgen.render_source(imported), archgen.render_source(path)
    assert ours.split('"""', 2)[2] == theirs.split('"""', 2)[2]


def test_import_prints_writes_and_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "torchvision:resnet18"]) == 0
    printed = capsys.readouterr().out
    assert "name: resnet18\n" in printed and "depths: [2, 2, 2, 2]\n" in printed
    target = tmp_path / "r.yaml"
    assert main(["import", "timm:resnet152d", "-o", str(target)]) == 0
    assert archgen.analyse(target).params == 60_212_040
    assert (
        main(["import", "timm:resnet152d", "-o", str(target)]) != 0
    )  # never overwritten
    before = set(tmp_path.iterdir())
    assert main(["import", "timm:resnetblur50", "-o", str(tmp_path / "b.yaml")]) == 2
    err = capsys.readouterr().err
    assert (
        "AG010 timm:resnetblur50: uses anti-aliased downsampling: aa_layer=BlurPool2d"
        in err
    )
    assert set(tmp_path.iterdir()) == before  # nothing written
    assert main(["import", "keras:resnet50"]) == 2
    assert main(["import", "timm:no_such_net"]) == 2
