"""The ``archgen`` command line: one module per command in :mod:`archgen.cli.commands`.

Diagnostics become output and exit codes here, and only here. Exit codes: 0 success; 1 findings
(lint errors, stale or protected generated files, an existing target without ``--force``); 2
usage or I/O errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from archgen import __version__
from archgen.cli.arguments import path_text
from archgen.cli.commands import COMMANDS
from archgen.cli.report import EXIT_USAGE
from archgen.config import ConfigError, load_config
from archgen.text import printable

__all__ = ["main", "parser"]


def parser() -> argparse.ArgumentParser:
    """The parser of every command: each command module adds its own arguments."""
    top = argparse.ArgumentParser(
        prog="archgen",
        description="Compile specs of residual CNNs (ResNet, ResNeXt, Wide ResNet, timm's "
        "variants, RegNet) into standalone PyTorch modules, and check them against their "
        "design space's rules.",
        epilog="Exit status: 0 success, 1 findings or out-of-date files, 2 usage or I/O errors.",
    )
    top.add_argument("--version", action="version", version=f"archgen {__version__}")
    commands = top.add_subparsers(title="commands", metavar="COMMAND")
    for command in COMMANDS:
        sub = commands.add_parser(
            command.NAME, help=command.HELP, description=command.HELP
        )
        sub.add_argument(
            "--config",
            type=path_text,
            metavar="PYPROJECT",
            help="read [tool.archgen] from this file",
        )
        command.add_arguments(sub)
        sub.set_defaults(command=command)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    top = parser()
    try:
        args = top.parse_args(argv)
    except SystemExit:
        # --help, --version and usage errors: printed already, maybe into a closed pipe.
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        raise
    if not hasattr(args, "command"):
        top.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        config = load_config(Path.cwd(), Path(args.config) if args.config else None)
        code: int = args.command.run(args, config)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:
        # The reader went away (`archgen show x | head -1`): stop quietly. Python's advice: point
        # stdout at devnull so that the flush at exit does not fail again.
        _silence_stdout()
        return EXIT_USAGE
    except ConfigError as error:
        _error(f"archgen: {error}")
        return EXIT_USAGE
    except OSError as error:
        name = error.filename if error.filename is not None else ""
        _error(f"archgen: {name}: {error.strerror or error}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _error("archgen: interrupted")
        return 130


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (captured in tests)
        pass


def _error(message: str) -> None:
    print(printable(message), file=sys.stderr)
