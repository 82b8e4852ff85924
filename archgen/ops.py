"""The operations a planned network is made of: convolution, norm, activation, pooling, attention,
dropout and linear layers, each with its module path and its input and output map sizes.

A recipe (:mod:`archgen.recipes`) turns a component's numbers into a tuple of operations. Every
other pass (complexity, summaries, design rules, zero-init targets, fusion pairs, feature taps and
rendering) reads operations, never a family or block kind.

Numbers that a generated block or function takes as a constructor argument are :class:`Sym`: an
``int`` (or ``float``) that also carries the argument's name. Arithmetic and comparisons see the
plain number; the renderer sees the name.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal


class Sym(int):
    """An integer that is also the named constructor argument it comes from."""

    name: str
    default: int | None
    alias: Sym | None
    """Another argument this one equals by default: a constructor takes ``name`` only when some
    instance gives it a value other than the alias's (a basic block's width is usually its
    output channels)."""

    def __new__(
        cls, value: int, name: str, default: int | None = None, alias: Sym | None = None
    ) -> Sym:
        sym = super().__new__(cls, value)
        sym.name = name
        sym.default = default
        sym.alias = alias
        return sym

    def __repr__(self) -> str:
        return f"Sym({int(self)}, {self.name!r})"

    __str__ = int.__repr__

    def __reduce__(self) -> tuple[object, ...]:
        return (Sym, (int(self), self.name, self.default, self.alias))


class Product(int):
    """A number that is the product of constructor arguments, spelled as one: ``width * scale``."""

    factors: tuple[Sym, ...]

    def __new__(cls, *factors: Sym) -> Product:
        value = 1
        for factor in factors:
            value *= int(factor)
        product = super().__new__(cls, value)
        product.factors = factors
        return product

    def __repr__(self) -> str:
        return " * ".join(repr(factor) for factor in self.factors)

    __str__ = int.__repr__

    def __reduce__(self) -> tuple[object, ...]:
        return (Product, self.factors)


def symbol(value: int) -> str | None:
    """The argument name ``value`` stands for, or None for a literal."""
    return value.name if isinstance(value, Sym) else None


NormKind = str
"""A key of :data:`archgen.recipes.NORMS`."""
ActKind = str
"""A key of :data:`archgen.recipes.ACTS`."""
PoolKind = Literal["max", "max_zero_pad", "avg", "avg_same", "avg_3x3", "global_avg"]
AttentionKind = str
"""A key of :data:`archgen.recipes.ATTENTIONS`."""


@dataclass(frozen=True)
class Conv:
    path: str
    in_channels: int
    out_channels: int
    kernel: int
    stride: int
    padding: int
    dilation: int
    groups: int
    bias: bool
    in_size: int
    out_size: int
    dims: int = 2
    kind: str = "plain"
    """Key of its record in :data:`archgen.recipes.CONVS`."""
    eps: float = 0.0
    """Weight standardisation's epsilon (``std`` convolutions)."""


@dataclass(frozen=True)
class Norm:
    path: str
    kind: NormKind
    channels: int
    groups: int
    """Groups of a group norm with a fixed count; 0 otherwise."""
    size: int
    group_size: int = 0
    """Channels per group of a group norm sized by channels; 0 otherwise."""

    @property
    def group_count(self) -> int:
        """Groups of a group norm (0 for batch norms)."""
        return self.groups or (
            self.channels // self.group_size if self.group_size else 0
        )


@dataclass(frozen=True)
class Act:
    path: str
    kind: ActKind
    size: int


@dataclass(frozen=True)
class Pool:
    path: str
    kind: PoolKind
    kernel: int
    stride: int
    padding: int
    in_size: int
    out_size: int


@dataclass(frozen=True)
class Attention:
    """Channel attention gating its input: squeeze-excitation (two 1x1 convolutions with bias
    around a ReLU) or ECA (one 1-D convolution across channels)."""

    path: str
    kind: AttentionKind
    channels: int
    hidden: int
    """SE: channels of the reduced representation. ECA: the 1-D kernel size."""
    size: int


@dataclass(frozen=True)
class Dropout:
    """Classifier dropout (the head) or stochastic depth (a residual branch, ``drop_path``)."""

    path: str
    kind: Literal["dropout", "drop_path"]


@dataclass(frozen=True)
class Linear:
    path: str
    in_features: int
    out_features: int
    conv: bool = False
    """A 1x1 convolution with bias on the pooled map, flattened after it (timm's ResNetV2)."""


@dataclass(frozen=True)
class Graph:
    """A small dataflow graph inside a block: its input split into branches that run and merge
    (Res2Net's hierarchical splits, selective kernels, split attention). Its record
    (:data:`archgen.recipes.GRAPHS`) says how the branches connect and how it renders; its own
    operations are ordinary ones, which every pass reads through :func:`flatten`.

    ``path`` is the attribute that holds it (a module of its own), or "" when its operations
    are attributes of the block itself (``convs.0``, ``bns.0``)."""

    path: str
    kind: str
    """Key of its record in :data:`archgen.recipes.GRAPHS`."""
    in_channels: int
    out_channels: int
    branches: int
    """How many parts the input is split into (Res2Net's scale)."""
    ops: tuple[Op, ...]
    """Its operations, paths relative to ``path``, in the order the reference registers them."""
    in_size: int
    out_size: int
    hierarchical: bool = False
    """Each branch adds the previous branch's output to its input (Res2Net's later blocks)."""
    stride: int = 1
    dilation: int = 1
    """The dilation its branches scale (a selective kernel's KxK is a 3x3 dilated (K-1)/2)."""
    groups: int = 1
    hidden: int = 0
    """Width of its attention's reduced representation (selective kernels, split attention)."""
    kernels: tuple[int, ...] = ()
    """A selective kernel's kernel size per branch."""
    split_input: bool = False
    """Each branch reads its share of the input channels, not all of them."""


Op = Conv | Norm | Act | Pool | Attention | Dropout | Linear | Graph


def flatten(ops: tuple[Op, ...] | list[Op]) -> tuple[Op, ...]:
    """The operations with each graph's own in its place, their paths from the block."""
    result: list[Op] = []
    for op in ops:
        if not isinstance(op, Graph):
            result.append(op)
            continue
        for inner in flatten(op.ops):
            path = f"{op.path}.{inner.path}" if op.path else inner.path
            result.append(dataclasses.replace(inner, path=path))
    return tuple(result)


def kind_of(op: Op) -> str:
    """The name of an operation's type: the key of its template macro and of its cost."""
    return type(op).__name__.lower()


def conv_output_size(
    size: int, kernel: int, stride: int, padding: int, dilation: int = 1
) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def pool_output_size(
    size: int, kernel: int, stride: int, padding: int, ceil_mode: bool
) -> int:
    span = size + 2 * padding - kernel
    if ceil_mode:
        out = -(-span // stride) + 1
        # PyTorch drops a last window that would start in the right padding.
        if (out - 1) * stride >= size + padding:
            out -= 1
        return out
    return span // stride + 1
