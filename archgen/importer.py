"""``archgen import SOURCE:NAME``: a network of timm or torchvision as a spec that builds it.

The reference's own configuration of the network is read, not guessed: the builder timm or
torchvision registers under the name is called with the function that would construct the
model replaced by one that records its arguments (nothing is built or downloaded). Those
arguments are translated into spec keys, one translator per reference class; an argument
archgen does not express is refused by name (:class:`Refusal`). timm or torchvision is
imported only here, when a network is imported.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn
from unittest import mock

import yaml

from archgen.codes import CODES, diagnostic
from archgen.recipes import ACTS
from archgen.service import ArchgenError

__all__ = ["SOURCES", "Imported", "import_spec"]

SOURCES = ("timm", "torchvision")


@dataclass(frozen=True)
class Imported:
    """A reference network as a spec: its YAML text and where it came from."""

    reference: str
    """``timm:resnet50d``."""
    name: str
    text: str


class _Captured(Exception):
    """Raised in place of building the model, carrying what it would be built from."""

    def __init__(self, cls: object, arguments: dict[str, Any]) -> None:
        super().__init__()
        self.cls = cls
        self.arguments = arguments


def import_spec(reference: str) -> Imported:
    """The spec of ``SOURCE:NAME``; ArchgenError (AG010) when it cannot be expressed."""
    source, _, name = reference.partition(":")
    if source not in SOURCES or not name:
        _refuse(
            reference, f"expected SOURCE:NAME with SOURCE one of {', '.join(SOURCES)}"
        )
    try:
        cls, arguments, origin = (
            _timm_arguments(name) if source == "timm" else _torchvision_arguments(name)
        )
    except ImportError as error:
        _refuse(
            reference,
            f"needs {source} ({error.name} is not installed: pip install {source})",
        )
    translate = TRANSLATORS.get(f"{source}:{getattr(cls, '__name__', cls)}")
    if translate is None:
        _missing(reference, f"timm's or torchvision's {getattr(cls, '__name__', cls)}")
    data = {"name": name, **translate(reference, arguments)}
    broken = _rules_broken(data)
    header = (
        f"# Imported by `archgen import {reference}`\n"
        f"# from {source}'s own configuration of it ({origin}).\n"
    )
    if broken:
        data["lint"] = {"ignore": broken}
        header += f"# The reference breaks {', '.join(broken)} (`archgen rule CODE`): ignored.\n"
    return Imported(reference, name, header + _yaml(data))


def _rules_broken(data: Mapping[str, Any]) -> list[str]:
    """The design rules the reference itself breaks (errors only): the spec says so, in its
    ``lint: ignore``, so that it builds the reference as it is."""
    from archgen.api import lint

    return sorted(
        {
            d.code
            for d in lint(data)
            if d.severity.label == "error" and CODES[d.code].configurable
        }
    )


def _missing(reference: str, feature: str) -> NoReturn:
    """Refuse a network for a feature it uses that no component record expresses."""
    _refuse(reference, f"uses {feature}, which archgen does not express")


def _refuse(reference: str, why: str) -> NoReturn:
    raise ArchgenError([diagnostic("AG010", f"{reference}: {why}", reference)])


# --- reading the references' configurations -----------------------------------------------


def _timm_arguments(name: str) -> tuple[object, dict[str, Any], str]:
    import timm
    from timm.models import _registry

    if not timm.is_model(name):
        _refuse(f"timm:{name}", "not a model timm registers")
    module_name = _registry._model_to_module[name]
    module = importlib.import_module(f"timm.models.{module_name}")

    def capture(cls: object, variant: str, pretrained: bool, **kwargs: Any) -> None:
        raise _Captured(cls, kwargs)

    with mock.patch.object(module, "build_model_with_cfg", capture):
        try:
            timm.models.model_entrypoint(name)(pretrained=False)
        except _Captured as captured:
            arguments = {**_defaults(captured.cls), **captured.arguments}
            return (
                captured.cls,
                arguments,
                f"timm {timm.__version__}, {module.__name__}",
            )
    _refuse(f"timm:{name}", "its builder does not go through build_model_with_cfg")


def _defaults(cls: object) -> dict[str, Any]:
    """The constructor's defaults: what the builder leaves to them is configuration too."""
    import inspect

    parameters = inspect.signature(cls).parameters.values()  # type: ignore[arg-type]
    return {p.name: p.default for p in parameters if p.default is not p.empty}


def _torchvision_arguments(name: str) -> tuple[object, dict[str, Any], str]:
    import torchvision  # type: ignore[import-untyped]
    from torchvision.models import regnet, resnet  # type: ignore[import-untyped]

    builder = getattr(torchvision.models, name, None)
    if (
        name not in torchvision.models.list_models(module=torchvision.models)
        or builder is None
    ):
        _refuse(f"torchvision:{name}", "not a classification model torchvision lists")
    recorded: dict[str, Any] = {}
    original = regnet.BlockParams.from_init_params

    def remember(*args: Any, **kwargs: Any) -> Any:
        recorded.update(kwargs)
        return original(*args, **kwargs)

    def capture_resnet(
        block: object, layers: list[int], weights: object, progress: bool, **kw: Any
    ) -> None:
        raise _Captured(resnet.ResNet, {"block": block, "layers": layers, **kw})

    def capture_regnet(
        params: object, weights: object, progress: bool, **kw: Any
    ) -> None:
        raise _Captured(regnet.RegNet, {**recorded, **kw})

    with (
        mock.patch.object(resnet, "_resnet", capture_resnet),
        mock.patch.object(regnet, "_regnet", capture_regnet),
        mock.patch.object(regnet.BlockParams, "from_init_params", remember),
    ):
        try:
            builder(weights=None)
        except _Captured as captured:
            origin = f"torchvision {torchvision.__version__}, {builder.__module__}"
            return captured.cls, captured.arguments, origin
    _refuse(f"torchvision:{name}", "not a ResNet or RegNet of torchvision")


# --- translators: the reference's arguments -> spec keys -------------------------------------


def _timm_resnet(reference: str, kw: Mapping[str, Any]) -> dict[str, Any]:
    _unexpressed(
        reference,
        kw,
        {
            "aa_layer": (None, "anti-aliased downsampling: aa_layer"),
            "down_kernel_size": (1, "a 3x3 projection shortcut: down_kernel_size"),
            "block_reduce_first": (1, "a reduced first block: block_reduce_first"),
            "drop_block_rate": (0.0, "drop block: drop_block_rate"),
            "global_pool": ("avg", "a global pool other than average: global_pool"),
            "output_stride": (32, "a registered output stride: output_stride"),
            "pruned": (False, "per-block widths of a pruned network: pruned"),
        },
    )
    norm = _norm(reference, kw.get("norm_layer"))
    block = _block(reference, kw["block"], TIMM_BLOCKS)
    stem_width = kw.get("stem_width", 64)
    stem_type = kw.get("stem_type", "")
    stem: dict[str, Any] = {
        "width": 64
    }  # timm's plain stem is 64 wide whatever stem_width
    if stem_type:
        if stem_type not in ("deep", "deep_tiered"):
            _missing(reference, f"the stem type {stem_type!r}")
        stem = {"type": stem_type, "width": stem_width * 2}
    if kw.get("replace_stem_pool"):
        stem["pool"] = "conv"
    defaults: dict[str, Any] = {"block": block}
    if kw.get("cardinality", 1) != 1:
        defaults["cardinality"] = kw["cardinality"]
    if kw.get("base_width", 64) != 64:
        defaults["base_width"] = kw["base_width"]
    if kw.get("avg_down"):
        defaults["shortcut"] = "avg_pool"
    block_args = dict(kw.get("block_args") or {})
    defaults.update(_block_options(reference, block_args))
    attention = _attention(reference, block_args)
    if attention:
        defaults["attention"] = attention
    data: dict[str, Any] = {"layout": "timm", "stem": stem}
    if norm:
        data["norm"] = norm
    act = _act(reference, kw.get("act_layer"))
    if act != "relu":
        data["act"] = act
    data["defaults"] = defaults
    data["depths"] = list(kw["layers"])
    data["planes"] = list(kw.get("channels") or (64, 128, 256, 512))
    data.update(_drops(kw))
    if kw.get("zero_init_last", True):
        data["init"] = {"zero_init_residual": True}
    return data


def _timm_regnet(reference: str, kw: Mapping[str, Any]) -> dict[str, Any]:
    cfg = kw["model_cfg"]
    if cfg.preact or cfg.linear_out:
        _missing(reference, "pre-activation RegNet blocks (preact, linear_out)")
    if cfg.downsample not in (None, "conv1x1"):
        _missing(reference, f"the shortcut downsample={cfg.downsample!r}")
    if cfg.group_min_ratio:
        _missing(
            reference,
            f"torchvision's width rounding in timm's layout (group_min_ratio="
            f"{cfg.group_min_ratio})",
        )
    if cfg.num_features:
        _missing(reference, f"a final 1x1 convolution to {cfg.num_features} features")
    if _norm(reference, cfg.norm_layer):
        _missing(reference, f"the norm {cfg.norm_layer!r}")
    regnet: dict[str, Any] = {
        "w0": cfg.w0,
        "wa": cfg.wa,
        "wm": cfg.wm,
        "depth": cfg.depth,
        "group_width": cfg.group_size,
    }
    if cfg.bottle_ratio != 1:
        regnet["bottleneck_ratio"] = cfg.bottle_ratio
    if cfg.se_ratio:
        regnet["se_ratio"] = cfg.se_ratio
    data: dict[str, Any] = {
        "layout": "timm",
        "stem": {"width": cfg.stem_width, "kernel_size": 3, "pool": "none"},
    }
    act = _act(reference, cfg.act_layer)
    if act != "relu":
        data["act"] = act
    data["regnet"] = regnet
    data.update(_drops(kw))
    if kw.get("zero_init_last", True):
        data["init"] = {"zero_init_residual": True}
    return data


def _timm_resnetv2(reference: str, kw: Mapping[str, Any]) -> dict[str, Any]:
    _unexpressed(
        reference,
        kw,
        {
            "preact": (True, "blocks without pre-activation: preact"),
            "basic": (False, "pre-activation basic blocks: basic"),
            "bottle_ratio": (0.25, "a bottleneck ratio: bottle_ratio"),
            "output_stride": (32, "a registered output stride: output_stride"),
            "global_pool": ("avg", "a global pool other than average: global_pool"),
        },
    )
    factor = kw.get("width_factor", 1)
    stem_type = kw.get("stem_type", "")
    stem: dict[str, Any] = {"width": kw.get("stem_chs", 64) * factor}
    if stem_type == "fixed":
        stem["pool"] = "max_zero_pad"
    elif stem_type == "deep":
        stem = {"type": "deep", **stem}
    elif stem_type:
        _missing(reference, f"the stem type {stem_type!r}")
    data: dict[str, Any] = {"layout": "timm", "stem": stem}
    norm = kw.get("norm_layer")
    norm_name = getattr(getattr(norm, "func", norm), "__name__", None)
    if norm_name == "GroupNormAct":
        keywords = getattr(norm, "keywords", {})
        if keywords.get("group_size"):
            data["norm"] = {"type": "group", "group_size": keywords["group_size"]}
        else:
            data["norm"] = {"type": "group", "groups": keywords.get("num_groups", 32)}
    elif norm_name not in ("BatchNormAct2d", None):
        _missing(reference, f"the norm {norm_name}")
    conv = kw.get("conv_layer")
    conv_name = getattr(getattr(conv, "func", conv), "__name__", None)
    if conv_name == "StdConv2d":
        eps = getattr(conv, "keywords", {}).get("eps", 1e-6)
        data["conv"] = {"type": "std", "eps": eps}
    elif conv_name not in ("create_conv2d", None):
        _missing(reference, f"the convolution {conv_name}")
    act = _act(reference, kw.get("act_layer"))
    if act != "relu":
        data["act"] = act
    defaults: dict[str, Any] = {"block": "preact_bottleneck"}
    if kw.get("avg_down"):
        defaults["shortcut"] = "avg_pool"
    data["defaults"] = defaults
    data["depths"] = list(kw["layers"])
    channels = kw.get("channels") or (256, 512, 1024, 2048)
    data["planes"] = [c * factor // 4 for c in channels]
    data.update(_drops(kw))
    if kw.get("zero_init_last"):
        data["init"] = {"zero_init_residual": True}
    return data


def _torchvision_resnet(reference: str, kw: Mapping[str, Any]) -> dict[str, Any]:
    block = _block(
        reference, kw["block"], {"BasicBlock": "basic", "Bottleneck": "bottleneck"}
    )
    defaults: dict[str, Any] = {"block": block}
    if kw.get("groups", 1) != 1:
        defaults["cardinality"] = kw["groups"]
    if kw.get("width_per_group", 64) != 64:
        defaults["base_width"] = kw["width_per_group"]
    return {
        "defaults": defaults,
        "depths": list(kw["layers"]),
        "planes": [64, 128, 256, 512],
    }


def _torchvision_regnet(reference: str, kw: Mapping[str, Any]) -> dict[str, Any]:
    regnet: dict[str, Any] = {
        "w0": kw["w_0"],
        "wa": kw["w_a"],
        "wm": kw["w_m"],
        "depth": kw["depth"],
        "group_width": kw["group_width"],
    }
    if kw.get("bottleneck_multiplier", 1.0) != 1.0:
        regnet["bottleneck_ratio"] = kw["bottleneck_multiplier"]
    if kw.get("se_ratio"):
        regnet["se_ratio"] = kw["se_ratio"]
    return {
        "layout": "torchvision",
        "stem": {"width": 32, "kernel_size": 3, "pool": "none"},
        "regnet": regnet,
    }


TRANSLATORS: dict[str, Callable[[str, Mapping[str, Any]], dict[str, Any]]] = {
    "timm:ResNet": _timm_resnet,
    "timm:RegNet": _timm_regnet,
    "timm:ResNetV2": _timm_resnetv2,
    "torchvision:ResNet": _torchvision_resnet,
    "torchvision:RegNet": _torchvision_regnet,
}
"""``source:reference class`` -> its translator; a class not listed is refused by name."""


# --- helpers -------------------------------------------------------------------------------


def _unexpressed(
    reference: str, kw: Mapping[str, Any], defaults: Mapping[str, tuple[object, str]]
) -> None:
    for key, (default, feature) in defaults.items():
        value = kw.get(key, default)
        if value != default:
            shown = getattr(value, "__name__", repr(value))
            _missing(reference, f"{feature}={shown}")


def _norm(reference: str, norm: object) -> dict[str, Any] | None:
    """The spec's ``norm`` for timm's ``norm_layer``: None for batch norm (the default)."""
    name = getattr(norm, "__name__", norm)
    if norm is None or name in ("BatchNorm2d", "batchnorm", "batchnorm2d"):
        return None
    if name in ("GroupNorm", "groupnorm"):  # timm's GroupNorm: 32 groups
        return {"type": "group", "groups": 32}
    _missing(reference, f"the norm {name!r}")


def _block(reference: str, block: object, known: Mapping[str, str]) -> str:
    if isinstance(block, list | tuple):
        _missing(reference, "a block type per stage")
    name = getattr(block, "__name__", repr(block))
    if name not in known:
        _missing(reference, f"the block {name}")
    return known[name]


TIMM_BLOCKS = {
    "BasicBlock": "basic",
    "Bottleneck": "bottleneck",
    "Bottle2neck": "res2net",
    "ResNestBottleneck": "resnest",
    "SelectiveKernelBasic": "sk_basic",
    "SelectiveKernelBottleneck": "sk_bottleneck",
}
"""timm's block classes of its ResNet class -> archgen's block records."""

SK_OPTIONS = {
    "rd_ratio": "attn_ratio",
    "rd_divisor": "attn_divisor",
    "split_input": "split_input",
    "kernel_size": "kernel_sizes",
}
"""timm's selective-kernel arguments (``sk_kwargs``) -> the spec's block options."""


def _block_options(reference: str, block_args: dict[str, Any]) -> dict[str, Any]:
    """The block options in timm's ``block_args`` (taken out of it): Res2Net's scale,
    ResNeSt's radix and avd, the selective kernel's arguments."""
    options: dict[str, Any] = {}
    for key in ("scale", "radix"):
        if key in block_args:
            options[key] = block_args.pop(key)
    avd, first = block_args.pop("avd", False), block_args.pop("avd_first", False)
    if avd:
        options["avd"] = "first" if first else "last"
    sk = dict(block_args.pop("sk_kwargs", None) or {})
    if not sk.pop("keep_3x3", True):
        _missing(reference, "selective kernels of true kernel sizes (keep_3x3=False)")
    for key, value in sk.items():
        if key not in SK_OPTIONS:
            _missing(reference, f"the selective-kernel argument {key}={value!r}")
        options[SK_OPTIONS[key]] = list(value) if key == "kernel_size" else value
    return options


TIMM_ACT_NAMES = {"swish": "silu", "hardswish": "hard_swish"}


def _act(reference: str, act: object) -> str:
    if act is None:
        return "relu"
    if isinstance(act, str):
        name = TIMM_ACT_NAMES.get(act, act)
        if name in ACTS:
            return name
    by_class = {
        record.call.split("(")[0].removeprefix("nn."): n for n, record in ACTS.items()
    }
    found = by_class.get(getattr(act, "__name__", ""))
    if found is None:
        _missing(reference, f"the activation {act!r}")
    return found


ATTENTIONS_BY_CLASS = {"SEModule": "se", "EcaModule": "eca", "EffectiveSEModule": "ese"}
ATTENTION_OPTIONS = {"rd_ratio": "ratio", "rd_divisor": "divisor"}


def _attention(reference: str, block_args: dict[str, Any]) -> dict[str, Any] | None:
    layer = block_args.pop("attn_layer", None)
    if block_args:
        _missing(reference, f"the block arguments {sorted(block_args)}")
    if layer is None:
        return None
    options = dict(getattr(layer, "keywords", {}) or {})
    target = getattr(layer, "func", layer)
    if isinstance(target, str):
        kind = {"se": "se", "eca": "eca", "ese": "ese"}.get(target)
    else:
        kind = ATTENTIONS_BY_CLASS.get(getattr(target, "__name__", ""))
    if kind is None:
        _missing(reference, f"the attention {target!r}")
    attention: dict[str, Any] = {"type": kind}
    for option, value in options.items():
        if option not in ATTENTION_OPTIONS:
            _missing(reference, f"the attention option {option}={value!r}")
        attention[ATTENTION_OPTIONS[option]] = value
    return attention


def _drops(kw: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if kw.get("drop_path_rate"):
        data["drop_path_rate"] = kw["drop_path_rate"]
    if kw.get("drop_rate"):
        data["head"] = {"drop_rate": kw["drop_rate"]}
    return data


def _yaml(data: Mapping[str, Any]) -> str:
    """One line per top-level key, nested values in flow style, as the zoo's specs are."""
    lines = []
    for key, value in data.items():
        text = yaml.safe_dump(
            value, default_flow_style=True, sort_keys=False, width=10**6
        )
        lines.append(f"{key}: {text.strip().removesuffix('...').strip()}")
    return "\n".join(lines) + "\n"
