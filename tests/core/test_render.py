"""The render side against hand-derived expectations: the view of a plan (block classes, their
parameters, each instance's arguments, runs of identical blocks), the rendered module's text,
docstring escaping, the header and its checksums, and the diagnostics' value types.

Expected values are worked out by hand from the architectures (torchvision's ResNets: stage
depths, widths, strides and which block has a projection; timm's RegNetY-400MF: widths 48, 104,
208, 440, group width 8, SE at a quarter of the block's input) or from the documented formats.
Written to kill mutants (``mutmut run``, README, Development); nothing here imports torch or runs
a subprocess.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import replace as dataclasses_replace
from pathlib import Path

import pytest
import yaml

from archgen import render as render_module
from archgen.config import Config
from archgen.diagnostics import (
    Diagnostic,
    Fix,
    Severity,
    fixes_text,
    literal,
    sort_key,
)
from archgen.header import Header, comment_text, make_header, read_header, sha256
from archgen.ops import Act, Conv, Norm, Op, Sym
from archgen.pipeline import compile_spec
from archgen.plan import NetworkPlan
from archgen.recipes import ATTENTIONS, BLOCKS
from archgen.render import LAYOUT_NAMES, docstring_text, render, template_dir
from archgen.view import (
    FOLDABLE,
    BlockCall,
    Member,
    ModuleView,
    Param,
    Scope,
    _arg,
    _call_args,
    _distinct_name,
    _params,
    _syms,
    block_expr,
    build_view,
    calls,
    fusion_pairs,
    members,
    reference,
    root,
    run_expr,
    signature,
)

from conftest import ROOT, SPECS

# --- helpers -----------------------------------------------------------------------------------


@functools.cache
def _plan(name: str) -> NetworkPlan:
    """The plan of a zoo spec, compiled once per session (planning is outside this file's
    scope)."""
    result = compile_spec(SPECS / f"{name}.yaml", Config(root=ROOT))
    assert result.plan is not None, result.diagnostics
    return result.plan


def _view(name: str) -> ModuleView:
    """Built afresh each time: mutmut forks every mutant's run from a process that has already
    run these tests, so a cached view would be the unmutated code's."""
    return build_view(_plan(name))


def _compiled(folder: Path, data: dict[str, object], name: str = "spec.yaml"):  # type: ignore[no-untyped-def]
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = compile_spec(path, Config(root=folder))
    assert result.plan is not None and result.complexity is not None, result.diagnostics
    return result


def _zoo_with(folder: Path, spec: str, **changes: object):  # type: ignore[no-untyped-def]
    data = yaml.safe_load((SPECS / f"{spec}.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return _compiled(folder, data, f"{spec}.yaml")


def _calls_of(view: ModuleView) -> list[list[tuple[str, int, int | None]]]:
    return [
        [(c.expr, c.count, c.first_index) for c in stage.calls] for stage in view.stages
    ]


def _declarations(params: tuple[Param, ...]) -> list[str]:
    return [param.declaration for param in params]


def _conv(path: str, channels: int = 8) -> Conv:
    return Conv(path, channels, channels, 3, 1, 1, 1, 1, False, 8, 8)


def _norm(path: str, kind: str = "batch", channels: int = 8) -> Norm:
    return Norm(path, kind, channels, 0, 8)  # type: ignore[arg-type]


# A spec with every block-class distinction: a projection of stride 1 (layer1), an average-pool
# projection (layer2), squeeze-excitation (layer3), and a dilated last stage whose pooled
# projection keeps the map size (timm's AvgPool2dSame, stride 1).
MIXED: dict[str, object] = {
    "name": "mixed",
    "input": {"channels": 3, "image_size": 64},
    "stem": {"width": 16, "kernel_size": 3, "stride": 1, "pool": False},
    "defaults": {"block": "bottleneck"},
    "stages": [
        {"blocks": 2, "planes": 8},
        {"blocks": 2, "planes": 16, "stride": 2, "shortcut": "avg_pool"},
        {"blocks": 2, "planes": 32, "stride": 2, "attention": {"type": "se"}},
        {
            "blocks": 1,
            "planes": 64,
            "stride": 2,
            "stride_on": "1x1",
            "shortcut": "avg_pool",
            "dilate": True,
        },
    ],
    "head": {"num_classes": 10},
}


# --- diagnostics: Severity ------------------------------------------------------------------------


def test_severity_values_are_ordered_info_warning_error() -> None:
    assert (int(Severity.INFO), int(Severity.WARNING), int(Severity.ERROR)) == (1, 2, 3)
    assert Severity.ERROR > Severity.WARNING > Severity.INFO


def test_severity_label_is_the_lower_case_name() -> None:
    assert [s.label for s in Severity] == ["info", "warning", "error"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("error", Severity.ERROR), ("Warning", Severity.WARNING), ("INFO", Severity.INFO)],
)
def test_severity_parse_ignores_case(text: str, expected: Severity) -> None:
    assert Severity.parse(text) is expected


# --- diagnostics: Fix -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loc", "plain", "qualified"),
    [
        ((), "the spec", "the spec"),
        (("planes", 2), "planes[2]", "planes[2]"),
        ((2,), "[2]", "[2]"),
        (("stages", 2, "planes"), "planes", "stages[2].planes"),
        (("defaults", "cardinality"), "defaults.cardinality", "defaults.cardinality"),
        (("stem", "width"), "stem.width", "stem.width"),
        (("head", 0, "num_classes"), "head.num_classes", "head.num_classes"),
        (
            ("stages", 1, "attention", "type"),
            "stages.attention.type",
            "stages.attention.type",
        ),
        (("stages", "planes"), "stages.planes", "stages.planes"),
        (("width",), "width", "width"),
    ],
)
def test_fix_named_spells_the_key_as_written(
    loc: tuple[str | int, ...], plain: str, qualified: str
) -> None:
    fix = Fix(loc, 1, 2)
    assert fix.named() == plain
    assert fix.name == plain
    assert fix.named(qualified=True) == qualified


def test_fix_text_shows_old_and_new_values_as_the_spec_writes_them() -> None:
    assert Fix(("stages", 2, "planes"), 192, 256).text() == "planes: 192 -> planes: 256"
    assert (
        Fix(("stages", 1, "stride"), 2, 1).text(qualified=True)
        == "stages[1].stride: 2 -> stages[1].stride: 1"
    )
    assert (
        Fix(("stages", 0, "dilate"), True, False).text()
        == "dilate: true -> dilate: false"
    )
    assert (
        Fix(("head", "drop_rate"), None, 0.5).text()
        == "head.drop_rate: null -> head.drop_rate: 0.5"
    )


def test_fix_text_of_a_renamed_key_shows_the_two_names() -> None:
    fix = Fix(("defaults", "cardinalty"), "cardinalty", "cardinality", key=True)
    assert fix.text() == "cardinalty -> cardinality"
    assert fix.text(qualified=True) == "cardinalty -> cardinality"


def test_fix_key_defaults_to_false() -> None:
    assert Fix(("width",), 1, 2).key is False


def test_fix_to_json_lists_every_field() -> None:
    assert Fix(("stages", 1, "planes"), 192, 256).to_json() == {
        "loc": ["stages", 1, "planes"],
        "old": 192,
        "new": 256,
        "key": False,
    }
    assert Fix(("cardinalty",), "cardinalty", "cardinality", key=True).to_json() == {
        "loc": ["cardinalty"],
        "old": "cardinalty",
        "new": "cardinality",
        "key": True,
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (0, "0"),
        (256, "256"),
        ("x", "x"),
    ],
)
def test_literal_writes_yaml_spellings(value: object, text: str) -> None:
    assert literal(value) == text


# --- diagnostics: fixes_text ----------------------------------------------------------------------


def test_fixes_text_of_nothing_is_empty() -> None:
    assert fixes_text(()) == ""


def test_fixes_text_of_one_fix_is_its_text() -> None:
    assert (
        fixes_text((Fix(("stages", 2, "planes"), 192, 256),))
        == "planes: 192 -> planes: 256"
    )


def test_fixes_text_groups_alternatives_of_one_key() -> None:
    fixes = (
        Fix(("defaults", "groups"), 32, 25),
        Fix(("defaults", "groups"), 32, 50),
        Fix(("defaults", "groups"), 32, 10),
        Fix(("defaults", "width"), 250, 256),
    )
    assert fixes_text(fixes) == (
        "defaults.groups: 32 -> defaults.groups: 25, 50 or 10; "
        "or defaults.width: 250 -> defaults.width: 256"
    )


def test_fixes_text_of_two_alternatives_says_or() -> None:
    fixes = (
        Fix(("stages", 0, "dilate"), None, True),
        Fix(("stages", 0, "dilate"), None, False),
    )
    assert fixes_text(fixes) == "dilate: null -> dilate: true or false"


def test_fixes_text_groups_alternative_key_names() -> None:
    fixes = (
        Fix(("defaults", "cardnality"), "cardnality", "cardinality", key=True),
        Fix(("defaults", "cardnality"), "cardnality", "cardinal", key=True),
    )
    assert fixes_text(fixes) == "cardnality -> cardinality or cardinal"


def test_fixes_text_keeps_a_rename_apart_from_a_value_at_the_same_place() -> None:
    fixes = (
        Fix(("stem", "widht"), "widht", "width", key=True),
        Fix(("stem", "widht"), 64, 32),
    )
    assert fixes_text(fixes) == "widht -> width; or stem.widht: 64 -> stem.widht: 32"


def test_fixes_text_names_the_stage_when_two_stages_are_involved() -> None:
    fixes = (
        Fix(("stages", 1, "planes"), 100, 128),
        Fix(("stages", 1, "planes"), 100, 96),
        Fix(("stages", 2, "planes"), 200, 256),
    )
    assert fixes_text(fixes) == (
        "stages[1].planes: 100 -> stages[1].planes: 128 or 96; "
        "or stages[2].planes: 200 -> stages[2].planes: 256"
    )


def test_fixes_text_does_not_name_the_stage_for_keys_of_one_stage() -> None:
    fixes = (
        Fix(("stages", 1, "cardinality"), 2, 4),
        Fix(("stages", 1, "base_width"), 64, 128),
    )
    assert (
        fixes_text(fixes)
        == "cardinality: 2 -> cardinality: 4; or base_width: 64 -> base_width: 128"
    )


def test_fixes_text_counts_only_stage_keys_as_stages() -> None:
    # ("planes", 2) and ("head", 3, "x") have no stage: only one stage is involved.
    fixes = (
        Fix(("stages", 1, "planes"), 100, 128),
        Fix(("planes", 2), 100, 128),
        Fix(("head", 3, "x"), 1, 2),
        Fix(("stages", 1, "groups", 0), 1, 2),
    )
    assert fixes_text(fixes) == (
        "planes: 100 -> planes: 128; or planes[2]: 100 -> planes[2]: 128; "
        "or head.x: 1 -> head.x: 2; or groups[0]: 1 -> groups[0]: 2"
    )


# --- diagnostics: Diagnostic ----------------------------------------------------------------------


def _diagnostic(**changes: object) -> Diagnostic:
    fields: dict[str, object] = {
        "code": "AG302",
        "rule": "halve-map-double-width",
        "severity": Severity.ERROR,
        "message": "layer2 halves the map",
        "path": "spec.yaml",
    }
    fields.update(changes)
    return Diagnostic(**fields)  # type: ignore[arg-type]


def test_diagnostic_defaults_to_line_1_column_1_without_fixes() -> None:
    diagnostic = _diagnostic()
    assert (diagnostic.line, diagnostic.column) == (1, 1)
    assert diagnostic.fixes == () and diagnostic.also == ()
    assert diagnostic.fix is None


def test_diagnostic_fix_is_the_unique_fix_only() -> None:
    one = Fix(("width",), 1, 2)
    other = Fix(("width",), 1, 3)
    assert _diagnostic(fixes=(one,)).fix == one
    assert _diagnostic(fixes=(one, other)).fix is None


def test_with_severity_changes_only_the_severity() -> None:
    diagnostic = _diagnostic(line=7, column=25)
    changed = diagnostic.with_severity(Severity.WARNING)
    assert changed.severity is Severity.WARNING
    assert diagnostic.severity is Severity.ERROR
    assert changed == _diagnostic(line=7, column=25, severity=Severity.WARNING)


def test_diagnostic_to_json_names_severity_and_lists_fixes() -> None:
    fix = Fix(("stages", 2, "cardinality"), 2, 4)
    diagnostic = _diagnostic(line=8, column=25, fixes=(fix,))
    assert diagnostic.to_json() == {
        "code": "AG302",
        "rule": "halve-map-double-width",
        "severity": "error",
        "message": "layer2 halves the map",
        "path": "spec.yaml",
        "line": 8,
        "column": 25,
        "fixes": [
            {"loc": ["stages", 2, "cardinality"], "old": 2, "new": 4, "key": False}
        ],
    }


def test_diagnostic_to_json_lists_folded_codes_when_there_are_some() -> None:
    data = _diagnostic(also=("AG401", "AG402")).to_json()
    assert data["also"] == ["AG401", "AG402"]
    assert "also" not in _diagnostic().to_json()


def test_sort_key_orders_by_path_line_column_then_code() -> None:
    diagnostic = _diagnostic(path="b.yaml", line=3, column=9, code="AG101")
    assert sort_key(diagnostic) == ("b.yaml", 3, 9, "AG101")


# --- header ---------------------------------------------------------------------------------------

ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
"""SHA-256 of b"abc" (FIPS 180-2, appendix B.1)."""
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_sha256_is_the_hex_digest_of_the_utf8_text() -> None:
    assert sha256("abc") == ABC_SHA256
    assert sha256("") == EMPTY_SHA256
    assert sha256("é") == hashlib.sha256(b"\xc3\xa9").hexdigest()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("specs/resnet50.yaml", "specs/resnet50.yaml"),
        ("sp\u00e9cs/a.yaml", "sp\\xe9cs/a.yaml"),
        ("a\nb.yaml", "a\\nb.yaml"),
        ("a\x7fb", "a\\x7fb"),
        ("a'b", "a'b"),
        ('it\'s "x"', 'it\'s "x"'),
        ("a\\b", "a\\b"),
        ("\u00e9'", "\\xe9'"),
    ],
)
def test_comment_text_escapes_anything_but_printable_ascii(
    text: str, expected: str
) -> None:
    assert comment_text(text) == expected


def _header_text(source: str, spec: str, body: str) -> str:
    return (
        f"# Generated by archgen from {source}. Do not edit: change the spec and\n"
        "# run `archgen build`. archgen will not overwrite this file once it has been edited.\n"
        f"# archgen: spec-sha256={spec} content-sha256={sha256(body)}\n"
    )


def test_make_header_writes_the_three_documented_lines() -> None:
    spec = "1" * 64
    assert make_header("specs/r.yaml", spec, "abc") == (
        "# Generated by archgen from specs/r.yaml. Do not edit: change the spec and\n"
        "# run `archgen build`. archgen will not overwrite this file once it has been edited.\n"
        f"# archgen: spec-sha256={spec} content-sha256={ABC_SHA256}\n"
    )


def test_make_header_escapes_the_source() -> None:
    assert make_header("\u00e9.yaml", "0" * 64, "").startswith(
        "# Generated by archgen from \\xe9.yaml. Do not edit"
    )


def test_read_header_reads_back_what_make_header_wrote() -> None:
    body = '"""Module."""\n'
    spec = "ab" * 32
    header = read_header(make_header("specs/x.yaml", spec, body) + body)
    assert header == Header(spec, sha256(body), body, "specs/x.yaml")
    assert header is not None and not header.edited


def test_read_header_accepts_crlf_line_ends() -> None:
    body = "x = 1\r\n"
    text = _header_text("s.yaml", "c" * 64, body).replace("\n", "\r\n") + body
    header = read_header(text)
    assert header is not None
    assert (header.source, header.spec_sha256, header.body) == (
        "s.yaml",
        "c" * 64,
        body,
    )


@pytest.mark.parametrize(
    "text",
    [
        "x = 1\n",
        "\n" + _header_text("s.yaml", "c" * 64, ""),
        _header_text("s.yaml", "C" * 64, ""),
        _header_text("s.yaml", "c" * 63, ""),
        _header_text("s.yaml", "c" * 64, "").replace("edited.", "edited!"),
        _header_text("s.yaml", "c" * 64, "").replace("build`.", "build`!"),
        _header_text("s.yaml", "c" * 64, "").replace("and\n", "and \n"),
        _header_text("s.yaml", "c" * 64, "")[:-1],
    ],
)
def test_read_header_rejects_anything_else(text: str) -> None:
    assert read_header(text) is None


def test_header_source_defaults_to_empty() -> None:
    assert Header("0" * 64, "1" * 64, "").source == ""


def test_header_edited_compares_the_body_with_its_checksum() -> None:
    assert not Header("0" * 64, sha256("x = 1\n"), "x = 1\n").edited
    assert Header("0" * 64, sha256("x = 1\n"), "x = 2\n").edited


def test_header_of_a_crlf_checkout_is_not_edited() -> None:
    assert not Header("0" * 64, sha256("a\nb\n"), "a\r\nb\r\n").edited
    assert not Header("0" * 64, sha256("a\r\nb\r\n"), "a\r\nb\r\n").edited
    assert Header("0" * 64, sha256("a\nb\n"), "a\r\nc\r\n").edited


# --- render: docstring_text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("", ""),
        ("plain text (ok) ~", "plain text (ok) ~"),
        ("a\\b", "a\\\\b"),
        ('say "hi" now', 'say "hi" now'),
        ('a""b', 'a\\""b'),
        ('end"', 'end\\"'),
        ('"', '\\"'),
        (" lead", "\\x20lead"),
        ("  two", "\\x20 two"),
        ("trail ", "trail\\x20"),
        ("trail  ", "trail\\x20\\x20"),
        ("a \t", "a\\x20\\t"),
        ("\tlead", "\\tlead"),
        ("in\tside", "in\\tside"),
        ("one line\n two", "one line\n\\x20two"),
        ("Xa X", "Xa X"),
        ("a X ", "a X\\x20"),
        ("a \x0b", "a \\x0b"),
        ("a \xa0", "a \\xa0"),
        ("\x01", "\\x01"),
        ("\x1f", "\\x1f"),
        ("\x7f", "\\x7f"),
        ("\u00e9", "\\xe9"),
        ("\u00ff", "\\xff"),
        ("\u0100", "\\u0100"),
        ("\u20ac", "\\u20ac"),
        ("\uffff", "\\uffff"),
        ("\U00010000", "\\U00010000"),
        ("\U0001f600", "\\U0001f600"),
    ],
)
def test_docstring_text_escapes_what_a_docstring_cannot_hold(
    text: str, escaped: str
) -> None:
    assert docstring_text(text) == escaped


def test_docstring_text_keeps_its_value() -> None:
    text = 'r\u00e9sum\u00e9 "\\" \ttab \U0001f600 '
    assert eval(f'"""{docstring_text(text)}"""') == text


# --- render: template_dir and the environment -------------------------------------------------


def test_template_dir_is_the_repository_folder_outside_a_wheel() -> None:
    assert template_dir() == ROOT / "templates"
    assert (template_dir() / "module.py.j2").is_file()


def test_template_dir_prefers_the_packaged_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site" / "archgen"
    (package / "templates").mkdir(parents=True)
    monkeypatch.setattr(render_module, "__file__", str(package / "render.py"))
    assert template_dir() == package / "templates"


def test_template_dir_falls_back_to_the_folder_above_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "repo" / "archgen"
    package.mkdir(parents=True)
    monkeypatch.setattr(render_module, "__file__", str(package / "render.py"))
    assert template_dir() == tmp_path / "repo" / "templates"


def test_layout_names_say_which_reference_the_names_follow() -> None:
    assert LAYOUT_NAMES == {
        "torchvision": "torchvision's ResNet (conv1, bn1, layer1, ..., fc)",
        "timm": "timm's ResNet (conv1, bn1, act1, layer1, ..., fc)",
        "timm-regnet": "timm's RegNet (stem.conv, s1.b1.conv1.conv, ..., head.fc)",
        "torchvision-regnet": "torchvision's RegNet (stem.0, "
        "trunk_output.block1.block1-0.f.a.0, ..., fc)",
        "timm-resnetv2": "timm's ResNetV2 (stem.conv, stages.0.blocks.0.norm1, ..., "
        "norm, head.fc)",
    }


# --- render: the module ---------------------------------------------------------------------------


def _render(result, source: str = "spec.yaml") -> str:  # type: ignore[no-untyped-def]
    return render(result.plan, result.complexity, source, "5" * 64)


def _resnet18_module() -> str:
    result = compile_spec(SPECS / "resnet18.yaml", Config(root=ROOT))
    return _render(result, "specs/resnet18.yaml")


def test_render_starts_with_a_header_whose_checksum_is_the_body() -> None:
    text = _resnet18_module()
    header = read_header(text)
    assert header is not None
    assert header.spec_sha256 == "5" * 64
    assert header.source == "specs/resnet18.yaml"
    assert not header.edited
    assert header.body.startswith(
        '"""ResNet18, generated by archgen from specs/resnet18.yaml.\n'
    )


def test_render_of_resnet18_follows_torchvision() -> None:
    text = _resnet18_module()
    # torchvision's resnet18: BasicBlocks [2, 2, 2, 2], 11,689,512 parameters.
    assert (
        "Module names follow torchvision's ResNet (conv1, bn1, layer1, ..., fc)" in text
    )
    assert (
        "total                                             11,689,512  1,814,073,344"
        in text
    )
    assert (
        "Stages for a 3x224x224 input. MACs are multiply-accumulates of convolution"
        in text
    )
    assert "class BasicBlock(nn.Module):" in text
    assert "class Bottleneck" not in text
    assert "*[BasicBlock(64, 64) for _ in range(2)]" in text
    assert "BasicBlock(128, 128)" in text
    assert "x = self.avgpool(x)" in text
    assert "return x if pre_logits else self.fc(x)" in text
    assert "num_classes=num_classes" in text
    assert "in_channels=in_channels" in text
    assert "zero_init_residual=zero_init_residual" in text
    assert "drop_rate" not in text and "drop_path" not in text
    assert "self.dropout" not in text
    # ResNet18 keeps unnamed children: no OrderedDict import
    assert "OrderedDict" not in text


def test_render_names_timm_layout_and_its_norm_classes(tmp_path: Path) -> None:
    result = _zoo_with(tmp_path, "resnet50d")
    text = _render(result)
    assert (
        "Module names follow timm's ResNet (conv1, bn1, act1, layer1, ..., fc)" in text
    )
    assert "isinstance(m, nn.BatchNorm2d)" in text


def test_render_passes_drop_rates_to_the_builder(tmp_path: Path) -> None:
    result = _zoo_with(
        tmp_path, "resnet18", drop_path_rate=0.1, head={"drop_rate": 0.2}
    )
    text = _render(result)
    assert "drop_rate=drop_rate" in text
    assert "drop_path_rate=drop_path_rate" in text
    assert "self.dropout = nn.Dropout(drop_rate)" in text
    assert "x = self.dropout(x)" in text
    # 8 blocks: the schedule dpr[0..7]; layer1's run takes dpr[i] for i in 0, 1.
    assert "*[BasicBlock(64, 64, drop_path=dpr[i]) for i in range(2)]" in text
    assert "BasicBlock(512, 512, drop_path=dpr[7])" in text
    assert "class DropPath(nn.Module):" in text


def test_render_passes_only_drop_rate_without_stochastic_depth(tmp_path: Path) -> None:
    text = _render(_zoo_with(tmp_path, "resnet18", head={"drop_rate": 0.2}))
    assert "drop_rate=drop_rate" in text and "drop_path_rate" not in text


def test_render_escapes_spec_text_in_the_docstring(tmp_path: Path) -> None:
    data = yaml.safe_load((SPECS / "resnet18.yaml").read_text(encoding="utf-8"))
    data["description"] = 'A "quoted" \\ caf\u00e9"'
    text = _render(_compiled(tmp_path, data), "d\u00e9.yaml")
    assert 'A "quoted" \\\\ caf\\xe9\\"\n' in text
    # the docstring shows the header's escaped spelling (d\xe9.yaml), its backslash escaped
    assert '"""ResNet18, generated by archgen from d\\\\xe9.yaml.' in text
    assert text.startswith("# Generated by archgen from d\\xe9.yaml. Do not edit")
    assert text.isascii()


def test_render_of_group_norm_initialises_group_norms(tmp_path: Path) -> None:
    result = _zoo_with(tmp_path, "resnet18", norm={"type": "group", "groups": 32})
    text = _render(result)
    assert "isinstance(m, nn.GroupNorm)" in text
    assert "nn.BatchNorm2d" not in text


# --- view: Param, Member, Scope -------------------------------------------------------------------


def test_param_declaration_shows_the_default_only_when_there_is_one() -> None:
    assert Param("in_channels", "int", None).declaration == "in_channels: int"
    assert Param("stride", "int", "1").declaration == "stride: int = 1"
    assert Param("downsample", "nn.Module | None", "None").declaration == (
        "downsample: nn.Module | None = None"
    )


def test_member_is_named_when_its_children_have_names() -> None:
    named = Member("stem", (_conv("stem.conv"), _norm("stem.bn")), True)
    numbered = Member("conv1", (_conv("conv1.0"), _norm("conv1.1")), True)
    single = Member("conv1", (_conv("conv1"),), False)
    assert named.named is True
    assert numbered.named is False
    assert single.named is False


def test_member_of_one_named_op_that_is_not_sequential_is_not_named() -> None:
    assert Member("stem", (_conv("stem.conv"),), False).named is False


WIDTH = Sym(64, "width", alias=Sym(64, "out_channels"))


@pytest.mark.parametrize(
    ("params", "value", "text"),
    [
        (["stride"], Sym(2, "stride"), "stride"),
        ([], Sym(2, "stride"), "2"),
        (["groups"], Sym(2, "stride"), "2"),
        (["out_channels"], WIDTH, "out_channels"),
        (["width", "out_channels"], WIDTH, "width"),
        ([], WIDTH, "64"),
        ([], True, "True"),
        ([], False, "False"),
        ([], 0, "0"),
        ([], 256, "256"),
        ([], 0.5, "0.5"),
        ([], "same", "'same'"),
        ([], None, "None"),
    ],
)
def test_scope_value_spells_parameters_by_name_and_the_rest_as_literals(
    params: list[str], value: object, text: str
) -> None:
    assert Scope(params).value(value) == text


@pytest.mark.parametrize(
    ("params", "value", "expected"),
    [
        (["stride"], Sym(2, "stride"), True),
        ([], Sym(2, "stride"), False),
        (["stride"], 2, False),
        (["out_channels"], WIDTH, True),
        (["width"], WIDTH, True),
        ([], WIDTH, False),
        (["in_channels"], WIDTH, False),
        (["a"], Sym(1, "c", alias=Sym(1, "b", alias=Sym(1, "a"))), True),
    ],
)
def test_scope_symbolic_follows_aliases(
    params: list[str], value: object, expected: bool
) -> None:
    assert Scope(params).symbolic(value) is expected


def test_scope_args_leaves_out_keywords_at_their_default() -> None:
    scope = Scope(["stride"])
    text = scope.args(
        3,
        Sym(8, "width"),
        stride=(Sym(1, "stride"), 1),
        bias=(False, False),
        groups=(2, 1),
        padding=5,
        dilation=(1, 1),
    )
    assert text == "3, 8, stride=stride, groups=2, padding=5"


def test_scope_args_of_nothing_is_empty() -> None:
    assert Scope(()).args() == ""
    assert Scope(()).args(bias=(False, False)) == ""


# --- view: members, calls, references, fusion -----------------------------------------------------


def test_root_is_the_first_path_component() -> None:
    assert root("layer1.0.conv1") == "layer1"
    assert root("fc") == "fc"


def test_members_keep_first_use_order_and_define_a_shared_activation_once() -> None:
    relu = Act("relu", "relu", 8)
    ops: list[Op] = [
        _conv("conv1"),
        _norm("bn1"),
        relu,
        _conv("conv2"),
        _norm("bn2"),
        relu,
    ]
    result = members(ops)
    assert [(m.attr, len(m.ops), m.sequential) for m in result] == [
        ("conv1", 1, False),
        ("bn1", 1, False),
        ("relu", 1, False),
        ("conv2", 1, False),
        ("bn2", 1, False),
    ]


def test_members_group_ops_under_one_root_into_a_sequential() -> None:
    ops: list[Op] = [
        _conv("conv1.0"),
        _norm("conv1.1"),
        Act("conv1.2", "relu", 8),
        _norm("bn1"),
    ]
    result = members(ops)
    assert [(m.attr, [op.path for op in m.ops], m.sequential) for m in result] == [
        ("conv1", ["conv1.0", "conv1.1", "conv1.2"], True),
        ("bn1", ["bn1"], False),
    ]


def test_calls_call_a_sequential_once_per_run() -> None:
    ops: list[Op] = [
        _conv("conv1.0"),
        _norm("conv1.1"),
        _norm("bn1"),
        Act("relu", "relu", 8),
        Act("relu", "relu", 8),
        _conv("conv1.2"),
    ]
    assert calls(ops) == ("conv1", "bn1", "relu", "relu", "conv1")


def test_calls_of_nothing_is_empty() -> None:
    assert calls([]) == ()


@pytest.mark.parametrize(
    ("path", "owner", "python"),
    [
        ("conv1", "self", "self.conv1"),
        ("conv1.0", "self", "self.conv1[0]"),
        ("stem.conv", "self", "self.stem.conv"),
        ("layer1.0.downsample.1", "self", "self.layer1[0].downsample[1]"),
        ("fc", "model", "model.fc"),
    ],
)
def test_reference_reaches_the_module_at_a_path(
    path: str, owner: str, python: str
) -> None:
    assert reference(path, owner) == python


def test_reference_owner_defaults_to_self() -> None:
    assert reference("head.fc") == "self.head.fc"


def test_foldable_norms_are_the_batch_norms_with_fixed_statistics() -> None:
    assert FOLDABLE == ("batch", "frozen_batch")


def test_fusion_pairs_are_convolutions_directly_followed_by_a_batch_norm() -> None:
    ops: list[Op] = [
        _conv("conv1"),
        _norm("bn1"),
        Act("relu", "relu", 8),
        _conv("conv2.0"),
        _norm("conv2.1", "frozen_batch"),
        _conv("conv3"),
        _norm("gn3", "group"),
        _norm("bn4"),
        _conv("conv5"),
        Act("act5", "relu", 8),
        _norm("bn5"),
    ]
    assert fusion_pairs(ops) == (
        ("self.conv1", "self.bn1"),
        ("self.conv2[0]", "self.conv2[1]"),
    )


def test_fusion_pairs_of_one_op_is_empty() -> None:
    assert fusion_pairs([_conv("conv1")]) == ()


# --- view: signature, symbols, names --------------------------------------------------------------


def test_signature_names_symbols_and_ignores_sizes() -> None:
    act = Act("relu", "relu", 56)
    assert signature([act]) == (("act", (("path", "relu"), ("kind", "relu"))),)
    norm = Norm("bn1", "group", Sym(64, "width"), 32, 56, 0)
    assert signature([norm]) == (
        (
            "norm",
            (("path", "bn1"), ("kind", "group"), ("channels", "width"), ("groups", 32)),
        ),
    )


def test_signature_tells_literals_apart_but_not_symbol_values() -> None:
    def conv(channels: int, size: int) -> Conv:
        return Conv("conv1", channels, channels, 3, 1, 1, 1, 1, False, size, size)

    assert signature([conv(Sym(64, "width"), 56)]) == signature(
        [conv(Sym(128, "width"), 28)]
    )
    assert signature([conv(64, 56)]) != signature([conv(128, 56)])
    assert signature([conv(64, 56)]) == signature([conv(64, 28)])


def test_syms_keeps_the_first_symbol_of_each_name() -> None:
    first, second = Sym(64, "width"), Sym(128, "width")
    ops: list[Op] = [
        Conv("conv1", Sym(32, "in_channels"), first, 1, 1, 0, 1, 1, False, 8, 8),
        Norm("bn1", "batch", second, 0, 8),
    ]
    found = _syms(ops)
    assert list(found) == ["in_channels", "width"]
    assert found["width"] is first
    assert int(found["in_channels"]) == 32


@pytest.mark.parametrize(
    ("base", "index", "camel", "name"),
    [
        ("Bottleneck", 0, True, "Bottleneck"),
        ("Bottleneck", 1, True, "Bottleneck2"),
        ("projection", 0, False, "projection"),
        ("projection", 1, False, "projection_2"),
        ("projection", 2, False, "projection_3"),
    ],
)
def test_distinct_name_numbers_later_shapes_from_two(
    base: str, index: int, camel: bool, name: str
) -> None:
    assert _distinct_name(base, index, camel) == name


# --- view: parameters and arguments ---------------------------------------------------------------

ORDER: tuple[tuple[str, int | None], ...] = (
    ("in_channels", None),
    ("width", None),
    ("out_channels", None),
    ("stride", 1),
    ("groups", 1),
)


def _block_ops(
    in_channels: int, width: int, out_channels: int, stride: int, groups: int = 1
) -> tuple[Conv, ...]:
    out = Sym(out_channels, "out_channels")
    mid = Sym(width, "width", alias=out)
    return (
        Conv("conv1", Sym(in_channels, "in_channels"), mid, 1, 1, 0, 1, 1, False, 8, 8),
        Conv(
            "conv2",
            mid,
            out,
            3,
            Sym(stride, "stride"),
            1,
            1,
            Sym(groups, "groups"),
            False,
            8,
            8,
        ),
    )


def test_params_need_a_default_only_when_some_instance_differs() -> None:
    params = _params(ORDER, [_block_ops(64, 64, 64, 1), _block_ops(64, 64, 64, 2)])
    assert _declarations(tuple(params)) == [
        "in_channels: int",
        "out_channels: int",
        "stride: int = 1",
    ]


def test_params_at_their_default_everywhere_are_left_out() -> None:
    params = _params(ORDER, [_block_ops(64, 64, 64, 1), _block_ops(128, 128, 128, 1)])
    assert _declarations(tuple(params)) == ["in_channels: int", "out_channels: int"]


def test_params_take_an_aliased_value_only_when_it_differs() -> None:
    params = _params(
        ORDER, [_block_ops(64, 64, 64, 1, groups=2), _block_ops(64, 32, 64, 1)]
    )
    assert _declarations(tuple(params)) == [
        "in_channels: int",
        "width: int",
        "out_channels: int",
        "groups: int = 1",
    ]


def test_params_list_required_ones_before_defaults() -> None:
    order = (("stride", 1), ("in_channels", None))
    params = _params(order, [_block_ops(8, 8, 8, 2)])
    assert _declarations(tuple(params)) == ["in_channels: int", "stride: int = 1"]


def test_arg_is_positional_when_required_and_keyword_when_not_default() -> None:
    values = {"in_channels": Sym(64, "in_channels"), "stride": Sym(2, "stride")}
    scope = Scope(())
    assert _arg(Param("in_channels", "int", None), values, scope) == "64"
    assert _arg(Param("stride", "int", "1"), values, scope) == "stride=2"
    assert _arg(Param("stride", "int", "2"), values, scope) == ""
    assert _arg(Param("groups", "int", "1"), values, scope) == ""


def test_arg_of_a_value_of_zero_is_written() -> None:
    values = {"padding": Sym(0, "padding")}
    assert _arg(Param("padding", "int", None), values, Scope(())) == "0"
    assert _arg(Param("padding", "int", "1"), values, Scope(())) == "padding=0"


def test_call_args_skip_arguments_at_their_default() -> None:
    params = (
        Param("in_channels", "int", None),
        Param("out_channels", "int", None),
        Param("stride", "int", "1"),
    )
    two = {
        "in_channels": Sym(64, "a"),
        "out_channels": Sym(256, "b"),
        "stride": Sym(2, "c"),
    }
    one = {**two, "stride": Sym(1, "c")}
    assert _call_args(params, two, Scope(())) == "64, 256, stride=2"
    assert _call_args(params, one, Scope(())) == "64, 256"


# --- view: block expressions ----------------------------------------------------------------------


def test_block_expr_indexes_the_schedule_by_position_or_loop_variable() -> None:
    expr = "BasicBlock(64, 64, drop_path=dpr[{index}])"
    assert block_expr(BlockCall(expr, 1, 3)) == "BasicBlock(64, 64, drop_path=dpr[3])"
    assert block_expr(BlockCall(expr, 2, 3)) == "BasicBlock(64, 64, drop_path=dpr[i])"
    assert block_expr(BlockCall("BasicBlock(64, 64)", 1, None)) == "BasicBlock(64, 64)"


@pytest.mark.parametrize(
    ("call", "text"),
    [
        (BlockCall("B(64)", 3, None), "*[B(64) for _ in range(3)]"),
        (BlockCall("B(dpr[{index}])", 2, 0), "*[B(dpr[i]) for i in range(2)]"),
        (BlockCall("B(dpr[{index}])", 2, None), "*[B(dpr[i]) for i in range(2)]"),
        (BlockCall("B(dpr[{index}])", 3, 4), "*[B(dpr[i]) for i in range(4, 7)]"),
        (BlockCall("B(dpr[{index}])", 2, 1), "*[B(dpr[i]) for i in range(1, 3)]"),
    ],
)
def test_run_expr_repeats_a_run_of_identical_blocks(call: BlockCall, text: str) -> None:
    assert run_expr(call) == text


# --- view: build_view on the zoo ------------------------------------------------------------------


def test_resnet18_view_runs_identical_basic_blocks() -> None:
    # torchvision resnet18: [2, 2, 2, 2] BasicBlocks of 64, 128, 256, 512 channels; each later
    # stage opens with a stride-2 block whose projection is a 1x1 convolution and a batch norm.
    view = _view("resnet18")
    assert _calls_of(view) == [
        [("BasicBlock(64, 64)", 2, None)],
        [
            (
                "BasicBlock(64, 128, stride=2, downsample=projection(64, 128, stride=2))",
                1,
                None,
            ),
            ("BasicBlock(128, 128)", 1, None),
        ],
        [
            (
                "BasicBlock(128, 256, stride=2, downsample=projection(128, 256, stride=2))",
                1,
                None,
            ),
            ("BasicBlock(256, 256)", 1, None),
        ],
        [
            (
                "BasicBlock(256, 512, stride=2, downsample=projection(256, 512, stride=2))",
                1,
                None,
            ),
            ("BasicBlock(512, 512)", 1, None),
        ],
    ]
    assert [stage.stage.name for stage in view.stages] == [
        "layer1",
        "layer2",
        "layer3",
        "layer4",
    ]


def test_resnet18_block_class_and_shortcut() -> None:
    view = _view("resnet18")
    (block,) = view.block_classes
    assert block.name == "BasicBlock"
    # a BasicBlock's width is its output channels: no width parameter
    assert _declarations(block.params) == [
        "in_channels: int",
        "out_channels: int",
        "stride: int = 1",
        "downsample: nn.Module | None = None",
    ]
    assert block.calls == ("conv1", "bn1", "relu", "conv2", "bn2")
    assert [m.attr for m in block.members] == ["conv1", "bn1", "relu", "conv2", "bn2"]
    assert block.residual_act == "relu"
    assert block.zero_init == "m.bn2"
    assert block.takes_downsample is True
    assert block.fuse == (("self.conv1", "self.bn1"), ("self.conv2", "self.bn2"))
    assert block.fuse_downsample == (("self.downsample[0]", "self.downsample[1]"),)
    assert block.folds is True
    assert len(block.blocks) == 8
    assert block.scope.params == {"in_channels", "out_channels", "stride", "downsample"}
    (shortcut,) = view.shortcuts
    assert shortcut.name == "projection"
    assert _declarations(shortcut.params) == [
        "in_channels: int",
        "out_channels: int",
        "stride: int = 1",
    ]
    assert shortcut.member.attr == "downsample"
    assert [op.path for op in shortcut.member.ops] == ["downsample.0", "downsample.1"]
    assert shortcut.scope.params == {"in_channels", "out_channels", "stride"}


def test_resnet18_module_view() -> None:
    view = _view("resnet18")
    assert [(m.attr, m.sequential) for m in view.stem] == [
        ("conv1", False),
        ("bn1", False),
        ("relu", False),
        ("maxpool", False),
    ]
    assert view.stem_calls == ("conv1", "bn1", "relu", "maxpool")
    assert view.stem_fuse == (("self.conv1", "self.bn1"),)
    assert view.stem_tap == "relu"
    assert view.network.params == {"in_channels", "num_classes"}
    assert view.norm_classes == ("nn.BatchNorm2d",)
    assert view.helpers == ()
    assert view.zero_init == (("BasicBlock", "m.bn2"),)
    assert view.ordered_dict is False
    assert view.head_containers == ()
    assert view.folds is True


def test_resnet50_view_has_a_stride_1_projection_in_layer1() -> None:
    # torchvision resnet50: [3, 4, 6, 3] Bottlenecks, width = planes, 4x expansion; layer1's
    # first block goes 64 -> 256 channels, so it has a projection (of stride 1).
    view = _view("resnet50")
    (block,) = view.block_classes
    assert _declarations(block.params) == [
        "in_channels: int",
        "width: int",
        "out_channels: int",
        "stride: int = 1",
        "downsample: nn.Module | None = None",
    ]
    assert _calls_of(view)[0] == [
        ("Bottleneck(64, 64, 256, downsample=projection(64, 256))", 1, None),
        ("Bottleneck(256, 64, 256)", 2, None),
    ]
    assert _calls_of(view)[2] == [
        (
            "Bottleneck(512, 256, 1024, stride=2, downsample=projection(512, 1024, stride=2))",
            1,
            None,
        ),
        ("Bottleneck(1024, 256, 1024)", 5, None),
    ]
    assert view.zero_init == (("Bottleneck", "m.bn3"),)


def test_resnext50_view_passes_groups() -> None:
    # torchvision resnext50_32x4d: groups 32, width 4 * 32 * planes / 64 (128 in layer1).
    view = _view("resnext50_32x4d")
    (block,) = view.block_classes
    assert "groups: int = 1" in _declarations(block.params)
    assert _calls_of(view)[0][1] == ("Bottleneck(256, 128, 256, groups=32)", 2, None)


def test_resnet50d_view_has_a_deep_stem_and_pooled_projections() -> None:
    # timm resnet50d: three 3x3 convolutions in conv1 (32, 32, 64), avg-pool shortcut.
    view = _view("resnet50d")
    assert [(m.attr, m.sequential, len(m.ops)) for m in view.stem] == [
        ("conv1", True, 7),
        ("bn1", False, 1),
        ("act1", False, 1),
        ("maxpool", False, 1),
    ]
    assert view.stem_fuse == (
        ("self.conv1[0]", "self.conv1[1]"),
        ("self.conv1[3]", "self.conv1[4]"),
        ("self.conv1[6]", "self.bn1"),
    )
    assert view.stem_tap == "act1"
    (shortcut,) = view.shortcuts
    assert shortcut.name == "pooled_projection"
    (block,) = view.block_classes
    assert block.residual_act == "act3"
    assert block.fuse_downsample == (("self.downsample[1]", "self.downsample[2]"),)
    assert view.ordered_dict is False


def test_regnety_004_view_follows_timm() -> None:
    # timm regnety_004: widths 48, 104, 208, 440, depths 1, 3, 6, 6, group width 8 (groups 6,
    # 13, 26, 55), SE of a quarter of the block's input channels (8, 12, 26, 52, 110).
    view = _view("regnety_004")
    assert _calls_of(view) == [
        [
            (
                "RegNetBlock(32, 48, 48, 8, stride=2, groups=6, downsample=projection(32, 48, stride=2))",
                1,
                None,
            )
        ],
        [
            (
                "RegNetBlock(48, 104, 104, 12, stride=2, groups=13, "
                "downsample=projection(48, 104, stride=2))",
                1,
                None,
            ),
            ("RegNetBlock(104, 104, 104, 26, groups=13)", 2, None),
        ],
        [
            (
                "RegNetBlock(104, 208, 208, 26, stride=2, groups=26, "
                "downsample=projection(104, 208, stride=2))",
                1,
                None,
            ),
            ("RegNetBlock(208, 208, 208, 52, groups=26)", 5, None),
        ],
        [
            (
                "RegNetBlock(208, 440, 440, 52, stride=2, groups=55, "
                "downsample=projection(208, 440, stride=2))",
                1,
                None,
            ),
            ("RegNetBlock(440, 440, 440, 110, groups=55)", 5, None),
        ],
    ]
    assert [stage.stage.name for stage in view.stages] == ["s1", "s2", "s3", "s4"]
    (block,) = view.block_classes
    assert _declarations(block.params) == [
        "in_channels: int",
        "width: int",
        "out_channels: int",
        "se_channels: int",
        "stride: int = 1",
        "groups: int = 1",
        "downsample: nn.Module | None = None",
    ]
    assert block.calls == ("conv1", "conv2", "se", "conv3")
    assert (
        block.zero_init == "m.conv3.bn"
    )  # the norm inside the conv3 pair: conv3 itself has no weight of its own
    assert block.fuse[0] == ("self.conv1.conv", "self.conv1.bn")
    assert view.helpers == ("se",)
    assert view.stem_tap == "stem"
    assert [(m.attr, m.named) for m in view.stem] == [("stem", True)]
    assert view.stem_calls == ("stem",)
    assert view.head_containers == ("self.head",)
    assert view.ordered_dict is True


def test_ordered_dict_comes_from_any_named_container() -> None:
    view = _view("regnety_004")
    plan = dataclasses_replace(view.plan, named_blocks=False)
    only_stem = dataclasses_replace(view, plan=plan, block_classes=(), shortcuts=())
    assert only_stem.ordered_dict is True
    (block,) = view.block_classes
    only_block = dataclasses_replace(view, plan=plan, stem=(), shortcuts=())
    assert only_block.ordered_dict is True
    only_shortcut = dataclasses_replace(view, plan=plan, stem=(), block_classes=())
    assert only_shortcut.ordered_dict is True
    nothing = dataclasses_replace(
        view, plan=plan, stem=(), block_classes=(), shortcuts=()
    )
    assert nothing.ordered_dict is False
    named_blocks = dataclasses_replace(view, stem=(), block_classes=(), shortcuts=())
    assert named_blocks.ordered_dict is True
    assert block.name == "RegNetBlock"


def test_folds_comes_from_the_stem_a_block_or_a_shortcut() -> None:
    view = _view("resnet18")
    (block,) = view.block_classes
    no_stem = dataclasses_replace(view, stem_fuse=())
    assert no_stem.folds is True
    only_shortcut = dataclasses_replace(block, fuse=())
    assert only_shortcut.folds is True
    assert dataclasses_replace(no_stem, block_classes=(only_shortcut,)).folds is True
    neither = dataclasses_replace(only_shortcut, fuse_downsample=())
    assert neither.folds is False
    assert dataclasses_replace(no_stem, block_classes=(neither,)).folds is False
    only_stem = dataclasses_replace(view, block_classes=(neither,))
    assert only_stem.folds is True
    only_block = dataclasses_replace(block, fuse_downsample=())
    assert dataclasses_replace(no_stem, block_classes=(only_block,)).folds is True


def test_attention_helpers_of_the_zoo() -> None:
    assert _view("seresnet50").helpers == ("se",)
    assert _view("ecaresnet50d").helpers == ("eca",)
    # timm seresnet50: SE of 1/16 of the output channels (256 / 16 = 16 in layer1)
    assert _calls_of(_view("seresnet50"))[0][1] == (
        "Bottleneck(256, 64, 256, 16)",
        2,
        None,
    )
    # timm ecaresnet50d: ECA kernel 5 up to 1024 channels, 7 at 2048
    assert _calls_of(_view("ecaresnet50d"))[3][1] == (
        "Bottleneck(2048, 512, 2048, 7)",
        2,
        None,
    )
    (block,) = _view("ecaresnet50d").block_classes
    assert block.summary == (
        f"{BLOCKS['bottleneck'].summary} {ATTENTIONS['eca'].summary} gates the output "
        "before the residual addition."
    )
    (plain,) = _view("resnet50").block_classes
    assert plain.summary == BLOCKS["bottleneck"].summary


# --- view: build_view on hand-made specs ----------------------------------------------------------


def test_mixed_view_makes_one_class_per_shape(tmp_path: Path) -> None:
    # Bottleneck, 4x expansion: layer1 16 -> 32 (projection, stride 1), layer2 32 -> 64 (avg-pool
    # projection, stride 2), layer3 64 -> 128 with SE of 128 / 16 = 8 channels, layer4 128 ->
    # 256 dilated (no stride: the pooled projection keeps the map, AvgPool2dSame).
    # Projections of two shapes make blocks with and without one different classes.
    view = build_view(_compiled(tmp_path, MIXED).plan)
    assert _calls_of(view) == [
        [
            ("Bottleneck(16, 8, 32, downsample=projection(16, 32))", 1, None),
            ("Bottleneck2(32, 8, 32)", 1, None),
        ],
        [
            (
                "Bottleneck3(32, 16, 64, stride=2, downsample=pooled_projection(32, 64, stride=2))",
                1,
                None,
            ),
            ("Bottleneck2(64, 16, 64)", 1, None),
        ],
        [
            (
                "Bottleneck4(64, 32, 128, 8, stride=2, downsample=projection(64, 128, stride=2))",
                1,
                None,
            ),
            ("Bottleneck5(128, 32, 128, 8)", 1, None),
        ],
        [
            (
                "Bottleneck6(128, 64, 256, downsample=pooled_projection_2(128, 256))",
                1,
                None,
            )
        ],
    ]
    names = [c.name for c in view.block_classes]
    assert names == [f"Bottleneck{i}" if i > 1 else "Bottleneck" for i in range(1, 7)]
    assert [c.takes_downsample for c in view.block_classes] == [
        True,
        False,
        True,
        True,
        False,
        True,
    ]
    assert [c.fuse_downsample for c in view.block_classes] == [
        (("self.downsample[0]", "self.downsample[1]"),),
        (),
        (("self.downsample[1]", "self.downsample[2]"),),
        (("self.downsample[0]", "self.downsample[1]"),),
        (),
        (("self.downsample[1]", "self.downsample[2]"),),
    ]
    assert _declarations(view.block_classes[1].params) == [
        "in_channels: int",
        "width: int",
        "out_channels: int",
    ]
    assert [s.name for s in view.shortcuts] == [
        "projection",
        "pooled_projection",
        "pooled_projection_2",
    ]
    assert _declarations(view.shortcuts[2].params) == [
        "in_channels: int",
        "out_channels: int",
    ]
    assert view.helpers == ("se", "avg_same")
    assert view.zero_init == (
        (
            "(Bottleneck, Bottleneck2, Bottleneck3, Bottleneck4, Bottleneck5, Bottleneck6)",
            "m.bn3",
        ),
    )


def test_mixed_recipes_zero_init_each_last_norm(tmp_path: Path) -> None:
    data = {
        **MIXED,
        "stages": [
            {"blocks": 2, "planes": 16, "block": "basic"},
            {"blocks": 2, "planes": 8, "stride": 2, "block": "bottleneck"},
        ],
    }
    view = build_view(_compiled(tmp_path, data).plan)
    assert view.zero_init == (("BasicBlock", "m.bn2"), ("Bottleneck", "m.bn3"))
    assert [c.name for c in view.block_classes] == ["BasicBlock", "Bottleneck"]
    assert _calls_of(view) == [
        [("BasicBlock(16, 16)", 2, None)],
        [
            (
                "Bottleneck(16, 8, 32, stride=2, downsample=projection(16, 32, stride=2))",
                1,
                None,
            ),
            ("Bottleneck(32, 8, 32)", 1, None),
        ],
    ]
    assert view.block_classes[0].takes_downsample is False
    assert _declarations(view.block_classes[0].params) == [
        "in_channels: int",
        "out_channels: int",
    ]


def test_drop_path_view_indexes_the_schedule(tmp_path: Path) -> None:
    # 8 blocks numbered 0..7 through the network; a run takes its slice with the loop variable.
    view = build_view(_zoo_with(tmp_path, "resnet18", drop_path_rate=0.1).plan)
    assert view.helpers == ("drop_path",)
    (block,) = view.block_classes
    assert _declarations(block.params) == [
        "in_channels: int",
        "out_channels: int",
        "stride: int = 1",
        "drop_path: float = 0.0",
        "downsample: nn.Module | None = None",
    ]
    assert _calls_of(view)[0] == [("BasicBlock(64, 64, drop_path=dpr[{index}])", 2, 0)]
    assert _calls_of(view)[3] == [
        (
            "BasicBlock(256, 512, stride=2, drop_path=dpr[{index}], "
            "downsample=projection(256, 512, stride=2))",
            1,
            6,
        ),
        ("BasicBlock(512, 512, drop_path=dpr[{index}])", 1, 7),
    ]


def test_drop_path_runs_start_at_their_first_block(tmp_path: Path) -> None:
    # resnet50 layer2: block 3 has the projection, blocks 4, 5, 6 are a run.
    view = build_view(_zoo_with(tmp_path, "resnet50", drop_path_rate=0.1).plan)
    assert [(c.count, c.first_index) for c in view.stages[1].calls] == [(1, 3), (3, 4)]
    assert run_expr(view.stages[1].calls[1]) == (
        "*[Bottleneck(512, 128, 512, drop_path=dpr[i]) for i in range(4, 7)]"
    )


def test_frozen_batch_norm_is_a_helper_not_an_initialised_class(tmp_path: Path) -> None:
    view = build_view(
        _zoo_with(tmp_path, "resnet18", norm={"type": "frozen_batch"}).plan
    )
    assert view.helpers == ("frozen_batch",)
    assert view.norm_classes == ()
    assert view.folds is True


def test_group_norm_view_initialises_group_norms_and_folds_nothing(
    tmp_path: Path,
) -> None:
    view = build_view(
        _zoo_with(tmp_path, "resnet18", norm={"type": "group", "groups": 32}).plan
    )
    assert view.norm_classes == ("nn.GroupNorm",)
    assert view.folds is False
    assert view.stem_fuse == ()
    (block,) = view.block_classes
    assert block.folds is False
    assert view.helpers == ()


def test_every_helper_in_order(tmp_path: Path) -> None:
    result = _compiled(
        tmp_path, {**MIXED, "drop_path_rate": 0.1, "norm": {"type": "frozen_batch"}}
    )
    assert build_view(result.plan).helpers == (
        "se",
        "drop_path",
        "frozen_batch",
        "avg_same",
    )
