"""Every file archgen writes goes through here: one policy for all writers.

* **Only where asked.** A target inside archgen's own package (and so its installed zoo) is
  refused: archgen never adds to or changes its own files.
* **Never silently replaced.** An existing target is refused unless the caller forces it
  (``lint --fix`` rewrites the spec it was asked to fix, which counts as forced).
* **Links.** A symbolic link is written *through*: the file it points at is replaced, the link
  stays. A link to nothing, or one that loops, is refused.
* **In place or not at all.** A target that cannot be replaced as it is (not a regular file,
  read-only, owned by another user, or one of several hard links to the same file) is refused,
  as editors and formatters do: replacing it would drop the mode, the owner or the link.
* **Atomic.** The new content goes to a temporary file in the same folder, is flushed to disk,
  then replaces the target in one step; the target keeps its permission bits. A failure names the
  target, not the temporary file, and leaves the old file as it was.

Every refusal and failure is a :class:`WriteError`: the command reports it (exit 2) and goes on
with its other files.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from archgen.output import atomic_write


class WriteError(Exception):
    """A target that was not written, and why. ``exists`` marks the only refusal ``--force``
    lifts."""

    def __init__(self, path: Path, reason: str, *, exists: bool = False) -> None:
        self.path = path
        self.reason = reason
        self.exists = exists
        super().__init__(f"{path.as_posix()}: {reason}")


def protected_folders() -> tuple[Path, ...]:
    """The folders archgen never writes into: its own package, which holds the zoo of an
    installed archgen (``archgen/zoo``). A checkout's ``specs/`` is the project's own folder:
    commands write there only when told to (``-o specs/``, ``lint --fix specs``)."""
    return (Path(__file__).resolve().parent,)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def resolve_target(path: Path) -> Path:
    """The file a write to ``path`` replaces: the path itself, or where its link points.

    Raises WriteError for an empty path, a NUL character, a link to nothing or a loop, and any
    target in the package or the zoo.
    """
    text = str(path)
    if text in ("", "."):
        raise WriteError(path, "an empty file name")
    if "\0" in text:
        raise WriteError(path, "a file name holding a NUL character")
    real = Path(os.path.realpath(path))
    if os.path.islink(path) and not os.path.lexists(real):
        raise WriteError(path, "a link to nothing; refusing to write through it")
    if os.path.islink(path):
        try:
            os.stat(path)
        except OSError as error:
            raise WriteError(
                path, f"a link that cannot be followed: {error.strerror}"
            ) from None
    for folder in protected_folders():
        if _inside(real, folder):
            raise WriteError(
                path,
                "inside archgen's own package or zoo; write it elsewhere (-o FILE, or the "
                "working folder)",
            )
    return real


def check_in_place(path: Path, real: Path, *, force: bool) -> int | None:
    """The permission bits to keep when ``real`` exists, None when it does not.

    Raises WriteError when it exists and ``force`` is false, or cannot be replaced in place.
    """
    try:
        info = os.stat(real)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise WriteError(path, f"cannot be read: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise WriteError(
            path, "exists and is not a regular file; refusing to replace it"
        )
    if not force:
        raise WriteError(
            path,
            "exists; refusing to overwrite it (pass --force to replace it)",
            exists=True,
        )
    if not info.st_mode & stat.S_IWUSR or not os.access(real, os.W_OK):
        raise WriteError(path, "is read-only; refusing to replace it")
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        raise WriteError(path, "is owned by another user; refusing to replace it")
    if info.st_nlink > 1:
        raise WriteError(
            path,
            f"has {info.st_nlink} hard links; replacing it would split them, so it is refused",
        )
    return info.st_mode & 0o7777


def write_text(path: Path, content: str, *, force: bool = False) -> None:
    """Write ``content`` (UTF-8, no newline translation) to ``path`` under the policy above."""
    real = resolve_target(path)
    check_in_place(path, real, force=force)
    try:
        atomic_write(real, content)
    except OSError as error:  # a full disk, a folder that cannot be written
        raise WriteError(
            path, f"cannot be written: {error.strerror or error}"
        ) from None
