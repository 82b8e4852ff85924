"""The ``archgen`` command line. Diagnostics become output and exit codes here, and only here.

Exit codes: 0 success; 1 findings (lint errors, stale or protected generated files); 2 usage or
I/O errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from archgen import __version__
from archgen.codes import CODES, diagnostic
from archgen.config import Config, ConfigError, load_config
from archgen.diagnostics import Diagnostic, Severity, sort_key
from archgen.header import read_header
from archgen.output import State, atomic_write, read_existing, state_of, unified_diff
from archgen.pipeline import Compiled, compile_spec, is_io_error
from archgen.render import render
from archgen.spec import json_schema
from archgen.summary import (
    Side,
    diff_json,
    diff_text,
    show_json,
    show_markdown,
    show_text,
)

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace, Config], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        config = load_config(Path.cwd(), Path(args.config) if args.config else None)
        handler: Handler = args.handler
        return handler(args, config)
    except ConfigError as error:
        print(f"archgen: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        print(
            f"archgen: {error.filename or ''}: {error.strerror or error}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


# --- inputs --------------------------------------------------------------------------------------


def _shown(path: Path) -> str:
    """A path as the user would write it: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _inputs(
    arguments: list[str], config: Config
) -> tuple[list[tuple[Path, str]], list[Diagnostic]]:
    """Spec files named on the command line (folders are searched), or the configured ones."""
    named = [Path(argument) for argument in arguments]
    if not named:
        named = [Path(_shown(config.root / entry)) for entry in config.specs]
    files: list[tuple[Path, str]] = []
    missing: list[Diagnostic] = []
    for path in named:
        if path.is_dir():
            found = sorted(
                child
                for child in path.rglob("*")
                if child.suffix in SPEC_SUFFIXES and child.is_file()
            )
            files += [(child, child.as_posix()) for child in found]
        elif path.exists():
            files.append((path, path.as_posix()))
        else:
            missing.append(
                diagnostic("AG001", "no such file or directory", path.as_posix())
            )
    return files, missing


def _compile_all(files: list[tuple[Path, str]], config: Config) -> list[Compiled]:
    return [compile_spec(path, config, shown) for path, shown in files]


def _name_clashes(results: list[Compiled]) -> list[Diagnostic]:
    """Two specs that would write the same module."""
    seen: dict[str, Compiled] = {}
    clashes = []
    for result in results:
        if result.plan is None or result.document is None:
            continue
        # Case folded: resnet.py and ResNet.py are one file on macOS and Windows.
        first = seen.setdefault(result.plan.name.casefold(), result)
        if first is not result:
            clashes.append(
                result.document.diagnostic(
                    "AG106",
                    f"name '{result.plan.name}' is already used by {first.path.as_posix()} "
                    "(names may not differ only in case); "
                    "expected each spec to name a different module",
                    ("name",),
                )
            )
    return clashes


# --- output of diagnostics -----------------------------------------------------------------------


def _print_diagnostics(
    diagnostics: list[Diagnostic], fmt: str, stream: TextIO | None = None
) -> None:
    out = stream if stream is not None else sys.stdout
    ordered = sorted(diagnostics, key=sort_key)
    if fmt == "json":
        print(json.dumps([d.to_json() for d in ordered], indent=2), file=out)
        return
    for d in ordered:
        if fmt == "github":
            level = {
                Severity.ERROR: "error",
                Severity.WARNING: "warning",
                Severity.INFO: "notice",
            }
            print(
                f"::{level[d.severity]} file={_gh_property(d.path)},line={d.line},col={d.column},"
                f"title={d.code} {d.rule}::{_gh_data(d.message)}",
                file=out,
            )
        else:
            label = "" if d.severity is Severity.ERROR else f" [{d.severity.label}]"
            print(
                f"{d.path}:{d.line}:{d.column}: {d.code}{label} {d.message}", file=out
            )


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _summary(diagnostics: list[Diagnostic]) -> str:
    counts = {severity: 0 for severity in Severity}
    for d in diagnostics:
        counts[d.severity] += 1
    parts = [
        f"{counts[severity]} {severity.label}{'s' if counts[severity] != 1 else ''}"
        for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        if counts[severity]
    ]
    return "Found " + ", ".join(parts) + "." if parts else "All checks passed."


def _exit_code(diagnostics: list[Diagnostic], config: Config) -> int:
    if any(is_io_error(d) for d in diagnostics):
        return EXIT_USAGE
    if any(d.severity >= config.fail_on for d in diagnostics):
        return EXIT_FINDINGS
    return EXIT_OK


# --- commands ------------------------------------------------------------------------------------


def _lint(args: argparse.Namespace, config: Config) -> int:
    if args.list_rules:
        for code in CODES.values():
            kind = "" if code.configurable else "  (always on)"
            print(
                f"{code.code}  {code.rule:<26} {code.severity.label:<8} {code.summary}{kind}"
            )
        return EXIT_OK
    config = config.with_rules(args.select, args.ignore)
    files, diagnostics = _inputs(args.specs, config)
    results = _compile_all(files, config)
    diagnostics += [
        d for result in results for d in result.diagnostics
    ] + _name_clashes(results)
    _print_diagnostics(diagnostics, args.format)
    if args.format == "text":
        print(_summary(diagnostics), file=sys.stderr)
    return _exit_code(diagnostics, config)


def _source_for(spec: Path, out_dir: Path) -> str:
    """The spec's path as written into the header: relative to the generated file's folder."""
    try:
        return Path(os.path.relpath(spec.resolve(), out_dir.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return spec.name


def _build(args: argparse.Namespace, config: Config) -> int:
    out_dir = (
        Path(args.output) if args.output else Path(_shown(config.root / config.output))
    )
    files, diagnostics = _inputs(args.specs, config)
    results = _compile_all(files, config)
    clashes = _name_clashes(results)
    diagnostics += [d for result in results for d in result.diagnostics] + clashes
    _print_diagnostics(diagnostics, "text", sys.stderr)
    code = _exit_code(diagnostics, config)
    clashing = {d.path for d in clashes}
    written = unchanged = problems = 0
    for result in results:
        if result.plan is None or result.document is None or result.complexity is None:
            continue
        if result.document.display in clashing or (
            result.failing(config) and not args.ignore_lint
        ):
            if not args.check:
                print(
                    f"{result.document.display}: not built: fix the errors above "
                    "or pass --ignore-lint",
                    file=sys.stderr,
                )
            continue
        target = out_dir / f"{result.plan.name}.py"
        expected = render(
            result.plan,
            result.complexity,
            _source_for(result.path, out_dir),
            result.document.sha256,
        )
        existing = read_existing(target)
        state = state_of(existing, expected)
        if state is State.CURRENT:
            unchanged += 1
        elif args.check:
            problems += 1
            reason = {
                State.MISSING: "is missing",
                State.STALE: "is out of date with its spec",
                State.EDITED: "was edited by hand and differs from its spec",
                State.FOREIGN: "was not generated by archgen",
            }[state]
            print(f"{target.as_posix()} {reason}; run `archgen build`", file=sys.stderr)
            sys.stdout.write(unified_diff(target, existing, expected))
        elif state.protected and not args.force:
            problems += 1
            why = (
                "was edited by hand"
                if state is State.EDITED
                else "was not generated by archgen"
            )
            print(
                f"{target.as_posix()}: {why}; refusing to overwrite it. Move your changes into "
                "the spec, or pass --force to replace the file.",
                file=sys.stderr,
            )
        else:
            atomic_write(target, expected)
            written += 1
            print(f"wrote {target.as_posix()}")
    if not args.specs or all(Path(spec).is_dir() for spec in args.specs):
        produced = {result.plan.name for result in results if result.plan is not None}
        for orphan in _orphans(out_dir, produced):
            problems += 1
            print(
                f"{orphan.as_posix()} was generated by archgen but no spec produces it any "
                "more; delete it, or restore its spec",
                file=sys.stderr,
            )
    if args.check:
        verdict = "up to date" if not problems else f"{problems} out of date"
        print(
            f"archgen: {unchanged + problems} generated file(s) checked, {verdict}",
            file=sys.stderr,
        )
    else:
        print(f"archgen: {written} written, {unchanged} unchanged", file=sys.stderr)
    if problems and code == EXIT_OK:
        code = EXIT_FINDINGS
    return code


def _orphans(out_dir: Path, produced: set[str]) -> list[Path]:
    """Generated modules in ``out_dir`` that none of the specs built now produces."""
    if not out_dir.is_dir():
        return []
    return [
        path
        for path in sorted(out_dir.glob("*.py"))
        if path.stem not in produced
        and read_header(read_existing(path) or "") is not None
    ]


def _compile_one(path: str, config: Config) -> Compiled | int:
    files, missing = _inputs([path], config)
    if missing or len(files) != 1:
        if not missing:
            missing = [diagnostic("AG001", "expected one spec file", path)]
        _print_diagnostics(missing, "text", sys.stderr)
        return EXIT_USAGE
    result = compile_spec(files[0][0], config, files[0][1])
    # Shown even when the network can be displayed: the numbers of a spec that breaks a rule
    # should not be read without knowing it.
    _print_diagnostics(list(result.diagnostics), "text", sys.stderr)
    if result.plan is None:
        return _exit_code(list(result.diagnostics), config)
    return result


def _side(result: Compiled) -> Side:
    assert (
        result.plan is not None
        and result.complexity is not None
        and result.document is not None
    )
    return Side(result.plan, result.complexity, result.document.display)


def _show(args: argparse.Namespace, config: Config) -> int:
    result = _compile_one(args.spec, config)
    if isinstance(result, int):
        return result
    side = _side(result)
    if args.format == "json":
        print(json.dumps(show_json(side.plan, side.complexity, side.source), indent=2))
    elif args.format == "markdown":
        sys.stdout.write(show_markdown(side.plan, side.complexity, side.source))
    else:
        sys.stdout.write(show_text(side.plan, side.complexity, side.source))
    return EXIT_OK


def _diff(args: argparse.Namespace, config: Config) -> int:
    left = _compile_one(args.left, config)
    if isinstance(left, int):
        return left
    right = _compile_one(args.right, config)
    if isinstance(right, int):
        return right
    if args.format == "json":
        print(json.dumps(diff_json(_side(left), _side(right)), indent=2))
    else:
        sys.stdout.write(diff_text(_side(left), _side(right)))
    return EXIT_OK


def _schema(args: argparse.Namespace, config: Config) -> int:
    text = json.dumps(json_schema(), indent=2) + "\n"
    if args.output:
        atomic_write(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


# --- parser --------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archgen",
        description="Compile specs of ResNet/ResNeXt-family networks into standalone PyTorch "
        "modules, and check them against the ResNeXt design rules.",
        epilog="Exit status: 0 success, 1 findings or out-of-date files, 2 usage or I/O errors.",
    )
    parser.add_argument("--version", action="version", version=f"archgen {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--config", metavar="PYPROJECT", help="read [tool.archgen] from this file"
        )
        sub.set_defaults(handler=handler)
        return sub

    specs_help = "spec files or folders (default: [tool.archgen] specs, else specs/)"
    build = command("build", _build, "Generate one PyTorch module per spec.")
    build.add_argument("specs", nargs="*", metavar="SPEC_OR_DIR", help=specs_help)
    build.add_argument(
        "-o", "--output", metavar="DIR", help="output folder (default: generated/)"
    )
    build.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and print a diff when a generated file is missing or stale",
    )
    build.add_argument(
        "--force", action="store_true", help="overwrite files edited by hand"
    )
    build.add_argument(
        "--ignore-lint",
        action="store_true",
        help="build specs even when they have lint errors",
    )

    lint = command(
        "lint", _lint, "Check specs against the schema and the ResNeXt design rules."
    )
    lint.add_argument("specs", nargs="*", metavar="SPEC_OR_DIR", help=specs_help)
    lint.add_argument("--format", choices=("text", "json", "github"), default="text")
    lint.add_argument(
        "--select",
        type=_codes,
        metavar="CODES",
        help="comma-separated code prefixes to report",
    )
    lint.add_argument(
        "--ignore",
        type=_codes,
        metavar="CODES",
        help="comma-separated code prefixes to drop",
    )
    lint.add_argument(
        "--list-rules", action="store_true", help="list every code and exit"
    )

    show = command(
        "show", _show, "Print a spec's stages, parameters and MACs, like Table 1."
    )
    show.add_argument("spec", metavar="SPEC")
    show.add_argument("--format", choices=("text", "json", "markdown"), default="text")

    diff = command("diff", _diff, "Compare two specs stage by stage.")
    diff.add_argument("left", metavar="A")
    diff.add_argument("right", metavar="B")
    diff.add_argument("--format", choices=("text", "json"), default="text")

    schema = command("schema", _schema, "Print the JSON Schema of specs (for editors).")
    schema.add_argument("-o", "--output", metavar="FILE", help="write it to FILE")
    return parser


def _codes(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]
