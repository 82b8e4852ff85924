"""Shared helpers: where things are, the published reference figures, and how to run archgen."""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib.util
import io
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from archgen.cli import main
from archgen.diagnostics import Diagnostic
from archgen.plan import NetworkPlan, lower
from archgen.source import Document, parse
from archgen.validate import expand, validate

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
GENERATED = ROOT / "generated"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = FIXTURES / "golden"

# Exact figures of the reference implementations (../shared/reference/NOTES.md: torchvision 0.29.1,
# torch 2.14.1). MACs = FlopCounterMode total / 2 for one 224x224 image.
REFERENCE: dict[str, tuple[int, int]] = {
    "resnet18": (11_689_512, 1_814_073_344),
    "resnet34": (21_797_672, 3_663_761_408),
    "resnet50": (25_557_032, 4_089_184_256),
    "resnet101": (44_549_160, 7_801_405_440),
    "resnet152": (60_192_808, 11_513_626_624),
    "resnext50_32x4d": (25_028_904, 4_230_479_872),
    "resnext101_32x8d": (88_791_336, 16_414_015_488),
    "resnext101_64x4d": (83_455_272, 15_460_270_080),
    "wide_resnet50_2": (68_883_240, 11_398_021_120),
    "wide_resnet101_2": (126_886_696, 22_753_050_624),
}
ZOO = sorted(REFERENCE)

# timm 1.0.31 (../shared/reference/NOTES.md), same conventions: params, MACs at 224x224.
TIMM_REFERENCE: dict[str, tuple[int, int]] = {
    "resnet18d": (11_708_744, 2_053_713_920),
    "resnet26": (15_995_176, 2_342_256_640),
    "resnet26d": (16_014_408, 2_581_897_216),
    "resnet26t": (16_011_872, 2_550_286_336),
    "resnet10t": (5_435_488, 1_097_259_008),
    "resnet50d": (25_576_264, 4_328_824_832),
    "resnet101d": (44_568_392, 8_041_046_016),
    "resnet50s": (25_680_808, 5_444_337_664),
    "resnet50t": (25_573_728, 4_297_213_952),
    "resnext50d_32x4d": (25_048_136, 4_470_120_448),
    "seresnet50": (28_088_024, 4_091_699_200),
    "seresnext50_32x4d": (27_559_896, 4_232_994_816),
    "seresnext101_32x4d": (48_955_416, 7_974_739_968),
    "ecaresnet50d": (25_576_350, 4_328_912_640),
    "resnetrs50": (35_691_912, 4_454_490_112),
}
TIMM_ZOO = sorted(TIMM_REFERENCE)

# timm 1.0.31's RegNets (NOTES.md), same conventions.
REGNET_REFERENCE: dict[str, tuple[int, int]] = {
    "regnetx_002": (2_684_792, 199_039_872),
    "regnetx_004": (5_157_512, 397_677_568),
    "regnetx_016": (9_190_136, 1_602_849_792),
    "regnetx_032": (15_296_552, 3_176_621_952),
    "regnety_004": (4_344_144, 401_842_848),
    "regnety_016": (11_202_430, 1_612_076_160),
    "regnety_032": (19_436_338, 3_176_482_752),
}
# torchvision 0.29.1's RegNets (NOTES.md, "The ResNeXt descendants"), same conventions.
TV_REGNET_REFERENCE: dict[str, tuple[int, int]] = {
    "regnet_x_400mf": (5_495_976, 413_812_608),
    "regnet_y_400mf": (4_344_144, 401_842_848),
    "regnet_x_1_6gf": (9_190_136, 1_602_849_792),
    "regnet_y_1_6gf": (11_202_430, 1_612_076_160),
}
# timm 1.0.31's pre-activation ResNets (NOTES.md, "The ResNeXt descendants"), same conventions.
RESNETV2_REFERENCE: dict[str, tuple[int, int]] = {
    "resnetv2_50": (25_549_352, 4_089_184_256),
    "resnetv2_50d": (25_568_584, 4_328_824_832),
    "resnetv2_50x1_bit": (25_549_352, 4_089_184_256),
}
# timm 1.0.31's Res2Nets (NOTES.md, "The ResNeXt descendants"), same conventions.
RES2NET_REFERENCE: dict[str, tuple[int, int]] = {
    "res2net50_26w_4s": (25_699_120, 4_255_166_464),
    "res2next50": (24_671_464, 4_172_677_120),
    "res2net50d": (25_718_352, 4_494_807_040),
}
# timm 1.0.31's SKNets (NOTES.md, "The ResNeXt descendants"), same conventions.
SKNET_REFERENCE: dict[str, tuple[int, int]] = {
    "skresnet18": (11_958_056, 1_814_337_536),
    "skresnext50_32x4d": (27_479_784, 4_462_710_784),
}
# timm 1.0.31's ResNeSts (NOTES.md, "The ResNeXt descendants"), same conventions.
RESNEST_REFERENCE: dict[str, tuple[int, int]] = {
    "resnest14d": (10_611_688, 2_749_405_184),
    "resnest50d": (27_483_240, 5_371_160_576),
    "resnest50d_4s2x40d": (30_417_592, 4_369_060_736),
}
ALL_REFERENCE = {
    **REFERENCE,
    **TIMM_REFERENCE,
    **REGNET_REFERENCE,
    **TV_REGNET_REFERENCE,
    **RESNETV2_REFERENCE,
    **RES2NET_REFERENCE,
    **SKNET_REFERENCE,
    **RESNEST_REFERENCE,
}
"""Every zoo spec's published parameters and MACs."""


def randomised(model: Any) -> Any:
    """``model`` (a torch module) in eval mode with non-trivial norm statistics and affine
    terms (timm zero-initialises some norms, which would hide a wrong one), the same for a
    seed. torch is imported here, not for every test."""
    import torch

    torch.manual_seed(0)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
        if isinstance(m, torch.nn.BatchNorm2d | torch.nn.GroupNorm):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.1)
    return model.eval()


def timm_reference(name: str, **kwargs: object) -> Any:
    """timm's model, :func:`randomised`."""
    import timm

    return randomised(timm.create_model(name, pretrained=False, **kwargs))


def meta_macs(model: Any) -> int:
    """FlopCounterMode's count / 2 for one 224x224 image, on the meta device (shapes only)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model.eval()(torch.empty(1, 3, 224, 224, device="meta"))
    return int(counter.get_total_flops()) // 2


def build_module(folder: Path, spec_path: Path, **changes: object) -> ModuleType:
    """Compile ``spec_path`` (with top-level ``changes``) with the code under test into
    ``folder`` and import the result: the generator itself, not the checked-in snapshot."""
    import yaml

    from archgen.config import Config
    from archgen.pipeline import compile_spec
    from archgen.render import render

    data = {**yaml.safe_load(spec_path.read_text(encoding="utf-8")), **changes}
    path = folder / spec_path.name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = compile_spec(path, Config(root=folder))
    assert result.plan is not None and result.complexity is not None, result.diagnostics
    target = folder / f"{result.plan.name}.py"
    target.write_text(render(result.plan, result.complexity, path.name, "0" * 64))
    return load_module(target)


@functools.cache
def zoo_module(name: str) -> ModuleType:
    """The zoo spec ``name`` compiled with the code and templates under test, once per process.

    Behaviour tests (parity, features, fusion, initialisation) use this, never the checked-in
    ``generated/`` files: those are compared with the generator by the ``build --check`` test
    alone, so a template mistake fails the behaviour tests before anyone regenerates them."""
    folder = Path(tempfile.mkdtemp(prefix=f"archgen-zoo-{name}-"))
    atexit.register(shutil.rmtree, folder, True)
    return build_module(folder, SPECS / f"{name}.yaml")


def load_module(path: Path) -> ModuleType:
    """Import a generated file by path, under a unique module name."""
    name = f"archgen_generated_{path.stem}_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(*args: str | Path) -> Run:
    """Run ``archgen ARGS`` in-process and capture what it prints."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(arg) for arg in args])
        except SystemExit as exit_:  # argparse usage errors and --version
            code = int(exit_.code or 0)
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch working folder with no pyproject.toml above it that archgen would read."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_spec(folder: Path, text: str, name: str = "spec.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
name: tiny
input: {channels: 3, image_size: 32}
stem: {width: 16, kernel_size: 3, stride: 1, pool: false}
defaults: {block: bottleneck, cardinality: 2, base_width: 32}
stages:
  - {blocks: 2, planes: 8}
  - {blocks: 1, planes: 16, stride: 2}
head: {num_classes: 10}
"""


def lowered(text: str) -> NetworkPlan | list[Diagnostic]:
    """A YAML spec parsed, expanded, validated and lowered in-process, stopping before the
    rules (the spec must load and validate; lowering may refuse it)."""
    document = parse(Path("spec.yaml"), "spec.yaml", text.encode("utf-8"))
    assert isinstance(document, Document), document
    expanded = expand(document)
    assert isinstance(expanded, Document), expanded
    spec = validate(expanded)
    assert not isinstance(spec, list), spec
    return lower(spec, expanded)


def golden(name: str, text: str) -> None:
    """``text`` equals tests/fixtures/golden/<name>.txt, whole.

    Never rewritten by a normal run: after an intended change of the output, run the tests with
    ``ARCHGEN_REGENERATE_GOLDENS=1`` (which writes the files instead of comparing) and review
    ``git diff tests/fixtures/golden`` before committing."""
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("ARCHGEN_REGENERATE_GOLDENS") == "1":
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"{path} is missing: ARCHGEN_REGENERATE_GOLDENS=1 writes it"
    assert text == path.read_text(encoding="utf-8"), (
        f"the output is no longer {path.name}; if the change is intended, regenerate the "
        "goldens with ARCHGEN_REGENERATE_GOLDENS=1 and review the diff"
    )
