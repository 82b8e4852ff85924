"""Every code block of the README and of the documentation runs, and shows what archgen prints.

Each page's blocks run in order, in one scratch folder and one Python namespace, as a reader
following the page would run them:

- ``python`` blocks are executed;
- ``pycon`` blocks (``>>>``) run as doctests: the output shown is the output printed;
- ``console`` blocks hold ``$ COMMAND`` lines, each followed by the output the page shows; the
  command runs (``archgen`` in-process, anything else in bash) and prints exactly that, stdout
  and stderr together; a line ``...`` stands for any lines;
- ``sh`` blocks hold commands without output, which must succeed; installs, the suite itself,
  benchmarks and the like (:data:`_NOT_RUN`) are not run.

The zoo's folder depends on the install; pages show it as ``<zoo>``. Update a page's outputs
after an intentional change with ``python tests/docs/test_code_blocks.py PAGE ...``.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from archgen import zoo

ROOT = Path(__file__).resolve().parent.parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
"""The README and every written page (the generated rule pages hold no runnable block)."""

_FENCE = re.compile(
    r"^(?P<indent>[ ]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ ]*$",
    re.M | re.S,
)
_RUN = {"python", "pycon", "console", "sh"}
_NOT_RUN = ("pip ", "pytest", "python ", "mutmut", "mkdocs", "ARCHGEN_SPECS_PER_SHARD=")
"""Commands of ``sh`` blocks that the suite stands in for: installs, the suite itself, the
benchmarks, mutation testing and the site's build (CI runs it)."""


@dataclass
class Block:
    page: Path
    line: int
    lang: str
    body: str
    span: tuple[int, int]
    """Where the body stands in the page's text (to rewrite outputs)."""
    indent: str

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a page, their bodies with the fence's indentation removed."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        indent = len(match["indent"])
        body = "".join(
            line[indent:] for line in match["body"].splitlines(keepends=True)
        )
        line = text.count("\n", 0, match.start()) + 1
        span = (match.start("body"), match.end("body"))
        found.append(Block(page, line, match["lang"], body, span, match["indent"]))
    return found


def zoo_shown(text: str) -> str:
    """Output with the install's zoo folder written as ``<zoo>``."""
    return text.replace(str(zoo.zoo_dir()) + os.sep, "<zoo>/")


def run_archgen(argv: list[str]) -> tuple[int, str]:
    """``archgen ARGV`` in this process: exit code, and stdout and stderr as they interleave."""
    from archgen.cli import main

    both = io.StringIO()
    with contextlib.redirect_stdout(both), contextlib.redirect_stderr(both):
        try:
            code = main(argv)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 2
    return code, zoo_shown(both.getvalue())


def run_command(command: str) -> tuple[int, str]:
    words = shlex.split(command)
    if words and words[0] == "archgen" and not set(command) & set("|;&<>"):
        return run_archgen(words[1:])
    done = subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, zoo_shown(done.stdout + done.stderr)


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is ``expected``, where a line ``...`` stands for any lines."""
    pattern = "".join(
        r"(?:[^\n]*\n)*?" if line.strip() == "..." else re.escape(line) + r"\n"
        for line in expected.splitlines()
    )
    return (
        re.fullmatch(
            pattern, actual if actual.endswith("\n") or not actual else actual + "\n"
        )
        is not None
    )


def commands(body: str) -> Iterator[tuple[str, str]]:
    """``(command, output shown)`` of each ``$ `` line of a console block."""
    command: str | None = None
    shown: list[str] = []
    for line in body.splitlines(keepends=True):
        if line.startswith("$ "):
            if command is not None:
                yield command, "".join(shown)
            command, shown = line[2:].strip(), []
        elif command is not None:
            shown.append(line)
    if command is not None:
        yield command, "".join(shown)


class Page:
    """One page's blocks, run in order in one folder and one namespace."""

    def __init__(self, page: Path) -> None:
        self.page = page
        self.namespace: dict[str, object] = {"__name__": "__docs__"}
        self.updated: dict[tuple[int, int], str] = {}

    def run(self, update: bool = False) -> None:
        for block in blocks(self.page):
            if block.lang not in _RUN:
                continue
            try:
                getattr(self, f"_{block.lang}")(block, update)
            except Exception as error:
                if not update:
                    raise
                print(f"{block}: {error!r}", file=sys.stderr)  # the page still updates

    def _python(self, block: Block, update: bool) -> None:
        exec(compile(block.body, str(block), "exec"), self.namespace)

    def _pycon(self, block: Block, update: bool) -> None:
        test = doctest.DocTestParser().get_doctest(
            block.body, self.namespace, str(block), str(block.page), block.line
        )
        runner = doctest.DocTestRunner(
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        )
        report = io.StringIO()
        runner.run(test, out=report.write, clear_globs=False)
        assert runner.failures == 0, report.getvalue()

    def _console(self, block: Block, update: bool) -> None:
        rewritten = []
        for command, shown in commands(block.body):
            _code, printed = run_command(command)
            if update:
                rewritten.append(f"$ {command}\n{printed}")
                continue
            assert matches(shown, printed), (
                f"{block}: `{command}` printed\n{printed}\nthe page shows\n{shown}"
            )
        if update:
            self.updated[block.span] = "".join(
                block.indent + line if line.strip() else line
                for line in "".join(rewritten).splitlines(keepends=True)
            )

    def _sh(self, block: Block, update: bool) -> None:
        for line in block.body.splitlines():
            line = line.split(" #")[0].strip()
            for command in filter(None, (part.strip() for part in line.split("&&"))):
                if command.startswith(_NOT_RUN):
                    continue
                code, printed = run_command(command)
                assert code == 0, f"{block}: `{command}` exited {code}:\n{printed}"


@contextlib.contextmanager
def scratch(folder: Path) -> Iterator[None]:
    """``folder`` as the working folder and on ``sys.path``; modules imported from it forgotten."""
    before, modules = Path.cwd(), set(sys.modules)
    os.chdir(folder)
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        os.chdir(before)
        sys.path.remove(str(folder))
        for name in set(sys.modules) - modules:
            if str(folder) in str(getattr(sys.modules[name], "__file__", "") or ""):
                del sys.modules[name]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_code_block_of_the_page_runs_as_shown(page: Path, tmp_path: Path) -> None:
    with scratch(tmp_path):
        Page(page).run()


def test_pages_have_runnable_blocks() -> None:
    """The collector finds the blocks: the README's recipes and a page of every kind."""
    langs = {block.lang for page in PAGES for block in blocks(page)}
    assert langs >= _RUN
    readme = blocks(ROOT / "README.md")
    assert sum(block.lang == "python" for block in readme) >= 2


def test_matching_allows_elisions_and_nothing_else() -> None:
    assert matches("a\n...\nd\n", "a\nb\nc\nd\n")
    assert matches("a\n...\n", "a\n")
    assert not matches("a\nd\n", "a\nb\nd\n")
    assert not matches("a\n", "a\nb\n")


def _update(page: Path) -> None:
    import tempfile

    runner = Page(page)
    with tempfile.TemporaryDirectory() as folder, scratch(Path(folder)):
        runner.run(update=True)
    text = page.read_text(encoding="utf-8")
    for (start, end), body in sorted(runner.updated.items(), reverse=True):
        text = text[:start] + body + text[end:]
    page.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        _update(Path(argument).resolve())
        print(f"updated {argument}")
