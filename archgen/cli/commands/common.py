"""What several commands share: one spec compiled for show, diff and scale, and the common
``--image-size``/``--channels`` options."""

from __future__ import annotations

import argparse

from archgen import limits
from archgen.cli.arguments import whole
from archgen.cli.inputs import Input, discover
from archgen.cli.report import EXIT_USAGE, Report, exit_code
from archgen.codes import diagnostic
from archgen.config import Config
from archgen.pipeline import Compiled, InputOverride
from archgen.summary import Side
from archgen.text import printable


def compile_one(
    argument: str,
    config: Config,
    report: Report,
    override: InputOverride | None = None,
) -> tuple[Input, Compiled] | None:
    """The one spec ``argument`` names, compiled; None (with the report's code set) when it
    names none or several, or has no network to show."""
    files, missing = discover([argument], config)
    if missing or len(files) != 1:
        if not missing:
            missing = [
                diagnostic("AG001", "expected one spec file", printable(argument))
            ]
        report.diagnostics(missing, config)
        report.fail(EXIT_USAGE)
        return None
    result = files[0].compile(config, override)
    # Shown even when the network can be displayed: the numbers of a spec that breaks a rule
    # should not be read without knowing it.
    visible = [d for d in result.diagnostics if config.shows(d)]
    report.show(visible)
    if result.plan is None:
        report.fail(exit_code(list(result.diagnostics), config))
        return None
    return files[0], result


def side(result: Compiled, *, raw: bool = False) -> Side:
    """What show and diff print; the spec's path escaped unless ``raw`` (for JSON)."""
    assert (
        result.plan is not None
        and result.complexity is not None
        and result.document is not None
    )
    display = result.document.display
    return Side(result.plan, result.complexity, display if raw else printable(display))


def input_options(parser: argparse.ArgumentParser, whose: str) -> None:
    parser.add_argument(
        "--image-size",
        type=whole(1, limits.MAX_IMAGE_SIZE),
        metavar="N",
        help=f"evaluate {whose} at an N x N input instead of the input declared",
    )
    parser.add_argument(
        "--channels",
        type=whole(1, limits.MAX_CHANNELS),
        metavar="N",
        help=f"evaluate {whose} with N input channels instead of those declared",
    )


def override(args: argparse.Namespace) -> InputOverride | None:
    """The common input ``--image-size`` and ``--channels`` ask show and diff to assume."""
    if args.image_size is None and args.channels is None:
        return None
    return InputOverride(args.image_size, args.channels)


def show_info_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--show-info",
        action="store_true",
        help="also show info findings that ask for no action (hidden by default)",
    )
