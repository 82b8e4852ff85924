"""Features-only models of generated networks, as timm's ``features_only=True`` makes them.

:class:`FeatureListNet` holds a generated network's modules up to its last selected map and
returns the maps; its ``feature_info`` answers as timm's :class:`FeatureInfo` does. Its modules
keep the network's names, a container being flattened where timm's model of the layout
flattens it (``stages.0`` becomes ``stages_0`` in ResNetV2) or where a map is taken inside it,
so its state dict is that of timm's features-only model of the same network. Imports torch: only
:func:`archgen.create_model` uses it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from torch import Tensor, nn

__all__ = ["FeatureInfo", "FeatureListNet", "out_indices_of"]


def out_indices_of(
    count: int, out_indices: int | Sequence[int] | None
) -> tuple[int, ...]:
    """The positions of the maps at ``out_indices`` among ``count``: None, all of them; an int
    n, the last n; a sequence, those (negative ones from the end). ValueError otherwise."""
    if out_indices is None:
        return tuple(range(count))
    if isinstance(out_indices, bool) or not isinstance(out_indices, int | Sequence):
        raise ValueError(
            f"out_indices: expected a whole number or a sequence of them, "
            f"found {type(out_indices).__name__}"
        )
    if isinstance(out_indices, int):
        if not 0 < out_indices <= count:
            raise ValueError(
                f"out_indices: expected 1 to {count} (the last n maps), found {out_indices}"
            )
        return tuple(range(count - out_indices, count))
    taken: list[int] = []
    for index in out_indices:
        if isinstance(index, bool) or not isinstance(index, int):
            raise ValueError(
                f"out_indices: expected whole numbers, found {index!r:.40}"
            )
        if not -count <= index < count:
            raise ValueError(
                f"out_indices: expected {-count} to {count - 1}, found {index}"
            )
        position = index + count if index < 0 else index
        if position in taken:
            raise ValueError(f"out_indices: {index} is given twice")
        taken.append(position)
    if not taken:
        raise ValueError("out_indices: expected at least one map, found none")
    return tuple(sorted(taken))


class FeatureInfo:
    """The maps a features-only model returns: timm's ``FeatureInfo`` accessors over the
    network's ``feature_info`` and the selected ``out_indices``."""

    def __init__(
        self, info: Sequence[Mapping[str, Any]], out_indices: Sequence[int]
    ) -> None:
        self.info = [dict(entry, index=i) for i, entry in enumerate(info)]
        self.out_indices = tuple(out_indices)

    def get(self, key: str, idx: int | Sequence[int] | None = None) -> Any:
        """The ``key`` of each selected map (``idx`` None), of the maps at ``idx`` (a list),
        or of the map at ``idx`` (an int), counting every map of the network."""
        if idx is None:
            return [self.info[i][key] for i in self.out_indices]
        if isinstance(idx, int):
            return self.info[idx][key]
        return [self.info[i][key] for i in idx]

    def get_dicts(
        self, keys: Sequence[str] | None = None, idx: int | Sequence[int] | None = None
    ) -> Any:
        """The entries (only ``keys``, when given) as :meth:`get` selects them."""
        chosen = self.out_indices if idx is None else idx
        if isinstance(chosen, int):
            return self._entry(chosen, keys)
        return [self._entry(i, keys) for i in chosen]

    def channels(self, idx: int | Sequence[int] | None = None) -> Any:
        return self.get("num_chs", idx)

    def reduction(self, idx: int | Sequence[int] | None = None) -> Any:
        return self.get("reduction", idx)

    def module_name(self, idx: int | Sequence[int] | None = None) -> Any:
        return self.get("module", idx)

    def __getitem__(self, item: int) -> dict[str, Any]:
        return self.info[item]

    def __len__(self) -> int:
        return len(self.info)

    def __repr__(self) -> str:
        return (
            f"FeatureInfo(channels={self.channels()}, reduction={self.reduction()}, "
            f"modules={self.module_name()})"
        )

    def _entry(self, index: int, keys: Sequence[str] | None) -> dict[str, Any]:
        entry = self.info[index]
        return dict(entry) if keys is None else {key: entry[key] for key in keys}


class FeatureListNet(nn.ModuleDict):
    """A generated network up to its last selected map; ``forward`` returns the maps at
    ``out_indices``, in the network's order.

    ``left_out`` names the network's modules it does not hold (the stages after the last
    map, the final norm, the head): :func:`archgen.load_weights` leaves their weights out.
    """

    def __init__(
        self,
        model: nn.Module,
        out_indices: int | Sequence[int] | None = None,
        flatten_sequential: bool = False,
    ) -> None:
        super().__init__()
        info: list[dict[str, Any]] = list(model.feature_info)  # type: ignore[arg-type]
        taken = out_indices_of(len(info), out_indices)
        wanted = {info[i]["module"] for i in taken}
        return_layers: dict[str, str] = {}
        left_out: list[str] = []
        for flat, name, module in _children(model, wanted, flatten_sequential):
            if len(return_layers) == len(wanted):
                left_out.append(name)
            else:
                self.add_module(flat, module)
                if name in wanted:
                    return_layers[flat] = name
        if len(return_layers) < len(wanted):
            missing = sorted(wanted - set(return_layers.values()))
            raise ValueError(f"out_indices: the maps of {missing} are not reachable")
        self.return_layers = return_layers
        self.left_out = left_out
        self.feature_info = FeatureInfo(info, taken)
        cfg = getattr(model, "pretrained_cfg", {})
        # timm's pretrained_cfg_for_features: what concerns the classifier goes
        self.pretrained_cfg = {
            key: value
            for key, value in cfg.items()
            if key not in ("num_classes", "classifier", "global_pool")
        }
        self.default_cfg = self.pretrained_cfg

    def forward(self, x: Tensor) -> list[Tensor]:
        maps: list[Tensor] = []
        for name, module in self.items():
            x = module(x)
            if name in self.return_layers:
                maps.append(x)
        return maps


def _children(
    model: nn.Module, wanted: set[str], flatten: bool
) -> list[tuple[str, str, nn.Module]]:
    """``(name here, name in the network, module)`` in the order the network runs them; a
    Sequential gives its children instead (timm's flattening) when ``flatten``, or when a map
    is taken inside it."""
    result: list[tuple[str, str, nn.Module]] = []
    for name, module in model.named_children():
        inside = any(tap.startswith(f"{name}.") for tap in wanted)
        if (flatten or inside) and isinstance(module, nn.Sequential):
            for child, grandchild in module.named_children():
                result.append((f"{name}_{child}", f"{name}.{child}", grandchild))
        else:
            result.append((name, name, module))
    return result
