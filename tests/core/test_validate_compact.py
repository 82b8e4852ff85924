"""The compact form: `depths` with per-stage `planes` (or `widths`) and optional `strides`
expands to exactly the plan the `stages` form gives, and findings point at its list items."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from archgen.config import Config
from archgen.pipeline import compile_spec
from archgen.render import render

from conftest import SPECS, ZOO, run_cli, write_spec

DEPTHS = {
    "resnet18": [2, 2, 2, 2],
    "resnet34": [3, 4, 6, 3],
    "resnet50": [3, 4, 6, 3],
    "resnet101": [3, 4, 23, 3],
    "resnet152": [3, 8, 36, 3],
}


def _compact(name: str) -> str:
    """The zoo spec ``name`` with its stages written in the compact form."""
    lines = (SPECS / f"{name}.yaml").read_text().splitlines()
    start = lines.index("stages:")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(" "))
    stages = yaml.safe_load("\n".join(lines[start:end]))["stages"]
    compact = [
        f"depths: {[stage['blocks'] for stage in stages]}",
        f"planes: {[stage['planes'] for stage in stages]}",
    ]
    return "\n".join([*lines[:start], *compact, *lines[end:]]) + "\n"


@pytest.mark.parametrize("name", ZOO)
def test_compact_form_is_the_same_network(name: str, tmp_path: Path) -> None:
    compact = write_spec(tmp_path, _compact(name), f"{name}.yaml")
    assert "stages" not in compact.read_text()
    long, short = (
        compile_spec(path, Config(root=path.parent))
        for path in (SPECS / f"{name}.yaml", compact)
    )
    assert short.diagnostics == () and short.plan is not None
    assert short.plan == long.plan
    assert short.spec_sha256 == long.spec_sha256  # what it means, not how it is written
    assert long.complexity is not None and short.complexity is not None
    assert render(short.plan, short.complexity, "s", short.spec_sha256) == render(
        long.plan, long.complexity, "s", long.spec_sha256
    )


def test_strides_and_widths(cli_in: Path) -> None:
    spec = write_spec(
        cli_in,
        "name: plain\ndefaults: {block: basic}\n"
        "depths: [2, 2, 2]\nwidths: [64, 128, 256]\nstrides: [1, 2, 2]\n",
    )
    long = write_spec(
        cli_in,
        "name: plain\ndefaults: {block: basic}\nstages:\n"
        "  - {blocks: 2, width: 64, out_channels: 64, stride: 1}\n"
        "  - {blocks: 2, width: 128, out_channels: 128, stride: 2}\n"
        "  - {blocks: 2, width: 256, out_channels: 256, stride: 2}\n",
        "long.yaml",
    )
    one, other = (compile_spec(p, Config(root=cli_in)) for p in (spec, long))
    assert one.diagnostics == () and one.plan == other.plan


@pytest.mark.parametrize(
    ("text", "code", "position", "fragment"),
    [
        (
            "depths: [3, 4]\nplanes: [64, 128]\nstages: [{blocks: 1, planes: 64}]\n",
            "AG108",
            (3, 1),
            "both 'stages' and the compact form ('depths')",
        ),
        (
            "depths: [3, 4]\nplanes: [64, 128, 256]\n",
            "AG104",
            (4, 9),
            "planes has 3 item(s) but depths has 2; expected one per stage",
        ),
        ("depths: [3, 4]\n", "AG101", (3, 1), "expected 'planes: [...]'"),
        (
            "depths: [3, 4]\nplanes: [64, 128]\nwidths: [64, 128]\n",
            "AG108",
            (5, 1),
            "both 'planes' and 'widths'",
        ),
        ("planes: [64, 128]\n", "AG101", (3, 1), "needs 'depths'"),
        ("depths: 3\nplanes: [64]\n", "AG103", (3, 9), "depths: expected a sequence"),
        (
            "depths: [3, 0]\nplanes: [64, 128]\n",
            "AG104",
            (3, 13),
            "depths[1] must be at least 1, found 0",
        ),
        (
            "depths: [3, '4']\nplanes: [64, 128]\n",
            "AG103",
            (3, 13),
            "depths[1]: expected an integer, found '4'",
        ),
        (
            "depths: [3, 4]\nplanes: [64, 128]\nstrides: [1, 3]\n",
            "AG203",
            (5, 14),
            "fix: strides[1]: 3 -> strides[1]: 2",
        ),
        (
            "depth: [3, 4]\nplanes: [64, 128]\n",
            "AG102",
            (3, 1),
            "unknown key 'depth'; did you mean 'depths'?",
        ),
    ],
)
def test_mistakes_in_the_compact_form_are_located_in_it(
    cli_in: Path, text: str, code: str, position: tuple[int, int], fragment: str
) -> None:
    write_spec(cli_in, "name: compact\ndefaults: {block: basic}\n" + text)
    found = json.loads(run_cli("lint", "--format", "json", "spec.yaml").out)
    assert [(d["code"], (d["line"], d["column"])) for d in found][:1] == [
        (code, position)
    ], found
    assert fragment in found[0]["message"]


def test_the_schema_accepts_the_compact_form_and_refuses_both_forms() -> None:
    schema = json.loads(run_cli("schema").out)
    compact = yaml.safe_load(_compact("resnet50"))
    jsonschema.validate(compact, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**compact, "stages": [{"blocks": 1}]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "depths": [1]}, schema)
