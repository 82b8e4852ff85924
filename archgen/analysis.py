"""Compile a spec held in memory (a dict, not a file), and write one back as YAML.

``archgen scale`` and ``archgen sample`` make specs rather than read them: they build the data,
run it through the same validate -> lower -> analyse -> lint steps as
:func:`archgen.pipeline.compile_spec`, and write the survivors with :func:`dump_spec`, which
writes only what archgen's loader reads back to the same data.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml

from archgen.config import Config
from archgen.pipeline import Compiled, compile_document
from archgen.source import Document, SourceMap


def document_of(data: dict[str, Any], display: str = "<spec>.yaml") -> Document:
    """A :class:`Document` for ``data``, as if read from a file shown as ``display``.

    There is no file, so no positions: every diagnostic points at line 1, column 1. The
    checksum is that of the data as canonical JSON.
    """
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return Document(Path(display), display, data, SourceMap({}, {}), digest)


def compile_data(
    data: dict[str, Any], config: Config | None = None, display: str = "<spec>.yaml"
) -> Compiled:
    """Compile the spec ``data``; ``config`` defaults to archgen's default rules."""
    return compile_document(
        document_of(data, display), config or Config(root=Path.cwd()), suggest=False
    )


def clean(result: Compiled, config: Config) -> bool:
    """The spec compiled to a network and has no finding at the failing severity."""
    return result.plan is not None and not result.failing(config)


# --- writing specs -------------------------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class _Dumper(yaml.SafeDumper):
    """Block style for mappings holding collections, flow style for the leaves (``{blocks: 3,
    planes: 64}``), as the specs in specs/ are written."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # A name-like string is written plain (PyYAML quotes 'yes', 'null' and the like itself);
    # anything else double-quoted, so that no YAML 1.1 / 1.2 difference (``1e3``, ``0o17``)
    # and no special character can change what it reads as.
    style = None if _PLAIN.match(value) else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_spec(data: dict[str, Any], comment: str = "") -> str:
    """``data`` as YAML that archgen reads back to equal data; ``comment`` lines go first."""
    text = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=None,
        allow_unicode=True,
        width=4096,
    )
    header = "".join(f"# {line}".rstrip() + "\n" for line in comment.splitlines())
    return header + text
