"""Every diagnostic code archgen emits, with its rule name, default severity and meaning.

Codes are stable: tools and configuration files refer to them. ``AG0xx`` are problems reading the
file, ``AG1xx`` problems with the spec's schema, ``AG2xx`` structural rules, ``AG3xx`` the design
rules of the ResNeXt paper, ``AG4xx`` information and ``AG5xx`` the AnyNet/RegNet rules.
The rule codes come from the rules that own them (:mod:`archgen.rules.registry`). Only codes marked ``configurable`` can be
ignored or have their severity changed; the others mean there is no network to check.
"""

from __future__ import annotations

from archgen.diagnostics import Diagnostic, Severity
from archgen.rules.base import Code
from archgen.rules.registry import rule_codes

__all__ = ["CODES", "Code", "diagnostic"]

_E = Severity.ERROR

_READING: tuple[Code, ...] = (
    Code(
        "AG001",
        "unreadable-file",
        _E,
        "the file or directory cannot be read",
        False,
        "archgen could not open or read the path: it does not exist, is not a regular file or folder, or cannot be read. A name that is neither a path nor a zoo spec gets the closest zoo names.",
        "archgen lint specs/resnet5.yaml",
        "archgen lint specs/resnet50.yaml",
        "check the path",
    ),
    Code(
        "AG002",
        "syntax-error",
        _E,
        "the file is not valid YAML or JSON",
        False,
        "The file does not parse as YAML (or JSON, for a .json file); the position is where the reader stopped.",
        "name: t\ndefaults: {block: bottleneck}\nstages: [{blocks: 3, planes: 64}\n",
        "name: t\ndefaults: {block: bottleneck}\nstages: [{blocks: 3, planes: 64}]\n",
        "close the bracket, quote or indentation at the position shown",
    ),
    Code(
        "AG003",
        "not-text",
        _E,
        "the file is not UTF-8 text",
        False,
        "Specs are UTF-8 text; the file holds bytes that are not.",
        "",
        "",
        "save the file as UTF-8",
    ),
    Code(
        "AG004",
        "empty-spec",
        _E,
        "the file holds no document",
        False,
        "The file is empty or holds only comments.",
        "# a spec to write later\n",
        "name: t\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: 3, planes: 64}\n",
        "write a spec",
    ),
    Code(
        "AG005",
        "not-a-mapping",
        _E,
        "the document is not a mapping of keys",
        False,
        "A spec is a mapping of keys (name, stages, ...); the document is a list or a scalar.",
        "- {blocks: 3, planes: 64}\n",
        "name: t\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: 3, planes: 64}\n",
        "put the content under its key",
    ),
    Code(
        "AG006",
        "duplicate-key",
        _E,
        "a key appears twice in one mapping",
        False,
        "YAML readers keep one of two equal keys and drop the other silently; archgen refuses both.",
        "name: t\nstem: {width: 64, width: 32}\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: 3, planes: 64}\n",
        "name: t\nstem: {width: 64}\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: 3, planes: 64}\n",
        "remove one of the keys",
    ),
    Code(
        "AG007",
        "unsupported-tag",
        _E,
        "a YAML tag other than plain data",
        False,
        "Specs are plain data: tags such as `!!python/object` could run code in some readers, so archgen refuses them.",
        "name: !!python/name:os.system t\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: 3, planes: 64}\n",
        "name: t\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: 3, planes: 64}\n",
        "remove the tag",
    ),
    Code(
        "AG008",
        "too-large",
        _E,
        "the file exceeds archgen's size limits",
        False,
        "The file, its nesting or one of its values exceeds archgen's limits (README, Limits); nothing past the limit is read.",
        "",
        "",
        "split or shorten the spec",
    ),
    Code(
        "AG009",
        "multiple-documents",
        _E,
        "a YAML stream with more than one document",
        False,
        "One file holds one spec; a `---` separator starts a second document.",
        "name: a\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: 3, planes: 64}\n---\nname: b\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: 3, planes: 64}\n",
        "name: a\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: 3, planes: 64}\n",
        "put each spec in its own file",
    ),
    Code(
        "AG010",
        "cannot-import",
        _E,
        "a reference network archgen does not express",
        False,
        "`archgen import SOURCE:NAME` read the reference's own configuration of the network and found an argument, block, norm or attention that no component record expresses (timm's anti-aliased downsampling, blur pools, FRN or EvoNorm norms, ...), or a name the reference does not register. Nothing is written.",
        "archgen import timm:resnetblur50",
        "archgen import timm:resnet50",
        "import a network of the lineage archgen expresses (`archgen import timm:resnet50d`), or write the spec by hand from the nearest one",
    ),
    Code(
        "AG101",
        "missing-key",
        _E,
        "a required key is missing",
        False,
        "The schema requires the key (a spec needs `stages` or `regnet`; a stage needs `blocks`).",
        "name: t\ndefaults: {block: bottleneck}\nstages:\n  - {planes: 64}\n",
        "name: t\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: 3, planes: 64}\n",
        "add the key",
    ),
    Code(
        "AG102",
        "unknown-key",
        _E,
        "a key the schema does not know",
        False,
        "A key the schema does not have is refused, not ignored: a misspelt key would otherwise change nothing silently.",
        "name: t\ndefaults: {block: bottleneck, cardinalty: 32, base_width: 4}\nstages:\n  - {blocks: 3, planes: 64}\n",
        "name: t\ndefaults: {block: bottleneck, cardinality: 32, base_width: 4}\nstages:\n  - {blocks: 3, planes: 64}\n",
        "the closest known key (did you mean)",
    ),
    Code(
        "AG103",
        "wrong-type",
        _E,
        "a value of the wrong type",
        False,
        "The value has another type than the key takes (a string for a number, a list for a mapping).",
        "name: t\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: three, planes: 64}\n",
        "name: t\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: 3, planes: 64}\n",
        "write a value of the type shown",
    ),
    Code(
        "AG104",
        "invalid-value",
        _E,
        "a value outside what the schema allows",
        False,
        "The value has the right type but is outside the allowed range or set (a negative width, an unknown block type, a name Python cannot import).",
        "name: t\ndefaults: {block: bottlenek}\nstages:\n  - {blocks: 3, planes: 64}\n",
        "name: t\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: 3, planes: 64}\n",
        "the closest allowed value (did you mean)",
    ),
    Code(
        "AG105",
        "missing-block-type",
        _E,
        "a stage's block type is given neither in the stage nor in defaults",
        False,
        "Every stage needs a block type, written in the stage or in `defaults`.",
        "name: t\nstages:\n  - {blocks: 3, planes: 64}\n",
        "name: t\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: 3, planes: 64}\n",
        "add `block` to the stage or to defaults",
    ),
    Code(
        "AG106",
        "duplicate-name",
        _E,
        "two specs name the same module",
        False,
        "Two specs build modules of one name: one would overwrite the other.",
        "",
        "",
        "rename one of the specs",
    ),
    Code(
        "AG107",
        "missing-width",
        _E,
        "a stage says neither planes nor width and out_channels",
        False,
        "A stage's width comes from `planes` (paper notation) or from `width` and `out_channels`.",
        "name: t\nstages:\n  - {blocks: 3, block: bottleneck}\n",
        "name: t\nstages:\n  - {blocks: 3, block: bottleneck, planes: 64}\n",
        "add planes, or width and out_channels",
    ),
    Code(
        "AG108",
        "unsupported-combination",
        _E,
        "options that cannot work together",
        False,
        "Each option is valid alone but the combination cannot be built (`stride_on: 1x1` on a basic block, an ECA ratio, group-norm settings on a batch norm, both `stages` and `regnet`).",
        "name: t\ndefaults: {block: basic, stride_on: 1x1}\nstages:\n  - {blocks: 2, planes: 64}\n",
        "name: t\ndefaults: {block: basic}\nstages:\n  - {blocks: 2, planes: 64}\n",
        "remove one of the options",
    ),
    Code(
        "AG109",
        "computed-too-large",
        _E,
        "a computed width or channel count exceeds archgen's limit",
        False,
        "A width the spec computes (planes times expansion, a RegNet expansion) is over archgen's channel limit.",
        "name: t\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: 1, planes: 20000}\n",
        "name: t\ndefaults: {block: bottleneck}\nstages:\n  - {blocks: 1, planes: 512}\n",
        "lower the planes, base_width or cardinality",
    ),
)
"""AG0xx (reading the file) and AG1xx (the schema): always on, since there is no network to check."""

CODES: dict[str, Code] = {
    **{entry.code: entry for entry in _READING},
    **rule_codes(),
}
"""Every code: the reading and schema codes, then those the rules own (:mod:`archgen.rules.registry`)."""


def diagnostic(
    code: str, message: str, path: str, line: int = 1, column: int = 1
) -> Diagnostic:
    """A diagnostic for ``code`` at its default severity."""
    entry = CODES[code]
    return Diagnostic(code, entry.rule, entry.severity, message, path, line, column)
