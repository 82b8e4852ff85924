"""archgen.cli.patch: the unified diff of `lint --diff`, split at newlines only and written as
UTF-8 bytes (the patch and git round trip is tests/frontends/test_cli.py, marked slow)."""

from __future__ import annotations

import io

import pytest

from archgen.cli.patch import lines_of, unified, write_bytes


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("", []),
        ("a\n", ["a\n"]),
        ("a\nb", ["a\n", "b"]),
        ("a\r\nb\x0cc\n\n", ["a\r\n", "b\x0cc\n", "\n"]),
        ("\ufeffa\u2028b\n", ["\ufeffa\u2028b\n"]),
    ],
)
def test_lines_are_split_after_each_newline_only(text: str, lines: list[str]) -> None:
    assert lines_of(text) == lines
    assert "".join(lines_of(text)) == text


def test_unified_diff_marks_a_last_line_without_a_newline() -> None:
    assert unified("a\nb\n", "a\nc", "spec.yaml") == (
        "--- spec.yaml\n"
        "+++ spec.yaml\n"
        "@@ -1,2 +1,2 @@\n"
        " a\n"
        "-b\n"
        "+c\n"
        "\\ No newline at end of file\n"
    )
    assert unified("x\r\n", "y\r\n", "s.yaml").splitlines(keepends=True)[3:] == [
        "-x\r\n",
        "+y\r\n",
    ]
    assert unified("same\n", "same\n", "s.yaml") == ""


def test_written_as_utf8_bytes_after_what_the_stream_holds() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="latin-1", newline="")
    stream.write("before\n")  # buffered text is flushed first, in order
    write_bytes("é\r\n€\n", stream)
    assert raw.getvalue() == "before\n".encode("latin-1") + "é\r\n€\n".encode()


def test_a_stream_without_a_byte_buffer_gets_the_text() -> None:
    stream = io.StringIO()
    write_bytes("é\n", stream)
    assert stream.getvalue() == "é\n"


def test_stdout_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    write_bytes("to stdout\n")
    assert capsys.readouterr().out == "to stdout\n"
