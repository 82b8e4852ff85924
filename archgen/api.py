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
import linecache
import os
import sys
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from archgen import limits, service
from archgen.codes import diagnostic
from archgen.complexity import Complexity
from archgen.config import Config, find_pyproject
from archgen.diagnostics import Diagnostic
from archgen.pipeline import Compiled, compile_document
from archgen.plan import NetworkPlan
from archgen.recipes import FLATTENED_FEATURES
from archgen.service import ArchgenError
from archgen.source import Document, load
from archgen.spec import NetworkSpec

if TYPE_CHECKING:
    import torch

    from archgen.weights import LoadReport

__all__ = [
    "Analysis",
    "ArchgenError",
    "Spec",
    "SpecLike",
    "analyse",
    "build_model",
    "create_model",
    "lint",
    "load_spec",
    "load_weights",
    "register_timm",
    "render_source",
]


@dataclass(frozen=True, repr=False)
class Spec:
    """A validated spec: the document it was read from, its schema model and its lowered plan."""

    document: Document
    network: NetworkSpec
    plan: NetworkPlan
    compiled: Compiled
    """What the pipeline made of it under archgen's default rules: complexity, findings and
    the hash of its meaning."""
    header_source: str = ""
    """What a module rendered from it records as its source: the zoo name, or the path relative
    to the project (:func:`archgen.service.header_source`)."""

    @property
    def name(self) -> str:
        return self.plan.name

    @property
    def source(self) -> str:
        """Where it came from, as diagnostics show it: a path, or ``<dict>``."""
        return self.document.display

    def __repr__(self) -> str:
        findings = len(self.compiled.diagnostics)
        return (
            f"Spec(name={self.name!r}, source={self.source!r}, stages={len(self.plan.stages)}, "
            f"findings={findings})"
        )


SpecLike = Union[Spec, str, "os.PathLike[str]", Mapping[str, Any]]
"""What every function here accepts as a spec."""


@dataclass(frozen=True, repr=False)
class Analysis:
    """Exact parameters, MACs and activations at the spec's input size (see archgen.complexity).

    ``complexity`` holds the per-stage and per-block figures ``archgen show`` prints. It prints
    as a one-line summary; :meth:`to_json` has every figure.
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

    def __repr__(self) -> str:
        return (
            f"Analysis(params={self.params:,}, macs={self.macs:,}, acts={self.acts:,}, "
            f"input={self.in_channels}x{self.image_size}x{self.image_size})"
        )


def _project_root() -> Path:
    """The folder of the pyproject.toml above the working folder, else the working folder."""
    found = find_pyproject(Path.cwd())
    return found.parent if found is not None else Path.cwd()


def load_spec(spec: SpecLike) -> Spec:
    """Read and validate a spec: a path, a zoo name, a mapping, or a :class:`Spec` (returned
    as it is). Raises :class:`ArchgenError` when it cannot be read or validated.

    A mapping is read as the same spec written as a JSON file would be: string keys, and values
    that are strings, numbers, booleans, None, lists (tuples are taken as lists) and mappings.
    It gets the same findings and fixes as that file; its diagnostics are located at
    ``<dict>:1:1`` and name the key in their message.
    """
    if isinstance(spec, Spec):
        return spec
    document, source = _document(spec)
    return _compiled(document, source)


def _document(spec: SpecLike) -> tuple[Document, str]:
    """The document of a spec, and what a module rendered from it names as its source."""
    if isinstance(spec, Spec):
        return spec.document, spec.header_source
    if isinstance(spec, Mapping):
        return service.document_of(spec), service.DICT_DISPLAY
    resolved = service.resolve(spec)
    if isinstance(resolved, Diagnostic):
        raise ArchgenError([resolved])
    path, zoo_name = resolved
    loaded = load(path, os.fspath(spec) if zoo_name is None else zoo_name)
    if isinstance(loaded, Diagnostic):
        raise ArchgenError([loaded])
    return loaded, service.header_source(path, zoo_name, _project_root())


def _compiled(document: Document, source: str) -> Spec:
    compiled = compile_document(document, Config(Path.cwd()))
    compiled = replace(
        compiled, diagnostics=tuple(service.at_start(compiled.diagnostics))
    )
    if compiled.plan is None or compiled.spec is None:
        raise ArchgenError(compiled.diagnostics)
    return Spec(document, compiled.spec, compiled.plan, compiled, source)


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
    if config is not None and not isinstance(config, Config):
        raise ArchgenError(
            [
                diagnostic(
                    "AG103",
                    f"config: expected an archgen.config.Config, found a "
                    f"{type(config).__name__}",
                    "<config>",
                )
            ]
        )
    try:
        loaded = load_spec(spec)
    except ArchgenError as error:
        return list(error.diagnostics)
    if config is None:
        return list(loaded.compiled.diagnostics)
    compiled = compile_document(loaded.document, config)
    return service.at_start(compiled.diagnostics)


def render_source(spec: SpecLike, *, ignore_lint: bool = False) -> str:
    """The module ``archgen build`` writes for the spec; its header names the spec as build
    does: the zoo name, or the path relative to the project.

    Like ``archgen build``, refuses (:class:`ArchgenError`) a spec with lint errors unless
    ``ignore_lint`` (:func:`archgen.service.blocking`, the one policy of both).
    """
    loaded = load_spec(spec)
    errors = service.blocking(
        loaded.compiled, Config(Path.cwd()), ignore_lint=bool(ignore_lint)
    )
    if errors:
        raise ArchgenError(errors)
    return service.render_compiled(loaded.compiled, loaded.header_source)


def create_model(
    spec: SpecLike,
    *,
    pretrained: bool = False,
    features_only: bool = False,
    out_indices: int | Sequence[int] | None = None,
    ignore_lint: bool = False,
    **kwargs: Any,
) -> torch.nn.Module:
    """A model in one call, as ``timm.create_model`` makes one, compiled in memory (no file is
    written). Needs torch.

    ``spec`` is a zoo name, a path, a mapping or a :class:`Spec`. The keyword arguments are
    timm's, with timm's meaning (``num_classes`` (0: headless), ``in_chans``, ``drop_rate``,
    ``drop_path_rate``, ``output_stride``), or top-level keys of the spec whose values they
    replace (``norm={"type": "frozen_batch"}``). They edit the spec before it is compiled, so
    the model is exactly the one the edited spec gives, and the linter checks it: lint errors
    are raised unless ``ignore_lint``. ``None`` leaves a value as the spec has it.

    With ``features_only``, the model returns the feature maps at ``out_indices`` (default: all;
    an int n: the last n) and its ``feature_info`` answers ``channels()``, ``reduction()`` and
    ``module_name()``, as timm's :class:`FeatureListNet` does. ``pretrained=True`` is refused:
    archgen downloads nothing; move weights in with :func:`load_weights`.
    """
    from archgen import overrides

    _need_torch("create_model")
    problems = []
    if pretrained is not False:
        problems.append(
            "pretrained: archgen downloads no weights; build the model and move weights "
            "in with archgen.load_weights(model, source)"
        )
    if not isinstance(features_only, bool):
        problems.append(
            f"features_only: expected true or false, found {features_only!r:.40}"
        )
    elif out_indices is not None and not features_only:
        problems.append("out_indices: selects the maps of a features_only model")
    if problems:
        raise ArchgenError(
            [diagnostic("AG104", problem, overrides.WHERE) for problem in problems]
        )
    document, source = _document(spec)
    if any(value is not None for value in kwargs.values()):
        data = overrides.apply(document.data, kwargs)
        if isinstance(data, list):
            raise ArchgenError(data)
        document = service.edited(document, data)
        source = f"{source} with {overrides.describe(kwargs)}"
    loaded = _compiled(document, source)
    model = build_model(loaded, ignore_lint=ignore_lint)
    if not features_only:
        return model
    from archgen.features import FeatureListNet

    flatten = loaded.plan.naming in FLATTENED_FEATURES
    try:
        return FeatureListNet(model, out_indices, flatten_sequential=flatten)
    except ValueError as error:
        raise ArchgenError([diagnostic("AG104", str(error), overrides.WHERE)]) from None


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
    _need_torch("build_model")
    loaded = load_spec(spec)
    source = render_source(loaded, ignore_lint=ignore_lint)
    module = _module_of(loaded.plan.name, source)
    builder = getattr(module, loaded.plan.name)
    _check_builder_arguments(builder, builder_kwargs)
    model: torch.nn.Module = builder(**builder_kwargs)
    return model


def _need_torch(function: str) -> None:
    """ImportError saying what to install, when torch is not installed."""
    try:
        import torch  # noqa: F401  (the generated module imports it)
    except ImportError as error:
        raise ImportError(
            f"archgen.{function} needs PyTorch, which is not installed "
            "(pip install torch). Everything else in archgen works without it, and "
            "archgen.render_source gives the module's source."
        ) from error


def load_weights(
    model: torch.nn.Module, source: object, *, strict: bool = True
) -> LoadReport:
    """Load weights into a generated model. ``source`` is a model (torchvision's, timm's), a
    state dict or a checkpoint holding one, or a file (``.pt``, ``.pth``; ``.safetensors``
    where safetensors is installed).

    Names are matched as they are, and across a features-only model's flattened containers
    and a wrapper's prefixes (``module.``, ``_orig_mod.``). The classifier of a headless model
    and what a features-only model leaves out are left out, with a warning. Missing,
    unexpected and mis-shaped tensors raise :class:`ArchgenError` naming the stage, the block
    and the component; with ``strict=False`` the tensors that fit are loaded and the report
    lists the rest. Returns a :class:`archgen.weights.LoadReport`.
    """
    _need_torch("load_weights")
    from archgen.weights import load_weights as load

    return load(model, source, strict=strict)


def register_timm(*specs: SpecLike) -> list[str]:
    """Register specs (zoo names, paths, mappings) with timm under their names, so that
    ``timm.create_model(name, **kwargs)`` builds them with :func:`create_model`, and timm's
    scripts (train, validate, benchmark) take them unchanged. Returns the names registered.
    Needs timm."""
    _need_torch("register_timm")
    from archgen.timm_models import register

    return [register(load_spec(spec), create_model) for spec in specs]


_BUILDER_BOUNDS = {
    "num_classes": limits.MAX_CLASSES,
    "in_channels": limits.MAX_CHANNELS,
}


def _check_builder_arguments(builder: Any, arguments: dict[str, Any]) -> None:
    """ArchgenError for a builder argument the builder does not take, or of the wrong type or
    range, before anything is allocated."""
    import inspect

    known = inspect.signature(builder).parameters
    problems = []
    for name, value in arguments.items():
        if name not in known:
            problems.append(
                f"{name}: not an argument of the builder; expected one of "
                + ", ".join(known)
            )
            continue
        default = known[name].default
        if isinstance(default, bool):
            if not isinstance(value, bool):
                problems.append(f"{name}: expected true or false, found {value!r:.40}")
        elif isinstance(default, int):
            largest = _BUILDER_BOUNDS.get(name, limits.MAX_CHANNELS)
            if isinstance(value, bool) or not isinstance(value, int):
                problems.append(f"{name}: expected a whole number, found {value!r:.40}")
            elif not 1 <= value <= largest:
                problems.append(f"{name}: expected 1 to {largest:,}, found {value:.3g}")
        elif isinstance(default, float) and (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 <= value < 1
        ):
            problems.append(
                f"{name}: expected a number from 0 to below 1, found {value!r:.40}"
            )
    if problems:
        raise ArchgenError(
            [diagnostic("AG104", problem, "<builder>") for problem in problems]
        )


# --- helpers ---------------------------------------------------------------------------------------


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
