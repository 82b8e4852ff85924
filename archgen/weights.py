"""Move weights into a generated model: :func:`load_weights`. Imports torch.

The source is a model (torchvision's, timm's, another generated one), a state dict, a training
checkpoint holding one, or a file. Names are matched as they are, then across the forms one
architecture takes: a features-only model's flattened containers (``stages_0`` for
``stages.0``), the prefixes that wrappers add (``module.`` of DistributedDataParallel,
``_orig_mod.`` of ``torch.compile``, ``model.``). What the model deliberately lacks (the
classifier of a headless model, what a features-only model leaves out) is left out and said so;
anything else that does not fit is reported in the spec's terms: stage, block, component.
"""

from __future__ import annotations

import os
import pickle
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import torch
from torch import nn

from archgen.codes import diagnostic
from archgen.recipes import LAYOUTS
from archgen.service import ArchgenError

__all__ = ["LoadReport", "load_weights"]

WHERE = "<load_weights>"
WRAPPER_PREFIXES = ("module.", "_orig_mod.", "model.")
"""Prefixes a wrapper gives every name (DistributedDataParallel, torch.compile, timm's EMA and
feature-getter models)."""
COUNTER = ".num_batches_tracked"
"""Batch norm's count of training steps: not a weight; a frozen batch norm has none."""
CHECKPOINT_KEYS = ("state_dict", "model", "state_dict_ema", "model_ema")
"""Where training checkpoints keep the state dict (timm's train.py, torchvision's references)."""


@dataclass(frozen=True)
class LoadReport:
    """What :func:`load_weights` did: tensors loaded, left out on purpose, and what did not fit
    (loaded only with ``strict=False``)."""

    loaded: int
    left_out: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    unexpected: tuple[str, ...] = ()
    mismatched: tuple[str, ...] = ()
    renamed: int = 0
    """Tensors found under another name (a features-only or wrapped model's)."""
    problems: tuple[str, ...] = field(default=(), repr=False)
    """The missing, unexpected and mismatched tensors, described in the spec's terms."""

    def __str__(self) -> str:
        lines = [f"loaded {self.loaded} tensors ({self.renamed} under another name)"]
        if self.left_out:
            lines.append(f"left out {len(self.left_out)}: {_modules(self.left_out)}")
        lines += self.problems
        return "\n".join(lines)


def load_weights(
    model: nn.Module, source: object, *, strict: bool = True
) -> LoadReport:
    """Load the weights of ``source`` into ``model`` (see the module's docstring)."""
    if not isinstance(model, nn.Module):
        _refuse(f"model: expected a torch.nn.Module, found a {type(model).__name__}")
    if not isinstance(strict, bool):
        _refuse(f"strict: expected true or false, found {strict!r:.40}")
    given = _unwrapped(_state_dict_of(source))
    target = model.state_dict()
    names = _match(target, given)
    left_out = _left_out(model, target, given, set(names.values()))
    unexpected = sorted(
        key
        for key in set(given) - set(names.values()) - set(left_out)
        if not key.endswith(COUNTER)
    )
    missing = [key for key in target if key not in names and not key.endswith(COUNTER)]
    mismatched = [
        key for key, name in names.items() if given[name].shape != target[key].shape
    ]
    problems = _describe(model, target, given, names, missing, unexpected, mismatched)
    if strict and problems:
        raise ArchgenError(
            [diagnostic("AG104", problem, WHERE) for problem in problems]
        )
    fitting = {
        key: given[name] for key, name in names.items() if key not in set(mismatched)
    }
    model.load_state_dict(fitting, strict=False)
    if left_out:
        warnings.warn(
            f"archgen.load_weights: left out {_modules(left_out)}, which the model does not have",
            stacklevel=3,  # the caller of archgen.load_weights
        )
    return LoadReport(
        loaded=len(fitting),
        left_out=tuple(left_out),
        missing=tuple(missing),
        unexpected=tuple(unexpected),
        mismatched=tuple(mismatched),
        renamed=sum(key != name for key, name in names.items()),
        problems=tuple(problems),
    )


def _refuse(message: str) -> NoReturn:
    raise ArchgenError([diagnostic("AG104", message, WHERE)])


def _state_dict_of(source: object) -> Mapping[str, Any]:
    if isinstance(source, nn.Module):
        return source.state_dict()
    if isinstance(source, str | os.PathLike):
        return _read(Path(source))
    if isinstance(source, Mapping):
        if all(isinstance(value, torch.Tensor) for value in source.values()):
            return source
        for key in CHECKPOINT_KEYS:
            inner = source.get(key)
            if isinstance(inner, Mapping):
                return _state_dict_of(inner)
        _refuse(
            "source: a mapping that is neither a state dict (names to tensors) nor a "
            f"checkpoint holding one under {', '.join(CHECKPOINT_KEYS)}"
        )
    _refuse(
        "source: expected a model, a state dict or a file (.pt, .pth, .safetensors), "
        f"found a {type(source).__name__}"
    )


def _read(path: Path) -> Mapping[str, Any]:
    if not path.is_file():
        raise ArchgenError(
            [diagnostic("AG001", f"{path}: no such file of weights", str(path))]
        )
    try:
        if path.suffix == ".safetensors":
            try:
                from safetensors.torch import load_file
            except ImportError:
                _refuse(
                    f"{path}: reading .safetensors needs safetensors (pip install safetensors)"
                )
            return load_file(str(path), device="cpu")
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except (
        OSError,
        RuntimeError,
        ValueError,
        EOFError,
        pickle.UnpicklingError,
    ) as error:
        # torch.load and safetensors raise these for a file that is not theirs
        raise ArchgenError(
            [diagnostic("AG001", f"{path}: not a file of weights ({error})", str(path))]
        ) from None
    return _state_dict_of(loaded)


def _unwrapped(state: Mapping[str, Any]) -> dict[str, Any]:
    """The state dict without a prefix that a wrapper gave every name."""
    names = dict(state)
    for prefix in WRAPPER_PREFIXES:
        if names and all(key.startswith(prefix) for key in names):
            names = {key[len(prefix) :]: value for key, value in names.items()}
    return names


def _match(target: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, str]:
    """Each name of ``target`` -> its name in ``given``: the same, the other form of a
    container flattened in a features-only model (``stages_0.x`` <-> ``stages.0.x``), or the
    same component's name in another layout (torchvision's RegNet <-> timm's)."""
    names: dict[str, str] = {}
    for key in target:
        for candidate in (key, *_other_forms(key)):
            if candidate in given:
                names[key] = candidate
                break
    theirs, ours = _naming(given), _naming(target)
    if theirs != ours and len(names) < len(target):
        by_component = {_component(key, theirs): key for key in given}
        for key in target:
            found = by_component.get(_component(key, ours))
            if key not in names and found is not None and found not in names.values():
                names[key] = found
    return names


STAGES = {
    "torchvision-regnet": (
        re.compile(r"trunk_output\.block(\d+)\.block\d+-(\d+)\.(.+)"),
        1,
        0,
    ),
    "timm-regnet": (re.compile(r"s(\d+)\.b(\d+)\.(.+)"), 1, 1),
    "timm-resnetv2": (re.compile(r"stages\.(\d+)\.blocks\.(\d+)\.(.+)"), 0, 0),
    "torchvision": (re.compile(r"layer(\d+)\.(\d+)\.(.+)"), 1, 0),
}
"""How each naming table of :data:`archgen.recipes.LAYOUTS` names a block's tensors: the
pattern (stage, block, the rest), and the numbers the first stage and block get (the names
``Style.stage_name`` and the stage helpers of the templates give)."""


def _naming(keys: Iterable[str]) -> str:
    """The naming table whose blocks the names follow (the most of them)."""
    counts = {
        naming: sum(1 for key in keys if pattern.fullmatch(key))
        for naming, (pattern, _, _) in STAGES.items()
    }
    return max(counts, key=lambda naming: counts[naming])


def _component(key: str, naming: str) -> tuple[object, ...]:
    """What a tensor is, whatever the layout: (stage, block, role, tensor), or (role, tensor)
    outside the stages, with roles those of :data:`archgen.recipes.LAYOUTS`."""
    pattern, first_stage, first_block = STAGES[naming]
    found = pattern.fullmatch(key)
    inner = key if found is None else found[3]
    module, _, tensor = inner.rpartition(".")
    role = _role(module, naming)
    if found is None:
        return role, tensor
    return int(found[1]) - first_stage, int(found[2]) - first_block, role, tensor


def _role(module: str, naming: str) -> str:
    """The role of a module path (``f.b.0`` -> ``conv2.conv``): the longest listed prefix."""
    roles = {name: role for role, name in LAYOUTS[naming].items()}
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        role = roles.get(".".join(parts[:end]))
        if role is not None:
            return ".".join([role, *parts[end:]])
    return module


def _other_forms(key: str) -> list[str]:
    head, _, rest = key.partition(".")
    forms = []
    if rest:
        second, _, tail = rest.partition(".")
        if tail:
            forms.append(f"{head}_{second}.{tail}")
    for index, char in enumerate(head):
        if char == "_":
            forms.append(f"{head[:index]}.{head[index + 1 :]}.{rest}")
    return forms


def _left_out(
    model: nn.Module,
    target: Mapping[str, Any],
    given: Mapping[str, Any],
    used: set[str],
) -> list[str]:
    """Names of ``given`` under what the model deliberately lacks: its classifier when it has
    none (a headless model), and what a features-only model leaves out."""
    lacking = list(getattr(model, "left_out", []))
    classifier = getattr(model, "pretrained_cfg", {}).get("classifier")
    if isinstance(classifier, str) and not any(
        key.startswith(f"{classifier}.") for key in target
    ):
        lacking.append(classifier)
    return [
        name
        for name in given
        if name not in used
        and any(name == module or name.startswith(f"{module}.") for module in lacking)
    ]


def _describe(
    model: nn.Module,
    target: Mapping[str, Any],
    given: Mapping[str, Any],
    names: Mapping[str, str],
    missing: list[str],
    unexpected: list[str],
    mismatched: list[str],
) -> list[str]:
    """One line per module with missing or unexpected tensors and per mis-shaped tensor, the
    first :data:`MAX_PROBLEMS` of them."""
    where = _Locator(model, list(target))
    problems = [
        f"{where(module)} ({module}) is not in the weights: {', '.join(tensors)}"
        + _near(module, unexpected)
        for module, tensors in _by_module(missing).items()
    ]
    problems += [
        f"{where(key)} ({key}): expected shape {tuple(target[key].shape)}, found "
        f"{tuple(given[names[key]].shape)} in the weights"
        for key in mismatched
    ]
    problems += [
        f"{module}: in the weights ({', '.join(tensors)}), not in the model"
        for module, tensors in _by_module(unexpected).items()
    ]
    if len(problems) > MAX_PROBLEMS:
        fit = len(names) - len(mismatched)
        problems[MAX_PROBLEMS:] = [
            f"and {len(problems) - MAX_PROBLEMS} more; {fit} of the model's {len(target)} "
            "tensors fit: are the weights of another architecture?"
        ]
    return problems


MAX_PROBLEMS = 12


def _by_module(keys: list[str]) -> dict[str, list[str]]:
    modules: dict[str, list[str]] = {}
    for key in keys:
        module, _, tensor = key.rpartition(".")
        modules.setdefault(module, []).append(tensor)
    return modules


def _near(module: str, unexpected: list[str]) -> str:
    """The unexpected module closest to a missing one, as a hint."""
    import difflib

    candidates = list(_by_module(unexpected))
    close = difflib.get_close_matches(module, candidates, n=1, cutoff=0.8)
    return f" (the weights have {close[0]})" if close else ""


class _Locator:
    """Says where a tensor of a generated model is, in the spec's terms."""

    def __init__(self, model: nn.Module, keys: list[str]) -> None:
        info = getattr(model, "feature_info", [])
        entries = getattr(info, "info", info)
        modules = [entry["module"] for entry in entries][1:]
        flattened = getattr(model, "return_layers", {})
        self.stages = {
            **{module: i for i, module in enumerate(modules, 1)},
            **{
                flat: modules.index(name) + 1
                for flat, name in flattened.items()
                if name in modules
            },
        }
        first = next(
            (i for i, key in enumerate(keys) if self._stage(key) is not None), len(keys)
        )
        self.stem = set(keys[:first])

    def _stage(self, key: str) -> tuple[int, str, str] | None:
        for module, index in self.stages.items():
            if key.startswith(f"{module}."):
                block, _, component = key[len(module) + 1 :].partition(".")
                return index, block, component
        return None

    def __call__(self, key: str) -> str:
        found = self._stage(key)
        if found is None:
            return f"{'stem' if key in self.stem else 'after the stages'}: {key}"
        index, block, component = found
        number = f"{int(block) + 1}" if block.isdigit() else block
        return f"stage {index}, block {number}: {component}"


def _modules(names: tuple[str, ...] | list[str]) -> str:
    """``fc (2 tensors), norm (4 tensors)``: the modules of ``names``."""
    counts: dict[str, int] = {}
    for name in names:
        module = name.rsplit(".", 1)[0]
        counts[module] = counts.get(module, 0) + 1
    return ", ".join(
        f"{module} ({count} tensor{'s' if count > 1 else ''})"
        for module, count in counts.items()
    )
