"""Mutation testing of the Jinja templates (issue 26): mutmut does not change .j2 files.

    python mutation/templates.py                 # every mutant; writes mutation/TEMPLATE_REPORT.md
    python mutation/templates.py --list          # the mutants, not run
    python mutation/templates.py --only 'block*' # mutants whose id matches a glob

Each mutant is one operator-level change to one template in templates/:

* ``number``:  a numeric constant changed (n -> n + 1, a float doubled);
* ``drop``:    one argument of a call or one item of a list dropped;
* ``swap``:    two neighbouring arguments swapped;
* ``delete``:  a line of generated code deleted;
* ``move``:    a line of generated code swapped with the next one;
* ``invert``:  a condition inverted (``{% if c %}`` / ``if c:`` -> ``not (c)``) or a comparison
  or boolean operator flipped (``==``/``!=``, ``is``/``is not``, ``<``/``>=``, ``and``/``or``).

For each mutant the templates are copied to a temporary folder with the change, every zoo spec is
rendered with them (in-process: ``archgen.render.template_dir`` is pointed at the copy), and then:

* a mutant that renders every spec to exactly the bytes of the original templates is
  ``identical``: it changes nothing the generator writes for any spec of the zoo (listed, and
  judged in TEMPLATE_EQUIVALENT.md);
* otherwise the behaviour tests (``SELECTION``: tests that build modules from specs with the
  templates under test and compare them with torchvision, timm, torch's own counts and ruff)
  run against the mutated templates in a forked child, stopping at the first failure: a failure
  kills the mutant; a template that no longer renders is killed by every one of them.

Snapshot comparisons with the checked-in generated/ never count: no test in ``SELECTION`` reads
generated/. The report lists killed, survived, identical and timed-out mutants, with the test that
killed each and the run time. Run it with ``nice -n 19``: it is CPU-bound, one mutant at a time.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import dataclasses
import fnmatch
import io
import itertools
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
SPECS = ROOT / "specs"
REPORT = ROOT / "mutation" / "TEMPLATE_REPORT.md"

_B = "tests/frontends/test_build.py::"
_TV = "tests/models/test_zoo_torchvision.py::"
_TIMM = "tests/models/test_zoo_timm.py::"
_FUSE = "tests/models/test_fuse.py::"
_OPTIONS = "tests/models/test_training_options.py::"
_COUNTS = "tests/models/test_complexity_measured.py::"
_COUNTED = [
    "resnet18",
    "resnext50_32x4d",
    "resnet50d",
    "resnet26t",
    "resnet50s",
    "seresnext50_32x4d",
    "ecaresnet50d",
    "resnetrs50",
    "regnetx_002",
    "regnety_004",
    "regnet_y_400mf",
    "resnetv2_50x1_bit",
]
SELECTION = [
    # ruff, imports and the docstring table of every zoo module as rendered (text only)
    f"{_B}test_generated_code_passes_ruff",
    f"{_B}test_generated_module_imports_only_torch",
    f"{_B}test_only_the_block_classes_used_are_emitted",
    "tests/frontends/test_show_diff.py::test_generated_docstring_carries_the_stage_table",
    # parameters, MACs and activations equal torch's counts (meta device), one per family
    *(
        f"{_COUNTS}test_analytic_counts_equal_torch_counts_on_the_generated_model[{n}]"
        for n in _COUNTED
    ),
    # torchvision: layout, same-seed initialisation, strict loading, outputs, zero-init
    f"{_TV}test_state_dict_layout_and_same_seed_initialisation[resnet18]",
    f"{_TV}test_state_dict_layout_and_same_seed_initialisation[resnext50_32x4d]",
    f"{_TV}test_torchvision_weights_load_strictly_and_outputs_match[resnet18-eval]",
    f"{_TV}test_torchvision_weights_load_strictly_and_outputs_match[resnet18-train]",
    f"{_TV}test_torchvision_weights_load_strictly_and_outputs_match[resnext50_32x4d-eval]",
    f"{_TV}test_zero_init_residual_matches_torchvision",
    f"{_TV}test_a_two_group_resnext_equals_torchvision",
    f"{_TV}test_forward_features_and_num_classes",
    # fuse(): every family, from eval and from training mode, scripted
    *(
        f"{_FUSE}test_fused_model_equals_unfused_in_eval[{n}]"
        for n in (
            "resnet18",
            "resnext50_32x4d",
            "resnet50d",
            "seresnext50_32x4d",
            "ecaresnet50d",
            "regnety_004",
            "regnet_y_400mf",
            "resnetv2_50",
            "resnetv2_50x1_bit",
        )
    ),
    f"{_FUSE}test_fuse_puts_a_training_model_in_eval_mode",
    f"{_FUSE}test_fused_model_scripts[resnet18]",
    # timm: loading, outputs, features, output stride, initialisation, in_chans
    *(
        f"{_TIMM}test_timm_weights_load_strictly_and_outputs_and_features_match[{n}]"
        for n in (
            "resnet10t",
            "resnet26d",
            "resnet50s",
            "seresnext50_32x4d",
            "ecaresnet50d",
            "resnetrs50",
        )
    ),
    f"{_TIMM}test_output_stride_equals_timm[8-resnet18d]",
    f"{_TIMM}test_output_stride_equals_timm[16-seresnext50_32x4d]",
    f"{_TIMM}test_same_seed_initialisation_equals_timm",
    f"{_TIMM}test_in_channels_matches_timm_in_chans",
    # RegNets (timm's and torchvision's layouts) and pre-activation ResNets
    "tests/models/test_zoo_regnet.py::test_layout_loading_outputs_and_features_equal_timm"
    "[regnetx_002]",
    "tests/models/test_zoo_regnet.py::test_layout_loading_outputs_and_features_equal_timm"
    "[regnety_004]",
    "tests/models/test_zoo_tv_regnet.py::test_layout_loading_and_outputs_equal_torchvision"
    "[regnet_y_400mf]",
    "tests/models/test_zoo_tv_regnet.py::"
    "test_the_generator_builds_the_torchvision_layout_as_checked_in",
    "tests/models/test_zoo_resnetv2.py::test_layout_loading_outputs_and_features_equal_timm"
    "[resnetv2_50x1_bit]",
    "tests/models/test_zoo_resnetv2.py::"
    "test_a_preact_block_adds_without_an_activation_and_its_shortcut_reads_the_norm",
    "tests/models/test_zoo_resnetv2.py::test_the_generator_builds_resnetv2_as_checked_in",
    "tests/models/test_zoo_resnetv2.py::"
    "test_weight_standardised_convolutions_match_timm_and_are_not_folded",
    # training options against timm: activations, norms, drop path, dropout, headless
    f"{_OPTIONS}test_activation_equals_timm_act_layer",
    f"{_OPTIONS}test_builder_drop_path_rate_overrides_the_spec",
    f"{_OPTIONS}test_classifier_dropout_equals_timm_drop_rate",
    f"{_OPTIONS}test_frozen_batch_norm_equals_timm_frozen_model_and_stays_frozen",
    f"{_OPTIONS}test_group_norm_equals_timm_resnet50_gn",
    f"{_OPTIONS}test_headless_backbone_forward_head_and_reset_classifier",
    f"{_OPTIONS}test_stochastic_depth_schedule_eval_and_train_equal_timm",
    # components: zero-init of every block kind, ESE and ECA against timm
    "tests/models/test_components.py::test_zero_init_residual_zeroes_what_the_reference_zeroes",
    "tests/models/test_components.py::"
    "test_ese_attention_loads_timms_resnet50d_ese_and_gives_its_outputs",
    "tests/models/test_components.py::"
    "test_eca_on_a_regnet_block_builds_eca_sized_from_what_it_gates",
    "tests/models/test_deploy.py::test_torchscript",
]
"""Behaviour tests, cheapest and broadest first (each mutant stops at its first failure)."""

TEXT_SELECTION = SELECTION[:4]
"""The tests that read the generated text itself (ruff, imports, the docstring's table): all
that can tell a mutant apart when it changes only docstrings or comments."""

TIMEOUT = 600
"""Seconds a mutant's tests may run (a mutant that hangs the tests counts as killed)."""


@dataclasses.dataclass(frozen=True)
class Mutant:
    template: str
    line: int
    """1-based line of the change."""
    operator: str
    index: int
    """Which change of this operator on this line."""
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def id(self) -> str:
        stem = self.template.removesuffix(".py.j2")
        return f"{stem}:{self.line}:{self.operator}:{self.index}"

    def apply(self, lines: list[str]) -> list[str]:
        start = self.line - 1
        end = start + len(self.before)
        assert tuple(lines[start:end]) == self.before, self.id
        return [*lines[:start], *self.after, *lines[end:]]


# --- making mutants ------------------------------------------------------------------------------

_JINJA_TAG = re.compile(r"^\s*\{[%#]")
_IF_TAG = re.compile(r"^(\s*\{%-?\s*(?:el)?if\s+)(.+?)(\s*-?%\}\s*)$")
_PY_IF = re.compile(r"^(\s*(?:el)?if\s+)(.+)(:\s*)$")
_NUMBER = re.compile(r"(?<![\w.])(\d+\.\d+(?:e-?\d+)?|\d+e-?\d+|\d+)(?![\w.])")
_FLIPS = [
    (" == ", " != "),
    (" != ", " == "),
    (" is not ", " is "),
    (" is ", " is not "),
    (" >= ", " < "),
    (" <= ", " > "),
    (" < ", " >= "),
    (" > ", " <= "),
    (" and ", " or "),
    (" or ", " and "),
]


def _code_lines(lines: list[str]) -> list[bool]:
    """Which lines are generated code: not Jinja tags or comments, not docstring prose, not
    blank, not a comment of the generated code."""
    code = []
    in_doc = False
    for line in lines:
        stripped = line.strip()
        quotes = stripped.count('"""')
        if in_doc:
            code.append(False)
            if quotes % 2:
                in_doc = False
            continue
        if quotes % 2:  # a docstring opens here and goes on
            in_doc = True
            code.append(False)
            continue
        code.append(
            bool(stripped)
            and not _JINJA_TAG.match(line)
            and not stripped.startswith("#")
            and quotes == 0
        )
    return code


def _calls(line: str) -> Iterator[tuple[int, int, list[tuple[int, int]]]]:
    """Each bracket pair on the line: its span and its top-level items' spans."""
    pairs = {"(": ")", "[": "]"}
    stack: list[tuple[int, str]] = []
    items: dict[int, list[int]] = {}
    quote: str | None = None
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
            continue
        if char in "\"'":
            quote = char
        elif char in pairs:
            stack.append((i, pairs[char]))
            items[i] = [i + 1]
        elif stack and char == stack[-1][1]:
            start, _ = stack.pop()
            cuts = [*items.pop(start), i + 1]
            spans = [(a, b - 1) for a, b in itertools.pairwise(cuts)]
            spans = [(a, b) for a, b in spans if line[a:b].strip()]
            yield start, i, spans
        elif char == "," and stack:
            items[stack[-1][0]].append(i + 1)


def _line_mutants(line: str, is_code: bool) -> Iterator[tuple[str, str]]:
    """(operator, mutated line) for one line."""
    tag = _IF_TAG.match(line)
    if tag:
        yield "invert", f"{tag[1]}not ({tag[2]}){tag[3]}"
    if not is_code and not tag:
        return
    python_if = _PY_IF.match(line) if is_code else None
    if python_if:
        yield "invert", f"{python_if[1]}not ({python_if[2]}){python_if[3]}"
    for old, new in _FLIPS:
        start = 0
        while (at := line.find(old, start)) >= 0:
            if not (old == " is " and line[at:].startswith(" is not ")):
                yield "invert", line[:at] + new + line[at + len(old) :]
            start = at + len(old)
    if not is_code:
        return
    for match in _NUMBER.finditer(line):
        text = match[1]
        new = str(int(text) + 1) if text.isdigit() else repr(float(text) * 2)
        yield "number", line[: match.start(1)] + new + line[match.end(1) :]
    for _, _, spans in _calls(line):
        if len(spans) < 2:
            continue
        for a, b in spans:
            # the item and its comma: the one after it, or before it for the last item
            if line[b] == ",":
                rest = line[b + 1 :]
                if line[:a].endswith(("(", "[")):
                    rest = rest.lstrip(" ")
                yield "drop", line[:a] + rest
            else:
                yield "drop", line[: a - 1] + line[b:]
        for (a1, b1), (a2, b2) in itertools.pairwise(spans):
            first, second = line[a1:b1], line[a2:b2]
            if first.strip() == second.strip():
                continue
            swapped = f"{second.strip()}".join(
                (line[a1:b1].split(first.strip())[0], "")
            )
            yield (
                "swap",
                (
                    line[:a1]
                    + swapped
                    + line[b1:a2]
                    + line[a2:b2].replace(second.strip(), first.strip(), 1)
                    + line[b2:]
                ),
            )


def mutants() -> list[Mutant]:
    found: list[Mutant] = []
    for path in sorted(TEMPLATES.glob("*.j2")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        code = _code_lines(lines)
        for number, (line, is_code) in enumerate(
            zip(lines, code, strict=True), start=1
        ):
            text = line.rstrip("\n")
            counts: dict[str, int] = {}
            seen = {text}
            for operator, changed in _line_mutants(text, is_code):
                if changed in seen:
                    continue
                seen.add(changed)
                counts[operator] = counts.get(operator, 0) + 1
                found.append(
                    Mutant(
                        path.name,
                        number,
                        operator,
                        counts[operator],
                        (line,),
                        (changed + "\n",),
                    )
                )
            if not is_code or text.rstrip().endswith(":"):
                continue
            found.append(Mutant(path.name, number, "delete", 1, (line,), ()))
            after = number  # 0-based index of the next line
            if (
                after < len(lines)
                and code[after]
                and not lines[after].rstrip().endswith(":")
                and _indent(lines[after]) == _indent(line)
                and lines[after] != line
            ):
                found.append(
                    Mutant(
                        path.name,
                        number,
                        "move",
                        1,
                        (line, lines[after]),
                        (lines[after], line),
                    )
                )
    return found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


# --- running them --------------------------------------------------------------------------------


Rendering = tuple[object, object, str, str]
"""The arguments of one ``archgen.render.render`` call: plan, complexity, source, sha."""


def _zoo() -> list[Rendering]:
    from archgen.config import Config
    from archgen.pipeline import compile_spec

    found: list[Rendering] = []
    for spec in sorted(SPECS.glob("*.yaml")):
        result = compile_spec(spec, Config(root=ROOT))
        assert result.plan is not None and result.complexity is not None
        found.append((result.plan, result.complexity, spec.name, "0" * 64))
    return found


def _render_all(folder: Path, renderings: list[Rendering]) -> list[str] | str:
    """Each rendering with the templates in ``folder``; the error text if one fails."""
    import archgen.render as render_module

    render_module._environment.cache_clear()
    original = render_module.template_dir
    render_module.template_dir = lambda: folder  # type: ignore[assignment]
    try:
        return [render_module.render(*args) for args in renderings]  # type: ignore[arg-type]
    except (
        Exception
    ) as error:  # a mutated template may fail in any way: that is the result
        return f"{type(error).__name__}: {error}"
    finally:
        render_module.template_dir = original  # type: ignore[assignment]
        render_module._environment.cache_clear()


def _only_text_changed(
    before: list[str], after: list[str], keywords: bool = False
) -> bool:
    """Whether the modules differ only in docstrings and comments (the same code); with
    ``keywords``, also in the order of keyword arguments of a call (which Python binds by
    name: the same call)."""

    def code(text: str) -> str | None:
        try:
            tree = ast.parse(text)
        except SyntaxError:
            return None
        for node in ast.walk(tree):
            if keywords and isinstance(node, ast.Call):
                node.keywords.sort(key=lambda k: k.arg or "")
            body = getattr(node, "body", None)
            if (
                isinstance(body, list)
                and body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                body[0].value.value = ""
        return ast.dump(tree)

    return all(
        code(one) == code(other) is not None
        for one, other in zip(before, after, strict=True)
    )


class _Collector:
    """A pytest plugin that remembers the first failing test."""

    def __init__(self) -> None:
        self.failed: str | None = None

    def pytest_runtest_logreport(self, report: object) -> None:
        if getattr(report, "failed", False) and self.failed is None:
            self.failed = str(getattr(report, "nodeid", "?"))


def _run_tests(
    folder: Path,
    scratch: Path,
    record: Path | None = None,
    selection: list[str] = SELECTION,
) -> tuple[str, str]:
    """Fork; in the child, point the templates at ``folder`` and run SELECTION. Returns
    (status, detail). With ``record``, every render call's arguments are pickled there."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        code = 3
        detail = ""
        try:
            import pickle

            import pytest

            import archgen.render as render_module

            render_module.template_dir = lambda: folder  # type: ignore[assignment]
            render_module._environment.cache_clear()
            calls: list[Rendering] = []
            if record is not None:
                real = render_module.render

                def recording(*args: object) -> str:
                    calls.append(args)  # type: ignore[arg-type]
                    return real(*args)  # type: ignore[arg-type]

                # archgen imports render where it calls it: every caller gets this one.
                render_module.render = recording  # type: ignore[assignment]
            tempfile.tempdir = str(scratch)
            collector = _Collector()
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                code = pytest.main(
                    [
                        *selection,
                        "-x",
                        "-q",
                        "-p",
                        "no:cacheprovider",
                        "-m",
                        "not slow",
                        f"--basetemp={scratch / 'pytest'}",
                        "-W",
                        "ignore",
                    ],
                    plugins=[collector],
                )
            detail = collector.failed or ""
            if record is not None:
                record.write_bytes(pickle.dumps(calls))
        except BaseException as error:  # report anything, never hang the parent
            detail = f"harness: {type(error).__name__}: {error}"
        os.write(write, f"{int(code)}\n{detail}".encode())
        os.close(write)
        os._exit(0)
    os.close(write)
    deadline = time.monotonic() + TIMEOUT
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read)
            return "timeout", f"over {TIMEOUT} s"
        time.sleep(0.1)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    code_text, _, detail = text.partition("\n")
    if not code_text:
        return "killed", f"the test process died (status {status})"
    code = int(code_text)
    if code == 0:
        return "survived", ""
    if code == 1:
        return "killed", detail
    return "error", f"pytest exit {code} {detail}"


def _warm_up() -> None:
    """Import torch, timm, pytest and the test modules once, before forking."""
    import pytest

    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        code = pytest.main(
            [*SELECTION, "--collect-only", "-q", "-p", "no:cacheprovider"]
        )
    if code != 0:
        raise SystemExit(f"collecting the behaviour tests failed (pytest exit {code})")


CACHE = ROOT / "mutants" / "template-renderings.pickle"
"""The recorded renderings, reused while the templates, the archgen sources and the tests are
unchanged (mutants/ is git-ignored)."""


def _fingerprint() -> str:
    import hashlib

    digest = hashlib.sha256("\n".join(SELECTION).encode())
    tests = {node.split("::")[0] for node in SELECTION} | {"tests/conftest.py"}
    paths = [*TEMPLATES.glob("*.j2"), *(ROOT / "archgen").rglob("*.py")]
    for path in sorted(paths) + sorted(ROOT / test for test in tests):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _recorded(work: Path) -> list[Rendering]:
    """The zoo, and every module the behaviour tests build with the unmutated templates (one
    baseline run of SELECTION, which must pass), without duplicates."""
    import pickle

    fingerprint = _fingerprint()
    if CACHE.is_file():
        cached, renderings = pickle.loads(CACHE.read_bytes())
        if cached == fingerprint:
            return renderings  # type: ignore[no-any-return]
    record = work / "recorded.pickle"
    scratch = work / "baseline"
    scratch.mkdir()
    status, detail = _run_tests(TEMPLATES, scratch, record)
    if status != "survived":
        raise SystemExit(
            f"the behaviour tests fail on the unmutated templates: {detail}"
        )
    import archgen.render as render_module

    unique: dict[str, Rendering] = {}
    for args in [*_zoo(), *pickle.loads(record.read_bytes())]:
        unique.setdefault(render_module.render(*args), args)  # type: ignore[arg-type]
    found = list(unique.values())
    CACHE.parent.mkdir(exist_ok=True)
    CACHE.write_bytes(pickle.dumps((fingerprint, found)))
    return found


def _done(report: Path) -> dict[str, tuple[str, str]]:
    """The mutants an earlier run recorded in ``report``: id -> (status, detail)."""
    done = {}
    if report.is_file():
        for line in report.read_text(encoding="utf-8").splitlines():
            cells = [cell.strip() for cell in line.split(" | ")]
            if line.startswith("| `") and len(cells) >= 3:
                done[cells[0].strip("|` ")] = (cells[1], cells[2])
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--list", action="store_true", help="list the mutants; run none"
    )
    parser.add_argument(
        "--only",
        default="*",
        help="globs on mutant ids, comma-separated (default: all)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=REPORT,
        help=f"default: {REPORT.relative_to(ROOT)}",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the results the report holds; run only the other mutants",
    )
    args = parser.parse_args(argv)
    globs = args.only.split(",")
    # in the order of the globs, so that a partial run covers what was asked first
    every = mutants()
    chosen = [m for g in globs for m in every if fnmatch.fnmatch(m.id, g)]
    chosen = list(dict.fromkeys(chosen))
    if args.list:
        for m in chosen:
            print(f"{m.id}\t{''.join(m.after).strip() or '(deleted)'}")
        print(f"{len(chosen)} mutants", file=sys.stderr)
        return 0
    os.chdir(ROOT)
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    _warm_up()
    results: list[tuple[Mutant, str, str, float]] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="archgen-template-mutants-") as work:
        renderings = _recorded(Path(work))
        baseline = _render_all(TEMPLATES, renderings)
        assert isinstance(baseline, list), baseline
        print(
            f"{len(renderings)} modules rendered by the behaviour tests and the zoo; "
            f"baseline run {time.monotonic() - started:.0f} s",
            flush=True,
        )
        done = _done(args.report) if args.resume else {}
        for number, mutant in enumerate(chosen, start=1):
            if mutant.id in done:
                results.append((mutant, *done[mutant.id], 0.0))
                continue
            begun = time.monotonic()
            folder = Path(work) / "templates"
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(TEMPLATES, folder)
            target = folder / mutant.template
            lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
            target.write_text("".join(mutant.apply(lines)), encoding="utf-8")
            rendered = _render_all(folder, renderings)
            if isinstance(rendered, str):
                status, detail = "killed", f"does not render: {rendered[:120]}"
            elif rendered == baseline:
                status, detail = (
                    "identical",
                    "every module the tests build is unchanged",
                )
            else:
                scratch = Path(work) / "scratch"
                shutil.rmtree(scratch, ignore_errors=True)
                scratch.mkdir()
                if _only_text_changed(baseline, rendered, keywords=True) and not (
                    _only_text_changed(baseline, rendered)
                ):
                    status, detail = "equivalent", "only the order of keyword arguments"
                elif _only_text_changed(baseline, rendered):
                    status, detail = _run_tests(
                        folder, scratch, selection=TEXT_SELECTION
                    )
                    if status == "survived":
                        detail = "only docstrings or comments change"
                else:
                    status, detail = _run_tests(folder, scratch)
            seconds = time.monotonic() - begun
            results.append((mutant, status, detail, seconds))
            print(
                f"[{number}/{len(chosen)}] {mutant.id} {status} {seconds:.1f}s {detail}",
                flush=True,
            )
            _write_report(args.report, results, time.monotonic() - started, len(chosen))
    return 0


def _write_report(
    path: Path,
    results: list[tuple[Mutant, str, str, float]],
    seconds: float,
    total: int,
) -> None:
    counts: dict[str, int] = {}
    for _, status, _, _ in results:
        counts[status] = counts.get(status, 0) + 1
    lines = [
        "# Template mutants",
        "",
        "Written by `python mutation/templates.py` (see its docstring); reasons for the",
        "survivors and identical mutants: TEMPLATE_EQUIVALENT.md.",
        "",
        f"{len(results)} of {total} mutants run in {seconds / 60:.1f} min: "
        + ", ".join(f"{counts[k]} {k}" for k in sorted(counts))
        + ".",
        "",
        "| mutant | status | detail | change |",
        "| --- | --- | --- | --- |",
    ]
    for mutant, status, detail, _ in results:
        change = "".join(mutant.after).strip() or "(line deleted)"
        if mutant.operator == "move":
            change = "moved below the next line"
        cell = change.replace("|", "\\|")
        lines.append(
            f"| `{mutant.id}` | {status} | {detail.replace('|', '/')} | `{cell[:100]}` |"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
