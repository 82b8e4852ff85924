"""Operations: PyTorch's output-size formulas worked by hand, and Sym's arithmetic."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from archgen.config import Config
from archgen.ops import (
    Norm,
    Sym,
    conv_output_size,
    pool_output_size,
    symbol,
)
from archgen.pipeline import compile_spec


def _compiled(path: Path):  # type: ignore[no-untyped-def]
    result = compile_spec(path, Config(root=path.parent))
    assert result.plan is not None and result.complexity is not None, result.diagnostics
    return result


# --- ops: PyTorch's size formulas, worked by hand --------------------------------------------


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "dilation", "expected"),
    [
        (224, 7, 2, 3, 1, 112),  # ResNet stem
        (56, 3, 1, 1, 1, 56),
        (56, 1, 2, 0, 1, 28),  # 1x1 downsample
        (7, 3, 2, 1, 1, 4),
        (28, 3, 1, 2, 2, 28),  # dilated 3x3, padding = dilation
        (10, 3, 1, 0, 3, 4),  # (10 - 3*2 - 1) // 1 + 1
        (5, 5, 1, 0, 1, 1),
    ],
)
def test_conv_output_size(
    size: int, kernel: int, stride: int, padding: int, dilation: int, expected: int
) -> None:
    assert conv_output_size(size, kernel, stride, padding, dilation) == expected


def test_conv_output_size_default_dilation_is_one() -> None:
    assert conv_output_size(10, 3, 1, 0) == 8


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "ceil", "expected"),
    [
        (112, 3, 2, 1, False, 56),  # ResNet max pool
        (112, 3, 2, 1, True, 57),  # ceil((112 + 2 - 3) / 2) + 1
        (7, 2, 2, 0, False, 3),  # floor
        (7, 2, 2, 0, True, 4),  # ceil keeps the last partial window
        (6, 2, 2, 0, True, 3),  # exact: ceil changes nothing
        (5, 3, 2, 1, True, 3),  # ceil((5+2-3)/2)+1 = 3; last window starts at 4 < 6
        # ceil((6+2-3)/3)+1 = 3; the third window starts at (3-1)*3 = 6 < 6 + 1: kept.
        (6, 3, 3, 1, True, 3),
        # ceil((4+2-2)/3)+1 = 3; third window starts at (3-1)*3 = 6 >= 4 + 1: dropped.
        (4, 2, 3, 1, True, 2),
        # ceil((5+2-2)/3)+1 = 3; third window starts at 6 >= 5 + 1: dropped (equality).
        (5, 2, 3, 1, True, 2),
        (6, 2, 3, 1, True, 3),  # starts at 6 < 6 + 1: kept
    ],
)
def test_pool_output_size_follows_pytorch(
    size: int, kernel: int, stride: int, padding: int, ceil: bool, expected: int
) -> None:
    assert pool_output_size(size, kernel, stride, padding, ceil) == expected


def test_sym_is_an_int_that_carries_its_argument() -> None:
    alias = Sym(64, "out_channels")
    width = Sym(64, "width", default=32, alias=alias)
    assert width == 64 and width + 1 == 65
    assert repr(width) == "Sym(64, 'width')"
    assert str(width) == "64" and f"{width}" == "64"
    assert (width.name, width.default, width.alias) == ("width", 32, alias)
    copy = pickle.loads(pickle.dumps(width))
    assert (int(copy), copy.name, copy.default, copy.alias.name) == (
        64,
        "width",
        32,
        "out_channels",
    )
    assert Sym(3, "k").default is None and Sym(3, "k").alias is None
    assert symbol(width) == "width"
    assert symbol(64) is None


def test_group_count_of_norms() -> None:
    assert Norm("n", "group", 64, 32, 8).group_count == 32
    assert Norm("n", "group", 64, 0, 8, group_size=16).group_count == 4
    assert Norm("n", "batch", 64, 0, 8).group_count == 0
