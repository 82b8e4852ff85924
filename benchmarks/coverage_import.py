"""Coverage of ``archgen import`` over the ResNet lineage of timm and torchvision.

For every name timm registers in its ResNet-lineage modules (resnet, regnet, resnetv2, res2net,
resnest, sknet) and every ResNet, ResNeXt, Wide ResNet and RegNet of torchvision: import it,
build the spec and the reference on the meta device, and compare their state-dict layouts.
Prints one line per name (built, or the feature that keeps it out) and the counts per source.

    python benchmarks/coverage_import.py [--markdown FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import torch
import yaml

import archgen

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from models.test_importer import LINEAGE, _meta, _reference


def status(reference: str) -> str:
    """'built' when the spec builds the reference's layout, else why not."""
    source, name = reference.split(":")
    try:
        spec = yaml.safe_load(archgen.import_spec(reference))
    except archgen.ArchgenError as error:
        return "refused: " + error.diagnostics[0].message.split(": ", 1)[1]
    with _meta():
        ours = archgen.create_model(spec)
        theirs = _reference(source, name)
    same = [(k, v.shape) for k, v in ours.state_dict().items()] == [
        (k, v.shape) for k, v in theirs.state_dict().items()
    ]
    return "built" if same else "DIFFERS (a bug: the spec does not build the reference)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", type=Path, help="also write the table there")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = [(reference, status(reference)) for reference in LINEAGE]
    counts: Counter[tuple[str, bool]] = Counter(
        (reference.split(":")[0], result == "built") for reference, result in rows
    )
    for reference, result in rows:
        print(f"{reference:40} {result}")
    for source in ("timm", "torchvision"):
        built, total = (
            counts[source, True],
            counts[source, True] + counts[source, False],
        )
        print(f"{source}: {built} of {total} built")
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.markdown:
        lines = ["| network | status |", "|---|---|"]
        lines += [f"| `{reference}` | {result} |" for reference, result in rows]
        args.markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    with torch.no_grad():
        main()
