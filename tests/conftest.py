"""Shared helpers: where things are, the published reference figures, and how to run archgen."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from archgen.cli import main

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
GENERATED = ROOT / "generated"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

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
