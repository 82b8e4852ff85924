"""Components defined once: the schema names exactly the component records, each record renders
and initialises as its reference does, and the corners where a record and a pass disagreed are
closed (issue: components defined once, and every spec archgen accepts gives a working network)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import timm
import torch
import torchvision
import yaml

from archgen import recipes
from archgen.diagnostics import Diagnostic
from archgen.spec import json_schema

from conftest import (
    REFERENCE,
    REGNET_REFERENCE,
    SPECS,
    TIMM_REFERENCE,
    build_module,
    lowered,
)


def _folder(tmp_path: Path) -> Path:
    """Where a test's module is generated, apart from its spec."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def _enum(schema: dict[str, Any], *path: str) -> set[object]:
    node: Any = schema
    for key in path:
        node = node[key]
    if "anyOf" in node:
        node = next(option for option in node["anyOf"] if "enum" in option)
    return set(node["enum"])


def test_the_schema_names_exactly_the_component_records() -> None:
    schema = json_schema()
    defs = "$defs"
    assert _enum(schema, defs, "AttentionSpec", "properties", "type") == set(
        recipes.ATTENTIONS
    )
    assert _enum(schema, defs, "NormSpec", "properties", "type") == set(recipes.NORMS)
    assert _enum(schema, "properties", "act") == set(recipes.ACTS)
    assert _enum(schema, defs, "StemSpec", "properties", "type") == set(recipes.STEMS)
    pools = _enum(schema, defs, "StemSpec", "properties", "pool")
    aliases = {a for record in recipes.STEM_POOLS.values() for a in record.aliases}
    assert pools == set(recipes.STEM_POOLS) | aliases
    options = (defs, "StageOptions", "properties")
    assert _enum(schema, *options, "block") == set(recipes.BLOCKS)
    assert _enum(schema, *options, "shortcut") == set(recipes.SHORTCUTS)


def test_schema_descriptions_come_from_each_record() -> None:
    text = str(json_schema())
    for record in recipes.ATTENTIONS.values():
        assert record.doc in text
    for record in recipes.STEMS.values():
        assert record.doc in text


def test_every_record_a_module_defines_is_a_reserved_name() -> None:
    from archgen.names import why_reserved

    for record in recipes.ATTENTIONS.values():
        assert why_reserved(record.class_name) is not None, record.class_name
    for block in recipes.BLOCKS.values():
        assert why_reserved(block.class_name) is not None
        assert why_reserved(block.class_name + "2") is not None
    for shortcut in recipes.SHORTCUTS.values():
        assert why_reserved(shortcut.function) is not None
        assert why_reserved(shortcut.function + "_2") is not None


# --- zero-init targets ----------------------------------------------------------------------


def _zeroed(model: torch.nn.Module) -> set[str]:
    return {
        name
        for name, tensor in model.state_dict().items()
        if name.endswith(".weight") and tensor.numel() and not tensor.any()
    }


_ZERO_INIT_CASES = [
    ("resnet18", lambda: torchvision.models.resnet18(zero_init_residual=True)),
    ("resnet50", lambda: torchvision.models.resnet50(zero_init_residual=True)),
    ("resnet18d", lambda: timm.create_model("resnet18d", zero_init_last=True)),
    ("resnet50d", lambda: timm.create_model("resnet50d", zero_init_last=True)),
    ("regnetx_002", lambda: timm.create_model("regnetx_002", zero_init_last=True)),
    ("regnety_004", lambda: timm.create_model("regnety_004", zero_init_last=True)),
]


@pytest.mark.parametrize(
    ("name", "reference"), _ZERO_INIT_CASES, ids=[case[0] for case in _ZERO_INIT_CASES]
)
def test_zero_init_residual_zeroes_what_the_reference_zeroes(
    name: str, reference: Any, tmp_path: Path
) -> None:
    module = build_module(tmp_path, SPECS / f"{name}.yaml")
    ours = getattr(module, name)(zero_init_residual=True)
    expected = _zeroed(reference())
    assert expected  # the reference zeroes the last norm of every residual branch
    assert _zeroed(ours) == expected


# --- attention on RegNet blocks -------------------------------------------------------------

_REGNET_STAGE = """\
name: tiny_regnet
input: {channels: 3, image_size: 32}
stem: {width: 32, kernel_size: 3, pool: none}
defaults: {block: regnet, attention: ATTENTION}
stages:
  - {blocks: 1, width: 24, out_channels: 24, group_width: 8, stride: 2}
  - {blocks: 1, width: 48, out_channels: 48, group_width: 8, stride: 2}
lint: {ignore: [AG5]}
"""


def _findings(text: str) -> list[tuple[str, str, int, int]]:
    found = lowered(text)
    assert isinstance(found, list), "expected a refusal"
    assert all(isinstance(d, Diagnostic) for d in found)
    return [(d.code, d.message, d.line, d.column) for d in found]


def test_regnet_squeeze_excitation_that_rounds_to_zero_is_refused_at_its_ratio() -> (
    None
):
    text = _REGNET_STAGE.replace("ATTENTION", "{type: se, ratio: 0.01}")
    [(code, message, line, column)] = _findings(text)
    assert code == "AG206"
    assert "sizes its se attention on 24 channels to 0; expected at least 1" in message
    assert (line, column) == (4, 38)


def test_regnet_se_ratio_that_rounds_to_zero_is_refused_at_se_ratio() -> None:
    text = """\
name: tiny_regnet
layout: timm
stem: {width: 32, kernel_size: 3, pool: none}
regnet: {w0: 24, wa: 36.44, wm: 2.49, depth: 13, group_width: 8, se_ratio: 0.01}
"""
    [(code, message, line, column)] = _findings(text)
    assert code == "AG206" and "to 0; expected at least 1" in message
    assert text.splitlines()[line - 1][column - 1 :].startswith("0.01")


def test_eca_on_a_regnet_block_builds_eca_sized_from_what_it_gates(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "tiny_regnet.yaml"
    spec.write_text(_REGNET_STAGE.replace("ATTENTION", "{type: eca}"))
    model = build_module(_folder(tmp_path), spec).tiny_regnet()
    attention = [m for m in model.modules() if type(m).__name__.endswith("Attention")]
    assert [type(m).__name__ for m in attention] == ["EfficientChannelAttention"] * 2
    # ECA's kernel follows the gated (bottleneck) width: 3 for 24 and for 48 channels
    assert [m.conv.kernel_size for m in attention] == [(3,), (3,)]
    assert not any("SqueezeExcite" in type(m).__name__ for m in model.modules())


def test_eca_refuses_a_divisor_on_a_regnet_block_too() -> None:
    text = _REGNET_STAGE.replace("ATTENTION", "{type: eca, divisor: 4}")
    found = _findings(text)
    assert {code for code, *_ in found} == {"AG108"}
    assert "'eca' attention a divisor, which applies to 'se' attention" in found[0][1]


def test_regnet_se_ratio_and_default_attention_together_are_refused() -> None:
    text = """\
name: tiny_regnet
layout: timm
stem: {width: 32, kernel_size: 3, pool: none}
defaults: {attention: {type: eca}}
regnet: {w0: 24, wa: 36.44, wm: 2.49, depth: 13, group_width: 8, se_ratio: 0.25}
"""
    [(code, message, line, column)] = _findings(text)
    assert code == "AG108" and "both give the blocks' attention" in message
    assert (line, column) == (5, 66)  # the se_ratio key


# --- limits apply to what a spec expands to -------------------------------------------------


def test_regnet_that_expands_past_the_stage_limit_is_refused_at_wm() -> None:
    text = """\
name: long_regnet
layout: timm
stem: {width: 32, kernel_size: 3, pool: none}
regnet: {w0: 8, wa: 8, wm: 1.2, depth: 100, group_width: 8}
"""
    [(code, message, line, _)] = _findings(text)
    assert code == "AG109"
    assert "regnet expands to 21 stages; archgen's limit is 16" in message
    assert line == 4


def test_regnet_whose_bottleneck_is_narrower_than_a_group_is_refused() -> None:
    # width 8 * b 2 = 16 rounds to one group of 11; the width is then int(11 / 2) = 5, whose
    # bottleneck round(5 * 2) = 10 holds no group of 11 (timm builds Conv2d(groups=0) here)
    text = """\
name: narrow_regnet
layout: timm
input: {image_size: 16}
regnet: {w0: 8, wa: 0.0, wm: 2.0, depth: 1, group_width: 11, bottleneck_ratio: 2.0}
"""
    [(code, message, line, _)] = _findings(text)
    assert code == "AG104" and line == 4
    assert (
        "bottleneck of round(5 * 2.0) = 10 channels, fewer than its group width 11"
        in message
    )


def test_dilation_that_replaces_many_strides_is_refused_at_output_stride() -> None:
    text = """\
name: dilated
stem: {width: 16, kernel_size: 3, stride: 1, pool: none}
output_stride: 8
defaults: {block: basic}
depths: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
widths: [16, 16, 16, 16, 16, 16, 16, 16, 16, 16]
strides: [4, 4, 4, 4, 4, 4, 4, 4, 4, 4]
"""
    [(code, message, line, column)] = _findings(text)
    assert code == "AG109"
    assert "dilates its convolutions by 4,096; archgen's limit is 1,024" in message
    assert (line, column) == (3, 16)


# --- the generated module's text -----------------------------------------------------------

_MANY_CLASSES = """\
name: many_classes
input: {channels: 3, image_size: 32}
stem: {width: 16, kernel_size: 3, stride: 1, pool: none}
defaults: {block: bottleneck}
stages:
  - {blocks: 1, planes: 8}
  - {blocks: 1, planes: 8, attention: {type: se}}
  - {blocks: 1, planes: 8, attention: {type: eca}}
  - {blocks: 1, planes: 8, attention: {type: ese}}
  - {blocks: 1, planes: 8, stride: 2, stride_on: 1x1}
  - {blocks: 1, planes: 32, block: basic}
  - {blocks: 1, planes: 32, block: basic, attention: {type: se}}
lint: {ignore: [AG2, AG3, AG4]}
"""


def test_a_module_with_many_block_classes_passes_ruff_format(tmp_path: Path) -> None:
    spec = tmp_path / "many_classes.yaml"
    spec.write_text(_MANY_CLASSES)
    module = build_module(_folder(tmp_path), spec)
    source = Path(module.__file__ or "")
    assert len(re.findall(r"^class Bottleneck", source.read_text(), re.M)) == 5
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", str(source)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    model = module.many_classes(zero_init_residual=True).eval()
    assert model(torch.randn(1, 3, 32, 32)).shape == (1, 1000)


def _printed(model: torch.nn.Module) -> list[str]:
    """``print(model)`` with each module's class name left out."""
    return [
        re.sub(r"\b[A-Z]\w*\(", "(", line, count=1) for line in str(model).splitlines()
    ]


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_a_torchvision_layout_model_prints_as_torchvision(name: str) -> None:
    from archgen import build_model

    with torch.device("meta"):
        ours = build_model(name)
        reference = getattr(torchvision.models, name)()
    assert _printed(ours) == _printed(reference)


def _flat(ours: str, theirs: set[str]) -> str:
    """timm nests the activation of a conv-norm-act pair inside the norm (``bn.act``)."""
    if ours not in theirs and ours.endswith(".act"):
        nested = ours[: -len("act")] + "bn.act"
        if nested in theirs:
            return nested
    return ours


@pytest.mark.parametrize("name", sorted({**TIMM_REFERENCE, **REGNET_REFERENCE}))
def test_a_timm_layout_model_has_timms_modules_in_timms_order(name: str) -> None:
    from archgen import build_model

    with torch.device("meta"):
        ours = [n for n, _ in build_model(name).named_modules()]
        theirs = [n for n, _ in timm.create_model(name).named_modules()]
    known = set(theirs)
    mapped = [_flat(n, known) for n in ours]
    assert [n for n in mapped if n not in known] == []
    assert mapped == [n for n in theirs if n in set(mapped)]


# --- a new attention record: timm's effective squeeze-excitation ------------------------------


def test_ese_attention_loads_timms_resnet50d_ese_and_gives_its_outputs(
    tmp_path: Path,
) -> None:
    data = yaml.safe_load((SPECS / "resnet50d.yaml").read_text())
    data["defaults"]["attention"] = {"type": "ese"}
    data["name"] = "resnet50d_ese"
    spec = tmp_path / "resnet50d_ese.yaml"
    spec.write_text(yaml.safe_dump(data))
    ours = build_module(_folder(tmp_path), spec).resnet50d_ese().eval()
    reference = timm.create_model("resnet50d", block_args={"attn_layer": "ese"}).eval()
    state = reference.state_dict()
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict(state, strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), reference(x), rtol=1e-4, atol=1e-5)
    params = sum(p.numel() for p in reference.parameters())
    assert sum(p.numel() for p in ours.parameters()) == params


# --- a finding that means no module can be built cannot be ignored ---------------------------

_UNBUILDABLE = """\
name: ignored
input: {channels: 3, image_size: 32}
stem: {width: 6, kernel_size: 3, stride: 1, pool: none}
stages:
  - {blocks: 1, block: basic, width: 8, out_channels: 8, groups: 4}
lint: {ignore: [AG2]}
"""


def test_ignoring_a_finding_that_breaks_the_module_still_refuses_the_build(
    tmp_path: Path,
) -> None:
    from conftest import run_cli

    spec = tmp_path / "ignored.yaml"
    spec.write_text(_UNBUILDABLE)
    for args in ((), ("--ignore-lint",)):
        result = run_cli("build", spec, "-o", tmp_path / "out", *args)
        assert result.code == 1, result.out + result.err
        assert "AG201" in result.out + result.err
        assert not (tmp_path / "out" / "ignored.py").exists()
    lint = run_cli("lint", "--ignore", "AG201", spec)
    assert lint.code == 1 and "AG201" in lint.out
