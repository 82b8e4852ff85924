"""Input discovery: which spec files the arguments (or the configuration) name.

An argument is a spec file, a folder (searched for ``*.yaml``, ``*.yml`` and ``*.json``) or a
zoo name (``resnet50``): a local path always wins over a zoo name. An empty argument, and one
holding a NUL character, is an error (exit 2), never the working folder.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from archgen import service, zoo
from archgen.codes import diagnostic
from archgen.config import Config
from archgen.diagnostics import Diagnostic
from archgen.pipeline import Compiled, InputOverride, compile_spec

SPEC_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Input:
    path: Path
    shown: str
    """The path as messages show it."""
    zoo_name: str | None = None
    """The zoo name it was given by, if so (recorded in generated headers)."""

    def compile(
        self, config: Config, override: InputOverride | None = None
    ) -> Compiled:
        return compile_spec(self.path, config, self.shown, override=override)

    def header_source(self, config: Config) -> str:
        return service.header_source(self.path, self.zoo_name, config.root)


def real(path: Path) -> Path:
    """``path`` with links resolved as far as they go; never raises on a link loop."""
    return Path(os.path.realpath(path))


def shown(path: Path) -> str:
    """A path as the user would write it: relative to the working folder when inside it."""
    try:
        return real(path).relative_to(real(Path.cwd())).as_posix()
    except ValueError:
        return str(path)


def discover(
    arguments: list[str], config: Config
) -> tuple[list[Input], list[Diagnostic]]:
    """Spec files named on the command line (folders are searched), or the configured ones.

    A file named twice, through two paths or a link, is one spec. A folder that cannot be read
    is an error, and so is a spec-named entry in it that cannot be (a broken or looping link):
    never silently fewer specs.
    """
    named = list(arguments) or [shown(config.root / entry) for entry in config.specs]
    found: list[Input] = []
    problems: list[Diagnostic] = []
    seen: set[object] = set()

    def add(one: Input) -> None:
        key = identity(one.path)
        if key not in seen:
            seen.add(key)
            found.append(one)

    for argument in named:
        problem = service.argument_problem(argument)
        if problem is not None:
            problems.append(problem)
            continue
        path = Path(argument)
        try:
            is_dir = stat.S_ISDIR(path.stat().st_mode)
        except FileNotFoundError:
            # Not a local path: maybe a zoo name (a broken link is a local path). The
            # configured folders are paths only.
            name = "" if os.path.lexists(path) or not arguments else argument
            in_zoo = service.resolve(name) if name else None
            if isinstance(in_zoo, tuple):
                add(Input(in_zoo[0], shown(in_zoo[0]), in_zoo[1]))
            else:
                problems.append(zoo.not_found(name, path.as_posix()))
            continue
        except OSError as error:
            problems.append(unreadable(path, error))
            continue
        if is_dir:
            children, unreadable_ones = search(path)
            problems += unreadable_ones
            for child in children:
                add(Input(child, child.as_posix()))
        else:
            add(Input(path, path.as_posix()))
    return found, problems


def identity(path: Path) -> object:
    """The same for every path to one file: its device and inode, else its resolved path."""
    try:
        info = path.stat()
    except OSError:
        return str(real(path))
    return (info.st_dev, info.st_ino)


def unreadable(path: Path, error: OSError) -> Diagnostic:
    return diagnostic(
        "AG001", f"cannot read: {error.strerror or error}", path.as_posix()
    )


def search(folder: Path) -> tuple[list[Path], list[Diagnostic]]:
    """Spec files under ``folder``, sorted; links to folders are not followed (no loops)."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as entries:
                listed = list(entries)
        except OSError as error:
            problems.append(unreadable(current, error))
            continue
        for entry in listed:
            path = current / entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                    continue
                if path.suffix not in SPEC_SUFFIXES:
                    continue
                if entry.is_symlink() and entry.is_dir():
                    continue  # a link to a folder, even one named like a spec
            except OSError as error:  # a spec-named link that loops
                problems.append(unreadable(path, error))
                continue
            found.append(
                path
            )  # a regular file, or something load() will say is not one
    return sorted(found), problems


def name_clashes(results: list[Compiled]) -> list[Diagnostic]:
    """Two specs that would write the same module."""
    seen: dict[str, Compiled] = {}
    clashes = []
    for result in results:
        if result.plan is None or result.document is None:
            continue
        # Case folded: resnet.py and ResNet.py are one file on macOS and Windows.
        first = seen.setdefault(result.plan.name.casefold(), result)
        if first is not result:
            clashes.append(
                result.document.diagnostic(
                    "AG106",
                    f"name '{result.plan.name}' is already used by {first.path.as_posix()} "
                    "(names may not differ only in case); "
                    "expected each spec to name a different module",
                    ("name",),
                )
            )
    return clashes
