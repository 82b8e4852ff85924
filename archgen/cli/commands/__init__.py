"""One module per command: its name, its help, its arguments and ``run(args, config)``."""

from __future__ import annotations

import argparse
from types import ModuleType
from typing import Protocol, cast

from archgen.cli.commands import (
    build,
    diff,
    fit,
    importing,
    init,
    lint,
    listing,
    rule,
    sample,
    scale,
    schema,
    show,
)
from archgen.config import Config


class Command(Protocol):
    NAME: str
    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace, config: Config) -> int: ...


_MODULES: tuple[ModuleType, ...] = (
    build,
    lint,
    show,
    diff,
    listing,
    init,
    rule,
    schema,
    scale,
    sample,
    fit,
    importing,
)
COMMANDS: tuple[Command, ...] = tuple(cast(Command, module) for module in _MODULES)
