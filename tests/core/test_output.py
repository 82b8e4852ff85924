"""Output: atomic writes and the state of a file on disk."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from archgen import output
from archgen.config import Config
from archgen.pipeline import compile_spec

from conftest import (
    SPECS,
    run_cli,
    write_spec,
)


def _compiled(path: Path):  # type: ignore[no-untyped-def]
    result = compile_spec(path, Config(root=path.parent))
    assert result.plan is not None and result.complexity is not None, result.diagnostics
    return result


# --- output: atomic writes and the state of a file on disk ----------------------------------


def test_atomic_write_makes_its_temporary_file_next_to_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[tuple[Path, str, str]] = []
    real = tempfile.mkstemp

    def spy(
        suffix: str | None = None, prefix: str | None = None, dir: str | None = None
    ) -> tuple[int, str]:
        handle, name = real(suffix=suffix, prefix=prefix, dir=dir)
        made.append((Path(name), prefix or "", suffix or ""))
        return handle, name

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    target = tmp_path / "deep" / "er" / "model.py"
    output.atomic_write(target, "line\r\nsecond\n")
    [(temporary, prefix, suffix)] = made
    assert temporary.parent == target.parent
    assert (prefix, suffix) == (".model.py.", ".tmp")
    assert not temporary.exists()
    assert target.read_bytes() == b"line\r\nsecond\n"  # no newline translation
    assert sorted(p.name for p in target.parent.iterdir()) == ["model.py"]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_0o666_less_the_umask(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        output.atomic_write(tmp_path / "new.py", "x = 1\n")
        assert os.umask(umask) == umask  # the umask is left as it was
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.py").stat().st_mode) == 0o666 & ~umask


def test_an_existing_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "model.py"
    target.write_text("old\n")
    target.chmod(0o751)
    output.atomic_write(target, "new\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o751
    assert target.read_text() == "new\n"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "model.py"
    target.write_text("old\n")

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        output.atomic_write(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["model.py"]


def test_read_existing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.py"
    assert output.read_existing(path) is None
    path.write_bytes(b"a\r\nb\n")
    assert output.read_existing(path) == "a\r\nb\n"
    path.write_bytes(b"\xff\xfe")
    assert output.read_existing(path) == ""
    assert output.MAX_EXISTING_BYTES == 16 * 1024 * 1024
    monkeypatch.setattr(output, "MAX_EXISTING_BYTES", 4)
    path.write_bytes(b"12345")
    assert output.read_existing(path) == ""
    path.write_bytes(b"1234")
    assert output.read_existing(path) == "1234"


def test_state_of_and_protection(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, (SPECS / "resnet18.yaml").read_text())
    assert run_cli("build", spec, "-o", tmp_path / "out").code == 0
    current = (tmp_path / "out" / "resnet18.py").read_text()
    assert output.state_of(None, current) is output.State.MISSING
    assert output.state_of(current, current) is output.State.CURRENT
    assert output.state_of("x = 1\n", current) is output.State.FOREIGN
    assert output.state_of(current + "# edited\n", current) is output.State.EDITED
    assert [s for s in output.State if s.protected] == [
        output.State.EDITED,
        output.State.FOREIGN,
    ]
    assert output.State.STALE.value == "stale"


def test_only_line_endings_differ() -> None:
    assert output.only_line_endings_differ("a\r\nb\r\n", "a\nb\n")
    assert not output.only_line_endings_differ("a\nb\n", "a\nb\n")
    assert not output.only_line_endings_differ(None, "a\n")
    assert not output.only_line_endings_differ("a\r\nc\r\n", "a\nb\n")


def test_unified_diff_headers(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    assert output.unified_diff(path, "a\nb\n", "a\nc\n").splitlines() == [
        f"--- {path} (on disk)",
        f"+++ {path} (from spec)",
        "@@ -1,2 +1,2 @@",
        " a",
        "-b",
        "+c",
    ]
    assert output.unified_diff(path, None, "a\n").splitlines()[:3] == [
        "--- /dev/null",
        f"+++ {path} (from spec)",
        "@@ -0,0 +1 @@",
    ]
