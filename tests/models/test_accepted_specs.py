"""Accepted means working, tested from the schema.

Specs are drawn from the published JSON schema (``schema_strategy``), so every key and value it
names is reached, a new one the day it is added. Each drawn spec is either refused with located
diagnostics that carry a code, or accepted without errors; an accepted spec's module passes ruff,
constructs (also with ``zero_init_residual``), trains a step at its declared input and at an odd
size, scripts, fuses (channels-last too) to the same outputs, and has exactly the parameters,
MACs and feature maps archgen's plan reports.

Each shard draws its own specs and checks the modules it accepted with one ruff run.
``ARCHGEN_SPECS_PER_SHARD`` sets how many specs each of the 10 shards draws (CI: 100, so at
least 1,000 a run); the long run of the README's Development section sets 2,000.
"""

from __future__ import annotations

import copy
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml
from hypothesis import HealthCheck, given, seed, settings
from torch.utils.flop_counter import FlopCounterMode

from archgen.codes import CODES
from archgen.config import Config
from archgen.diagnostics import Severity
from archgen.features import FeatureListNet
from archgen.pipeline import Compiled, compile_document
from archgen.render import render
from archgen.source import Document, parse

from conftest import load_module
from schema_strategy import specs

SHARDS = 10
PER_SHARD = int(os.environ.get("ARCHGEN_SPECS_PER_SHARD", "100"))
SPECS = specs()


@dataclass
class Tally:
    refused: int = 0
    accepted: list[tuple[dict[str, Any], Compiled, Path]] = field(default_factory=list)
    numbers: Iterator[int] = field(default_factory=itertools.count)
    """A folder per module drawn, also for those hypothesis draws again while shrinking."""


def _compiled(folder: Path, data: dict[str, Any]) -> Compiled | None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    document = parse(folder / "spec.yaml", "spec.yaml", text.encode("utf-8"))
    if not isinstance(document, Document):
        return None  # refused while loading: a diagnostic with its code
    return compile_document(document, Config(root=folder))


def _refusal_is_located(result: Compiled) -> None:
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert errors
    for diagnostic in errors:
        assert diagnostic.code in CODES
        assert diagnostic.line >= 1 and diagnostic.column >= 1
        assert diagnostic.message


def _measured(model: torch.nn.Module, x: torch.Tensor) -> tuple[int, int]:
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(x)
    return sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2


def _close(actual: torch.Tensor, expected: torch.Tensor) -> None:
    scale = float(expected.abs().max()) if expected.numel() else 0.0
    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-4 * scale + 1e-6)


def _works(data: dict[str, Any], result: Compiled, path: Path) -> None:
    """Everything an accepted spec promises, checked on its module."""
    plan, complexity = result.plan, result.complexity
    assert plan is not None and complexity is not None
    builder = getattr(load_module(path), plan.name)
    builder(zero_init_residual=True)
    model = builder().eval()
    size, channels = plan.image_size, plan.in_channels
    x = torch.randn(2, channels, size, size)
    assert _measured(model, x[:1]) == (complexity.total.params, complexity.total.macs)
    with torch.no_grad():
        maps = model.forward_intermediates(x, intermediates_only=True)
        expected = model(x)
        last, _ = model.forward_intermediates(x, indices=1)
        _close(last, model.forward_features(x))
        # the features-only model runs the network's modules in their order
        for extracted, map_ in zip(FeatureListNet(model)(x), maps, strict=True):
            _close(extracted, map_)
    assert [tuple(m.shape) for m in maps] == [
        (2, tap.channels, tap.size, tap.size) for tap in plan.features
    ]
    assert expected.shape == (2, plan.num_classes or plan.num_features)
    scripted = torch.jit.script(model)
    with torch.no_grad():
        _close(scripted(x), expected)
        fused = copy.deepcopy(model).fuse()
        _close(fused(x), expected)
        last = fused.to(memory_format=torch.channels_last)
        _close(last(x.to(memory_format=torch.channels_last)), expected)
    model.train()
    odd = size + 1 if size % 2 == 0 else size + 2
    for side in (size, odd):
        model.zero_grad()
        model(torch.randn(2, channels, side, side)).sum().backward()
        assert any(p.grad is not None for p in model.parameters())


def _ruff_clean(paths: list[Path]) -> None:
    if not paths:
        return
    for args in (["check", "--isolated"], ["format", "--check", "--isolated"]):
        checked = subprocess.run(
            [sys.executable, "-m", "ruff", *args, *map(str, paths)],
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Tiny networks run fastest on one thread, and pytest-xdist runs a worker per core."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("shard", range(SHARDS))
@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:FutureWarning")
@pytest.mark.usefixtures("one_thread")
def test_every_spec_the_schema_allows_is_refused_with_a_location_or_works(
    shard: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp(f"shard{shard}")
    tally = Tally()

    @seed(shard)
    @settings(
        max_examples=PER_SHARD,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(data=SPECS)
    def check(data: dict[str, Any]) -> None:
        result = _compiled(folder, data)
        if (
            result is None
            or result.plan is None
            or any(d.severity is Severity.ERROR for d in result.diagnostics)
        ):
            if result is not None:
                _refusal_is_located(result)
            tally.refused += 1
            return
        assert result.complexity is not None
        path = folder / f"m{next(tally.numbers)}" / f"{result.plan.name}.py"
        path.parent.mkdir()
        path.write_text(render(result.plan, result.complexity, "spec.yaml", "0" * 64))
        _works(data, result, path)
        tally.accepted.append((data, result, path))

    check()
    _ruff_clean([path for _, _, path in tally.accepted])
    print(f"shard {shard}: {tally.refused} refused, {len(tally.accepted)} accepted")
    # the generator reaches working networks, not only refusals
    assert len(tally.accepted) >= PER_SHARD // 20
