"""The zoo: the specs archgen ships, found by name.

In a wheel they are ``archgen/zoo/*.yaml`` (the repository's ``specs/``, force-included by
pyproject.toml); in a checkout they are ``specs/`` itself. A name is a spec's file stem, which is
also its ``name:``: ``resnet50``, ``resnext50_32x4d``. Every command that takes a spec path also
takes a zoo name; a local file or folder of the same name always wins.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from archgen.codes import diagnostic
from archgen.diagnostics import Diagnostic

SUFFIX = ".yaml"


def zoo_dir() -> Path:
    """The folder of the zoo's specs: the packaged one, else the checkout's ``specs/``."""
    packaged = Path(__file__).parent / "zoo"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "specs"


def zoo_names() -> list[str]:
    """Every zoo spec's name, sorted."""
    folder = zoo_dir()
    if not folder.is_dir():
        return []
    return sorted(path.stem for path in folder.glob(f"*{SUFFIX}") if path.is_file())


def zoo_path(name: str) -> Path | None:
    """The file of zoo spec ``name``, or None when the zoo has no spec of that name.

    Only plain names are looked up (no folders, no suffix), so nothing outside the zoo's folder
    is ever named through it.
    """
    if name not in zoo_names():
        return None
    return zoo_dir() / f"{name}{SUFFIX}"


def lookup(argument: str) -> Path | None:
    """The zoo spec an argument names when it is written as a name (no folder, no suffix)."""
    return zoo_path(argument) if looks_like_name(argument) else None


def not_found(argument: str, shown: str | None = None) -> Diagnostic:
    """AG001 for an argument that names neither a file nor a zoo spec, at ``shown`` (default:
    the argument)."""
    where = shown if shown is not None else argument
    if not looks_like_name(argument):
        return diagnostic("AG001", "no such file or directory", where)
    return diagnostic(
        "AG001",
        "no such file or directory, and no zoo spec of that name"
        f"{suggestion(argument)} (`archgen list` lists the zoo)",
        where,
    )


def suggestion(name: str) -> str:
    """``"; did you mean 'resnet50'?"`` when a zoo name is close to ``name``, else ``""``."""
    close = closest(name, zoo_names())
    return f"; did you mean '{close}'?" if close else ""


def closest(name: str, names: list[str]) -> str | None:
    """The name ``name`` most likely meant, preferring what it starts like (as timm users type
    short names):

    1. a name that starts with ``name`` (``resnext50`` -> ``resnext50_32x4d``): the shortest;
    2. else the names sharing the longest common prefix with it, of at least half its length
       (``regnety_040`` -> ``regnety_0..``): the one whose trailing number is nearest
       (``regnety_032``), else the most similar;
    3. else the most similar name overall (difflib, ratio 0.6 or more), or None.
    """
    key = name.lower()
    if not key:
        return None
    starting = [n for n in names if n.lower().startswith(key)]
    if starting:
        return min(starting, key=lambda n: (len(n), n))
    shared = {n: _common_prefix(key, n.lower()) for n in names}
    longest = max(shared.values(), default=0)
    if longest >= max(3, (len(key) + 1) // 2):
        best = [n for n in names if shared[n] == longest]
        return min(best, key=lambda n: _distance(key, n))
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return close[0] if close else None


def _common_prefix(one: str, other: str) -> int:
    count = 0
    for a, b in zip(one, other, strict=False):
        if a != b:
            break
        count += 1
    return count


_NUMBER = re.compile(r"([0-9]+)[^0-9]*$")


def _distance(typed: str, candidate: str) -> tuple[float, float, str]:
    """Nearest trailing number first (``040`` is nearer ``032`` than ``004``), then the most
    similar text."""
    a, b = _NUMBER.search(typed), _NUMBER.search(candidate.lower())
    numeric = abs(int(a.group(1)) - int(b.group(1))) if a and b else float("inf")
    similarity = difflib.SequenceMatcher(None, typed, candidate.lower()).ratio()
    return (numeric, -similarity, candidate)


def looks_like_name(argument: str) -> bool:
    """An argument written as a zoo name would be: no folder part and no spec suffix."""
    return (
        bool(argument)
        and "/" not in argument
        and "\\" not in argument
        and Path(argument).suffix.lower() not in (".yaml", ".yml", ".json")
    )
