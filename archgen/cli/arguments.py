"""Argument types: each turns the text of one flag into a value, or says what is wrong with it
(argparse then prints the usage and exits 2). None of them lets an exception through."""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable

from archgen.selection import prefix_problem
from archgen.text import printable

_EXPONENT = re.compile(r"[eE]\s*\+?0*([0-9]+)")

MAX_QUANTITY = 10**15
"""Largest MACs or parameter budget ``sample`` takes (a million G)."""


def path_text(text: str) -> str:
    """A file or folder name: not empty, no NUL character."""
    if text == "":
        raise argparse.ArgumentTypeError("an empty file name")
    if "\0" in text:
        raise argparse.ArgumentTypeError(printable(f"{text!a} holds a NUL character"))
    return text


def add_output_file(parser: argparse.ArgumentParser, what: str) -> None:
    """``-o/--output FILE`` (``what`` says what is written there) and ``--force``."""
    parser.add_argument("-o", "--output", type=path_text, metavar="FILE", help=what)
    parser.add_argument(
        "--force", action="store_true", help="overwrite an existing file"
    )


def whole(minimum: int, maximum: int) -> Callable[[str], int]:
    """A whole number in ``minimum..maximum``; at most 20 digits are read."""

    def parse(text: str) -> int:
        stripped = text.strip()
        if len(stripped) > 20:
            raise argparse.ArgumentTypeError(
                f"{printable(stripped[:20])}... is too long; expected {minimum} to {maximum:,}"
            )
        try:
            value = int(stripped, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(
                printable(f"{text!a} is not a whole number")
            ) from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"{value} is out of range; expected {minimum} to {maximum:,}"
            )
        return value

    parse.__name__ = "whole number"
    return parse


def fraction_below_one(text: str) -> float:
    """A tolerance: a finite number at least 0 and below 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            printable(f"{text!a} is not a number such as 0.1")
        ) from None
    if not math.isfinite(value) or not 0 <= value < 1:
        raise argparse.ArgumentTypeError(
            printable(
                f"{text!a}: expected a number at least 0 and below 1 (0.1 is +-10 %)"
            )
        )
    return value


def parsed(parse: Callable[[str], object]) -> Callable[[str], object]:
    """An argument type from a parser that raises ValueError (or an arithmetic error, for
    NaN and overflowing input) with a message."""

    def convert(text: str) -> object:
        if len(text) > 100:
            raise argparse.ArgumentTypeError(f"{printable(text[:20])}... is too long")
        try:
            return parse(text)
        except (ValueError, ArithmeticError) as error:
            raise argparse.ArgumentTypeError(
                printable(f"{text!a} is not usable: {error}")
            ) from None

    convert.__name__ = getattr(parse, "__name__", "value")
    return convert


def quantity(text: str) -> int:
    """A MACs or parameter budget: ``400M``, ``4G``, ``5.2M``; finite, 1 to 10^15."""
    from archgen.sample import parse_quantity

    if len(text) > 40:
        raise argparse.ArgumentTypeError(f"{printable(text[:20])}... is too long")
    exponent = _EXPONENT.search(text)
    if exponent is not None and int(exponent.group(1)) > 30:
        # Refused before it is read: 1e999999999 would be a billion-digit integer.
        raise argparse.ArgumentTypeError(
            printable(f"{text!a} is out of range; expected 1 to 1e15 (1000000G)")
        )
    try:
        value = parse_quantity(text)
    except (ValueError, ArithmeticError) as error:
        raise argparse.ArgumentTypeError(printable(str(error))) from None
    if not 1 <= value <= MAX_QUANTITY:
        raise argparse.ArgumentTypeError(
            printable(f"{text!a} is out of range; expected 1 to 1e15 (1000000G)")
        )
    return value


def codes(text: str) -> list[str]:
    """Comma-separated code prefixes (``AG3,AG401``)."""
    found = [part.strip() for part in text.split(",") if part.strip()]
    if not found:
        raise argparse.ArgumentTypeError(
            "expected comma-separated code prefixes such as AG3,AG401"
        )
    for code in found:
        problem = prefix_problem(code)
        if problem is not None:
            raise argparse.ArgumentTypeError(
                printable(f"{code!a} {problem}; `archgen lint --list-rules` lists them")
            )
    return found
