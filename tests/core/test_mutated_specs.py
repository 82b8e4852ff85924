"""Property-based tests: random mutations of valid specs never crash archgen; each is either
refused with located diagnostics or gives a plan that renders to valid Python."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archgen.config import Config
from archgen.pipeline import compile_spec
from archgen.render import render

from conftest import SPECS

FAST = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _write(tmp: Path, spec: dict[str, Any], suffix: str) -> Path | None:
    """The spec as a file, or None when YAML/JSON cannot represent one of its values."""
    path = tmp / f"spec{suffix}"
    try:
        text = (
            json.dumps(spec, allow_nan=False)
            if suffix == ".json"
            else yaml.safe_dump(spec)
        )
    except ValueError:  # a float NaN or infinity has no strict-JSON form
        return None
    path.write_text(text)
    return path


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
    path = _write(tmp, spec, suffix)
    if path is None:
        return
    result = compile_spec(path, Config(root=tmp))
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
