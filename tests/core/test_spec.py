"""Exact behaviour of the schema's own validators, of code selection and of terminal escaping.

Covers ``archgen/spec.py`` (identifier, code and kernel validators, the class-name clash and the
published JSON schema's compact form), ``archgen/selection.py`` (which codes and prefixes
``--select``, ``--ignore`` and ``lint:`` accept, with suggestions) and ``archgen/text.py`` (the
escaping of user text on a terminal). Every expected value is written out by hand from the rule it
checks. Torch-free and in-process: mutation testing runs these for each mutant.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from archgen import limits, selection, spec, text
from archgen.codes import CODES

STAGES = [{"blocks": 1, "planes": 16}]


def _network(**fields: Any) -> dict[str, Any]:
    return {"name": "net", "stages": STAGES, **fields}


def _errors(data: dict[str, Any]) -> list[tuple[tuple[int | str, ...], str, str]]:
    with pytest.raises(ValidationError) as caught:
        spec.NetworkSpec.model_validate(data)
    return [
        (error["loc"], error["type"], error["msg"]) for error in caught.value.errors()
    ]


# --- spec._identifier (name, class_name) ---------------------------------------------------


@pytest.mark.parametrize("field", ["name", "class_name"])
def test_identifier_of_the_longest_allowed_length_is_kept_as_written(
    field: str,
) -> None:
    value = "a" * limits.MAX_NAME_LENGTH
    network = spec.NetworkSpec.model_validate(_network(**{field: value}))
    assert getattr(network, field) == value


def test_identifier_one_character_too_long_names_the_limit() -> None:
    value = "a" * (limits.MAX_NAME_LENGTH + 1)
    assert _errors(_network(name=value)) == [
        (("name",), "identifier", "must be at most 64 characters")
    ]


@pytest.mark.parametrize("value", ["9lives", "my-net", "net\n", "réseau", "", "a b"])
def test_identifier_that_is_not_an_ascii_python_name_is_refused(value: str) -> None:
    assert _errors(_network(name=value)) == [
        (
            ("name",),
            "identifier",
            "must be an ASCII Python identifier (letters, digits, underscores)",
        )
    ]


@pytest.mark.parametrize("value", ["_net", "__init__", "_"])
def test_identifier_starting_with_an_underscore_is_refused(value: str) -> None:
    assert _errors(_network(name=value)) == [
        (("name",), "identifier", "must not start with an underscore")
    ]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("class", "is a Python keyword"),
        ("match", "is a Python soft keyword"),
        ("len", "is a Python builtin, which the generated code would no longer reach"),
    ],
)
def test_reserved_identifier_gives_the_reason(value: str, reason: str) -> None:
    assert _errors(_network(name=value)) == [(("name",), "identifier", reason)]


@pytest.mark.parametrize(
    "value", ["con", "PRN", "Aux", "nul", "com1", "COM9", "lpt0", "LPT7"]
)
def test_windows_device_names_are_refused_in_any_case(value: str) -> None:
    assert _errors(_network(name=value)) == [
        (("name",), "identifier", "is a reserved device name on Windows")
    ]


@pytest.mark.parametrize(
    "value", ["console", "com10", "lpt", "auxiliary", "icon", "null"]
)
def test_names_that_only_contain_a_device_name_are_accepted(value: str) -> None:
    assert spec.NetworkSpec.model_validate(_network(name=value)).name == value


# --- spec.NetworkSpec._not_the_builder ------------------------------------------------------


def test_class_name_equal_to_the_builder_name_is_refused() -> None:
    assert _errors(_network(name="tiny", class_name="tiny")) == [
        (
            ("class_name",),
            "name_clash",
            "must differ from name, which names the builder function",
        )
    ]


@pytest.mark.parametrize("class_name", ["Tiny", "tiny2", None])
def test_class_name_different_from_the_builder_name_is_kept(
    class_name: str | None,
) -> None:
    network = spec.NetworkSpec.model_validate(
        _network(name="tiny", class_name=class_name)
    )
    assert network.class_name == class_name


def test_class_name_is_checked_even_when_the_name_itself_is_invalid() -> None:
    # name fails, so it is missing from info.data: the clash check must not raise on it.
    errors = _errors(_network(name="_tiny", class_name="_tiny"))
    assert [(loc, kind) for loc, kind, _ in errors] == [
        (("name",), "identifier"),
        (("class_name",), "identifier"),
    ]


# --- spec.StemSpec._odd ----------------------------------------------------------------------


@pytest.mark.parametrize("kernel", [1, 3, 5, 7, limits.MAX_KERNEL_SIZE])
def test_odd_stem_kernels_are_accepted(kernel: int) -> None:
    assert spec.StemSpec.model_validate({"kernel_size": kernel}).kernel_size == kernel


@pytest.mark.parametrize("kernel", [2, 4, 14])
def test_even_stem_kernels_are_refused_with_the_reason(kernel: int) -> None:
    with pytest.raises(ValidationError) as caught:
        spec.StemSpec.model_validate({"kernel_size": kernel})
    [error] = caught.value.errors()
    assert (error["loc"], error["type"], error["msg"]) == (
        ("kernel_size",),
        "odd",
        "must be odd so that padding keeps the map centred",
    )


# --- spec._lint_code / spec._lint_prefix (a spec's lint: section) -------------------------


def test_lint_section_keeps_valid_prefixes_and_severities() -> None:
    network = spec.NetworkSpec.model_validate(
        _network(lint={"ignore": ["AG3", "AG201"], "severity": {"AG302": "info"}})
    )
    assert network.lint.ignore == ["AG3", "AG201"]
    assert network.lint.severity == {"AG302": "info"}


def test_lint_ignore_of_an_unknown_prefix_suggests_the_nearest() -> None:
    assert _errors(_network(lint={"ignore": ["AG3O1"]})) == [
        (
            ("lint", "ignore", 0),
            "lint_code",
            "is not an archgen code or a prefix of one (did you mean AG301?)",
        )
    ]


def test_lint_severity_of_an_always_on_code_is_refused() -> None:
    assert _errors(_network(lint={"severity": {"AG101": "info"}})) == [
        (
            ("lint", "severity", "AG101", "[key]"),
            "lint_code",
            "is always on, at severity error; its severity cannot be changed",
        )
    ]


# --- selection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix", ["AG", "AG3", "AG30", "AG301", "AG0", "AG00", "AG5", "AG50"]
)
def test_prefixes_of_existing_codes_select(prefix: str) -> None:
    assert selection.prefix_problem(prefix) is None


@pytest.mark.parametrize(
    ("prefix", "problem"),
    [
        # Nothing is "A" alone: a prefix starts at "AG".
        ("A", "is not an archgen code or a prefix of one (did you mean AG?)"),
        # AG6xx does not exist.
        ("AG6", "is not an archgen code or a prefix of one (did you mean AG?)"),
        ("AG2O1", "is not an archgen code or a prefix of one (did you mean AG201?)"),
        # Codes are upper case; the suggestion compares case-insensitively.
        ("ag301", "is not an archgen code or a prefix of one (did you mean AG301?)"),
        (" AG301 ", "is not an archgen code or a prefix of one (did you mean AG301?)"),
        ("AG3010", "is not an archgen code or a prefix of one (did you mean AG301?)"),
        ("E501", "is not an archgen code or a prefix of one (did you mean AG501?)"),
        ("XYZ", "is not an archgen code or a prefix of one"),
        ("", "is not an archgen code or a prefix of one"),
    ],
)
def test_unknown_prefixes_are_refused_with_a_suggestion(
    prefix: str, problem: str
) -> None:
    assert selection.prefix_problem(prefix) == problem


def test_every_code_and_every_leading_part_of_one_is_a_prefix() -> None:
    for code in CODES:
        for end in range(2, 6):
            assert selection.prefix_problem(code[:end]) is None, code[:end]


@pytest.mark.parametrize("code", ["AG202", "AG301", "AG302", "AG401", "AG503"])
def test_configurable_codes_take_a_severity(code: str) -> None:
    assert selection.code_problem(code) is None


@pytest.mark.parametrize(
    "code", ["AG001", "AG009", "AG101", "AG109", "AG201", "AG206", "AG207", "AG208"]
)
def test_always_on_codes_take_no_severity(code: str) -> None:
    assert (
        selection.code_problem(code)
        == "is always on, at severity error; its severity cannot be changed"
    )


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        # A prefix is not enough for a severity.
        ("AG31", "is not an archgen code (did you mean AG301?)"),
        ("ag302", "is not an archgen code (did you mean AG302?)"),
        ("AG2O1", "is not an archgen code (did you mean AG201?)"),
        ("XYZ", "is not an archgen code"),
    ],
)
def test_unknown_codes_for_a_severity_suggest_the_nearest(
    code: str, problem: str
) -> None:
    assert selection.code_problem(code) == problem


# --- text.printable --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\t", "\\t"),
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\x00", "\\x00"),
        ("\x07", "\\x07"),
        ("\x1b[31m", "\\x1b[31m"),
        ("\x1f", "\\x1f"),
        ("\x7f", "\\x7f"),
        ("\x85", "\\x85"),
        ("\x9f", "\\x9f"),
        ("\xad", "\\xad"),
        ("\u061c", "\\u061c"),
        ("\u180e", "\\u180e"),
        ("\u200b", "\\u200b"),
        ("\u200f", "\\u200f"),
        ("\u2028", "\\u2028"),
        ("\u202e", "\\u202e"),
        ("\u2060", "\\u2060"),
        ("\u206f", "\\u206f"),
        ("\ufeff", "\\ufeff"),
        ("\ufff9", "\\ufff9"),
        ("\ufffb", "\\ufffb"),
        ("\udc80", "\\udc80"),
        ("\U000e0001", "\\U000e0001"),
        ("\U000e007f", "\\U000e007f"),
    ],
)
def test_unsafe_characters_are_escaped_python_style(raw: str, shown: str) -> None:
    assert text.printable(raw) == shown
    assert text.printable(f"a{raw}b") == f"a{shown}b"


@pytest.mark.parametrize(
    "safe",
    [
        " ",
        "~",
        "\xa0",
        "\xae",
        "é",
        "\u2027",
        "\u2030",
        "\u205f",
        "\u2070",
        "\ufffc",
        "😀",
    ],
)
def test_printable_characters_next_to_the_unsafe_ranges_pass_unchanged(
    safe: str,
) -> None:
    assert text.printable(safe) == safe


def test_escaping_is_idempotent_and_keeps_everything_else() -> None:
    once = text.printable("stage\x1b[2J\u202e 1\n")
    assert once == "stage\\x1b[2J\\u202e 1\\n"
    assert text.printable(once) == once


# --- spec.json_schema: the compact form ---------------------------------------------------


def test_published_schema_declares_the_compact_form_with_its_bounds() -> None:
    schema = spec.json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    properties = schema["properties"]
    assert isinstance(properties, dict)
    # README's limits: 1,000 blocks per stage, 65,536 channels, stride 4, 16 stages.
    expected_bounds = {
        "depths": (1, 1_000),
        "planes": (1, 65_536),
        "widths": (1, 65_536),
        "strides": (1, 4),
    }
    for key, (least, most) in expected_bounds.items():
        entry = properties[key]
        assert entry["type"] == "array"
        assert entry["items"] == {"type": "integer", "minimum": least, "maximum": most}
        assert entry["minItems"] == 1
        assert entry["maxItems"] == 16
        assert entry["description"].startswith("Compact form")
    assert "stages" not in schema.get("required", [])
    assert schema["required"] == ["name"]


def test_compact_form_entries_are_bounded_integer_lists() -> None:
    assert spec._per_stage("Blocks per stage.", 2, 9) == {
        "type": "array",
        "items": {"type": "integer", "minimum": 2, "maximum": 9},
        "minItems": 1,
        "maxItems": limits.MAX_STAGES,
        "description": "Blocks per stage.",
    }


def test_published_schema_uses_the_key_a_spec_file_writes() -> None:
    properties = spec.json_schema()["properties"]
    assert isinstance(properties, dict)
    assert "$schema" in properties
    assert "schema_" not in properties


REGNET = {"w0": 24, "wa": 36.44, "wm": 2.49, "depth": 13, "group_width": 8}


@pytest.mark.parametrize(
    ("extra", "valid"),
    [
        ({"stages": STAGES}, True),
        ({"depths": [1], "planes": [16]}, True),
        ({"depths": [1], "widths": [16]}, True),
        ({"depths": [1], "planes": [16], "strides": [1]}, True),
        ({"regnet": REGNET}, True),
        ({}, False),  # no stages at all
        ({"stages": STAGES, "depths": [1], "planes": [16]}, False),
        ({"stages": STAGES, "planes": [16]}, False),
        ({"stages": STAGES, "strides": [1]}, False),
        ({"stages": STAGES, "regnet": REGNET}, False),
        ({"depths": [1]}, False),  # neither planes nor widths
        ({"depths": [1], "planes": [16], "widths": [16]}, False),  # both
        ({"depths": [1], "planes": [16], "regnet": REGNET}, False),
        ({"regnet": REGNET, "widths": [16]}, False),
        ({"planes": [16]}, False),  # a compact list without depths
    ],
)
def test_published_schema_allows_exactly_one_way_of_giving_stages(
    extra: dict[str, Any], valid: bool
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    document = {"name": "net", **extra}
    errors = list(
        jsonschema.Draft202012Validator(spec.json_schema()).iter_errors(document)
    )
    assert (not errors) == valid, [error.message for error in errors]
