"""archgen.cli.inputs: what the command line reads (root runs cannot provoke a permission error,
so the diagnostic of an unreadable path is checked directly)."""

from __future__ import annotations

import errno
from pathlib import Path

from archgen.cli.inputs import unreadable


def test_an_unreadable_path_is_ag001_with_the_system_reason() -> None:
    denied = PermissionError(errno.EACCES, "Permission denied")
    found = unreadable(Path("specs") / "a.yaml", denied)
    assert (found.code, found.path, found.line, found.column) == (
        "AG001",
        "specs/a.yaml",
        1,
        1,
    )
    assert found.message == "cannot read: Permission denied"
    assert unreadable(Path("b.yaml"), OSError("no reason given")).message == (
        "cannot read: no reason given"
    )
