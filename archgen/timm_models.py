"""The specs registered with timm (:func:`archgen.register_timm`): one entry point each, which
timm's ``create_model`` calls with timm's arguments. timm lists them as its module
``timm_models``. Imports timm when a spec is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch import nn

    from archgen.api import Spec

__all__: list[str] = []
"""timm adds the name of each entry point registered here."""

TIMM_ONLY = ("pretrained_cfg", "pretrained_cfg_overlay", "cache_dir", "device", "dtype")
"""Arguments ``timm.create_model`` passes to every entry point; the entry applies them."""


def register(spec: Spec, create: Callable[..., nn.Module]) -> str:
    """Register ``spec`` with timm under its name; ``create`` is :func:`archgen.create_model`."""
    from timm.models import register_model

    def entry(pretrained: bool = False, **kwargs: Any) -> nn.Module:
        timm_only = {name: kwargs.pop(name, None) for name in TIMM_ONLY}
        model = create(spec, pretrained=pretrained, **kwargs)
        overlay = timm_only["pretrained_cfg_overlay"]
        if overlay:
            cfg: dict[str, Any] = {**getattr(model, "pretrained_cfg", {}), **overlay}
            model.pretrained_cfg = model.default_cfg = cfg  # type: ignore[assignment]
        if timm_only["device"] is not None or timm_only["dtype"] is not None:
            model = model.to(device=timm_only["device"], dtype=timm_only["dtype"])
        return model

    entry.__name__ = entry.__qualname__ = spec.name
    entry.__module__ = __name__
    entry.__doc__ = (
        f"archgen spec {spec.header_source or spec.name} (timm entry point)."
    )
    register_model(entry)
    return spec.name
