"""Names of the design spaces ``archgen sample`` draws from, and budgets as people write them.

Kept free of numpy, so that the command line can list the spaces and parse budgets without
importing it (``archgen lint`` and ``show`` import nothing heavy).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Final

ANYNETX_SPACES: Final = (
    "anynetx_a",
    "anynetx_b",
    "anynetx_c",
    "anynetx_d",
    "anynetx_e",
)
REGNET_SPACES: Final = ("regnet", "regnety")
SPACES: Final = ("anynetx", *ANYNETX_SPACES, *REGNET_SPACES)
"""``anynetx`` is ``anynetx_a`` (its name before the A-E spaces); ``regnet`` is RegNetX."""

_QUANTITY = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([kKmMgGtT]?)\s*\Z")
_SUFFIXES = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def parse_quantity(text: str) -> int:
    """``400M`` -> 400_000_000; ``4G``, ``5.2M``, ``25e6``, ``1500`` too. Raises ValueError."""
    match = _QUANTITY.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a number such as 400M, 4G, 5.2M or 25000000")
    try:
        value = Decimal(match.group(1)) * _SUFFIXES[match.group(2).upper()]
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if value < 1:
        raise ValueError(f"{text!r} must be at least 1")
    return int(value.to_integral_value())


def quantity_text(value: int) -> str:
    """400_000_000 -> ``400M``; the inverse of :func:`parse_quantity`, to 3 significant digits."""
    for suffix, scale in (("G", 10**9), ("M", 10**6), ("K", 10**3)):
        if value >= scale:
            return f"{value / scale:.3g}{suffix}"
    return str(value)
