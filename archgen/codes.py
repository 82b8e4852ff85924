"""Every diagnostic code archgen emits, with its rule name, default severity and meaning.

Codes are stable: tools and configuration files refer to them. ``AG0xx`` are problems reading the
file, ``AG1xx`` problems with the spec's schema, ``AG2xx`` structural rules, ``AG3xx`` the design
rules of the ResNeXt paper and ``AG4xx`` information. Only codes marked ``configurable`` can be
ignored or have their severity changed; the others mean there is no network to check.
"""

from __future__ import annotations

from dataclasses import dataclass

from archgen.diagnostics import Diagnostic, Severity


@dataclass(frozen=True)
class Code:
    code: str
    rule: str
    severity: Severity
    summary: str
    configurable: bool
    explanation: str = ""
    """Why the rule exists (``archgen rule CODE``)."""
    bad: str = ""
    """A YAML example that breaks the rule."""
    good: str = ""
    """The same example, keeping the rule."""
    fix: str = ""
    """How to fix a finding."""


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

CODES: dict[str, Code] = {
    c.code: c
    for c in (
        Code(
            "AG001",
            "unreadable-file",
            _E,
            "the file or directory cannot be read",
            False,
        ),
        Code("AG002", "syntax-error", _E, "the file is not valid YAML or JSON", False),
        Code("AG003", "not-text", _E, "the file is not UTF-8 text", False),
        Code("AG004", "empty-spec", _E, "the file holds no document", False),
        Code(
            "AG005", "not-a-mapping", _E, "the document is not a mapping of keys", False
        ),
        Code("AG006", "duplicate-key", _E, "a key appears twice in one mapping", False),
        Code("AG007", "unsupported-tag", _E, "a YAML tag other than plain data", False),
        Code("AG008", "too-large", _E, "the file exceeds archgen's size limits", False),
        Code(
            "AG009",
            "multiple-documents",
            _E,
            "a YAML stream with more than one document",
            False,
        ),
        Code("AG101", "missing-key", _E, "a required key is missing", False),
        Code("AG102", "unknown-key", _E, "a key the schema does not know", False),
        Code("AG103", "wrong-type", _E, "a value of the wrong type", False),
        Code(
            "AG104",
            "invalid-value",
            _E,
            "a value outside what the schema allows",
            False,
        ),
        Code(
            "AG105",
            "missing-block-type",
            _E,
            "a stage's block type is given neither in the stage nor in defaults",
            False,
        ),
        Code("AG106", "duplicate-name", _E, "two specs name the same module", False),
        Code(
            "AG107",
            "missing-width",
            _E,
            "a stage says neither planes nor width and out_channels",
            False,
        ),
        Code(
            "AG108",
            "unsupported-combination",
            _E,
            "options that cannot work together",
            False,
        ),
        Code(
            "AG109",
            "computed-too-large",
            _E,
            "a computed width or channel count exceeds archgen's limit",
            False,
        ),
        Code(
            "AG201",
            "groups-divide-width",
            _E,
            "groups must divide the widths they split",
            True,
        ),
        Code(
            "AG202",
            "notation-mismatch",
            _E,
            "paper notation and explicit widths disagree",
            True,
        ),
        Code("AG203", "stride-one-or-two", _E, "stage strides are 1 or 2", True),
        Code(
            "AG204",
            "map-too-small",
            _E,
            "a stage halves a map that is already 1x1",
            True,
        ),
        Code(
            "AG205", "grouped-basic-block", _W, "a grouped or widened basic block", True
        ),
        Code("AG206", "zero-width", _E, "a width resolves to zero channels", True),
        Code(
            "AG207",
            "norm-groups-divide-channels",
            _E,
            "group norm's groups divide every channel count it normalises",
            True,
        ),
        Code(
            "AG208",
            "stem-width",
            _E,
            "a deep stem's width halves into whole, non-empty convolutions",
            True,
        ),
        Code(
            "AG209",
            "group-norm-single-value",
            _E,
            "no group norm normalises a single value (one channel per group on a 1x1 map)",
            True,
        ),
        Code(
            "AG301",
            "same-size-same-shape",
            _E,
            "rule (i): same map size, same shape",
            True,
        ),
        Code(
            "AG302",
            "halve-map-double-width",
            _E,
            "rule (ii): halving doubles width",
            True,
        ),
        Code(
            "AG303",
            "halve-map-double-channels",
            _E,
            "rule (ii): halving doubles output",
            True,
        ),
        Code(
            "AG401",
            "cost-balance",
            _I,
            "per-block MACs differ widely across stages",
            True,
        ),
        Code(
            "AG501",
            "quantised-widths",
            _E,
            "AnyNet/RegNet: widths are multiples of 8 and of the group width",
            True,
        ),
        Code(
            "AG502",
            "non-decreasing-stages",
            _W,
            "AnyNet/RegNet: widths and depths do not decrease across stages",
            True,
        ),
        Code(
            "AG503",
            "shared-ratio-and-groups",
            _I,
            "AnyNet/RegNet: one bottleneck ratio and one group width for all stages",
            True,
        ),
    )
}


def diagnostic(
    code: str, message: str, path: str, line: int = 1, column: int = 1
) -> Diagnostic:
    """A diagnostic for ``code`` at its default severity."""
    entry = CODES[code]
    return Diagnostic(code, entry.rule, entry.severity, message, path, line, column)
