"""Reading and validating a spec, checked value by value: ``archgen.source`` (bounded reads,
decoding, YAML and JSON with positions, YAML 1.1 against 1.2 numbers) and ``archgen.validate``
(Pydantic's errors as located diagnostics, the compact form).

Every expected position is counted by hand in the literal text of the test (lines at ``\\n``,
columns in characters, both from 1); every expected message is the fact the docstrings and the
YAML specs (1.1: PyYAML, 1.2: the core schema) state. Written to kill mutants (``mutmut run``,
README, Development); nothing here constructs a torch model or starts a process.
"""

from __future__ import annotations

import hashlib
import math
import os
import socket
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

from archgen import limits, source
from archgen.diagnostics import Diagnostic, Fix, Severity
from archgen.source import (
    Document,
    FileTooLargeError,
    NotRegularFileError,
    Position,
    SourceMap,
    load,
    parse,
    read_bounded,
)
from archgen.spec import NetworkSpec
from archgen.validate import (
    COMPACT_KEYS,
    allowed_keys,
    describe,
    dotted,
    expand,
    validate,
)

# --- helpers -------------------------------------------------------------------------------------


def _read(text: str | bytes, suffix: str = ".yaml") -> Document | Diagnostic:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return parse(Path(f"spec{suffix}"), f"shown{suffix}", raw)


def _doc(text: str | bytes, suffix: str = ".yaml") -> Document:
    found = _read(text, suffix)
    assert isinstance(found, Document), found
    return found


def _data(text: str | bytes, suffix: str = ".yaml") -> Any:
    return _doc(text, suffix).data


def _refusal(text: str | bytes, suffix: str = ".yaml") -> tuple[str, int, int, str]:
    found = _read(text, suffix)
    assert isinstance(found, Diagnostic), found
    assert found.path == f"shown{suffix}"
    return found.code, found.line, found.column, found.message


def _value(text: str) -> Any:
    """The value of key ``a`` in the YAML line ``a: <text>``."""
    return _data(f"a: {text}\n")["a"]


def _value_refusal(text: str) -> tuple[str, str]:
    """Code and message for ``a: <text>``, which must be located at the value (1:4)."""
    code, line, column, message = _refusal(f"a: {text}\n")
    assert (line, column) == (1, 4)
    return code, message


# --- SourceMap -----------------------------------------------------------------------------------


def test_value_position_is_the_nearest_ancestor_present() -> None:
    smap = SourceMap(keys={}, values={(): Position(1, 1), ("a",): Position(2, 3)})
    assert smap.value_position(("a",)) == Position(2, 3)
    assert smap.value_position(("a", 0, "b")) == Position(2, 3)
    assert smap.value_position(("z",)) == Position(1, 1)


def test_value_position_reaches_the_root_and_then_falls_back_to_one_one() -> None:
    assert SourceMap({}, {(): Position(7, 9)}).value_position(("x", 1)) == Position(
        7, 9
    )
    assert SourceMap({}, {}).value_position(("x",)) == Position(1, 1)
    assert SourceMap({}, {}).value_position(()) == Position(1, 1)


def test_key_position_prefers_the_key_then_the_value() -> None:
    smap = SourceMap(
        keys={("a",): Position(3, 1)},
        values={("a",): Position(3, 4), ("b",): Position(4, 4)},
    )
    assert smap.key_position(("a",)) == Position(3, 1)
    assert smap.key_position(("b",)) == Position(4, 4)


def test_source_map_spans_default_to_empty() -> None:
    smap = SourceMap({}, {})
    assert dict(smap.key_spans) == {}
    assert dict(smap.value_spans) == {}


# --- Document ------------------------------------------------------------------------------------


def _document(aliases: dict[Any, Any] | None = None) -> Document:
    smap = SourceMap(
        keys={("depths",): Position(2, 1), ("b",): Position(5, 1)},
        values={
            (): Position(1, 1),
            ("depths",): Position(2, 9),
            ("depths", 1): Position(2, 13),
            ("b",): Position(5, 4),
        },
    )
    return Document(
        Path("f.yaml"), "shown.yaml", {}, smap, "0" * 64, aliases=aliases or {}
    )


def test_document_defaults() -> None:
    document = Document(Path("f"), "f", {}, SourceMap({}, {}), "x")
    assert document.text == ""
    assert document.bom is False
    assert dict(document.aliases) == {}


def test_file_loc_follows_the_longest_alias_and_keeps_the_rest() -> None:
    document = _document(
        {("stages",): ("depths",), ("stages", 1, "blocks"): ("depths", 1)}
    )
    assert document.file_loc(("stages", 1, "blocks")) == ("depths", 1)
    assert document.file_loc(("stages", 1, "x")) == ("depths", 1, "x")
    assert document.file_loc(("name",)) == ("name",)
    assert document.file_loc(()) == ()


def test_file_loc_never_uses_an_alias_of_the_empty_prefix() -> None:
    # Only parts of the data are aliased; the root is the root.
    document = _document({(): ("elsewhere",)})
    assert document.file_loc(("name",)) == ("name",)


def test_document_diagnostic_at_value_and_at_key() -> None:
    document = _document({("stages", 1, "blocks"): ("depths", 1)})
    at_value = document.diagnostic("AG104", "bad", ("stages", 1, "blocks"))
    assert (at_value.code, at_value.rule, at_value.severity) == (
        "AG104",
        "invalid-value",
        Severity.ERROR,
    )
    assert (at_value.path, at_value.line, at_value.column) == ("shown.yaml", 2, 13)
    assert at_value.message == "bad"
    assert at_value.fixes == ()
    at_key = document.diagnostic("AG102", "unknown", ("b",), at_key=True)
    assert (at_key.line, at_key.column) == (5, 1)
    default = document.diagnostic("AG104", "whole")
    assert (default.line, default.column) == (1, 1)


def test_document_diagnostic_relocates_fixes_to_the_file() -> None:
    document = _document({("stages", 1, "blocks"): ("depths", 1)})
    fix = Fix(("stages", 1, "blocks"), 3, 4)
    found = document.diagnostic("AG104", "m", ("stages", 1, "blocks"), fixes=(fix,))
    assert found.fixes == (Fix(("depths", 1), 3, 4),)


# --- load and read_bounded -----------------------------------------------------------------------


def test_load_reads_a_file_and_shows_the_given_name(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_bytes(b"name: net\n")
    document = load(path, "shown")
    assert isinstance(document, Document)
    assert document.display == "shown"
    assert document.path == path
    assert document.data == {"name": "net"}
    assert document.sha256 == hashlib.sha256(b"name: net\n").hexdigest()


def test_load_shows_the_path_without_a_display_name(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    found = load(path)
    assert isinstance(found, Diagnostic)
    assert found.path == str(path)
    assert (found.code, found.line, found.column) == ("AG001", 1, 1)
    assert found.message == "cannot read file: No such file or directory"


def test_load_refuses_a_directory(tmp_path: Path) -> None:
    found = load(tmp_path, "dir")
    assert isinstance(found, Diagnostic)
    assert (found.code, found.path) == ("AG001", "dir")
    assert found.message == "is a directory, expected a spec file"


def test_load_names_a_directory_it_could_not_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(source.os, "open", refuse)
    found = load(tmp_path, "dir")
    assert isinstance(found, Diagnostic)
    assert found.message == "is a directory, expected a spec file"
    missing = load(tmp_path / "nothing.yaml", "f")
    assert isinstance(missing, Diagnostic)
    assert missing.message == "cannot read file: Permission denied"


def test_load_trusts_is_a_directory_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object) -> int:
        raise IsADirectoryError(21, "Is a directory")

    monkeypatch.setattr(source.os, "open", refuse)
    found = load(tmp_path / "plain.yaml", "f")
    assert isinstance(found, Diagnostic)
    assert found.message == "is a directory, expected a spec file"


def test_load_reports_an_error_without_strerror(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object) -> int:
        raise OSError("odd\x1b failure")

    monkeypatch.setattr(source.os, "open", refuse)
    found = load(tmp_path / "plain.yaml", "f")
    assert isinstance(found, Diagnostic)
    assert found.message == "cannot read file: odd\\x1b failure"


def test_load_refuses_a_fifo_unread(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    found = load(fifo, "p")
    assert isinstance(found, Diagnostic)
    assert (found.code, found.path) == ("AG001", "p")
    assert (
        found.message
        == "is a FIFO (named pipe), not a regular file; expected a spec file"
    )


def test_load_refuses_a_character_device() -> None:
    found = load(Path("/dev/null"), "n")
    assert isinstance(found, Diagnostic)
    assert (
        found.message
        == "is a character device, not a regular file; expected a spec file"
    )


def test_load_refuses_a_socket(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        found = load(path, "s")
    finally:
        server.close()
    assert isinstance(found, Diagnostic)
    assert found.message == "is a socket, not a regular file; expected a spec file"


def test_refuse_special_names_each_kind_and_passes_files_and_folders(
    tmp_path: Path,
) -> None:
    def info(mode: int) -> os.stat_result:
        return os.stat_result((mode, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    with pytest.raises(NotRegularFileError) as block:
        source._refuse_special(tmp_path, info(stat.S_IFBLK))
    assert block.value.strerror == "is a block device, not a regular file"
    assert block.value.errno == 22
    assert block.value.filename == str(tmp_path)
    with pytest.raises(NotRegularFileError) as char:
        source._refuse_special(tmp_path, info(stat.S_IFCHR))
    assert char.value.strerror == "is a character device, not a regular file"
    with pytest.raises(NotRegularFileError) as other:
        source._refuse_special(tmp_path, info(0))
    assert other.value.strerror == "is special, not a regular file"
    source._refuse_special(tmp_path, info(stat.S_IFREG))
    source._refuse_special(tmp_path, info(stat.S_IFDIR))
    source._refuse_special(tmp_path / "gone")
    source._refuse_special(tmp_path)


def test_read_bounded_reads_up_to_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"12345")
    assert read_bounded(path, 5) == b"12345"
    with pytest.raises(FileTooLargeError) as error:
        read_bounded(path, 4)
    assert error.value.errno == 27
    assert (
        error.value.strerror
        == "file is 5 bytes; archgen reads files of at most 4 bytes"
    )
    assert error.value.filename == str(path)


def test_read_bounded_reads_a_file_larger_than_one_chunk(tmp_path: Path) -> None:
    path = tmp_path / "big"
    content = bytes(range(256)) * 700  # 179,200 bytes: three reads of at most 64 KiB
    path.write_bytes(content)
    assert read_bounded(path, len(content)) == content


def test_read_bounded_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as error:
        read_bounded(tmp_path, 10)
    assert error.value.strerror == "is a directory"


def test_read_bounded_stops_a_file_that_holds_more_than_its_size() -> None:
    # Files in /proc report a size of 0; this one holds exactly "Linux\n", 6 bytes.
    ostype = Path("/proc/sys/kernel/ostype")
    if ostype.read_bytes() != b"Linux\n":
        pytest.skip("needs Linux's /proc")
    assert read_bounded(ostype, 6) == b"Linux\n"
    with pytest.raises(FileTooLargeError) as error:
        read_bounded(ostype, 5)
    assert error.value.strerror == (
        "file is more than 5 bytes; archgen reads files of at most 5 bytes"
    )
    assert error.value.errno == 27


def test_load_refuses_a_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (limits.MAX_FILE_BYTES + 1))
    found = load(path, "big")
    assert isinstance(found, Diagnostic)
    assert (found.code, found.path) == ("AG008", "big")
    assert found.message == (
        "file is 1,048,577 bytes; archgen reads files of at most 1,048,576 bytes"
    )


def test_parse_refuses_bytes_over_the_size_limit() -> None:
    assert _refusal(b"#" * (limits.MAX_FILE_BYTES + 1)) == (
        "AG008",
        1,
        1,
        "file is 1,048,577 bytes; archgen reads files of at most 1,048,576 bytes",
    )
    # Exactly the limit is read: a comment only, so no spec.
    assert _refusal(b"#" * limits.MAX_FILE_BYTES)[0] == "AG004"


# --- parse: decoding and the document's shape ----------------------------------------------------


def test_parse_records_bom_text_and_digest() -> None:
    document = _doc(b"\xef\xbb\xbfa: 1\n")
    assert document.bom is True
    assert document.text == "a: 1\n"
    assert document.data == {"a": 1}
    assert document.path == Path("spec.yaml")
    assert document.display == "shown.yaml"
    assert len(document.sha256) == 64
    plain = _doc(b"a: 1\n")
    assert plain.bom is False
    assert plain.sha256 != document.sha256


def test_invalid_utf8_is_located_in_characters() -> None:
    # Line 2 is "b: é" (4 characters, 5 bytes) before the byte 0xff.
    assert _refusal(b"a: 1\nb: \xc3\xa9\xff\n") == (
        "AG003",
        2,
        5,
        "byte 0xff is not UTF-8; expected a text file",
    )


def test_invalid_utf8_after_a_bom_does_not_count_the_bom() -> None:
    assert _refusal(b"\xef\xbb\xbfab\x80") == (
        "AG003",
        1,
        3,
        "byte 0x80 is not UTF-8; expected a text file",
    )


def test_invalid_utf8_on_a_later_line_after_a_bom() -> None:
    # The BOM is no character of line 1; line 2 is "b: " (3 characters) before 0xff.
    assert _refusal(b"\xef\xbb\xbfa: 1\nb: \xff") == (
        "AG003",
        2,
        4,
        "byte 0xff is not UTF-8; expected a text file",
    )


def test_nul_is_refused_where_it_is() -> None:
    assert _refusal("a: 1\nb: x\x00\n") == (
        "AG003",
        2,
        5,
        "contains NUL characters; expected a text file",
    )


def test_empty_yaml_and_json_hold_no_spec() -> None:
    message = "the file holds no spec; expected a mapping such as 'name: ...'"
    assert _refusal("# only a comment\n") == ("AG004", 1, 1, message)
    assert _refusal(" \n\t\n", ".json") == ("AG004", 1, 1, message)
    assert _refusal("---\n") == ("AG004", 1, 1, message)


def test_documents_that_are_not_mappings() -> None:
    assert _refusal("- 1\n- 2\n") == (
        "AG005",
        1,
        1,
        "found a sequence, expected a mapping of spec keys",
    )
    assert _refusal("12\n") == (
        "AG005",
        1,
        1,
        "found a single int value, expected a mapping of spec keys",
    )
    assert _refusal('"x"', ".json")[3] == (
        "found a single str value, expected a mapping of spec keys"
    )


def test_json_is_chosen_by_suffix_in_any_case() -> None:
    # 'a: 1' is YAML but not JSON.
    assert _data("a: 1", ".yml") == {"a": 1}
    assert _refusal("a: 1", ".JSON") == ("AG002", 1, 1, "invalid JSON: Expecting value")
    assert _refusal("a: 1", ".Json")[0] == "AG002"


def test_json_nested_too_deeply_for_python() -> None:
    assert _refusal("[" * 100_000 + "]" * 100_000, ".json") == (
        "AG008",
        1,
        1,
        "nested too deeply; archgen allows a depth of 32",
    )


# --- _Lines --------------------------------------------------------------------------------------


def test_lines_break_at_newline_only() -> None:
    lines = source._Lines("ab\ncd\r\ne\rf\n")
    assert lines.position(0) == Position(1, 1)
    assert lines.position(2) == Position(1, 3)
    assert lines.position(3) == Position(2, 1)
    assert lines.position(6) == Position(2, 4)
    assert lines.position(7) == Position(3, 1)
    assert lines.position(9) == Position(3, 3)
    assert lines.position(11) == Position(4, 1)


# --- the recorder: limits and duplicate keys -----------------------------------------------------


def test_node_limit_counts_every_value() -> None:
    at_limit = "[" + ",".join(["0"] * (limits.MAX_NODES - 2)) + "]"
    assert len(_data('{"a": ' + at_limit + "}", ".json")["a"]) == limits.MAX_NODES - 2
    over = "[" + ",".join(["0"] * (limits.MAX_NODES - 1)) + "]"
    # The root, the list and 9,999 items: the last item is the 10,001st value, at index
    # 6 + 1 + 2 * 9998 = 20003 of the one-line text.
    assert _refusal('{"a": ' + over + "}", ".json") == (
        "AG008",
        1,
        20004,
        "more than 10,000 values (YAML aliases expanded); a spec needs a few hundred",
    )


def test_alias_bomb_is_refused_by_the_node_limit() -> None:
    text = "a: &a [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n"
    for name, previous in zip("bcde", "abcd", strict=True):
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]\n"
    code, _, _, message = _refusal(text)
    assert code == "AG008"
    assert message.startswith("more than 10,000 values")


def test_depth_limit_allows_32_levels() -> None:
    ok = '{"a": ' + "[" * 32 + "]" * 32 + "}"
    assert _data(ok, ".json")["a"] == [
        [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
    ]
    over = '{"a": ' + "[" * 33 + "]" * 33 + "}"
    # The 33rd '[' is at index 6 + 32 = 38.
    assert _refusal(over, ".json") == ("AG008", 1, 39, "nested deeper than 32 levels")


def test_duplicate_key_names_the_first() -> None:
    assert _refusal("b: 0\na: 1\n  \na: 2\n") == (
        "AG006",
        4,
        1,
        "duplicate key 'a' (first at line 2, column 1)",
    )
    assert _refusal('{"x": {"k": 1,\n  "k": 2}}', ".json") == (
        "AG006",
        2,
        3,
        "duplicate key 'k' (first at line 1, column 8)",
    )


def test_duplicate_key_is_shown_printable() -> None:
    assert _refusal('"a\\e": 1\n"a\\e": 2\n')[3] == (
        "duplicate key 'a\\x1b' (first at line 1, column 1)"
    )


# --- YAML: syntax, characters, tags, aliases -----------------------------------------------------


def test_yaml11_line_breaks_are_refused_with_the_escape_to_write() -> None:
    for char, code, escape in (
        ("\x85", "0085", "\\u0085"),
        ("\u2028", "2028", "\\u2028"),
        ("\u2029", "2029", "\\u2029"),
    ):
        assert _refusal(f"a: 1\nbb: x{char}y\n") == (
            "AG002",
            2,
            6,
            f"character U+{code} is a line break in YAML 1.1 but not in YAML 1.2, so "
            "readers disagree on this file; remove it, or write it as the escape "
            f"{escape} in a double-quoted string",
        )


def test_yaml_syntax_error_is_located_at_its_problem() -> None:
    assert _refusal("a: [1") == (
        "AG002",
        1,
        6,
        "invalid YAML: while parsing a flow sequence did not find expected ',' or ']'",
    )
    assert _refusal("a:\n  b: 1\n c: 2\n") == (
        "AG002",
        3,
        2,
        "invalid YAML: while parsing a block mapping did not find expected key",
    )


def test_second_yaml_document_is_its_own_finding() -> None:
    assert _refusal("a: 1\n---\nb: 2\n") == (
        "AG009",
        2,
        1,
        "found a second YAML document ('---'); expected exactly one spec",
    )


def test_character_yaml_does_not_allow_is_located_in_characters() -> None:
    # libyaml counts 'é' as two bytes; the column counts it as one character.
    assert _refusal("é: \x07") == (
        "AG002",
        1,
        4,
        "invalid YAML: character U+0007 is not allowed (control characters are not allowed)",
    )


def test_undefined_alias() -> None:
    assert _refusal("a: 1\nb: *x\n") == (
        "AG002",
        2,
        4,
        "invalid YAML: found undefined alias",
    )


def test_recursive_alias_is_refused() -> None:
    assert _value_refusal("&x [*x]") == (
        "AG002",
        "invalid YAML: an alias refers to a node containing it",
    )
    # The alias is the anchored node itself, which starts at its anchor.
    assert _refusal("a: &x {b: *x}\n")[:3] == ("AG002", 1, 4)


def test_alias_is_expanded_and_its_span_belongs_to_the_anchor() -> None:
    document = _doc("a: &x 5\nb: *x\nc: &m {k: 1}\nd: *m\n")
    assert document.data == {"a": 5, "b": 5, "c": {"k": 1}, "d": {"k": 1}}
    spans = document.source_map.value_spans
    assert spans[("a",)] == (3, 7)  # "&x 5": a node starts at its anchor
    assert ("b",) not in spans
    assert spans[("c", "k")] == (24, 25)
    assert ("d", "k") not in spans
    keys = document.source_map.key_spans
    assert keys[("c", "k")] == (21, 22)
    assert ("d", "k") not in keys
    assert document.source_map.values[("b",)] == Position(1, 4)  # at the anchor
    assert document.source_map.keys[("d", "k")] == Position(3, 8)


def test_the_same_alias_twice_in_a_sequence_is_not_recursive() -> None:
    assert _value("[&x 1, *x, *x]") == [1, 1, 1]
    assert _data("a: &s [1]\nb: [*s, *s]\n") == {"a": [1], "b": [[1], [1]]}


def test_yaml_positions_and_spans_of_keys_and_values() -> None:
    text = "name: net\nstem:\n  width: 32\nlist:\n  - 'q'\n  - 7\n"
    document = _doc(text)
    smap = document.source_map
    assert smap.keys[("name",)] == Position(1, 1)
    assert smap.values[("name",)] == Position(1, 7)
    assert smap.keys[("stem", "width")] == Position(3, 3)
    assert smap.values[("stem", "width")] == Position(3, 10)
    assert smap.values[("stem",)] == Position(3, 3)
    assert smap.values[("list", 0)] == Position(5, 5)
    assert smap.values[("list", 1)] == Position(6, 5)
    assert smap.values[()] == Position(1, 1)
    assert smap.key_spans[("name",)] == (0, 4)
    assert smap.value_spans[("name",)] == (6, 9)
    assert text[slice(*smap.value_spans[("list", 0)])] == "'q'"
    assert text[slice(*smap.key_spans[("stem", "width")])] == "width"


def test_unsupported_tags_are_refused() -> None:
    tail = "specs hold only strings, numbers, booleans, null, mappings and sequences"
    assert _value_refusal("!!binary aGVsbG8=") == (
        "AG007",
        f"unsupported YAML tag '!!binary'; {tail}",
    )
    assert _value_refusal("!custom x") == (
        "AG007",
        f"unsupported YAML tag '!custom'; {tail}",
    )
    assert _value_refusal("!!set {x}") == (
        "AG007",
        f"unsupported YAML tag '!!set'; {tail}",
    )
    assert _value_refusal("!!omap [x: 1]") == (
        "AG007",
        f"unsupported YAML tag '!!omap'; {tail}",
    )
    assert _value_refusal("!!python/object:os.system x")[0] == "AG007"
    assert _value_refusal("!!seq {k: 1}") == (
        "AG007",
        f"unsupported YAML tag '!!seq'; {tail}",
    )
    assert _value_refusal("!!map [1]") == (
        "AG007",
        f"unsupported YAML tag '!!map'; {tail}",
    )


def test_a_date_is_refused_with_the_advice_to_quote_it() -> None:
    assert _value_refusal("2001-12-14") == (
        "AG007",
        "unsupported YAML tag '!!timestamp'; quote the value to make it a string; specs "
        "hold only strings, numbers, booleans, null, mappings and sequences",
    )
    assert _value("'2001-12-14'") == "2001-12-14"


def test_mapping_and_sequence_keys_are_refused() -> None:
    assert _refusal("b: 1\n? [1]\n: 2\n") == (
        "AG005",
        2,
        3,
        "found a mapping or sequence used as a key; expected a name",
    )


def test_tagged_keys_are_refused() -> None:
    assert _refusal("b: 1\n!!str a: 1\n") == (
        "AG007",
        2,
        1,
        "a YAML tag ('!!str') on a key; keys are plain names",
    )


def test_keys_are_their_literal_text() -> None:
    assert _data("on: 1\n12: 2\nnull: 3\n'q': 4\n") == {
        "on": 1,
        "12": 2,
        "null": 3,
        "q": 4,
    }


def test_quoted_and_block_scalars_are_text() -> None:
    assert _value("'12'") == "12"
    assert _value('"yes"') == "yes"
    assert _data("a: |\n  12\n") == {"a": "12\n"}
    assert _value("!!str 12") == "12"


# --- YAML numbers: 1.1 against 1.2 ---------------------------------------------------------------


def test_plain_scalars_both_versions_read_alike() -> None:
    assert _value("12") == 12
    assert _value("+12") == 12
    assert _value("-7") == -7
    assert _value("0x1F") == 31
    assert _value("0") == 0
    assert _value("1.5") == 1.5
    assert _value("1.0e+3") == 1000.0
    assert _value(".inf") == math.inf
    assert _value("-.Inf") == -math.inf
    assert _value("+.INF") == math.inf
    assert math.isnan(_value(".nan"))
    assert math.isnan(_value(".NaN"))
    assert _value("text") == "text"
    assert _value("~") is None
    assert _value("null") is None
    assert _value("") is None


def test_plain_scalar_types_are_exact() -> None:
    assert type(_value("12")) is int
    assert type(_value("1.5")) is float
    assert type(_value("true")) is bool


def test_yaml11_booleans_are_read_as_booleans() -> None:
    assert _value("yes") is True
    assert _value("No") is False
    assert _value("on") is True
    assert _value("OFF") is False
    assert _value("True") is True
    assert _value("false") is False


def test_octal_of_yaml11_is_refused() -> None:
    assert _value_refusal("0224") == (
        "AG104",
        "'0224' is 148 in YAML 1.1 but 224 in YAML 1.2; write 148 or 224, whichever you mean",
    )


def test_yaml11_only_numbers_are_refused() -> None:
    assert _value_refusal("1_000") == (
        "AG104",
        "'1_000' is 1000 in YAML 1.1 but text in YAML 1.2; write 1000, or quote it to mean "
        "the text",
    )
    assert _value_refusal("6:4") == (
        "AG104",
        "'6:4' is 364 in YAML 1.1 but text in YAML 1.2; write 364, or quote it to mean the "
        "text",
    )
    assert _value_refusal("0b101") == (
        "AG104",
        "'0b101' is 5 in YAML 1.1 but text in YAML 1.2; write 5, or quote it to mean the text",
    )
    assert _value_refusal("1_0.5") == (
        "AG104",
        "'1_0.5' is 10.5 in YAML 1.1 but text in YAML 1.2; write 10.5, or quote it to mean "
        "the text",
    )


def test_yaml12_only_numbers_are_refused() -> None:
    assert _value_refusal("0o17") == (
        "AG104",
        "'0o17' is text in YAML 1.1 but 15 in YAML 1.2; write 15, or quote it to mean the text",
    )
    assert _value_refusal("1e3") == (
        "AG104",
        "'1e3' is text in YAML 1.1 but 1000.0 in YAML 1.2; write 1000.0, or quote it to mean "
        "the text",
    )
    assert _value_refusal("1e16") == (
        "AG104",
        "'1e16' is text in YAML 1.1 but 1.0e+16 in YAML 1.2; write 1.0e+16, or quote it to "
        "mean the text",
    )
    # YAML 1.1 needs a dot before the exponent and a sign after the 'e', and no sign
    # before a leading dot.
    assert _value_refusal("2.5e7") == (
        "AG104",
        "'2.5e7' is text in YAML 1.1 but 25000000.0 in YAML 1.2; write 25000000.0, or quote "
        "it to mean the text",
    )
    assert _value_refusal("-.5") == (
        "AG104",
        "'-.5' is text in YAML 1.1 but -0.5 in YAML 1.2; write -0.5, or quote it to mean the "
        "text",
    )
    assert _value("2.5e-7") == 2.5e-7
    assert _value_refusal("1e400") == (
        "AG104",
        "'1e400' is text in YAML 1.1 but .inf in YAML 1.2; write .inf, or quote it to mean "
        "the text",
    )
    assert _value_refusal("-1e400") == (
        "AG104",
        "'-1e400' is text in YAML 1.1 but -.inf in YAML 1.2; write -.inf, or quote it to "
        "mean the text",
    )
    assert _value("1.") == 1.0


def test_long_numbers_are_refused_before_conversion() -> None:
    assert _value("9" * 100) == int("9" * 100)
    assert _value_refusal("9" * 101) == (
        "AG008",
        "a number of 101 characters; archgen reads numbers of at most 100",
    )
    assert _value_refusal("!!int " + "1" * 101)[0] == "AG008"
    assert _value("!!int " + "1" * 100) == int("1" * 100)


def test_tagged_numbers() -> None:
    assert _value("!!int 12") == 12
    assert _value("!!int 0o17") == 15
    assert _value("!!int 0x10") == 16
    assert _value("!!float 3") == 3.0
    assert type(_value("!!float 3")) is float
    assert _value("!!float 2.5") == 2.5
    assert _value("!!float -.inf") == -math.inf
    assert _value('!!int "12"') == 12


def test_tagged_number_disagreements_offer_no_quoting() -> None:
    assert _value_refusal("!!int 017") == (
        "AG104",
        "'017' is 15 in YAML 1.1 but 17 in YAML 1.2; write 15 or 17, whichever you mean",
    )
    assert _value_refusal("!!int 1_0") == (
        "AG104",
        "'1_0' is 10 in YAML 1.1 but not a valid int in YAML 1.2; write 10",
    )
    assert _value_refusal("!!float nan") == (
        "AG104",
        "'nan' is .nan in YAML 1.1 but not a valid float in YAML 1.2; write .nan",
    )
    # PyYAML reads a leading 0 as octal, where 9 is no digit.
    assert _value_refusal("!!int 09") == (
        "AG104",
        "'09' is not a valid int in YAML 1.1 but 9 in YAML 1.2; write 9",
    )
    assert _value_refusal("!!int +0x1f") == (
        "AG104",
        "'+0x1f' is 31 in YAML 1.1 but not a valid int in YAML 1.2; write 31",
    )
    assert _value("!!float 1e3") == 1000.0


def test_tagged_values_that_are_no_value_of_their_tag() -> None:
    assert _value_refusal("!!int abc") == ("AG103", "'abc' is not a valid int")
    assert _value_refusal("!!float x") == ("AG103", "'x' is not a valid float")
    assert _value_refusal("!!bool maybe") == ("AG103", "'maybe' is not a valid bool")
    assert _value_refusal("!!null x") == ("AG103", "'x' is not a valid null")
    assert _value_refusal("!!int " + "a" * 41) == (
        "AG103",
        "'" + "a" * 37 + "...' is not a valid int",
    )
    assert _value_refusal("!!int " + "a" * 40) == (
        "AG103",
        "'" + "a" * 40 + "' is not a valid int",
    )
    assert _value_refusal('!!int "\\e"') == ("AG103", "'\\x1b' is not a valid int")


def test_tagged_null_and_bool() -> None:
    assert _value("!!null ''") is None
    assert _value("!!null ~") is None
    assert _value("!!null NULL") is None
    assert _value("!!bool yes") is True
    assert _value("!!bool TRUE") is True
    assert _value("!!bool off") is False


def test_core_reading_and_yaml11_reading() -> None:
    assert source._core_reading("12") == 12
    assert source._core_reading("12", source._FLOAT) == 12.0
    assert source._core_reading("true") is True
    assert source._core_reading("true", source._BOOL) is source._TEXT
    assert source._core_reading("null") is None
    assert source._core_reading("null", source._NULL) is source._TEXT
    assert source._core_reading("0x1f", source._INT) == 31
    assert source._core_reading("1.5", source._INT) is source._TEXT
    assert source._yaml11_reading("017", source._INT) == 15
    assert source._yaml11_reading("x", source._INT) is source._TEXT
    assert source._yaml11_reading("1.5", source._FLOAT) == 1.5


def test_same_and_number_text() -> None:
    assert source._same(math.nan, math.nan)
    assert source._same(1.0, 1.0)
    assert not source._same(1, 1.0)
    assert not source._same(1, True)
    assert not source._same(math.nan, 1.0)
    assert source._number_text(1e16) == "1.0e+16"
    assert source._number_text(1.5e16) == "1.5e+16"
    assert source._number_text(2.0) == "2.0"
    assert source._number_text(math.nan) == ".nan"
    assert source._number_text(-math.inf) == "-.inf"
    assert source._number_text(math.inf) == ".inf"
    assert source._number_text(12) == "12"


# --- JSON ----------------------------------------------------------------------------------------


def test_json_values_positions_and_spans() -> None:
    text = '{"name": "n",\n\t"list": [1, 2.5, true, null, {"k": []}],\r\n "e": {}}'
    document = _doc(text, ".json")
    assert document.data == {
        "name": "n",
        "list": [1, 2.5, True, None, {"k": []}],
        "e": {},
    }
    smap = document.source_map
    assert smap.keys[("name",)] == Position(1, 2)
    assert smap.values[("name",)] == Position(1, 10)
    assert smap.keys[("list",)] == Position(2, 2)
    assert smap.values[("list",)] == Position(2, 10)
    assert smap.values[("list", 1)] == Position(2, 14)
    assert smap.values[("list", 4, "k")] == Position(2, 37)
    assert smap.keys[("e",)] == Position(3, 2)
    assert smap.values[("e",)] == Position(3, 7)
    assert text[slice(*smap.key_spans[("name",)])] == '"name"'
    assert text[slice(*smap.value_spans[("name",)])] == '"n"'
    assert text[slice(*smap.value_spans[("list", 1)])] == "2.5"
    assert text[slice(*smap.value_spans[("list", 2)])] == "true"


def test_json_compact_text() -> None:
    assert _data('{"a":[1,[2,3],{"b":4}],"c":"d"}', ".json") == {
        "a": [1, [2, 3], {"b": 4}],
        "c": "d",
    }
    assert _data('{ "a" : [ ] , "b" : { } }', ".json") == {"a": [], "b": {}}


def test_json_syntax_error_is_located() -> None:
    assert _refusal('{"a": 1,\n "b": }', ".json") == (
        "AG002",
        2,
        7,
        "invalid JSON: Expecting value",
    )


def test_json_constants_are_refused() -> None:
    for constant in ("NaN", "Infinity", "-Infinity"):
        assert _refusal('{"a": [1, ' + constant + "]}", ".json") == (
            "AG002",
            1,
            11,
            f"invalid JSON: {constant} is not a JSON value",
        )


def test_json_long_numbers_are_refused() -> None:
    assert _data('{"a": ' + "7" * 100 + "}", ".json") == {"a": int("7" * 100)}
    assert _data('{"a": 0.' + "5" * 98 + "}", ".json")["a"] == 0.5555555555555556
    assert _refusal('{"a": ' + "7" * 101 + "}", ".json") == (
        "AG008",
        1,
        7,
        "a number of 101 characters; archgen reads numbers of at most 100",
    )
    assert _refusal('{"a": 0.' + "5" * 99 + "}", ".json")[:3] == ("AG008", 1, 7)


def test_json_lone_surrogates_are_refused() -> None:
    message = (
        "the escape \\udcff is half of a UTF-16 pair, not a character; expected text"
    )
    assert _refusal('{"a": 1,\n "b": "x\\udcff"}', ".json") == ("AG003", 2, 7, message)
    assert _refusal('{"a": 1,\n "\\ud800": 2}', ".json")[:3] == ("AG003", 2, 2)
    assert _data('{"a": "\\ud83d\\ude00"}', ".json") == {"a": "\U0001f600"}


# --- validate ------------------------------------------------------------------------------------

_STAGES = "stages: [{blocks: 1, planes: 64}]\n"


def _findings(text: str) -> list[tuple[str, int, int, str, tuple[Fix, ...]]]:
    checked = validate(_doc(text))
    assert isinstance(checked, list), checked
    return [(d.code, d.line, d.column, d.message, d.fixes) for d in checked]


def _finding(text: str) -> tuple[str, int, int, str, tuple[Fix, ...]]:
    found = _findings(text)
    assert len(found) == 1, found
    return found[0]


def test_valid_spec_is_a_network_spec() -> None:
    spec = validate(_doc("name: net\n" + _STAGES))
    assert isinstance(spec, NetworkSpec)
    assert spec.name == "net"
    assert spec.class_name is None


def test_missing_keys_are_located_at_their_mapping() -> None:
    assert _finding(_STAGES) == ("AG101", 1, 1, "missing required key 'name'", ())
    assert _finding("name: net\nstages:\n  - {planes: 64}\n") == (
        "AG101",
        3,
        5,
        "missing required key 'blocks' in stages[0]",
        (),
    )


def test_unknown_top_level_key_offers_the_close_name_and_lists_the_keys() -> None:
    found = _findings("nmae: net\n" + _STAGES)
    assert found[1] == (
        "AG102",
        1,
        1,
        "unknown key 'nmae'; did you mean 'name'? Expected one of: $schema, name, "
        "class_name, description, layout, input, stem, norm, conv, act, output_stride, "
        "drop_path_rate, defaults, design_space, stages, regnet, head, preprocess, init, lint, "
        "depths, planes, widths, strides",
        (Fix(("nmae",), "nmae", "name", key=True),),
    )


def test_unknown_nested_key_is_located_at_the_key() -> None:
    assert _finding("name: net\nstem: {widht: 3}\n" + _STAGES) == (
        "AG102",
        2,
        8,
        "unknown key 'widht' in stem; did you mean 'width'? Expected one of: type, width, "
        "kernel_size, stride, pool",
        (Fix(("stem", "widht"), "widht", "width", key=True),),
    )


def test_unknown_key_without_a_close_name_has_no_fix() -> None:
    assert _finding("name: net\nstem: {zzzzz: 3}\n" + _STAGES) == (
        "AG102",
        2,
        8,
        "unknown key 'zzzzz' in stem Expected one of: type, width, kernel_size, stride, pool",
        (),
    )


def test_unknown_key_whose_close_name_is_present_offers_no_rename() -> None:
    code, line, column, message, fixes = _finding(
        "name: net\nstem: {width: 3, widht: 3}\n" + _STAGES
    )
    assert (code, line, column) == ("AG102", 2, 18)
    assert message.startswith("unknown key 'widht' in stem; did you mean 'width'?")
    assert fixes == ()


def test_wrong_types_name_what_was_found() -> None:
    assert _finding("name: 12\n" + _STAGES) == (
        "AG103",
        1,
        7,
        "name: expected a string, found 12",
        (),
    )
    assert _finding("name: net\nstem: 3\n" + _STAGES) == (
        "AG103",
        2,
        7,
        "stem: expected a mapping, found 3",
        (),
    )
    assert _finding("name: net\nstages: 3\n") == (
        "AG103",
        2,
        9,
        "stages: expected a sequence, found 3",
        (),
    )
    assert _finding("name: net\ninput: {image_size: 1.5}\n" + _STAGES) == (
        "AG103",
        2,
        21,
        "input.image_size: expected an integer, found 1.5",
        (),
    )
    assert _finding("name: net\nhead: {num_classes: true}\n" + _STAGES)[3] == (
        "head.num_classes: expected an integer, found true"
    )


def test_bounds_and_lengths() -> None:
    found = _findings("name: net\nstages:\n  - {blocks: 0, planes: 70000}\n")
    assert sorted(found) == [
        ("AG104", 3, 14, "stages[0].blocks must be at least 1, found 0", ()),
        (
            "AG104",
            3,
            25,
            "stages[0].planes must be at most 65,536 (archgen's limit), found 70000",
            (),
        ),
    ]
    assert _finding("name: net\nstages: []\n") == (
        "AG104",
        2,
        9,
        "stages must have at least 1 item(s), found a sequence",
        (),
    )
    seventeen = ", ".join(["{blocks: 1, planes: 64}"] * 17)
    assert _finding(f"name: net\nstages: [{seventeen}]\n") == (
        "AG104",
        2,
        9,
        "stages must have at most 16 items (archgen's limit), found a sequence",
        (),
    )
    assert _finding("name: net\ndescription: " + "x" * 20_001 + "\n" + _STAGES) == (
        "AG104",
        2,
        14,
        "description must be at most 20,000 characters (archgen's limit), found '"
        + "x" * 37
        + "...'",
        (),
    )
    assert _finding("name: net\nhead: {num_classes: " + "9" * 45 + "}\n" + _STAGES) == (
        "AG104",
        2,
        21,
        "head.num_classes must be at most 1,000,000 (archgen's limit), found a 45-digit "
        "integer",
        (),
    )


def test_literal_choice_offers_the_close_one_as_a_fix() -> None:
    assert _finding("name: net\nlayout: timmm\n" + _STAGES) == (
        "AG104",
        2,
        9,
        "layout must be one of 'torchvision' or 'timm', found 'timmm'; did you mean "
        "'timm'?",
        (Fix(("layout",), "timmm", "timm"),),
    )
    assert _finding("name: net\nlayout: zzz\n" + _STAGES) == (
        "AG104",
        2,
        9,
        "layout must be one of 'torchvision' or 'timm', found 'zzz'",
        (),
    )
    assert _finding("name: net\nact: [1]\n" + _STAGES) == (
        "AG104",
        2,
        6,
        "act must be one of 'relu', 'relu6', 'silu', 'gelu', 'mish', 'hard_swish', "
        "'leaky_relu' or 'elu', found a sequence",
        (),
    )


def test_literal_choice_in_a_mapping_value() -> None:
    assert _finding("name: net\nlint: {severity: {AG301: warnin}}\n" + _STAGES) == (
        "AG104",
        2,
        26,
        "lint.severity.AG301 must be one of 'error', 'warning' or 'info', found 'warnin'; "
        "did you mean 'warning'?",
        (Fix(("lint", "severity", "AG301"), "warnin", "warning"),),
    )


def test_a_bad_mapping_key_is_located_at_the_key() -> None:
    assert _finding("name: net\nlint: {severity: {XX: warning}}\n" + _STAGES) == (
        "AG104",
        2,
        19,
        "lint.severity.XX is not an archgen code, found 'XX'",
        (),
    )


def test_other_errors_use_the_schema_message_in_lower_case() -> None:
    assert _finding("name: net\nclass_name: net\n" + _STAGES) == (
        "AG104",
        2,
        13,
        "class_name must differ from name, which names the builder function, found 'net'",
        (),
    )


def test_requirement_of_an_empty_message() -> None:
    from archgen.validate import _requirement

    detail: Any = {"type": "x", "msg": "", "loc": (), "input": 1}
    assert _requirement(detail) == "is invalid"
    detail = {"type": "x", "msg": "Value error", "loc": (), "input": 1}
    assert _requirement(detail) == "value error"


def test_default_class_name_must_work_too() -> None:
    assert _finding("name: Net\n" + _STAGES) == (
        "AG104",
        1,
        7,
        "name 'Net' is also the default class_name (the name with a capital first letter), "
        "so the builder would hide the model class; give a class_name, or start the name "
        "with a lower-case letter",
        (),
    )
    assert _finding("name: none\n" + _STAGES) == (
        "AG104",
        1,
        7,
        "name 'none' makes the default class_name 'None', which is a Python keyword; give a "
        "class_name",
        (),
    )
    assert isinstance(
        validate(_doc("name: Net\nclass_name: Model\n" + _STAGES)), NetworkSpec
    )


# --- describe, dotted, allowed_keys --------------------------------------------------------------


def test_describe_in_yaml_words() -> None:
    assert describe(None) == "null"
    assert describe(True) == "true"
    assert describe(False) == "false"
    assert describe({}) == "a mapping"
    assert describe([1]) == "a sequence"
    assert describe("ab") == "'ab'"
    assert describe("a" * 40) == "'" + "a" * 40 + "'"
    assert describe("a" * 41) == "'" + "a" * 37 + "...'"
    assert describe("\x1b") == "'\\x1b'"
    assert describe(10**39) == "1" + "0" * 39
    assert describe(10**40) == "a 41-digit integer"
    assert describe(-(10**40)) == "a 41-digit integer"
    assert describe(1.5) == "1.5"


def test_dotted_paths() -> None:
    assert dotted(("stages", 2, "width")) == "stages[2].width"
    assert dotted(("depths", 0)) == "depths[0]"
    assert dotted(()) == "the spec"
    assert dotted(("a\x1b", "b")) == "a\\x1b.b"


def test_allowed_keys_follow_the_schema() -> None:
    assert allowed_keys(("stem",)) == ["type", "width", "kernel_size", "stride", "pool"]
    stage = allowed_keys(("stages", 0))
    assert stage[-1] == "blocks"
    assert "planes" in stage and "stride" in stage
    assert allowed_keys(("defaults",))[:2] == ["block", "stride_on"]
    assert allowed_keys(())[:2] == ["$schema", "name"]
    assert allowed_keys(("name",)) == []
    assert allowed_keys(("stages", "x")) == []
    assert allowed_keys(("stem", 0)) == []
    assert allowed_keys(("nothing", "deeper")) == []
    assert allowed_keys(("regnet",))[:3] == ["w0", "wa", "wm"]


def test_at_finds_values_by_path() -> None:
    from archgen.validate import _at

    data = {"a": [{"b": 1}, 2]}
    assert _at(data, ("a", 0, "b")) == 1
    assert _at(data, ("a", 1)) == 2
    assert _at(data, ("a", 2)) is None
    assert _at(data, ("a", "x")) is None
    assert _at(data, ("z",)) is None
    assert _at(data, ()) == data


# --- the compact form ----------------------------------------------------------------------------


def _expand(text: str) -> Document | list[Diagnostic]:
    return expand(_doc(text))


def _expand_findings(text: str) -> list[tuple[str, int, int, str]]:
    found = _expand(text)
    assert isinstance(found, list), found
    return [(d.code, d.line, d.column, d.message) for d in found]


def test_compact_keys() -> None:
    assert COMPACT_KEYS == ("depths", "planes", "widths", "strides")


def test_a_document_without_the_compact_form_is_unchanged() -> None:
    document = _doc("name: net\n" + _STAGES)
    assert expand(document) is document


def test_planes_expand_to_stages_with_default_strides() -> None:
    document = _expand("name: net\ndepths: [3, 4]\nplanes: [64, 128]\n")
    assert isinstance(document, Document)
    assert document.data == {
        "name": "net",
        "stages": [
            {"blocks": 3, "planes": 64},
            {"blocks": 4, "planes": 128, "stride": 2},
        ],
    }
    assert dict(document.aliases) == {
        ("stages",): ("depths",),
        ("stages", 0): ("depths", 0),
        ("stages", 0, "blocks"): ("depths", 0),
        ("stages", 0, "planes"): ("planes", 0),
        ("stages", 1): ("depths", 1),
        ("stages", 1, "blocks"): ("depths", 1),
        ("stages", 1, "planes"): ("planes", 1),
    }


def test_widths_and_strides_expand_to_stages() -> None:
    document = _expand("depths: [1, 2]\nwidths: [32, 48]\nstrides: [2, 1]\nname: n\n")
    assert isinstance(document, Document)
    assert document.data == {
        "name": "n",
        "stages": [
            {"blocks": 1, "width": 32, "out_channels": 32, "stride": 2},
            {"blocks": 2, "width": 48, "out_channels": 48, "stride": 1},
        ],
    }
    assert document.aliases[("stages", 1, "width")] == ("widths", 1)
    assert document.aliases[("stages", 1, "out_channels")] == ("widths", 1)
    assert document.aliases[("stages", 0, "stride")] == ("strides", 0)
    assert (
        document.text == "depths: [1, 2]\nwidths: [32, 48]\nstrides: [2, 1]\nname: n\n"
    )


def test_findings_in_the_expanded_form_point_at_the_compact_lists() -> None:
    document = _expand("name: net\ndepths: [3, 0]\nplanes: [64, 128]\n")
    assert isinstance(document, Document)
    found = validate(document)
    assert isinstance(found, list)
    assert [(d.line, d.column, d.message) for d in found] == [
        (2, 13, "depths[1] must be at least 1, found 0")
    ]


def test_compact_form_needs_depths() -> None:
    assert _expand_findings("name: n\nplanes: [64]\n") == [
        (
            "AG101",
            2,
            1,
            "'planes' at the top level is the compact form, which needs 'depths' (blocks per "
            "stage); expected 'depths: [...]', or per-stage values under 'stages'",
        )
    ]


def test_a_misspelt_depths_is_renamed() -> None:
    found = _expand("name: n\ndepth: [1]\nplanes: [64]\n")
    assert isinstance(found, list)
    assert len(found) == 1
    assert (found[0].code, found[0].line, found[0].column) == ("AG102", 2, 1)
    assert found[0].message.startswith("unknown key 'depth'; did you mean 'depths'?")
    assert found[0].fixes == (Fix(("depth",), "depth", "depths", key=True),)


def test_compact_form_conflicts() -> None:
    assert _expand_findings("name: n\ndepths: [1]\nplanes: [64]\n" + _STAGES) == [
        (
            "AG108",
            2,
            1,
            "the spec gives both 'stages' and the compact form ('depths'); expected one of "
            "them",
        )
    ]
    assert _expand_findings("depths: [1]\nplanes: [64]\nwidths: [64]\n") == [
        (
            "AG108",
            3,
            1,
            "the compact form gives both 'planes' and 'widths'; expected one of them",
        )
    ]
    assert _expand_findings("name: n\ndepths: [1]\n") == [
        (
            "AG101",
            2,
            1,
            "the compact form needs the stages' widths; expected 'planes: [...]' (paper "
            "notation) or 'widths: [...]' next to 'depths'",
        )
    ]


def test_compact_lists_must_be_sequences_of_one_item_per_stage() -> None:
    assert _expand_findings("depths: 3\nplanes: [64]\n") == [
        (
            "AG103",
            1,
            9,
            "depths: expected a sequence (one item per stage), found 3",
        )
    ]
    assert _expand_findings("depths: [1, 1]\nplanes: [64]\nstrides: [1, 2, 2]\n") == [
        (
            "AG104",
            2,
            9,
            "planes has 1 item(s) but depths has 2; expected one per stage",
        ),
        (
            "AG104",
            3,
            10,
            "strides has 3 item(s) but depths has 2; expected one per stage",
        ),
    ]


def test_depths_must_have_one_to_sixteen_items() -> None:
    assert _expand_findings("depths: []\nplanes: []\n") == [
        (
            "AG104",
            1,
            9,
            "depths must have 1 to 16 items (archgen's limit), found 0",
        )
    ]
    seventeen = ", ".join(["1"] * 17)
    assert _expand_findings(f"depths: [{seventeen}]\nplanes: [{seventeen}]\n")[0][
        3
    ] == ("depths must have 1 to 16 items (archgen's limit), found 17")
    sixteen = ", ".join(["1"] * 16)
    assert isinstance(_expand(f"depths: [{sixteen}]\nplanes: [{sixteen}]\n"), Document)
    assert isinstance(_expand("depths: [1]\nplanes: [1]\n"), Document)


# --- more on read_bounded and validate (added after the first mutmut run) -----------------------


def test_read_bounded_directory_error_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as error:
        read_bounded(tmp_path, 10)
    assert error.value.errno == 21
    assert error.value.filename == str(tmp_path)


def test_read_bounded_checks_the_open_descriptor_not_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def gone(*_: object, **__: object) -> os.stat_result:
        raise FileNotFoundError(2, "No such file or directory")

    # The path is looked up again by nobody: what was opened is what is checked.
    monkeypatch.setattr(source.os, "stat", gone)
    with pytest.raises(NotRegularFileError) as error:
        read_bounded(fifo, 10)
    assert error.value.strerror == "is a FIFO (named pipe), not a regular file"
    assert error.value.filename == str(fifo)


def test_read_bounded_counts_short_reads_up_to_one_byte_past_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    real_fstat, real_read = os.fstat, os.read
    asked: list[int] = []

    def no_size(descriptor: int) -> os.stat_result:
        # Like a file in /proc: a regular file that reports a size of 0.
        mode = real_fstat(descriptor).st_mode
        return os.stat_result((mode, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    def short(descriptor: int, size: int) -> bytes:
        asked.append(size)
        return real_read(descriptor, min(size, 4))

    monkeypatch.setattr(source.os, "fstat", no_size)
    monkeypatch.setattr(source.os, "read", short)
    assert read_bounded(path, 10) == b"0123456789"
    with pytest.raises(FileTooLargeError) as error:
        read_bounded(path, 8)
    # 4 + 4 + 1 bytes: one past the limit, never more.
    assert sum(min(size, 4) for size in asked[-3:]) == 9
    assert asked[-1] == 1
    assert error.value.strerror == (
        "file is more than 8 bytes; archgen reads files of at most 8 bytes"
    )
    assert error.value.filename == str(path)


def test_open_flags_never_block_or_leak_the_descriptor() -> None:
    flags = source._OPEN_FLAGS
    assert flags & os.O_NONBLOCK
    assert flags & os.O_CLOEXEC
    assert flags & os.O_NOCTTY
    assert flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC) == 0


def test_unknown_key_in_a_stage_names_the_stage() -> None:
    code, line, column, message, fixes = _finding(
        "name: net\nstages:\n  - {blocks: 1, plnaes: 64}\n"
    )
    assert (code, line, column) == ("AG102", 3, 17)
    assert message.startswith(
        "unknown key 'plnaes' in stages[0]; did you mean 'planes'?"
    )
    assert fixes == (Fix(("stages", 0, "plnaes"), "plnaes", "planes", key=True),)


def test_unknown_key_without_a_close_name_offers_no_fix() -> None:
    from archgen.validate import _unknown_key

    document = _doc("zzzz: 1\n")
    message, fixes = _unknown_key(document, ("zzzz",))
    assert fixes == ()
    assert message.startswith("unknown key 'zzzz' Expected one of: $schema, name, ")


def test_strip_optional_strips_only_none() -> None:
    from typing import Optional, Union

    from archgen.validate import _strip_optional

    assert _strip_optional(int | None) is int
    assert _strip_optional(Optional[int]) is int  # noqa: UP045 - typing.Union on purpose
    assert _strip_optional(int | str | None) == int | str | None
    assert _strip_optional(Union[int, str]) == Union[int, str]  # noqa: UP007
    assert _strip_optional(list[int]) == list[int]


def test_every_compact_list_that_is_no_sequence_is_reported() -> None:
    assert _expand_findings("depths: [1]\nplanes: 3\nstrides: {}\n") == [
        ("AG103", 2, 9, "planes: expected a sequence (one item per stage), found 3"),
        (
            "AG103",
            3,
            10,
            "strides: expected a sequence (one item per stage), found a mapping",
        ),
    ]


def test_value_position_tries_every_ancestor() -> None:
    smap = SourceMap(keys={}, values={(): Position(1, 1), ("a",): Position(2, 3)})
    assert smap.value_position(("a", "z")) == Position(2, 3)


def test_missing_key_in_a_nested_mapping_names_it() -> None:
    text = "name: net\nregnet: {w0: 24, wm: 2.5, depth: 13, group_width: 8}\n"
    assert _finding(text) == (
        "AG101",
        2,
        9,
        "missing required key 'wa' in regnet",
        (),
    )


def test_a_key_of_the_wrong_type_is_located_at_the_key() -> None:
    # No reader makes a key other than a string; a caller building the data can.
    document = Document(
        Path("s.yaml"),
        "s.yaml",
        {"name": "net", "lint": {"severity": {1: "warning"}}},
        SourceMap(
            {("lint", "severity", 1): Position(4, 5)},
            {("lint", "severity", 1): Position(4, 8)},
        ),
        "x",
    )
    found = validate(document)
    assert isinstance(found, list)
    assert [(d.code, d.line, d.column, d.message) for d in found] == [
        ("AG103", 4, 5, "lint.severity[1]: expected a string, found 1")
    ]


def test_a_short_misspelt_depths_is_renamed() -> None:
    found = _expand("name: n\ndept: [1]\nplanes: [64]\n")
    assert isinstance(found, list)
    assert [(d.code, d.line, d.column, d.fixes) for d in found] == [
        ("AG102", 2, 1, (Fix(("dept",), "dept", "depths", key=True),))
    ]
    assert found[0].message.startswith("unknown key 'dept'; did you mean 'depths'?")


def test_file_loc_tries_every_prefix() -> None:
    document = _document({("stages", 1): ("depths", 1)})
    assert document.file_loc(("stages", 1, "x")) == ("depths", 1, "x")


def test_yaml_depth_limit_counts_sequences_and_mappings() -> None:
    assert isinstance(_value("[" * 32 + "]" * 32), list)
    # The 33rd '[' is at index 3 + 32 = 35.
    assert _refusal("a: " + "[" * 33 + "]" * 33) == (
        "AG008",
        1,
        36,
        "nested deeper than 32 levels",
    )
    assert isinstance(_value("{b: " * 31 + "1" + "}" * 31), dict)
    # 32 mappings put the '1' at depth 33, at index 3 + 4 * 32 = 131.
    assert _refusal("a: " + "{b: " * 32 + "1" + "}" * 32) == (
        "AG008",
        1,
        132,
        "nested deeper than 32 levels",
    )


def test_a_float_tag_on_a_hexadecimal_integer() -> None:
    # YAML 1.2 reads !!float 0x10 as the integer 16 made a float; PyYAML's float() cannot.
    assert _value_refusal("!!float 0x10") == (
        "AG104",
        "'0x10' is not a valid float in YAML 1.1 but 16.0 in YAML 1.2; write 16.0",
    )


class _PureLoader(yaml.SafeLoader):
    """The loader archgen uses where PyYAML has no libyaml: the same resolver, in Python."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return source._IMPLICIT + str(super().resolve(kind, value, implicit))


def test_without_libyaml_lone_surrogates_and_positions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(source, "_Loader", _PureLoader)
    message = (
        "the escape \\udcff is half of a UTF-16 pair, not a character; expected text"
    )
    assert _refusal('a: 1\nb: "x\\udcff"\n') == ("AG003", 2, 4, message)
    assert _refusal('a: 1\n"\\udcff": 2\n') == ("AG003", 2, 1, message)
    # PyYAML's own reader counts characters: the column is the same as with libyaml.
    assert _refusal("é: \x07")[:3] == ("AG002", 1, 4)
    assert _data("a: [1, {b: c}]\n") == {"a": [1, {"b": "c"}]}


class _FailingLoader:
    """A loader whose reading fails with ``error``: the kinds of error PyYAML raises."""

    error: Exception = yaml.YAMLError()

    def __init__(self, text: str) -> None:
        self.text = text

    def get_single_node(self) -> None:
        raise self.error

    def dispose(self) -> None:
        pass


def _failing(error: Exception) -> type[_FailingLoader]:
    return type("Failing", (_FailingLoader,), {"error": error})


def test_yaml_errors_without_a_mark_are_at_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(source, "_Loader", _failing(yaml.YAMLError("bad\n   thing")))
    assert _refusal("a: 1\n") == ("AG002", 1, 1, "invalid YAML: bad thing")
    unmarked = yaml.MarkedYAMLError(context="while x", problem="found\n y")
    monkeypatch.setattr(source, "_Loader", _failing(unmarked))
    assert _refusal("a: 1\n") == ("AG002", 1, 1, "invalid YAML: while x found y")


def test_reader_error_with_a_character_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    error = yaml.reader.ReaderError("<x>", 3, "\x07", "utf-8", "not allowed here")
    monkeypatch.setattr(source, "_Loader", _failing(error))
    assert _refusal("é: \x07") == (
        "AG002",
        1,
        4,
        "invalid YAML: character U+0007 is not allowed (not allowed here)",
    )


def test_empty_documents_have_an_empty_source_map() -> None:
    assert source._parse_yaml("# c\n", source._Lines("# c\n")) == (
        None,
        SourceMap({}, {}),
    )
    assert source._parse_json(" \n", source._Lines(" \n")) == (None, SourceMap({}, {}))


def test_json_number_too_long_for_int_is_refused_not_raised() -> None:
    # Python's int() refuses more than 4,300 digits with ValueError: the syntax check must
    # leave numbers unconverted.
    assert _refusal('{"a": ' + "7" * 5_000 + "}", ".json") == (
        "AG008",
        1,
        7,
        "a number of 5,000 characters; archgen reads numbers of at most 100",
    )


def test_refused_carries_its_message() -> None:
    refused = source._Refused("AG002", "the message", Position(2, 3))
    assert str(refused) == "the message"
    assert (refused.code, refused.position) == ("AG002", Position(2, 3))


def test_invalid_utf8_lines_count_every_newline_from_the_first_byte() -> None:
    message = "byte 0xff is not UTF-8; expected a text file"
    assert _refusal(b"\nab\xff") == ("AG003", 2, 3, message)
    assert _refusal(b"\nab\ncd\xff") == ("AG003", 3, 3, message)


def test_the_first_nul_is_reported() -> None:
    assert _refusal("a: x\x00y\x00\n")[:3] == ("AG003", 1, 5)


def test_literal_choice_with_a_number_offers_no_name() -> None:
    assert _finding("name: net\nstem: {pool: 3}\n" + _STAGES) == (
        "AG104",
        2,
        14,
        "stem.pool must be one of True, False, 'max', 'conv', 'max_zero_pad' or 'none', found 3",
        (),
    )
