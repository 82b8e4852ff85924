"""archgen from Python: load a spec, analyse it, lint it, render it, build the model in memory.

    import archgen

    spec = archgen.load_spec("resnext50_32x4d")  # a zoo name, a path, or a dict
    cost = archgen.analyse(spec)  # cost.params, cost.macs, cost.acts
    findings = archgen.lint(spec)  # [] when the spec keeps every rule
    source = archgen.render_source(spec)  # the module `archgen build` would write
    model = archgen.build_model(spec, num_classes=10)  # needs torch

A spec is given as a path (``str`` or ``os.PathLike``), a zoo name (``"resnet50"``; a local path
of the same name wins), a mapping holding the spec's keys, or a :class:`Spec` already loaded.
Problems are raised as one exception type, :class:`ArchgenError`, whose ``diagnostics`` are the
located findings the command line prints.

Only :func:`build_model` imports torch, when it is called; importing this module imports neither
torch nor jinja2.
"""

from __future__ import annotations

import hashlib
import json
import linecache
import os
import sys
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from archgen import limits, zoo
from archgen.codes import diagnostic
from archgen.complexity import Complexity
from archgen.config import Config
from archgen.diagnostics import Diagnostic, Severity, sort_key
from archgen.pipeline import Compiled, compile_document
from archgen.plan import NetworkPlan
from archgen.source import Document, SourceMap, load
from archgen.spec import NetworkSpec
from archgen.text import printable

if TYPE_CHECKING:
    import torch

__all__ = [
    "Analysis",
    "ArchgenError",
    "Spec",
    "SpecLike",
    "analyse",
    "build_model",
    "lint",
    "load_spec",
    "render_source",
]

DICT_DISPLAY = "<dict>"
"""How a spec given as a mapping is named in diagnostics and in a rendered module's header."""


class ArchgenError(Exception):
    """A spec that cannot be loaded, validated, lowered or built; ``diagnostics`` say where."""

    diagnostics: tuple[Diagnostic, ...]

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
        self.diagnostics = tuple(sorted(diagnostics, key=sort_key))
        super().__init__(
            "\n".join(
                printable(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}")
                for d in self.diagnostics
            )
        )

    def __reduce__(self) -> tuple[type[ArchgenError], tuple[tuple[Diagnostic, ...]]]:
        # Pickled with its diagnostics (multiprocessing), not with the message made of them.
        return (ArchgenError, (self.diagnostics,))


@dataclass(frozen=True)
class Spec:
    """A validated spec: the document it was read from, its schema model and its lowered plan."""

    document: Document
    network: NetworkSpec
    plan: NetworkPlan
    compiled: Compiled
    """What the pipeline made of it under archgen's default rules: complexity, findings and
    the hash of its meaning."""

    @property
    def name(self) -> str:
        return self.plan.name

    @property
    def source(self) -> str:
        """Where it came from, as diagnostics show it: a path, or ``<dict>``."""
        return self.document.display


SpecLike = Union[Spec, str, "os.PathLike[str]", Mapping[str, Any]]
"""What every function here accepts as a spec."""


@dataclass(frozen=True)
class Analysis:
    """Exact parameters, MACs and activations at the spec's input size (see archgen.complexity).

    ``complexity`` holds the per-stage and per-block figures ``archgen show`` prints.
    """

    params: int
    macs: int
    acts: int
    in_channels: int
    image_size: int
    complexity: Complexity

    def to_json(self) -> dict[str, object]:
        return {
            "input": {"channels": self.in_channels, "image_size": self.image_size},
            **self.complexity.to_json(),
        }


def load_spec(spec: SpecLike) -> Spec:
    """Read and validate a spec: a path, a zoo name, a mapping, or a :class:`Spec` (returned
    as it is). Raises :class:`ArchgenError` when it cannot be read or validated.

    A mapping is read as the parsed file would be: string keys, and values that are strings,
    numbers, booleans, None, lists (tuples are taken as lists) and mappings. Its diagnostics are
    located at ``<dict>:1:1`` and name the key in their message.
    """
    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, Mapping):
        document = _document_of(spec)
    else:
        path = _resolve(spec)
        loaded = load(path, os.fspath(path))
        if isinstance(loaded, Diagnostic):
            raise ArchgenError([loaded])
        document = loaded
    compiled = compile_document(document, Config(Path.cwd()))
    if compiled.plan is None or compiled.spec is None:
        raise ArchgenError(compiled.diagnostics)
    return Spec(document, compiled.spec, compiled.plan, compiled)


def analyse(spec: SpecLike) -> Analysis:
    """Parameters, MACs and activations of the network, from the plan alone (no torch)."""
    loaded = load_spec(spec)
    plan, complexity = loaded.plan, loaded.compiled.complexity
    assert complexity is not None
    overall = complexity.total
    return Analysis(
        overall.params,
        overall.macs,
        overall.acts,
        plan.in_channels,
        plan.image_size,
        complexity,
    )


def lint(spec: SpecLike, config: Config | None = None) -> list[Diagnostic]:
    """The design-rule findings of a spec, as ``archgen lint`` reports them, sorted.

    The spec's own ``lint:`` section applies; ``config`` (default: archgen's defaults, not a
    pyproject.toml) selects, ignores and re-grades codes as ``[tool.archgen]`` does. A spec
    that cannot be loaded is not raised here: its diagnostics are the findings.
    """
    try:
        loaded = load_spec(spec)
    except ArchgenError as error:
        return list(error.diagnostics)
    if config is None:
        return list(loaded.compiled.diagnostics)
    return list(compile_document(loaded.document, config).diagnostics)


def render_source(spec: SpecLike, *, ignore_lint: bool = False) -> str:
    """The module ``archgen build`` writes for the spec (its header names the spec's source).

    Like ``archgen build``, refuses (:class:`ArchgenError`) a spec with lint errors unless
    ``ignore_lint``.
    """
    from archgen.render import render  # jinja2: only when rendering

    loaded = load_spec(spec)
    if not ignore_lint:
        errors = [d for d in lint(loaded) if d.severity >= Severity.ERROR]
        if errors:
            raise ArchgenError(errors)
    compiled = loaded.compiled
    assert compiled.complexity is not None
    return render(loaded.plan, compiled.complexity, loaded.source, compiled.spec_sha256)


def build_model(
    spec: SpecLike, *, ignore_lint: bool = False, **builder_kwargs: Any
) -> torch.nn.Module:
    """Render the spec and build its model in memory, as ``builder(**builder_kwargs)``.

    The rendered source runs in a fresh module (no file is written); it is registered in
    ``sys.modules`` and its source with ``linecache``, so ``torch.jit.script``, ``inspect`` and
    pickling work as for an imported module. Builder arguments are those of the generated
    builder: ``num_classes``, ``in_channels``, ``zero_init_residual``, and ``drop_rate`` or
    ``drop_path_rate`` where the spec has them. Needs torch.
    """
    try:
        import torch  # noqa: F401  (the generated module imports it)
    except ImportError as error:
        raise ImportError(
            "archgen.build_model needs PyTorch, which is not installed "
            "(pip install torch). Everything else in archgen works without it, and "
            "archgen.render_source gives the module's source."
        ) from error
    loaded = load_spec(spec)
    source = render_source(loaded, ignore_lint=ignore_lint)
    module = _module_of(loaded.plan.name, source)
    model: torch.nn.Module = getattr(module, loaded.plan.name)(**builder_kwargs)
    return model


# --- helpers ---------------------------------------------------------------------------------------


def _resolve(spec: str | os.PathLike[str]) -> Path:
    """A path as given; a string that names no file may name a zoo spec."""
    path = Path(spec)
    if isinstance(spec, str) and not os.path.lexists(path):
        in_zoo = zoo.lookup(spec)
        if in_zoo is not None:
            return in_zoo
        raise ArchgenError([zoo.not_found(spec)])
    return path


def _document_of(data: Mapping[str, Any]) -> Document:
    plain = _plain(data, ())
    assert isinstance(plain, dict)
    text = json.dumps(plain, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Document(Path(DICT_DISPLAY), DICT_DISPLAY, plain, SourceMap({}, {}), digest)


def _plain(value: object, loc: tuple[str | int, ...]) -> object:
    """A copy of ``value`` as plain data, or ArchgenError naming the first value that is not."""
    where = ".".join(str(part) for part in loc) or "the spec"
    if len(loc) > limits.MAX_DEPTH:
        raise ArchgenError(
            [
                diagnostic(
                    "AG008",
                    f"nested deeper than {limits.MAX_DEPTH} levels",
                    DICT_DISPLAY,
                )
            ]
        )
    if isinstance(value, Mapping):
        copied: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ArchgenError(
                    [
                        diagnostic(
                            "AG103",
                            f"{where}: key {key!r} is a {type(key).__name__}; "
                            "expected a string",
                            DICT_DISPLAY,
                        )
                    ]
                )
            copied[key] = _plain(item, (*loc, key))
        return copied
    if isinstance(value, list | tuple):
        return [_plain(item, (*loc, index)) for index, item in enumerate(value)]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ArchgenError(
        [
            diagnostic(
                "AG103",
                f"{where}: expected plain data (a mapping, list, string, number, boolean "
                f"or None), found a {type(value).__name__}",
                DICT_DISPLAY,
            )
        ]
    )


def _module_of(name: str, source: str) -> types.ModuleType:
    """The module made by running ``source``, one per distinct source in this process."""
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]
    module_name = f"archgen_built_{name}_{digest}"
    existing = sys.modules.get(module_name)
    if existing is not None:
        return existing
    filename = f"<archgen-built {name} {digest}>"
    module = types.ModuleType(module_name)
    module.__file__ = filename
    # TorchScript and inspect read the source of the classes through linecache; an entry with
    # no modification time is never checked against a file, so it stays.
    linecache.cache[filename] = (
        len(source),
        None,
        source.splitlines(keepends=True),
        filename,
    )
    sys.modules[module_name] = module
    try:
        exec(compile(source, filename, "exec"), module.__dict__)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
