"""Property-based tests: random valid specs compile to working models whose measured size is the
analysed size; random mutations of valid specs never crash archgen."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import torch
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archgen.config import Config
from archgen.pipeline import compile_spec
from archgen.render import render

from conftest import SPECS, load_module

FAST = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def valid_specs(draw: st.DrawFn) -> dict[str, Any]:
    """Small networks of either block type, any stride pattern, grouped or not, maybe dilated."""
    block = draw(st.sampled_from(["basic", "bottleneck"]))
    cardinality = 1 if block == "basic" else draw(st.sampled_from([1, 2, 4]))
    stages = []
    for index in range(draw(st.integers(1, 4))):
        stage: dict[str, Any] = {
            "blocks": draw(st.integers(1, 3)),
            "planes": draw(st.sampled_from([4, 8, 16])),
            "stride": 1 if index == 0 else draw(st.sampled_from([1, 2])),
        }
        if block == "bottleneck" and index > 0 and draw(st.booleans()):
            stage["dilate"] = True
        stages.append(stage)
    return {
        "name": "random_net",
        "input": {
            "channels": draw(st.sampled_from([1, 3])),
            "image_size": draw(st.integers(8, 40)),
        },
        "stem": {
            "width": draw(st.sampled_from([8, 16])),
            "kernel_size": draw(st.sampled_from([3, 5, 7])),
            "stride": draw(st.sampled_from([1, 2])),
            "pool": draw(st.booleans()),
        },
        "defaults": {
            "block": block,
            "cardinality": cardinality,
            "base_width": draw(st.sampled_from([16, 64])),
        },
        "stages": stages,
        "head": {"num_classes": draw(st.integers(1, 12))},
        "init": {"zero_init_residual": draw(st.booleans())},
    }


def _compile(tmp: Path, spec: dict[str, Any], suffix: str = ".yaml"):  # type: ignore[no-untyped-def]
    path = tmp / f"spec{suffix}"
    path.write_text(json.dumps(spec) if suffix == ".json" else yaml.safe_dump(spec))
    return compile_spec(path, Config(root=tmp))


@FAST
@given(spec=valid_specs())
def test_random_valid_specs_build_models_that_match_their_plan(
    tmp_path_factory: Any, spec: dict[str, Any]
) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    result = _compile(tmp, spec)
    plan, complexity = result.plan, result.complexity
    assert plan is not None and complexity is not None, result.diagnostics
    source = render(plan, complexity, "spec.yaml", "0" * 64)
    compile(source, "random_net.py", "exec")
    (tmp / "random_net.py").write_text(source)
    ruff = shutil.which("ruff")
    if ruff:  # every combination of block options the generator draws is formatted as ruff would
        for args in (["check", "--isolated"], ["format", "--check", "--isolated"]):
            checked = subprocess.run(
                [ruff, *args, str(tmp / "random_net.py")],
                capture_output=True,
                text=True,
            )
            assert checked.returncode == 0, checked.stdout + source
    model = load_module(tmp / "random_net.py").random_net().eval()
    assert sum(p.numel() for p in model.parameters()) == complexity.total.params
    size = plan.image_size
    x = torch.randn(2, plan.in_channels, size, size)
    with torch.no_grad():
        features = model.forward_features(x)
        logits = model(x)
    last = plan.stages[-1]
    assert features.shape == (2, last.out_channels, last.out_size, last.out_size)
    assert logits.shape == (2, plan.head.num_classes)


def _mutations() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True),
        st.text(max_size=20),
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6,
    )


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(sorted(SPECS.glob("*.yaml"))),
    data=st.data(),
    suffix=st.sampled_from([".yaml", ".json"]),
)
def test_mutated_specs_validate_or_fail_with_a_diagnostic(
    tmp_path_factory: Any, base: Path, data: st.DataObject, suffix: str
) -> None:
    spec = yaml.safe_load(base.read_text())
    paths = _paths(spec)[1:]
    target = data.draw(st.sampled_from(paths))
    parent = spec
    for key in target[:-1]:
        parent = parent[key]
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        parent[target[-1]] = data.draw(_mutations())
    elif action == "delete":
        del parent[target[-1]]
    elif isinstance(parent, dict):
        parent[data.draw(st.text(max_size=12))] = data.draw(_mutations())
    else:
        parent.append(data.draw(_mutations()))
    tmp = tmp_path_factory.mktemp("mut")
    try:
        result = _compile(tmp, spec, suffix)
    except (ValueError, OverflowError):
        return  # json/yaml could not even write this value (e.g. a float NaN in strict JSON)
    if result.plan is None:
        assert result.diagnostics, "a spec without a plan must say why"
        for diagnostic in result.diagnostics:
            assert (
                diagnostic.line >= 1 and diagnostic.column >= 1 and diagnostic.message
            )
    else:
        assert result.complexity is not None
        compile(
            render(result.plan, result.complexity, "spec", "0" * 64), "m.py", "exec"
        )
