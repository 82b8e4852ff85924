"""The zoo by name: archgen list, archgen init, and zoo names wherever a spec path goes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archgen.zoo import closest, zoo_dir, zoo_names

from conftest import ALL_REFERENCE, MINIMAL, REFERENCE, SPECS, run_cli, write_spec


def test_the_zoo_is_the_repository_specs() -> None:
    assert zoo_dir().resolve() == SPECS.resolve()
    assert zoo_names() == sorted(ALL_REFERENCE)


def test_list_prints_every_zoo_spec_with_its_cost(cli_in: Path) -> None:
    result = run_cli("list")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["name", "layout", "params", "MACs", "reference"]
    assert [line.split()[0] for line in lines[1:]] == sorted(ALL_REFERENCE)
    for line in lines[1:]:
        name, _, params, macs = line.split()[:4]
        assert (int(params.replace(",", "")), int(macs.replace(",", ""))) == (
            ALL_REFERENCE[name]
        )
    listed = json.loads(run_cli("list", "--format", "json").out)
    assert {entry["name"]: (entry["params"], entry["macs"]) for entry in listed} == (
        ALL_REFERENCE
    )
    assert all(entry["input"]["image_size"] == 224 for entry in listed)


def test_commands_take_zoo_names(cli_in: Path) -> None:
    shown = run_cli("show", "resnext50_32x4d", "--format", "json")
    assert shown.code == 0, shown.err
    assert json.loads(shown.out)["params"] == REFERENCE["resnext50_32x4d"][0]
    diffed = run_cli("diff", "resnet50", "resnext50_32x4d")
    assert diffed.code == 0, diffed.err
    assert "25,557,032 -> 25,028,904" in diffed.out
    built = run_cli("build", "resnet50", "-o", "models")
    assert built.code == 0, built.err
    assert (cli_in / "models" / "resnet50.py").is_file()
    assert run_cli("build", "resnet50", "-o", "models", "--check").code == 0
    assert run_cli("lint", "resnet18", "resnet34").code == 0


def test_a_local_path_wins_over_a_zoo_name(cli_in: Path) -> None:
    write_spec(cli_in, MINIMAL, name="resnet50")
    shown = run_cli("show", "resnet50", "--format", "json")
    assert shown.code == 0, shown.err
    assert json.loads(shown.out)["name"] == "tiny"
    (cli_in / "resnet18").mkdir()  # a folder of that name, with no spec in it
    assert run_cli("lint", "resnet18").err.strip() == "All checks passed."


def test_an_unknown_name_suggests_a_zoo_name(cli_in: Path) -> None:
    result = run_cli("show", "resnext50_32x8d")
    assert result.code == 2
    assert result.err.startswith(
        "resnext50_32x8d:1:1: AG001 no such file or directory, and no zoo spec of that "
        "name; did you mean 'resnext50_32x4d'?"
    )
    assert run_cli("lint", "nowhere.yaml").out.strip() == (
        "nowhere.yaml:1:1: AG001 no such file or directory"
    )
    far = run_cli("lint", "alexnet")
    assert far.code == 2
    assert "no zoo spec of that name (`archgen list`" in far.out


def test_init_copies_a_zoo_spec_under_a_new_name(cli_in: Path) -> None:
    result = run_cli("init", "resnext50_32x4d", "my_variant.yaml")
    assert result.code == 0, result.err
    text = (cli_in / "my_variant.yaml").read_text(encoding="utf-8")
    original = (SPECS / "resnext50_32x4d.yaml").read_text(encoding="utf-8")
    assert "name: my_variant\n" in text
    assert "class_name" not in text
    # Everything else, comments included, is the zoo spec's.
    kept = [
        line
        for line in original.splitlines()
        if not line.startswith(("name:", "class_name:"))
    ]
    assert [line for line in text.splitlines() if not line.startswith("name:")] == kept
    shown = json.loads(run_cli("show", "my_variant.yaml", "--format", "json").out)
    assert (shown["name"], shown["params"]) == (
        "my_variant",
        REFERENCE["resnext50_32x4d"][0],
    )
    assert run_cli("lint", "my_variant.yaml").code == 0
    assert run_cli("build", "my_variant.yaml", "-o", "models").code == 0
    assert (cli_in / "models" / "my_variant.py").is_file()


def test_init_writes_json_too(cli_in: Path) -> None:
    assert run_cli("init", "resnet18", "small.json").code == 0
    data = json.loads((cli_in / "small.json").read_text(encoding="utf-8"))
    assert data["name"] == "small" and "class_name" not in data
    assert run_cli("lint", "small.json").code == 0


def test_init_refuses_to_overwrite(cli_in: Path) -> None:
    target = write_spec(cli_in, "name: mine\n", name="mine.yaml")
    result = run_cli("init", "resnet50", "mine.yaml")
    assert result.code == 2
    assert "already exists" in result.err
    assert target.read_text(encoding="utf-8") == "name: mine\n"


def test_init_refuses_what_would_not_be_a_spec(cli_in: Path) -> None:
    unknown = run_cli("init", "resnet5", "net.yaml")
    assert unknown.code == 2
    assert "no zoo spec named 'resnet5'; did you mean 'resnet50'?" in unknown.err
    bad_name = run_cli("init", "resnet50", "my-net.yaml")
    assert bad_name.code == 2
    assert "AG104 name must be an ASCII Python identifier" in bad_name.err
    assert run_cli("init", "resnet50", "net.txt").code == 2
    assert not list(cli_in.iterdir())
    # A name YAML would read as something else is quoted.
    assert run_cli("init", "resnet50", "on.yaml").code == 0
    assert 'name: "on"\n' in (cli_in / "on.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        (
            "regnety_040",
            "regnety_032",
        ),  # the nearest trailing number, not the most similar
        ("regnetx_005", "regnetx_004"),
        ("RegNetY_040", "regnety_032"),  # case does not matter
        ("resnext50", "resnext50_32x4d"),  # what it starts like: the shortest such name
        ("resnet5", "resnet50"),
        ("wide_resnet", "wide_resnet50_2"),
        ("resnet50dx", "resnet50d"),  # a name the typed one starts with
        ("rexyz", None),  # two shared letters of five: not close enough
        ("rexnet50", "resnet50"),  # else the most similar name overall
    ],
)
def test_an_unknown_name_is_matched_to_what_it_most_likely_meant(
    typed: str, meant: str | None
) -> None:
    assert closest(typed, zoo_names()) == meant


def test_names_without_a_trailing_number_rank_after_those_with_one() -> None:
    assert closest("model_7", ["model_a", "model_9", "model_6"]) == "model_6"
    assert closest("model_x", ["model_a", "model_9"]) == "model_9"
    assert closest("zzzz", ["model_a"]) is None
    # equally near numbers: the more similar name
    assert closest("model_5", ["model_4a", "model_6"]) == "model_6"
    assert closest("model_5", ["model_6", "model_4a"]) == "model_6"
