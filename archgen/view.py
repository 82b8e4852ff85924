"""The render-side view of a plan: what the generated module defines and how it spells it.

The plan says what each block computes; this view decides how the file says it: which block
classes and shortcut functions the module needs (one per recipe and shape of operations), their
constructor parameters (a parameter exists only when some instance needs a value other than its
default), each instance's arguments, runs of identical blocks, and the module attributes that
operations become. Nothing here knows a family: it reads operations and their paths.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from archgen.ops import Attention, Conv, Dropout, Norm, Op, Pool, Sym, kind_of
from archgen.plan import BlockPlan, NetworkPlan, StagePlan
from archgen.recipes import (
    ATTENTION_PARAMS,
    ATTENTIONS,
    BLOCKS,
    CONVS,
    NORMS,
    SHORTCUTS,
)


@dataclass(frozen=True)
class Param:
    name: str
    annotation: str
    default: str | None

    @property
    def declaration(self) -> str:
        text = f"{self.name}: {self.annotation}"
        return text if self.default is None else f"{text} = {self.default}"


@dataclass(frozen=True)
class Member:
    """One attribute of a generated module: one operation, or a Sequential of several."""

    attr: str
    ops: tuple[Op, ...]
    sequential: bool

    @property
    def named(self) -> bool:
        """A container whose children have names (``conv1.conv``), not positions."""
        return self.sequential and not self.ops[0].path.split(".")[1].isdigit()

    @property
    def nested(self) -> bool:
        """A container of containers (torchvision's RegNet: ``f.a.0``)."""
        return self.sequential and any(op.path.count(".") > 1 for op in self.ops)

    @property
    def children(self) -> tuple[Member, ...]:
        """The members of a nested container, by their names inside it."""
        inner = [
            dataclasses.replace(op, path=op.path.split(".", 1)[1]) for op in self.ops
        ]
        return members(inner)


class Scope:
    """Spells values inside one generated class or function: a :class:`Sym` whose name is one
    of ``params`` is written as that name, anything else as a literal."""

    def __init__(self, params: Iterable[str]) -> None:
        self.params = frozenset(params)

    def value(self, value: object) -> str:
        if isinstance(value, Sym) and value.name in self.params:
            return value.name
        if isinstance(value, Sym) and value.alias is not None:
            return self.value(value.alias)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int):
            return str(int(value))
        return repr(value)

    def symbolic(self, value: object) -> bool:
        if isinstance(value, Sym) and value.alias is not None:
            return value.name in self.params or self.symbolic(value.alias)
        return isinstance(value, Sym) and value.name in self.params

    def args(self, *positional: object, **keywords: object) -> str:
        """Arguments of a call; a keyword given as ``(value, default)`` is left out at its default."""
        parts = [self.value(value) for value in positional]
        for key, given in keywords.items():
            if isinstance(given, tuple):
                value, default = given
                if not self.symbolic(value) and value == default:
                    continue
            else:
                value = given
            parts.append(f"{key}={self.value(value)}")
        return ", ".join(parts)


def root(path: str) -> str:
    return path.split(".", 1)[0]


def members(ops: Sequence[Op]) -> tuple[Member, ...]:
    """Attributes in order of first use; ops under one root path form a Sequential."""
    grouped: dict[str, list[Op]] = {}
    for op in ops:
        grouped.setdefault(root(op.path), []).append(op)
    result = []
    for attr, group in grouped.items():
        sequential = "." in group[0].path
        unique = (
            group if sequential else group[:1]
        )  # a shared activation is defined once
        result.append(Member(attr, tuple(unique), sequential))
    return tuple(result)


def calls(ops: Sequence[Op]) -> tuple[str, ...]:
    """The attributes ``forward`` calls, in order: one call per run of a Sequential."""
    result: list[str] = []
    for op in ops:
        attr = root(op.path)
        if result and attr == result[-1] and "." in op.path:
            continue
        result.append(attr)
    return tuple(result)


FOLDABLE = tuple(kind for kind, record in NORMS.items() if record.foldable)
"""Norms that fold into the convolution before them at inference: fixed statistics."""


def reference(path: str, owner: str = "self") -> str:
    """Python that reaches the module at ``path``: ``conv1.0`` -> ``self.conv1[0]``."""
    head, *rest = path.split(".")
    return f"{owner}.{head}" + "".join(
        f"[{part}]" if part.isdigit() else f".{part}" for part in rest
    )


def fusion_pairs(ops: Sequence[Op]) -> tuple[tuple[str, str], ...]:
    """Each convolution directly followed by a batch norm: the pairs ``fuse()`` folds."""
    return tuple(
        (reference(conv.path), reference(norm.path))
        for conv, norm in itertools.pairwise(ops)
        if isinstance(conv, Conv)
        and CONVS[conv.kind].foldable
        and isinstance(norm, Norm)
        and norm.kind in FOLDABLE
    )


def signature(ops: Sequence[Op]) -> tuple[object, ...]:
    """The shape of some operations: their kinds, paths and literal fields, not their numbers."""
    shape: list[object] = []
    for op in ops:
        fields = tuple(
            (name, value.name if isinstance(value, Sym) else value)
            for name, value in vars(op).items()
            if not name.endswith("size")
        )
        shape.append((kind_of(op), fields))
    return tuple(shape)


def _syms(ops: Iterable[Op]) -> dict[str, Sym]:
    found: dict[str, Sym] = {}
    for op in ops:
        for value in vars(op).values():
            if isinstance(value, Sym):
                found.setdefault(value.name, value)
    return found


def _distinct_name(base: str, index: int, camel: bool) -> str:
    """``Bottleneck``, then ``Bottleneck2``, ... for recipes used in several shapes."""
    if index == 0:
        return base
    return f"{base}{index + 1}" if camel else f"{base}_{index + 1}"


# --- shortcut functions ----------------------------------------------------------------------


@dataclass(frozen=True)
class ShortcutView:
    name: str
    summary: str
    params: tuple[Param, ...]
    member: Member

    @property
    def scope(self) -> Scope:
        return Scope(param.name for param in self.params)


# --- block classes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockClassView:
    name: str
    summary: str
    params: tuple[Param, ...]
    members: tuple[Member, ...]
    calls: tuple[str, ...]
    residual_act: str | None
    """The activation after the addition (None: pre-activation blocks return the sum)."""
    shortcut_after: int
    """How many calls of the branch run before the shortcut reads their output (0: it reads
    the block's input; pre-activation: after the first norm and activation)."""
    takes_downsample: bool
    downsample_at: int
    """How many members the reference registers before ``downsample``."""
    zero_init: str
    """Python that reaches the last norm of the residual branch from ``m`` (the zero-init
    target): ``m.bn3``, or ``m.conv3.bn`` in timm's RegNet layout."""
    fuse: tuple[tuple[str, str], ...]
    """Convolution and batch-norm pairs of the residual branch, as Python."""
    fuse_downsample: tuple[tuple[str, str], ...]
    """The same for the shortcut (``self.downsample[...]``)."""
    downsample: str
    """The attribute that holds the shortcut: ``downsample``, or ``proj`` (torchvision's
    RegNet)."""
    expansion: int | None
    """Output channels per ``planes``: the class attribute of torchvision's and timm's ResNet
    blocks, which code written for them reads (None: other layouts have none)."""
    blocks: tuple[BlockPlan, ...] = field(repr=False)

    @property
    def scope(self) -> Scope:
        return Scope(param.name for param in self.params)

    @property
    def folds(self) -> bool:
        return bool(self.fuse or self.fuse_downsample)


@dataclass(frozen=True)
class BlockCall:
    """How one block (or a run of identical blocks) is written in its stage."""

    expr: str
    count: int
    first_index: int | None
    """Index of the first block in the stochastic-depth schedule, for runs that take it."""


@dataclass(frozen=True)
class StageView:
    stage: StagePlan
    calls: tuple[BlockCall, ...]


@dataclass(frozen=True)
class ModuleView:
    plan: NetworkPlan
    block_classes: tuple[BlockClassView, ...]
    shortcuts: tuple[ShortcutView, ...]
    stages: tuple[StageView, ...]
    stem: tuple[Member, ...]
    stem_calls: tuple[str, ...]
    final: tuple[Member, ...]
    """Modules after the last stage, before the head (a pre-activation network's norm)."""
    network: Scope
    stem_fuse: tuple[tuple[str, str], ...]
    norm_classes: tuple[str, ...]
    """Norm classes the initialisation sets to weight 1, bias 0."""
    helpers: tuple[str, ...]
    """Kinds of helper class the module defines: 'se', 'eca', 'drop_path', 'frozen_batch',
    'avg_same'."""

    @property
    def stem_tap(self) -> str:
        return self.plan.features[0].module

    @property
    def stem_steps(self) -> tuple[tuple[str, bool], ...]:
        """What ``forward_intermediates`` calls in the stem, and after which call it takes the
        first map: a container is called whole unless the map is taken inside it."""
        tap = self.plan.stem_tap
        steps: list[tuple[str, bool]] = []
        for attr in self.stem_calls:
            if "." in self.stem_tap and attr == root(tap):
                member = next(m for m in self.stem if m.attr == attr)
                steps += [(reference(op.path), op.path == tap) for op in member.ops]
            else:
                steps.append((f"self.{attr}", attr == self.stem_tap))
        return tuple(steps)

    @property
    def after_tap(self) -> tuple[str, ...]:
        """Stem calls after the first feature map, which only the later maps need."""
        steps = [call for call, _ in self.stem_steps]
        tapped = next(i for i, (_, tap) in enumerate(self.stem_steps) if tap)
        return tuple(steps[tapped + 1 :])

    def final_of(self, x: str) -> str:
        """The modules after the last stage applied to ``x``: ``self.norm_act(self.norm(x))``."""
        for member in self.final:
            x = f"self.{member.attr}({x})"
        return x

    @property
    def ordered_dict(self) -> bool:
        """Whether the module builds containers of named children."""
        members_ = [*self.stem, *(m for c in self.block_classes for m in c.members)]
        members_ += self.final
        members_ += [s.member for s in self.shortcuts]
        return self.plan.named_blocks or any(m.named for m in members_)

    @property
    def stage_containers(self) -> tuple[str, ...]:
        """Sequentials that hold the stages (``self.trunk_output`` in torchvision's RegNet)."""
        if self.positional_stages:
            return ()
        roots = dict.fromkeys(
            reference(root(stage.name))
            for stage in self.plan.stages
            if "." in stage.name
        )
        return tuple(roots)

    @property
    def positional_stages(self) -> str | None:
        """The Sequential that holds the stages by position (``stages.0``, timm's ResNetV2)."""
        names = [stage.name.split(".") for stage in self.plan.stages]
        if names and all(len(parts) == 2 and parts[1].isdigit() for parts in names):
            return names[0][0]
        return None

    @property
    def head_containers(self) -> tuple[str, ...]:
        """Plain modules that hold the head's layers (``self.head`` in timm's RegNet)."""
        roots = dict.fromkeys(
            reference(root(op.path)) for op in self.plan.head if "." in op.path
        )
        return tuple(roots)

    @property
    def folds(self) -> bool:
        """Whether the network has any batch norm to fold."""
        return bool(self.stem_fuse) or any(
            c.fuse or c.fuse_downsample for c in self.block_classes
        )

    @property
    def zero_init(self) -> tuple[tuple[str, str], ...]:
        """``(isinstance target, norm attribute)`` per distinct last-norm attribute."""
        by_attr: dict[str, list[str]] = {}
        for cls in self.block_classes:
            by_attr.setdefault(cls.zero_init, []).append(cls.name)
        return tuple(
            (names[0] if len(names) == 1 else f"({', '.join(names)})", attr)
            for attr, names in by_attr.items()
        )


NETWORK_PARAMS = ("in_channels", "num_classes")

EXPANSION_LAYOUTS = frozenset({"torchvision", "timm"})
"""Naming tables whose block classes carry ``expansion``."""


def build_view(plan: NetworkPlan) -> ModuleView:
    shortcut_views, shortcut_of = _shortcut_views(plan)
    class_views, class_of = _block_views(plan)
    stages = tuple(
        StageView(stage, _stage_calls(stage, class_of, shortcut_of))
        for stage in plan.stages
    )
    all_ops = [op for block in plan.blocks for op in block.all_ops]
    all_ops += [*plan.stem, *plan.final, *plan.head]
    helpers = [
        kind
        for kind in ATTENTIONS
        if any(isinstance(op, Attention) and op.kind == kind for op in all_ops)
    ]
    if plan.drop_path_rate is not None:
        helpers.append("drop_path")
    kinds = {op.kind for op in all_ops if isinstance(op, Conv)}
    helpers += [
        helper for kind in sorted(kinds) if (helper := CONVS[kind].helper) is not None
    ]
    norms = {op.kind for op in all_ops if isinstance(op, Norm)}
    helpers += [
        helper for kind in sorted(norms) if (helper := NORMS[kind].helper) is not None
    ]
    if any(isinstance(op, Pool) and op.kind == "avg_same" for op in all_ops):
        helpers.append("avg_same")
    norm_classes = tuple(
        NORMS[kind].torch_class for kind in sorted(norms) if NORMS[kind].trainable
    )
    return ModuleView(
        plan=plan,
        block_classes=class_views,
        shortcuts=shortcut_views,
        stages=stages,
        stem=members(plan.stem),
        stem_calls=calls(plan.stem),
        final=members(plan.final),
        network=Scope(NETWORK_PARAMS),
        stem_fuse=fusion_pairs(plan.stem),
        norm_classes=norm_classes,
        helpers=tuple(helpers),
    )


def _params(
    order: Sequence[tuple[str, int | None]], instances: Sequence[Sequence[Op]]
) -> list[Param]:
    """Parameters in ``order`` that some instance needs: required ones, and those with a default
    that some instance does not use."""
    values: dict[str, set[int]] = {}
    for ops in instances:
        for name, sym in _syms(ops).items():
            if sym.alias is not None and int(sym) == int(sym.alias):
                continue  # spelled as its alias
            values.setdefault(name, set()).add(int(sym))
    required = [
        Param(name, "int", None)
        for name, default in order
        if default is None and name in values
    ]
    optional = [
        Param(name, "int", str(default))
        for name, default in order
        if default is not None and name in values and values[name] != {default}
    ]
    return required + optional


def _shortcut_views(
    plan: NetworkPlan,
) -> tuple[tuple[ShortcutView, ...], dict[int, ShortcutView]]:
    views: list[ShortcutView] = []
    by_key: dict[tuple[str, tuple[object, ...]], list[tuple[Op, ...]]] = {}
    for block in plan.blocks:
        if block.shortcut is not None:
            key = (block.shortcut_recipe, signature(block.shortcut))
            by_key.setdefault(key, []).append(block.shortcut)
    of: dict[int, ShortcutView] = {}
    seen: dict[str, int] = {}
    for (recipe_name, _), instances in by_key.items():
        recipe = SHORTCUTS[recipe_name]
        index = seen.get(recipe_name, 0)
        seen[recipe_name] = index + 1
        params = _params(
            (("in_channels", None), ("out_channels", None), ("stride", 1)), instances
        )
        view = ShortcutView(
            _distinct_name(recipe.function, index, camel=False),
            recipe.summary,
            tuple(params),
            members(instances[0])[0],
        )
        views.append(view)
        for ops in instances:
            of[id(ops)] = view
    return tuple(views), of


def _block_views(
    plan: NetworkPlan,
) -> tuple[tuple[BlockClassView, ...], dict[int, BlockClassView]]:
    by_key: dict[tuple[object, ...], list[BlockPlan]] = {}
    shortcut_pairs: dict[int, tuple[tuple[str, str], ...]] = {}
    for block in plan.blocks:
        if block.shortcut is not None:
            shortcut_pairs[id(block)] = fusion_pairs(block.shortcut)
    # Blocks of one class fold the same shortcut pairs: a shortcut of another shape makes
    # another class (in practice every projection of a network has one shape).
    fold = {pairs for pairs in shortcut_pairs.values()}
    for block in plan.blocks:
        pairs = shortcut_pairs.get(id(block)) if len(fold) > 1 else None
        key = (block.recipe, signature((*block.ops, *_residual(block))), pairs)
        by_key.setdefault(key, []).append(block)
    views: list[BlockClassView] = []
    of: dict[int, BlockClassView] = {}
    seen: dict[str, int] = {}
    for blocks in by_key.values():
        recipe = BLOCKS[blocks[0].recipe]
        index = seen.get(recipe.name, 0)
        seen[recipe.name] = index + 1
        ops = blocks[0].ops
        params = _params(recipe.params + ATTENTION_PARAMS, [b.ops for b in blocks])
        if any(isinstance(op, Dropout) and op.kind == "drop_path" for op in ops):
            params.append(Param("drop_path", "float", "0.0"))
        takes_downsample = any(b.shortcut is not None for b in blocks)
        if takes_downsample:
            params.append(Param("downsample", "nn.Module | None", "None"))
        last_norm = next(op for op in reversed(ops) if isinstance(op, Norm))
        summary = recipe.summary
        attention = next((op for op in ops if isinstance(op, Attention)), None)
        if attention is not None:
            summary += (
                f" {ATTENTIONS[attention.kind].summary} gates the output before the "
                "residual addition."
            )
        shortcut = next((b.shortcut for b in blocks if b.shortcut is not None), None)
        ordered, downsample_at = _registration(
            members((*ops, *_residual(blocks[0]))), recipe.order.get(plan.layout, ())
        )
        view = BlockClassView(
            name=_distinct_name(recipe.class_name, index, camel=True),
            summary=summary,
            params=tuple(params),
            members=ordered,
            downsample_at=downsample_at,
            calls=calls(ops),
            residual_act=None
            if blocks[0].residual_act is None
            else root(blocks[0].residual_act.path),
            shortcut_after=len(calls(ops[:2])) if recipe.preact else 0,
            takes_downsample=takes_downsample,
            zero_init=reference(last_norm.path, "m"),
            fuse=fusion_pairs(ops),
            fuse_downsample=next(
                (shortcut_pairs[id(b)] for b in blocks if id(b) in shortcut_pairs), ()
            ),
            downsample="downsample" if shortcut is None else root(shortcut[0].path),
            expansion=recipe.expansion if plan.naming in EXPANSION_LAYOUTS else None,
            blocks=tuple(blocks),
        )
        views.append(view)
        for block in blocks:
            of[id(block)] = view
    return tuple(views), of


def _residual(block: BlockPlan) -> tuple[Op, ...]:
    return () if block.residual_act is None else (block.residual_act,)


def _registration(
    found: tuple[Member, ...], order: Sequence[str]
) -> tuple[tuple[Member, ...], int]:
    """Members in the order the layout's reference registers them, and the place of
    ``downsample`` among them; members the order does not list follow, as found."""
    rank = {attr: position for position, attr in enumerate(order)}
    last = len(order)
    ordered = sorted(found, key=lambda m: rank.get(m.attr, last))
    limit = rank.get("downsample", last)
    return tuple(ordered), sum(rank.get(m.attr, last) < limit for m in ordered)


def _stage_calls(
    stage: StagePlan,
    class_of: dict[int, BlockClassView],
    shortcut_of: dict[int, ShortcutView],
) -> tuple[BlockCall, ...]:
    result: list[BlockCall] = []
    previous: tuple[str, int | None] | None = None
    for block in stage.blocks:
        view = class_of[id(block)]
        scope = Scope(())
        values = _syms(block.ops)
        args = []
        for param in view.params:
            if param.name == "downsample":
                if block.shortcut is not None:
                    shortcut = shortcut_of[id(block.shortcut)]
                    inner = _syms(block.shortcut)
                    call_args = _call_args(shortcut.params, inner, scope)
                    args.append(f"downsample={shortcut.name}({call_args})")
                continue
            if param.name == "drop_path":
                args.append("drop_path=dpr[{index}]")
                continue
            args.append(_arg(param, values, scope))
        text = ", ".join(arg for arg in args if arg)
        expr = f"{view.name}({text})"
        index = block.drop_path_index
        if previous is not None and previous[0] == expr and block.shortcut is None:
            last = result[-1]
            result[-1] = BlockCall(last.expr, last.count + 1, last.first_index)
        else:
            result.append(BlockCall(expr, 1, index))
        previous = (expr, index)
    return tuple(result)


def _arg(param: Param, values: dict[str, Sym], scope: Scope) -> str:
    value = values.get(param.name)
    if value is None:
        return ""
    if param.default is not None and str(int(value)) == param.default:
        return ""
    shown = scope.value(int(value))
    return shown if param.default is None else f"{param.name}={shown}"


def _call_args(params: Sequence[Param], values: dict[str, Sym], scope: Scope) -> str:
    return ", ".join(arg for p in params if (arg := _arg(p, values, scope)))


def block_expr(call: BlockCall) -> str:
    """The block's constructor call; in a run, ``dpr[...]`` is indexed by the loop variable."""
    if call.count == 1:
        return call.expr.replace("{index}", str(call.first_index))
    return call.expr.replace("{index}", "i")


def run_expr(call: BlockCall) -> str:
    """``*[Block(...) for _ in range(n)]`` for a run of identical blocks."""
    if "{index}" in call.expr:
        start = call.first_index or 0
        bounds = f"{start}, {start + call.count}" if start else str(call.count)
        return f"*[{block_expr(call)} for i in range({bounds})]"
    return f"*[{call.expr} for _ in range({call.count})]"
