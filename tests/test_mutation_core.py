"""The torch-free core against independent references: exact published figures, PyTorch's size
formulas worked by hand, ``ruff format`` itself, and boundary values. Written to kill mutants
(``mutmut run``, README, Development); none of these tests constructs a torch model."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from archgen import output
from archgen.complexity import (
    CONVENTION,
    Complexity,
    Cost,
    StageCost,
    analyse,
    attention_cost,
    conv_cost,
    cost_of,
    linear_cost,
    norm_cost,
    total,
)
from archgen.config import Config
from archgen.ops import (
    Act,
    Attention,
    Conv,
    Dropout,
    Linear,
    Norm,
    Pool,
    Sym,
    conv_output_size,
    kind_of,
    pool_output_size,
    symbol,
)
from archgen.pipeline import compile_spec
from archgen.pyformat import LINE_LENGTH, layout, split_top

from conftest import (
    ALL_REFERENCE,
    REFERENCE,
    SPECS,
    run_cli,
    write_spec,
)


def _compiled(path: Path):  # type: ignore[no-untyped-def]
    result = compile_spec(path, Config(root=path.parent))
    assert result.plan is not None and result.complexity is not None, result.diagnostics
    return result


# --- complexity against published figures ---------------------------------------------------


@pytest.mark.parametrize("name", sorted(ALL_REFERENCE))
def test_analytic_params_and_macs_equal_the_published_figures(name: str) -> None:
    complexity = _compiled(SPECS / f"{name}.yaml").complexity
    assert (complexity.total.params, complexity.total.macs) == ALL_REFERENCE[name]
    parts = total([complexity.stem, *(s.total for s in complexity.stages)])
    assert parts + complexity.head == complexity.total


def test_resnet50_acts_and_json_breakdown() -> None:
    """torchvision ResNet-50: the head is a 2048 -> 1000 linear layer; the 7x7 stem conv has
    64 * 3 * 49 weights and 64 x 112 x 112 outputs."""
    result = _compiled(SPECS / "resnet50.yaml")
    data = result.complexity.to_json()
    assert data["head"] == {
        "params": 2048 * 1000 + 1000,
        "macs": 2048 * 1000,
        "acts": 1000,
    }
    stem_conv = 64 * 3 * 7 * 7
    assert data["stem"] == {
        "params": stem_conv + 2 * 64,
        "macs": stem_conv * 112 * 112,
        "acts": 64 * 112 * 112,
    }
    assert [s["name"] for s in data["stages"]] == [f"layer{i}" for i in range(1, 5)]
    assert (data["params"], data["macs"]) == REFERENCE["resnet50"]
    assert sum(s["params"] for s in data["stages"]) == (
        data["params"] - data["stem"]["params"] - data["head"]["params"]
    )
    assert (
        sum(s["acts"] for s in data["stages"]) + 1000 + 64 * 112 * 112 == data["acts"]
    )
    layer1 = result.complexity.stages[0]
    assert len(layer1.blocks) == 3
    assert layer1.macs_per_block == layer1.total.macs / 3
    assert analyse(result.plan) == result.complexity
    assert "FlopCounterMode total / 2" in CONVENTION


# --- operation costs by hand ----------------------------------------------------------------


def _conv(**changes: object) -> Conv:
    base: dict[str, object] = {
        "path": "c",
        "in_channels": 8,
        "out_channels": 6,
        "kernel": 3,
        "stride": 1,
        "padding": 1,
        "dilation": 1,
        "groups": 2,
        "bias": False,
        "in_size": 5,
        "out_size": 4,
    }
    return Conv(**{**base, **changes})  # type: ignore[arg-type]


def test_conv_cost_counts_grouped_weights_bias_and_outputs() -> None:
    weights = 6 * (8 // 2) * 3 * 3
    assert conv_cost(_conv()) == Cost(weights, weights * 16, 6 * 16)
    assert conv_cost(_conv(bias=True)) == Cost(weights + 6, weights * 16, 6 * 16)
    # A 1-D convolution (dims=1): kernel**1 and out_size**1.
    assert conv_cost(_conv(dims=1, groups=1)) == Cost(6 * 8 * 3, 6 * 8 * 3 * 4, 6 * 4)


def test_norm_attention_and_linear_costs() -> None:
    assert norm_cost(Norm("n", "batch", 10, 0, 4)) == Cost(20, 0, 0)
    assert norm_cost(Norm("n", "group", 10, 2, 4)) == Cost(20, 0, 0)
    assert norm_cost(Norm("n", "frozen_batch", 10, 0, 4)) == Cost()
    # SE on 256 channels reduced to 16: 1x1 convs 256->16 and 16->256, both with bias.
    assert attention_cost(Attention("a", "se", 256, 16, 7)) == Cost(
        2 * 256 * 16 + 16 + 256, 2 * 256 * 16, 16 + 256
    )
    # ECA: one 1-D conv of kernel 5 without bias, sliding over 256 channels.
    assert attention_cost(Attention("a", "eca", 256, 5, 7)) == Cost(5, 5 * 256, 256)
    assert linear_cost(Linear("fc", 512, 10)) == Cost(5130, 5120, 10)


def test_free_operations_and_the_sum_of_costs() -> None:
    ops = [
        Act("r", "relu", 4),
        Pool("p", "max", 3, 2, 1, 8, 4),
        Dropout("d", "dropout"),
        Linear("fc", 3, 2),
        Linear("fc2", 2, 1),
    ]
    assert cost_of(ops) == Cost(8 + 3, 6 + 2, 3)
    assert cost_of([]) == Cost() == total([])
    assert Cost(1, 2, 3) + Cost(10, 20, 30) == Cost(11, 22, 33)
    assert Cost(1, 2, 3).to_json() == {"params": 1, "macs": 2, "acts": 3}


def test_complexity_json_and_stage_average() -> None:
    stage = _compiled(SPECS / "resnet18.yaml").plan.stages[0]
    costs = StageCost(stage, (Cost(1, 10, 100), Cost(2, 20, 200)))
    assert costs.total == Cost(3, 30, 300)
    assert costs.macs_per_block == 15
    complexity = Complexity(Cost(5, 6, 7), (costs,), Cost(100, 200, 300))
    assert complexity.total == Cost(108, 236, 607)
    assert complexity.to_json() == {
        "params": 108,
        "macs": 236,
        "acts": 607,
        "stem": {"params": 5, "macs": 6, "acts": 7},
        "stages": [{"name": "layer1", "params": 3, "macs": 30, "acts": 300}],
        "head": {"params": 100, "macs": 200, "acts": 300},
    }


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


def test_kind_of_names_each_operation() -> None:
    assert kind_of(_conv()) == "conv"
    assert kind_of(Attention("a", "se", 4, 2, 1)) == "attention"
    assert kind_of(Dropout("d", "drop_path")) == "dropout"


def test_group_count_of_norms() -> None:
    assert Norm("n", "group", 64, 32, 8).group_count == 32
    assert Norm("n", "group", 64, 0, 8, group_size=16).group_count == 4
    assert Norm("n", "batch", 64, 0, 8).group_count == 0


# --- pyformat against ruff format -----------------------------------------------------------

RUFF = shutil.which("ruff") or str(Path(os.__file__).parents[3] / "bin" / "ruff")


def _ruff(source: str) -> str:
    if not Path(RUFF).exists():
        pytest.skip("ruff is not installed")
    result = subprocess.run(
        [RUFF, "format", "--isolated", "-"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


LONG = "self.some_attribute_name"
EXPRESSIONS = [
    # fits exactly at 88 / one over
    ("x = ", "f(" + "a" * (88 - 4 - 3) + ")"),
    ("x = ", "f(" + "a" * (88 - 4 - 2) + ")"),
    ("x = ", f"nn.Conv2d({LONG}_in, {LONG}_out, kernel_size=3, stride=2, padding=1)"),
    (
        "return ",
        f"nn.Sequential({LONG}_first_long_argument, {LONG}_second_long_argument, "
        f"{LONG}_third_argument)",
    ),
    (
        "y = ",
        f"outer(inner({LONG}_argument_one, {LONG}_argument_two, {LONG}_argument_three))",
    ),
    (
        "z = ",
        f"outer(inner({LONG}_argument_one, {LONG}_two), other({LONG}_a, {LONG}_b), q)",
    ),
    ("x = ", f'call("text, with comma", {LONG}_argument_one, {LONG}_argument_two)'),
    ("w = ", f"{LONG}_width_argument if {LONG}_condition else {LONG}_other"),
]


@pytest.mark.parametrize(("prefix", "expr"), EXPRESSIONS)
def test_layout_matches_ruff_format(prefix: str, expr: str) -> None:
    source = f"def f():\n    {prefix}{expr}\n"
    laid = layout(4, prefix, expr)
    assert f"def f():\n{laid}\n" == _ruff(source)


def test_layout_of_a_starred_comprehension_and_a_bare_conditional() -> None:
    element = f"Block({LONG}_width, groups, stride=1)"
    expr = f"*[{element} for _ in range(depth_of_this_stage - 1)]"
    assert layout(8, "", expr, ",").splitlines() == [
        " " * 8 + "*[",
        " " * 12 + element,
        " " * 12 + "for _ in range(depth_of_this_stage - 1)",
        " " * 8 + "],",
    ]
    body, cond, other = f"{LONG}_body_value", f"{LONG}_condition", f"{LONG}_other"
    assert layout(4, "", f"{body} if {cond} else {other}", ",").splitlines() == [
        f"    {body}",
        f"    if {cond}",
        f"    else {other},",
    ]


def test_layout_keeps_what_it_cannot_break() -> None:
    long_name = "a" * 100
    assert layout(0, "", long_name) == long_name
    assert layout(0, "", f"f()[{long_name}]") == f"f()[{long_name}]"
    assert layout(0, "x = ", f"({long_name})") == f"x = ({long_name})"
    assert layout(0, "", f"f({long_name}) + 1") == f"f({long_name}) + 1"
    assert layout(0, "", f"*[{long_name}]") == f"*[{long_name}]"
    assert layout(0, "", f"[{long_name} for x in y]") == f"[{long_name} for x in y]"
    # A callee must be a name: ``f(a)X(...)`` style text ending in a bracket or space is not.
    assert layout(0, "", f"a ({long_name}, b)") == f"a ({long_name}, b)"
    args = ", ".join(f"argument_number_{i:03}" for i in range(4))  # 82 characters
    assert layout(0, "", f"makeX({args})").splitlines() == [
        "makeX(",
        f"    {args}",
        ")",
    ]
    # Starts like a comprehension but is a call: broken at the call's parentheses.
    assert layout(0, "", f"*[x for x in y] + f({args})").splitlines() == [
        "*[x for x in y] + f(",
        f"    {args}",
        ")",
    ]
    assert layout(0, "", f"{long_name} if c") == f"{long_name} if c"
    assert layout(0, "", f"{long_name} if c else d else e") == (
        f"{long_name} if c else d else e"
    )
    assert len("x" * LINE_LENGTH) == 88
    assert layout(0, "", "x" * 88) == "x" * 88


def test_layout_of_a_single_long_argument_recurses() -> None:
    inner = ", ".join(f"argument_number_{i}" for i in range(6))
    expr = f"outer(inner({inner}))"
    assert layout(0, "", expr, "").splitlines() == [
        "outer(",
        "    inner(",
        *(f"        argument_number_{i}," for i in range(6)),
        "    )",
        ")",
    ]


def test_split_top() -> None:
    assert split_top("a, f(b, c), [d, e], {f: g}") == [
        "a",
        "f(b, c)",
        "[d, e]",
        "{f: g}",
    ]
    assert split_top("'x, y', \"z, (w\", v") == ["'x, y'", '"z, (w"', "v"]
    assert split_top(r"'a\', b', c") == [r"'a\', b'", "c"]
    assert split_top("a for b for c", " for ") == ["a", "b", "c"]
    assert split_top("a,, b,") == ["a", "b"]
    assert split_top("") == []
    assert split_top("(a, b)") == ["(a, b)"]
    assert split_top("Xa, b") == ["Xa", "b"]  # only quotes open a string


# --- output: atomic writes and the state of a file on disk ----------------------------------


def test_atomic_write_makes_its_temporary_file_next_to_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[tuple[Path, str, str]] = []
    real = tempfile.mkstemp

    def spy(
        suffix: str | None = None, prefix: str | None = None, dir: str | None = None
    ) -> tuple[int, str]:
        handle, name = real(suffix=suffix, prefix=prefix, dir=dir)
        made.append((Path(name), prefix or "", suffix or ""))
        return handle, name

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    target = tmp_path / "deep" / "er" / "model.py"
    output.atomic_write(target, "line\r\nsecond\n")
    [(temporary, prefix, suffix)] = made
    assert temporary.parent == target.parent
    assert (prefix, suffix) == (".model.py.", ".tmp")
    assert not temporary.exists()
    assert target.read_bytes() == b"line\r\nsecond\n"  # no newline translation
    assert sorted(p.name for p in target.parent.iterdir()) == ["model.py"]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_0o666_less_the_umask(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        output.atomic_write(tmp_path / "new.py", "x = 1\n")
        assert os.umask(umask) == umask  # the umask is left as it was
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.py").stat().st_mode) == 0o666 & ~umask


def test_an_existing_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "model.py"
    target.write_text("old\n")
    target.chmod(0o751)
    output.atomic_write(target, "new\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o751
    assert target.read_text() == "new\n"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "model.py"
    target.write_text("old\n")

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        output.atomic_write(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["model.py"]


def test_read_existing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.py"
    assert output.read_existing(path) is None
    path.write_bytes(b"a\r\nb\n")
    assert output.read_existing(path) == "a\r\nb\n"
    path.write_bytes(b"\xff\xfe")
    assert output.read_existing(path) == ""
    assert output.MAX_EXISTING_BYTES == 16 * 1024 * 1024
    monkeypatch.setattr(output, "MAX_EXISTING_BYTES", 4)
    path.write_bytes(b"12345")
    assert output.read_existing(path) == ""
    path.write_bytes(b"1234")
    assert output.read_existing(path) == "1234"


def test_state_of_and_protection(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, (SPECS / "resnet18.yaml").read_text())
    assert run_cli("build", spec, "-o", tmp_path / "out").code == 0
    current = (tmp_path / "out" / "resnet18.py").read_text()
    assert output.state_of(None, current) is output.State.MISSING
    assert output.state_of(current, current) is output.State.CURRENT
    assert output.state_of("x = 1\n", current) is output.State.FOREIGN
    assert output.state_of(current + "# edited\n", current) is output.State.EDITED
    assert [s for s in output.State if s.protected] == [
        output.State.EDITED,
        output.State.FOREIGN,
    ]
    assert output.State.STALE.value == "stale"


def test_only_line_endings_differ() -> None:
    assert output.only_line_endings_differ("a\r\nb\r\n", "a\nb\n")
    assert not output.only_line_endings_differ("a\nb\n", "a\nb\n")
    assert not output.only_line_endings_differ(None, "a\n")
    assert not output.only_line_endings_differ("a\r\nc\r\n", "a\nb\n")


def test_unified_diff_headers(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    assert output.unified_diff(path, "a\nb\n", "a\nc\n").splitlines() == [
        f"--- {path} (on disk)",
        f"+++ {path} (from spec)",
        "@@ -1,2 +1,2 @@",
        " a",
        "-b",
        "+c",
    ]
    assert output.unified_diff(path, None, "a\n").splitlines()[:3] == [
        "--- /dev/null",
        f"+++ {path} (from spec)",
        "@@ -0,0 +1 @@",
    ]


# --- space rules: AG501-AG503 on hand-made AnyNet specs -------------------------------------

ANYNET = """\
name: anynet
design_space: anynet
defaults: {{block: regnet, stride: 2}}
stages:
{stages}
"""


def _lint(folder: Path, *stages: str) -> list[tuple[str, str]]:
    text = ANYNET.format(stages="\n".join(f"  - {{{s}}}" for s in stages))
    result = run_cli("lint", "--format", "json", write_spec(folder, text))
    return [(d["code"], d["message"]) for d in json.loads(result.out)]


def test_a_good_anynet_lints_clean(cli_in: Path) -> None:
    assert (
        _lint(
            cli_in,
            "blocks: 1, width: 32, group_width: 16, out_channels: 32",
            "blocks: 2, width: 64, group_width: 16, out_channels: 64",
            "blocks: 2, width: 64, group_width: 16, out_channels: 64",
        )
        == []
    )


def test_width_not_a_multiple_of_eight_names_both_neighbours(cli_in: Path) -> None:
    found = _lint(cli_in, "blocks: 1, width: 4, group_width: 4, out_channels: 4")
    assert found == [
        (
            "AG501",
            "trunk_output.block1 (stages[0]) is 4 wide, not a multiple of 8; expected 8 or 8",
        )
    ]
    found = _lint(
        cli_in,
        "blocks: 1, width: 20, group_width: 20, out_channels: 20",
        "blocks: 1, width: 40, group_width: 20, out_channels: 40",
    )
    messages = [m for c, m in found if c == "AG501"]
    assert any("20 wide, not a multiple of 8; expected 16 or 24" in m for m in messages)
    assert any("40 wide" in m for m in messages) is False


def test_bottleneck_width_not_a_multiple_of_its_group_width(cli_in: Path) -> None:
    found = _lint(cli_in, "blocks: 1, width: 48, groups: 5, out_channels: 48")
    assert any(
        c == "AG501"
        and m.endswith("bottleneck width 48 is not a multiple of its group width 9")
        for c, m in found
    ), found


def test_narrowing_and_shallowing(cli_in: Path) -> None:
    found = _lint(
        cli_in,
        "blocks: 3, width: 64, group_width: 16, out_channels: 64",
        "blocks: 2, width: 64, group_width: 16, out_channels: 64",
        "blocks: 1, width: 48, group_width: 16, out_channels: 48",
    )
    ag502 = [m for c, m in found if c == "AG502"]
    assert len(ag502) == 2, found
    assert "depth goes 3 -> 2" in ag502[0] and "expected at least 3" in ag502[0]
    assert "width goes 64 -> 48" in ag502[1] and "expected at least 64" in ag502[1]
    # The last stage may be shallower; the same width keeps AG502 quiet.
    assert not any("depth goes 2 -> 1" in m for m in ag502)


def test_shared_ratio_and_group_width(cli_in: Path) -> None:
    found = _lint(
        cli_in,
        "blocks: 1, width: 32, group_width: 16, out_channels: 64",
        "blocks: 1, width: 64, group_width: 8, out_channels: 64",
    )
    ag503 = [m for c, m in found if c == "AG503"]
    assert len(ag503) == 2, found
    assert ag503[0].startswith("stages use different bottleneck ratios")
    assert ag503[1].startswith("stages use group widths 8, 16;")


def _located(folder: Path, text: str) -> list[tuple[str, int, int, str]]:
    """The AG5xx findings of a spec: code, line, column and message."""
    result = run_cli("lint", "--format", "json", write_spec(folder, text))
    return [
        (d["code"], d["line"], d["column"], d["message"])
        for d in json.loads(result.out)
        if d["code"].startswith("AG5")
    ]


RATIO = (
    "stages use different bottleneck ratios; the RegNet paper finds a shared ratio "
    "loses nothing; expected one ratio for every stage"
)


def _shared_width(widths: str) -> str:
    return (
        f"stages use group widths {widths}; the RegNet paper finds a shared group width "
        "loses nothing; expected one group width"
    )


def test_space_findings_point_at_the_keys_the_stage_gives(cli_in: Path) -> None:
    """Stage keys first (planes when there is no out_channels; groups before group_width);
    AG503 at the ``stages`` key."""
    text = """\
name: anynet
design_space: anynet
defaults: {block: regnet, stride: 2}
stages:
  - {blocks: 3, planes: 20, group_width: 4}
  - {blocks: 2, width: 48, groups: 5, planes: 12}
"""
    assert _located(cli_in, text) == [
        ("AG503", 4, 1, RATIO),
        ("AG503", 4, 1, _shared_width("4, 9")),
        (
            "AG501",
            5,
            25,
            "trunk_output.block1 (stages[0]) is 20 wide, not a multiple of 8; expected 16 or 24",
        ),
        (
            "AG501",
            6,
            36,
            "trunk_output.block2 (stages[1]) bottleneck width 48 is not a multiple of its group width 9",
        ),
        (
            "AG501",
            6,
            47,
            "trunk_output.block2 (stages[1]) is 12 wide, not a multiple of 8; expected 8 or 16",
        ),
        (
            "AG502",
            6,
            47,
            "trunk_output.block2 (stages[1]) width goes 20 -> 12; the RegNet paper finds that good "
            "networks do not decrease width across stages; expected at least 20",
        ),
    ]


def test_space_findings_fall_back_to_defaults_and_group_width(cli_in: Path) -> None:
    defaults = """\
name: anynet
design_space: anynet
defaults: {block: regnet, stride: 2, out_channels: 20, groups: 5}
stages:
  - {blocks: 1, width: 48}
"""
    assert [f[:3] for f in _located(cli_in, defaults)] == [
        ("AG501", 3, 52),  # out_channels of the defaults
        ("AG501", 3, 64),  # groups of the defaults
    ]
    group_width = """\
name: anynet
design_space: anynet
defaults: {block: regnet, stride: 2}
stages:
  - {blocks: 1, width: 40, group_width: 12, out_channels: 40}
"""
    assert _located(cli_in, group_width) == [
        (
            "AG501",
            5,
            41,
            "trunk_output.block1 (stages[0]) bottleneck width 40 is not a multiple of its group width 13",
        )
    ]


def test_shared_group_width_of_an_expanded_regnet_points_at_regnet(
    cli_in: Path,
) -> None:
    """RegNet clamps the group width to a narrow stage's width (24 < 40): AG503 at ``regnet``."""
    text = (
        "name: r\nregnet: {w0: 24, wa: 36.44, wm: 2.49, depth: 13, group_width: 40}\n"
    )
    assert _located(cli_in, text) == [("AG503", 2, 1, _shared_width("24, 40"))]


def test_group_width_finding_falls_back_to_the_width(cli_in: Path) -> None:
    """Groups from the paper's cardinality: neither groups nor group_width is written."""
    text = """\
name: anynet
design_space: anynet
defaults: {block: regnet, stride: 2}
stages:
  - {blocks: 1, width: 48, cardinality: 5, out_channels: 48}
"""
    assert [f[:3] for f in _located(cli_in, text)] == [("AG501", 5, 24)]


def _regnet_plan():  # type: ignore[no-untyped-def]
    """regnetx_002 (depths 1, 1, 4, 7), expanded from the four RegNet numbers."""
    result = _compiled(SPECS / "regnetx_002.yaml")
    return result.plan, result.complexity


def test_findings_on_expanded_stages_point_at_the_regnet_numbers() -> None:
    """No RegNet expansion of the zoo breaks AG502's depth or AG503's ratio, so the plan is
    edited by hand: the first stage made deeper, the second stage made narrower."""
    import dataclasses

    from archgen.rules.anynet import growing, shared

    plan, complexity = _regnet_plan()
    first, second, *rest = plan.stages
    assert [len(s.blocks) for s in plan.stages] == [1, 1, 4, 7]
    deeper = dataclasses.replace(first, blocks=first.blocks * 3)
    edited = dataclasses.replace(plan, stages=(deeper, second, *rest))
    [finding] = list(growing(edited, complexity))
    assert (finding.code, finding.loc) == ("AG502", ("regnet", "depth"))
    assert "depth goes 3 -> 1" in finding.message
    narrower = dataclasses.replace(second, width=second.width // 2)
    edited = dataclasses.replace(plan, stages=(first, narrower, *rest))
    findings = list(shared(edited, complexity))
    assert [(f.code, f.loc, f.at_key) for f in findings] == [
        ("AG503", ("regnet",), True),
        ("AG503", ("regnet",), True),
    ]
    assert findings[0].message == RATIO
    assert list(shared(plan, complexity)) == []
