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
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from archgen import __version__, fixer, limits, zoo
from archgen.codes import CODES, diagnostic
from archgen.complexity import Complexity
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
from archgen.plan import NetworkPlan
from archgen.selection import prefix_problem
from archgen.source import NotRegularFileError, load, read_bounded
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

    An argument that names no file or folder may name a zoo spec (``resnet50``): a local path
    always wins over a zoo name. A file named twice, through two paths or a link, is one spec. A
    folder that cannot be read is an error, and so is a spec-named entry in it that cannot be (a
    broken or looping link): never silently fewer specs.
    """
    named = [Path(argument) for argument in arguments]
    if not named:
        named = [Path(_shown(config.root / entry)) for entry in config.specs]
    files: list[tuple[Path, str]] = []
    problems: list[Diagnostic] = []
    seen: set[object] = set()

    def add(path: Path, shown: str | None = None) -> None:
        identity = _identity(path)
        if identity not in seen:
            seen.add(identity)
            files.append((path, shown if shown is not None else path.as_posix()))

    for index, path in enumerate(named):
        try:
            is_dir = stat.S_ISDIR(path.stat().st_mode)
        except FileNotFoundError:
            # Not a local path: maybe a zoo name (a broken link is a local path). The
            # configured folders are paths only.
            argument = (
                "" if os.path.lexists(path) or not arguments else arguments[index]
            )
            in_zoo = zoo.lookup(argument)
            if in_zoo is not None:
                add(in_zoo, _shown(in_zoo))
            else:
                problems.append(zoo.not_found(argument, path.as_posix()))
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


def render(
    plan: NetworkPlan, complexity: Complexity, source: str, spec_sha256: str
) -> str:
    """:func:`archgen.render.render`, imported when first used: only ``build`` needs jinja2,
    and ``lint``, ``show`` and ``diff`` start faster without it."""
    from archgen.render import render as render_module

    return render_module(plan, complexity, source, spec_sha256)


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


def _summary(diagnostics: list[Diagnostic], fixable: int = 0) -> str:
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
        change = applied.change()
        _error(
            f"{verb} {where}: {applied.diagnostic.code} {applied.fix.text()}"
            + (f"; {change}" if change else "")
        )
    if args.format == "text" or args.diff:
        summary = _summary(diagnostics, sum(fixer.fixable(r, config) for r in results))
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


# --- design spaces: scale and sample -------------------------------------------------------------


def _argument(parse: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse type from a parser that raises ValueError with a message."""

    def convert(text: str) -> object:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(printable(str(error))) from None

    return convert


def _at_least(minimum: int, maximum: int = 10**9) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                printable(f"{text!a} is not a whole number")
            ) from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be in {minimum}..{maximum:,}, got {value}"
            )
        return value

    return parse


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            printable(f"{text!a} is not a number such as 0.1")
        ) from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(
            f"must be at least 0 and below 1 (0.1 is +-10 %), got {value:g}"
        )
    return value


def _scale(args: argparse.Namespace, config: Config) -> int:
    from archgen.analysis import clean, dump_spec
    from archgen.scale import ScaleError, by_cardinality, by_depth, by_width

    original = _compile_one(args.spec, config)
    if isinstance(original, int):
        return original
    assert original.document is not None
    shown = original.document.display
    if original.failing(config):
        _error(f"{shown}: not scaled: fix the errors above first")
        return EXIT_FINDINGS
    data = original.document.data
    try:
        if args.cardinality is not None:
            flag = f"--cardinality {args.cardinality}"
            scaled = by_cardinality(data, args.cardinality, args.keep, config)
        elif args.depth_multiplier is not None:
            flag = f"--depth-multiplier {float(args.depth_multiplier):g}"
            scaled = by_depth(data, args.depth_multiplier, args.keep, config)
        else:
            flag = f"--width-multiplier {float(args.width_multiplier):g}"
            scaled = by_width(data, args.width_multiplier, args.keep, config)
    except ScaleError as error:
        _error(f"archgen scale: {shown}: {error}")
        return EXIT_USAGE
    target = Path(args.output) if args.output else original.path.parent
    if target.is_dir() or str(args.output or "").endswith(("/", os.sep)):
        target = target / f"{scaled.name}.yaml"
    target_shown = _shown(target)
    result = scaled.result
    if result.plan is None or result.complexity is None or not clean(result, config):
        _print_diagnostics(list(result.diagnostics), "text", sys.stderr)
        _error(f"{target_shown}: not written: the derived spec does not lint clean")
        return EXIT_FINDINGS
    if not args.dry_run and os.path.lexists(target) and not args.force:
        _error(
            f"{target_shown} exists; refusing to overwrite it. Pass --force to replace it, "
            "or -o another file."
        )
        return EXIT_FINDINGS
    right = Side(result.plan, result.complexity, printable(target_shown))
    sys.stdout.write(diff_text(_side(original), right))
    changes = (
        f"params {scaled.change('params'):+.2%}, MACs {scaled.change('macs'):+.2%}"
    )
    print(f"\n{printable(scaled.setting)}: {changes}")
    for note in scaled.notes:
        print(f"note: {note}")
    if args.dry_run:
        print("archgen: dry run, nothing written", file=sys.stderr)
        return EXIT_OK
    source = printable(_source_for(original.path, target.parent))
    comment = (
        f"Derived from {source} by `archgen scale {flag} --keep {args.keep}`:\n"
        f"{printable(scaled.setting)}; {changes}."
    )
    if target.suffix.lower() == ".json":
        text = json.dumps(scaled.data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = dump_spec(scaled.data, comment)
    atomic_write(target, text)
    written = compile_spec(target, config, target_shown)
    if written.plan is None or written.failing(
        config
    ):  # archgen wrote what it cannot read
        _print_diagnostics(list(written.diagnostics), "text", sys.stderr)
        return EXIT_FINDINGS
    print(f"wrote {target_shown}")
    return EXIT_OK


# >>> sample (issue 24): the logic is archgen.sample.command
def _sample(args: argparse.Namespace, config: Config) -> int:
    from archgen import sample as sampling

    return sampling.command(
        args.compare or ([args.space] if args.space else []),
        compare=bool(args.compare),
        count=args.count,
        seed=args.seed,
        budget=sampling.Budget(args.macs, args.params, args.tolerance),
        max_attempts=args.max_attempts,
        out=Path(args.out),
        table=Path(args.table) if args.table else None,
        plot_path=Path(args.plot) if args.plot else None,
        force=args.force,
        config=config,
    )


# <<< sample


# >>> fit (issue 24): the logic is archgen.fit.command
def _fit(args: argparse.Namespace, config: Config) -> int:
    from archgen import fit

    output = Path(args.output) if args.output else None
    return fit.command(args.spec, output, args.force, config, _shown(Path(args.spec)))


# <<< fit


# --- the zoo: list and init ---------------------------------------------------------------------


def _list(args: argparse.Namespace, config: Config) -> int:
    """Every zoo spec with its parameters and MACs at its own input size.

    The project's lint configuration does not apply: the zoo is listed, not checked.
    """
    entries: list[dict[str, object]] = []
    diagnostics: list[Diagnostic] = []
    for name in zoo.zoo_names():
        path = zoo.zoo_dir() / f"{name}{zoo.SUFFIX}"
        result = compile_spec(path, Config(zoo.zoo_dir()), _shown(path))
        if result.plan is None or result.complexity is None:
            diagnostics += result.diagnostics
            continue
        overall = result.complexity.total
        entries.append(
            {
                "name": name,
                "spec": _shown(path),
                "input": {
                    "channels": result.plan.in_channels,
                    "image_size": result.plan.image_size,
                },
                "params": overall.params,
                "macs": overall.macs,
                "acts": overall.acts,
                "description": result.plan.description,
            }
        )
    _print_diagnostics(diagnostics, "text", sys.stderr)
    if args.format == "json":
        print(json.dumps(entries, indent=2))
    else:
        cells = [["name", "params", "MACs", "description"]]
        for entry in entries:
            description = str(entry["description"]).split("\n", 1)[0]
            if len(description) > 60:
                description = description[:57] + "..."
            cells.append(
                [
                    str(entry["name"]),
                    f"{entry['params']:,}",
                    f"{entry['macs']:,}",
                    description,
                ]
            )
        widths = [max(len(row[i]) for row in cells) for i in range(3)]
        for row in cells:
            line = (
                f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  "
                f"{row[2]:>{widths[2]}}  {row[3]}"
            )
            print(printable(line.rstrip()))
    return _exit_code(diagnostics, config)


def _init(args: argparse.Namespace, config: Config) -> int:
    """Copy zoo spec NAME to TARGET as the start of a new spec named after TARGET's stem."""
    source = zoo.zoo_path(args.name)
    if source is None:
        message = (
            f"no zoo spec named '{args.name}'{zoo.suggestion(args.name)} "
            "(`archgen list` lists the zoo)"
        )
        _print_diagnostics(
            [diagnostic("AG001", message, args.name)], "text", sys.stderr
        )
        return EXIT_USAGE
    target = Path(args.target)
    shown = target.as_posix()
    if os.path.lexists(target):
        _error(f"{shown}: already exists; archgen init never overwrites a file")
        return EXIT_USAGE
    suffix = target.suffix.lower()
    if suffix not in SPEC_SUFFIXES:
        _error(f"{shown}: expected a spec file name ending in .yaml, .yml or .json")
        return EXIT_USAGE
    text = _renamed_spec(source, target.stem, as_json=suffix == ".json")
    # Checked before it is written: a file stem that cannot name a module is refused.
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / target.name
        trial.write_text(text, encoding="utf-8", newline="\n")
        result = compile_spec(trial, config, shown)
    if result.plan is None:
        _print_diagnostics(list(result.diagnostics), "text", sys.stderr)
        _error(f"{shown}: not written; name the file after a valid spec name")
        return EXIT_USAGE
    try:
        with open(target, "x", encoding="utf-8", newline="\n") as file:
            file.write(text)
    except FileExistsError:
        _error(f"{shown}: already exists; archgen init never overwrites a file")
        return EXIT_USAGE
    print(
        printable(
            f"wrote {shown} from zoo spec {args.name}; edit it, then "
            f"`archgen show {shown}` and `archgen build {shown}`"
        )
    )
    return EXIT_OK


_NAME_LINE = re.compile(r"^name:[^\n]*$", re.MULTILINE)
_CLASS_NAME_LINE = re.compile(r"^class_name:[^\n]*\n", re.MULTILINE)
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null"}


def _renamed_spec(source: Path, name: str, *, as_json: bool) -> str:
    """The zoo spec's text with ``name:`` set to ``name`` and ``class_name:`` dropped (the
    class then follows the new name). YAML keeps its comments; JSON is written anew."""
    document = load(source)
    if isinstance(document, Diagnostic):
        raise OSError(errno.EINVAL, document.message, str(source))
    if as_json:
        data = {
            key: value for key, value in document.data.items() if key != "class_name"
        }
        data["name"] = name
        return json.dumps(data, indent=2) + "\n"
    text = _CLASS_NAME_LINE.sub("", source.read_text(encoding="utf-8"))
    # Plain when YAML reads it back as the same text; quoted otherwise (`yes`, `null`, `1e3`).
    plain = _PLAIN_NAME.fullmatch(name) and name.lower() not in _YAML_WORDS
    value = name if plain else json.dumps(name)
    return _NAME_LINE.sub(lambda _: f"name: {value}", text, count=1)


# --- parser --------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archgen",
        description="Compile specs of residual CNNs (ResNet, ResNeXt, Wide ResNet, timm's "
        "variants, RegNet) into standalone PyTorch modules, and check them against their "
        "design space's rules.",
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

    specs_help = (
        "spec files, folders or zoo names (default: [tool.archgen] specs, else specs/)"
    )
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
    show.add_argument("spec", metavar="SPEC", help="a spec file or a zoo name")
    show.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    _input_options(show, "the spec")

    diff = command("diff", _diff, "Compare two specs stage by stage.")
    diff.add_argument("left", metavar="A", help="a spec file or a zoo name")
    diff.add_argument("right", metavar="B", help="a spec file or a zoo name")
    diff.add_argument("--format", choices=("text", "json"), default="text")
    _input_options(diff, "both specs")

    listing = command(
        "list", _list, "List the zoo: the specs archgen ships, with params and MACs."
    )
    listing.add_argument("--format", choices=("text", "json"), default="text")

    init = command(
        "init",
        _init,
        "Start a new spec from a zoo spec, named after the new file.",
    )
    init.add_argument("name", metavar="NAME", help="a zoo name (see `archgen list`)")
    init.add_argument(
        "target",
        metavar="NEW_SPEC",
        help="the file to create (.yaml, .yml or .json); never overwritten",
    )

    schema = command("schema", _schema, "Print the JSON Schema of specs (for editors).")
    schema.add_argument("-o", "--output", metavar="FILE", help="write it to FILE")
    from archgen.scale import parse_multiplier
    from archgen.spaces import SPACES, parse_quantity

    scale = command(
        "scale",
        _scale,
        "Derive a variant of a spec at equal complexity (the ResNeXt paper's Table 2).",
    )
    scale.add_argument("spec", metavar="SPEC")
    knob = scale.add_mutually_exclusive_group(required=True)
    knob.add_argument(
        "--cardinality",
        type=_at_least(1),
        metavar="C",
        help="set C on every bottleneck stage in paper notation; solve the base width d",
    )
    knob.add_argument(
        "--depth-multiplier",
        type=_argument(parse_multiplier),
        metavar="X",
        help="multiply every stage's blocks (rounded, at least 1); solve the widths",
    )
    knob.add_argument(
        "--width-multiplier",
        type=_argument(parse_multiplier),
        metavar="X",
        help="multiply every channel count of the stages; solve the blocks",
    )
    scale.add_argument(
        "--keep",
        choices=("params", "macs"),
        default="params",
        help="the figure to keep equal (default: params)",
    )
    scale.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="file (or folder) to write; default: <name>.yaml beside SPEC",
    )
    scale.add_argument(
        "--force", action="store_true", help="overwrite an existing file"
    )
    scale.add_argument(
        "--dry-run", action="store_true", help="print the comparison, write nothing"
    )

    # >>> sample (issue 24): argument definitions
    sample = command(
        "sample",
        _sample,
        "Draw specs from the AnyNetX A-E or RegNet design spaces under a MACs/params budget.",
    )
    space = sample.add_mutually_exclusive_group(required=True)
    space.add_argument("--space", choices=SPACES, help="the design space to draw from")
    space.add_argument(
        "--compare",
        nargs="+",
        choices=SPACES,
        metavar="SPACE",
        help="draw from each SPACE and compare their distributions (a table on stdout; "
        "--table and --plot when given); writes no specs",
    )
    sample.add_argument(
        "--count",
        type=_at_least(1, 100_000),
        default=10,
        metavar="N",
        help="default 10",
    )
    sample.add_argument(
        "--seed", type=_at_least(0, 2**63 - 1), default=0, metavar="S", help="default 0"
    )
    sample.add_argument(
        "--macs",
        type=_argument(parse_quantity),
        metavar="N",
        help="target MACs: 400M, 4G, ...",
    )
    sample.add_argument(
        "--params",
        type=_argument(parse_quantity),
        metavar="N",
        help="target parameters: 5M, 5.2M, ...",
    )
    sample.add_argument(
        "--tolerance",
        type=_tolerance,
        default=0.1,
        metavar="T",
        help="relative tolerance of the targets (default 0.1 = 10%%)",
    )
    sample.add_argument(
        "--max-attempts",
        type=_at_least(1),
        metavar="N",
        help="draws to make at most (default: 1000 per sample)",
    )
    sample.add_argument(
        "--out",
        default="samples",
        metavar="DIR",
        help="where specs go (default: samples/)",
    )
    sample.add_argument(
        "--table",
        metavar="FILE",
        help="table of every sample, .csv or .jsonl (default: DIR/<space>_<seed>.csv)",
    )
    sample.add_argument(
        "--plot",
        metavar="PNG",
        help="empirical distribution functions of params, MACs and activations "
        "(needs matplotlib)",
    )
    sample.add_argument("--force", action="store_true", help="overwrite existing files")
    # <<< sample
    # >>> fit (issue 24): argument definitions
    fit = command(
        "fit",
        _fit,
        "Fit RegNet's w0, wa, wm to a network's block widths (the RegNet paper's e_fit).",
    )
    fit.add_argument("spec", metavar="SPEC")
    fit.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the spec in the regnet: form, when it is exactly the same network",
    )
    fit.add_argument("--force", action="store_true", help="overwrite an existing file")
    # <<< fit
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
