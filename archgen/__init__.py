"""archgen: compile declarative specs of residual CNN families into standalone PyTorch modules.

The pipeline runs in one direction and never imports torch:

    source (load, keeping positions) -> spec (validate) -> plan (lower) -> rules / complexity /
    render -> output (write)

The Python API (:mod:`archgen.api`) is available from here, imported on first use so that
``import archgen`` stays fast and free of torch, jinja2 and pydantic::

    import archgen
    model = archgen.build_model("resnet50", num_classes=10)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

if TYPE_CHECKING:
    from archgen.api import (
        Analysis,
        ArchgenError,
        Spec,
        SpecLike,
        analyse,
        build_model,
        create_model,
        lint,
        load_spec,
        load_weights,
        register_timm,
        render_source,
    )

__all__ = [
    "Analysis",
    "ArchgenError",
    "Spec",
    "SpecLike",
    "__version__",
    "analyse",
    "build_model",
    "create_model",
    "lint",
    "load_spec",
    "load_weights",
    "register_timm",
    "render_source",
]
_API = frozenset(__all__) - {"__version__"}


def __getattr__(name: str) -> Any:
    if name in _API:
        from archgen import api

        return getattr(api, name)
    raise AttributeError(f"module 'archgen' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
