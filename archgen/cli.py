"""The ``archgen`` command line. Diagnostics become output and exit codes here, and only here.

Exit codes: 0 success; 1 findings (lint errors, stale or protected generated files); 2 usage or
I/O errors.
"""

from __future__ import annotations

import argparse
import difflib
import errno
import hashlib
import json
import os
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from archgen import __version__, fixer, limits
from archgen.codes import CODES, diagnostic
from archgen.config import Config, ConfigError, load_config
from archgen.diagnostics import Diagnostic, Severity, sort_key
from archgen.fixer import Applied
from archgen.header import comment_text, read_header
from archgen.output import (
    State,
    atomic_write,
    only_line_endings_differ,
    read_existing,
    state_of,
    unified_diff,
)
from archgen.pipeline import Compiled, InputOverride, compile_spec, is_io_error
from archgen.render import render
from archgen.selection import prefix_problem
from archgen.source import NotRegularFileError, read_bounded
from archgen.spec import json_schema
from archgen.summary import (
    Side,
    diff_json,
    diff_text,
    input_differences,
    show_json,
    show_markdown,
    show_text,
)
from archgen.text import printable

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace, Config], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit:
        # --help, --version and usage errors: printed already, maybe into a closed pipe.
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        raise
    if not hasattr(args, "handler"):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        config = load_config(Path.cwd(), Path(args.config) if args.config else None)
        handler: Handler = args.handler
        code = handler(args, config)
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
        return 130


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (captured in tests)
        pass


def _error(message: str) -> None:
    """One line on stderr, with any control characters from user text escaped."""
    print(printable(message), file=sys.stderr)


# --- inputs --------------------------------------------------------------------------------------


def _real(path: Path) -> Path:
    """``path`` with links resolved as far as they go; unlike Path.resolve, never raises on a
    link loop (Python 3.10 and 3.11 raise RuntimeError)."""
    return Path(os.path.realpath(path))


def _shown(path: Path) -> str:
    """A path as the user would write it: relative to the working folder when inside it."""
    try:
        return _real(path).relative_to(_real(Path.cwd())).as_posix()
    except ValueError:
        return str(path)


def _inputs(
    arguments: list[str], config: Config
) -> tuple[list[tuple[Path, str]], list[Diagnostic]]:
    """Spec files named on the command line (folders are searched), or the configured ones.

    A file named twice, through two paths or a link, is one spec. A folder that cannot be read is
    an error, and so is a spec-named entry in it that cannot be (a broken or looping link): never
    silently fewer specs.
    """
    named = [Path(argument) for argument in arguments]
    if not named:
        named = [Path(_shown(config.root / entry)) for entry in config.specs]
    files: list[tuple[Path, str]] = []
    problems: list[Diagnostic] = []
    seen: set[object] = set()

    def add(path: Path) -> None:
        identity = _identity(path)
        if identity not in seen:
            seen.add(identity)
            files.append((path, path.as_posix()))

    for path in named:
        try:
            is_dir = stat.S_ISDIR(path.stat().st_mode)
        except FileNotFoundError:
            problems.append(
                diagnostic("AG001", "no such file or directory", path.as_posix())
            )
            continue
        except OSError as error:
            problems.append(_unreadable(path, error))
            continue
        if is_dir:
            found, unreadable = _search(path)
            problems += unreadable
            for child in found:
                add(child)
        else:
            add(path)
    return files, problems


def _identity(path: Path) -> object:
    """The same for every path to one file: its device and inode, else its resolved path."""
    try:
        info = path.stat()
    except OSError:
        return str(_real(path))
    return (info.st_dev, info.st_ino)


def _unreadable(path: Path, error: OSError) -> Diagnostic:
    return diagnostic(
        "AG001", f"cannot read: {error.strerror or error}", path.as_posix()
    )


def _search(folder: Path) -> tuple[list[Path], list[Diagnostic]]:
    """Spec files under ``folder``, sorted; links to folders are not followed (no loops)."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as entries:
                listed = list(entries)
        except OSError as error:
            problems.append(_unreadable(current, error))
            continue
        for entry in listed:
            path = current / entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                    continue
                if path.suffix not in SPEC_SUFFIXES:
                    continue
                if entry.is_symlink() and entry.is_dir():
                    continue  # a link to a folder, even one named like a spec
            except OSError as error:  # a spec-named link that loops
                problems.append(_unreadable(path, error))
                continue
            # A regular file, or something load() will say is not one.
            found.append(path)
    return sorted(found), problems


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
                printable(f"{d.path}:{d.line}:{d.column}: {d.code}{label} {d.message}"),
                file=out,
            )


def _gh_data(text: str) -> str:
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


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
    if not parts:
        return "All checks passed."
    fixable = sum(d.fix is not None for d in diagnostics)
    hint = f" ({fixable} fixable with `archgen lint --fix`)" if fixable else ""
    return "Found " + ", ".join(parts) + hint + "."


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
    fixed: list[tuple[Compiled, Applied]] = []
    changed = 0
    if args.fix or args.diff:
        results, fixed, changed = _fix_all(results, config, write=not args.diff)
    diagnostics += [
        d for result in results for d in result.diagnostics
    ] + _name_clashes(results)
    if args.diff:
        # stdout carries the diff alone (for `patch`); what remains goes to stderr.
        _print_diagnostics(diagnostics, "text", sys.stderr)
        verb = "would fix"
    else:
        _print_diagnostics(diagnostics, args.format)
        verb = "fixed"
    for _, applied in fixed:
        where = f"{applied.diagnostic.path}:{applied.diagnostic.line}:"
        where += f"{applied.diagnostic.column}"
        _error(f"{verb} {where}: {applied.diagnostic.code} {applied.fix.text()}")
    if args.format == "text" or args.diff:
        summary = _summary(diagnostics)
        if fixed:
            count = f"{len(fixed)} finding{'s' if len(fixed) != 1 else ''}"
            files_changed = f"{changed} file{'s' if changed != 1 else ''}"
            if args.diff:
                summary = (
                    f"Would fix {count} in {files_changed} (`archgen lint --fix` applies "
                    f"the fixes); then: {summary}"
                )
            else:
                summary = f"Fixed {count} in {files_changed}. {summary}"
        print(summary, file=sys.stderr)
    status = _exit_code(diagnostics, config)
    if args.diff and changed and status == EXIT_OK:
        status = EXIT_FINDINGS
    return status


def _fix_all(
    results: list[Compiled], config: Config, *, write: bool
) -> tuple[list[Compiled], list[tuple[Compiled, Applied]], int]:
    """Apply each spec's unique fixes: write them (atomically) or print them as a diff.

    Returns the specs as compiled after their fixes, the fixes applied and the number of files
    changed.
    """
    after: list[Compiled] = []
    applied: list[tuple[Compiled, Applied]] = []
    changed = 0
    for result in results:
        outcome = fixer.fix(result, config)
        if outcome is None or result.document is None:
            after.append(result)
            continue
        display = result.document.display
        if outcome.problem is not None:
            _error(f"archgen: {display}: {outcome.problem}")
        if not outcome.changed:
            after.append(result)
            continue
        if write:
            path = _real(result.path)  # through a link, not over it
            if sha256_of(read_bounded(path, limits.MAX_FILE_BYTES)) != (
                result.document.sha256
            ):
                _error(f"archgen: {display}: changed while being fixed; not written")
                after.append(result)
                continue
            atomic_write(path, outcome.text)
        else:
            sys.stdout.writelines(
                printable(line.removesuffix("\n")) + "\n"
                for line in difflib.unified_diff(
                    outcome.original.removeprefix("\ufeff").splitlines(keepends=True),
                    outcome.text.removeprefix("\ufeff").splitlines(keepends=True),
                    fromfile=display,
                    tofile=display,
                )
            )
        changed += 1
        applied += [(result, one) for one in outcome.applied]
        after.append(outcome.result)
    return after, applied, changed


def sha256_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _source_for(spec: Path, out_dir: Path) -> str:
    """The spec's path as written into the header: relative to the generated file's folder."""
    try:
        return Path(os.path.relpath(_real(spec), _real(out_dir))).as_posix()
    except ValueError:  # another drive on Windows
        return spec.name


def _build(args: argparse.Namespace, config: Config) -> int:
    out_dir = (
        Path(args.output) if args.output else Path(_shown(config.root / config.output))
    )
    _check_output_folder(out_dir)
    files, diagnostics = _inputs(args.specs, config)
    results = _compile_all(files, config)
    clashes = _name_clashes(results)
    diagnostics += [d for result in results for d in result.diagnostics] + clashes
    _print_diagnostics(diagnostics, "text", sys.stderr)
    # With --ignore-lint, rule findings are printed but are not failures: a spec that has them
    # is built, and a build that wrote everything succeeds.
    counted = [
        d for d in diagnostics if not (args.ignore_lint and CODES[d.code].configurable)
    ]
    code = _exit_code(counted, config)
    clashing = {d.path for d in clashes}
    written = unchanged = problems = 0
    for result in results:
        if result.plan is None or result.document is None or result.complexity is None:
            continue
        if result.document.display in clashing or (
            result.failing(config) and not args.ignore_lint
        ):
            if result.document.display not in clashing:
                _error(
                    f"{result.document.display}: not {'checked' if args.check else 'built'}: "
                    "fix the errors above or pass --ignore-lint"
                )
            continue
        target = out_dir / f"{result.plan.name}.py"
        expected = render(
            result.plan,
            result.complexity,
            _source_for(result.path, out_dir),
            result.spec_sha256,
        )
        existing = read_existing(target)
        state = state_of(existing, expected)
        if state is State.CURRENT:
            unchanged += 1
        elif args.check:
            problems += 1
            # The hint names what works: build refuses to overwrite protected files without
            # --force.
            reason, hint = {
                State.MISSING: ("is missing", "run `archgen build`"),
                State.STALE: ("is out of date with its spec", "run `archgen build`"),
                State.EDITED: (
                    "was edited by hand and differs from its spec",
                    "run `archgen build --force` to replace your edits, or move them into "
                    "the spec",
                ),
                State.FOREIGN: (
                    "was not generated by archgen",
                    "run `archgen build --force` to replace it, or move it out of the "
                    "output folder",
                ),
            }[state]
            if only_line_endings_differ(existing, expected):
                reason = "has \\r\\n line endings; archgen writes \\n"
            _error(f"{target.as_posix()} {reason}; {hint}")
            if state in (State.STALE, State.EDITED):
                # The file on disk may hold anything: its lines are shown escaped, a \r too.
                diff = unified_diff(target, existing, expected)
                sys.stdout.writelines(
                    printable(line.removesuffix("\n")) + "\n"
                    for line in diff.splitlines(keepends=True)
                )
        elif state.protected and not args.force:
            problems += 1
            why = (
                "was edited by hand"
                if state is State.EDITED
                else "was not generated by archgen"
            )
            _error(
                f"{target.as_posix()}: {why}; refusing to overwrite it. Move your changes into "
                "the spec, or pass --force to replace the file."
            )
        else:
            atomic_write(target, expected)
            written += 1
            print(printable(f"wrote {target.as_posix()}"))
    if not args.specs or all(Path(spec).is_dir() for spec in args.specs):
        produced = {result.plan.name for result in results if result.plan is not None}
        # A spec that could not be read or validated still owns the module it wrote before.
        unbuilt = {
            comment_text(_source_for(result.path, out_dir))
            for result in results
            if result.plan is None
        }
        for orphan in _orphans(out_dir, produced, unbuilt):
            problems += 1
            _error(
                f"{orphan.as_posix()} was generated by archgen but no spec produces it any "
                "more; delete it, or restore its spec"
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


def _check_output_folder(out_dir: Path) -> None:
    """Raise the OSError (exit 2) of an output folder that is a file, a link loop, unreadable."""
    try:
        info = out_dir.stat()
    except FileNotFoundError:
        if os.path.islink(out_dir):
            raise FileNotFoundError(
                errno.ENOENT, "output folder is a link to nothing", str(out_dir)
            ) from None
        return  # created when the first module is written
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(
            errno.ENOTDIR, "output folder is not a folder", str(out_dir)
        )


def _orphans(out_dir: Path, produced: set[str], unbuilt: set[str]) -> list[Path]:
    """Generated modules in ``out_dir`` that none of the specs built now produces.

    ``unbuilt`` are the header sources of specs that failed to load or validate: their modules
    are not orphans, only not rebuilt.
    """
    if not out_dir.is_dir():
        return []
    orphans = []
    for path in sorted(out_dir.glob("*.py")):
        if path.stem in produced:
            continue
        try:
            header = read_header(read_existing(path) or "")
        except NotRegularFileError:
            continue  # not a file, so not one archgen wrote
        if header is not None and header.source not in unbuilt:
            orphans.append(path)
    return orphans


def _compile_one(
    path: str, config: Config, override: InputOverride | None = None
) -> Compiled | int:
    files, missing = _inputs([path], config)
    if missing or len(files) != 1:
        if not missing:
            missing = [diagnostic("AG001", "expected one spec file", path)]
        _print_diagnostics(missing, "text", sys.stderr)
        return EXIT_USAGE
    result = compile_spec(files[0][0], config, files[0][1], override=override)
    # Shown even when the network can be displayed: the numbers of a spec that breaks a rule
    # should not be read without knowing it.
    _print_diagnostics(list(result.diagnostics), "text", sys.stderr)
    if result.plan is None:
        return _exit_code(list(result.diagnostics), config)
    return result


def _side(result: Compiled, *, raw: bool = False) -> Side:
    """What show and diff print; the spec's path escaped unless ``raw`` (for JSON)."""
    assert (
        result.plan is not None
        and result.complexity is not None
        and result.document is not None
    )
    display = result.document.display
    return Side(result.plan, result.complexity, display if raw else printable(display))


def _override(args: argparse.Namespace) -> InputOverride | None:
    """The common input ``--image-size`` and ``--channels`` ask show and diff to assume."""
    if args.image_size is None and args.channels is None:
        return None
    return InputOverride(args.image_size, args.channels)


def _show(args: argparse.Namespace, config: Config) -> int:
    result = _compile_one(args.spec, config, _override(args))
    if isinstance(result, int):
        return result
    side = _side(result, raw=args.format == "json")
    if args.format == "json":
        print(json.dumps(show_json(side.plan, side.complexity, side.source), indent=2))
    elif args.format == "markdown":
        sys.stdout.write(show_markdown(side.plan, side.complexity, side.source))
    else:
        sys.stdout.write(show_text(side.plan, side.complexity, side.source))
    return EXIT_OK


def _diff(args: argparse.Namespace, config: Config) -> int:
    override = _override(args)
    left = _compile_one(args.left, config, override)
    if isinstance(left, int):
        return left
    right = _compile_one(args.right, config, override)
    if isinstance(right, int):
        return right
    # Also on stderr, so that a reader of the table alone, or of the JSON, cannot miss it.
    for note in input_differences(_side(left), _side(right)):
        hint = (
            ""
            if note.startswith("classes")
            else " (compare both at one input with --image-size N and --channels N)"
        )
        _error(f"archgen: warning: {note}; the figures are not comparable{hint}")
    if args.format == "json":
        print(
            json.dumps(
                diff_json(_side(left, raw=True), _side(right, raw=True)), indent=2
            )
        )
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
    lint.add_argument(
        "--fix",
        action="store_true",
        help="rewrite the values that have exactly one correction, keeping comments and "
        "layout, and say what changed",
    )
    lint.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes as a unified diff instead of writing them",
    )

    show = command(
        "show", _show, "Print a spec's stages, parameters and MACs, like Table 1."
    )
    show.add_argument("spec", metavar="SPEC")
    show.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    _input_options(show, "the spec")

    diff = command("diff", _diff, "Compare two specs stage by stage.")
    diff.add_argument("left", metavar="A")
    diff.add_argument("right", metavar="B")
    diff.add_argument("--format", choices=("text", "json"), default="text")
    _input_options(diff, "both specs")

    schema = command("schema", _schema, "Print the JSON Schema of specs (for editors).")
    schema.add_argument("-o", "--output", metavar="FILE", help="write it to FILE")
    return parser


def _input_options(parser: argparse.ArgumentParser, whose: str) -> None:
    parser.add_argument(
        "--image-size",
        type=_bounded(limits.MAX_IMAGE_SIZE),
        metavar="N",
        help=f"evaluate {whose} at an N x N input instead of the input declared",
    )
    parser.add_argument(
        "--channels",
        type=_bounded(limits.MAX_CHANNELS),
        metavar="N",
        help=f"evaluate {whose} with N input channels instead of those declared",
    )


def _bounded(largest: int) -> Callable[[str], int]:
    def number(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(
                printable(f"{text!a} is not a whole number")
            ) from None
        if not 1 <= value <= largest:
            raise argparse.ArgumentTypeError(
                f"{value} is out of range; expected 1 to {largest:,}"
            )
        return value

    return number


def _codes(text: str) -> list[str]:
    codes = [part.strip() for part in text.split(",") if part.strip()]
    for code in codes:
        problem = prefix_problem(code)
        if problem is not None:
            raise argparse.ArgumentTypeError(
                printable(f"{code!a} {problem}; `archgen lint --list-rules` lists them")
            )
    return codes
