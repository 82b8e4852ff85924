"""mkdocs hooks: the generated parts of the documentation, made from archgen at build time.

``mkdocs.yml`` names this file under ``hooks:``. It adds one page per diagnostic code
(``rules/AGxxx.md``), the design-space figure (``design-spaces/edf.png``), and replaces each
``<!-- archgen:NAME ARGUMENT -->`` line of a page with what :data:`gen.PARTS` makes of it, so
no page can drift from the tool.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen

_MARKER = re.compile(r"<!-- archgen:([a-z0-9-]+)(?: (.*?))? -->")


def on_config(config: Any) -> Any:
    """The rule pages join the navigation under Rules, in code order."""
    for item in config["nav"]:
        if isinstance(item, dict) and "Rules" in item:
            item["Rules"] = [
                item["Rules"][0],
                *(
                    {f"{code} {entry.rule}": f"rules/{code}.md"}
                    for code, entry in gen.rule_codes().items()
                ),
            ]
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    for code in gen.rule_codes():
        files.append(
            File.generated(config, f"rules/{code}.md", content=gen.rule_page(code))
        )
    with tempfile.TemporaryDirectory() as folder:
        figure = Path(folder) / "edf.png"
        gen.sample_plot(figure)
        files.append(
            File.generated(config, "design-spaces/edf.png", content=figure.read_bytes())
        )
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    def part(match: re.Match[str]) -> str:
        name, argument = match[1], match[2] or ""
        if name not in gen.PARTS:
            raise ValueError(f"{page.file.src_uri}: no generated part {name!r}")
        return gen.PARTS[name](argument)

    return _MARKER.sub(part, markdown)
