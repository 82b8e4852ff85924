"""A unified diff that ``patch -p0`` and ``git apply -p0`` apply byte for byte.

Lines are split at ``\\n`` only, so a carriage return, a tab, a form feed or a byte-order mark
stays part of its line, exactly as in the file; a last line without a newline is marked
``\\ No newline at end of file``. The text is written as UTF-8 bytes, whatever the locale.
"""

from __future__ import annotations

import difflib
import sys
from typing import TextIO


def lines_of(text: str) -> list[str]:
    """``text`` split after each ``\\n`` and nowhere else."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def unified(before: str, after: str, path: str) -> str:
    """The diff from ``before`` to ``after``, both the text of ``path``."""
    out = []
    for line in difflib.unified_diff(
        lines_of(before), lines_of(after), fromfile=path, tofile=path
    ):
        out.append(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
        )
    return "".join(out)


def write_bytes(text: str, stream: TextIO | None = None) -> None:
    """``text`` on ``stream`` (default stdout) as UTF-8 bytes when it has a byte buffer."""
    out = stream if stream is not None else sys.stdout
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(text)
        return
    out.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()
