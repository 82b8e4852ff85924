"""The documentation's generated parts (docs/gen.py) hold what archgen says, and cover it all:
a page per code ``archgen lint --list-rules`` lists, every key of the schema, every zoo spec with
its published figures, every limit, every command and flag, and a current README picture."""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from functools import cache
from types import ModuleType

import yaml

from archgen import limits
from archgen.cli import parser
from archgen.spec import json_schema

from conftest import ALL_REFERENCE, ROOT, run_cli

DOCS = ROOT / "docs"


@cache
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("archgen_docs_gen", DOCS / "gen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _commands() -> dict[str, argparse.ArgumentParser]:
    for action in parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no commands")


def test_every_listed_code_has_its_rule_page() -> None:
    listed = re.findall(r"^(AG\d{3}) ", run_cli("lint", "--list-rules").out, re.M)
    assert listed and list(gen().rule_codes()) == listed
    index = gen().rule_index()
    for code in listed:
        page = gen().rule_page(code)  # raises when an example does not do what it says
        assert page.startswith(f"# {code} ")
        assert "## Example\n" in page and "## Fix\n" in page, code
        assert f"[{code}]({code}.md)" in index
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]
    assert {
        "Rules": ["rules/index.md"]
    } in nav  # the hook adds a page per code after it


def test_a_rule_page_shows_the_finding_lint_reports_on_its_example() -> None:
    page = gen().rule_page("AG302")
    assert "## Why" in page and "## Use instead" in page and "## Fix" in page
    finding = re.search(r"```text\n(example\.yaml:\d+:\d+: AG302 .*)\n```", page)
    assert finding, page
    assert "fix: planes: 192 -> planes: 256" in finding[1]


def test_key_table_has_every_key_of_the_schema() -> None:
    schema = json_schema()
    table = gen().spec_keys()
    for key in set(schema["properties"]) - {"$schema"}:
        assert f"| `{key}` |" in table, key
    stage_table = gen().spec_keys("stage")
    for key in schema["$defs"]["StageSpec"]["properties"]:
        assert f"| `{key}` |" in stage_table, key
    assert "| `stem.pool` |" in table and "`max_zero_pad`" in table


def test_zoo_page_lists_every_spec_with_its_published_figures() -> None:
    page = gen().zoo()
    names = sorted(path.stem for path in (ROOT / "specs").glob("*.yaml"))
    assert names == sorted(ALL_REFERENCE)
    for name in names:
        params, macs = ALL_REFERENCE[name]
        row = next(
            line for line in page.splitlines() if line.startswith(f"| [`{name}`]")
        )
        assert f"| {params:,} | {macs:,} |" in row, row
        assert f"### {name} {{#{name}}}" in page
    assert "| `resnext50_32x4d` |" not in page  # names link to their Table 1


def test_limits_page_states_every_limit() -> None:
    table = gen().limit_table()
    for name in dir(limits):
        if name.startswith("MAX_"):
            assert f"| {getattr(limits, name):,} | `{name}` |" in table, name
    assert "<!-- archgen:limits -->" in (DOCS / "limits.md").read_text()


def test_cli_reference_has_every_command_and_flag() -> None:
    reference = gen().cli_reference()
    for name, sub in _commands().items():
        assert f"## archgen {name}\n" in reference
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue  # -h, --help: the page says so once
            for option in action.option_strings:
                assert f"`{option}`" in reference, (name, option)


def test_readme_command_table_is_the_parsers_help() -> None:
    readme = (ROOT / "README.md").read_text()
    rows = dict(re.findall(r"^\| `archgen (\w+)` \| (.+) \|$", readme, re.M))
    assert rows == {name: sub.description for name, sub in _commands().items()}


def test_readme_is_a_short_guide_with_two_set_up_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    set_up = re.findall(r"```sh\n(pip install .*)\n```", readme)
    assert set_up == [
        "pip install . && archgen build resnext50_32x4d -o models",
        "pip install -e '.[test]' && pytest -n auto",
    ]
    ci = (ROOT / ".ci" / "run").read_text()
    assert set_up[1] in ci and "mkdocs build --strict" in ci


def test_readme_picture_is_current() -> None:
    """``python docs/gen.py`` rewrites it after a change of the zoo spec or the templates."""
    assert (DOCS / "assets" / "overview.svg").read_text() == gen().overview_svg()


def test_every_page_is_in_the_navigation_and_every_part_exists() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    listed = set(re.findall(r"[\w/-]+\.md", str(config["nav"])))
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert pages == listed
    for page in DOCS.rglob("*.md"):
        for name in re.findall(r"<!-- archgen:([a-z0-9-]+)", page.read_text()):
            assert name in gen().PARTS, (page, name)


def test_benchmark_figures_come_from_the_results_file() -> None:
    results = ROOT / "benchmarks" / "results"
    page = (DOCS / "deployment.md").read_text()
    for file, variant, column in re.findall(
        r"<!-- archgen:figure (\S+) (\S+) (\S+) -->", page
    ):
        table = (results / file).read_text()
        row = next(line for line in table.splitlines() if line.startswith(variant))
        header = ["reference", "generated", "gen/ref", "ref/ref-eager", "gen/ref-eager"]
        assert (
            gen().benchmark_figure(f"{file} {variant} {column}")
            == (row[11:].split()[header.index(column)])
        )


def test_table2_is_the_papers_equal_cost_pairs() -> None:
    """Table 2 of the ResNeXt paper: 1x64d, 2x40d, 4x24d, 8x14d, 32x4d at ResNet-50's cost."""
    rows = [line.split(" | ") for line in gen().table2("resnet50").splitlines()[2:]]
    assert [row[1] for row in rows] == ["1x64d", "2x40d", "4x24d", "8x14d", "32x4d"]
    assert "<!-- archgen:table2 resnet50 -->" in (DOCS / "design-spaces.md").read_text()
