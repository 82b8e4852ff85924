"""timm's arguments as edits of a spec (archgen.overrides): each sets the key timm's meaning
gives it, a spec key replaces its value, and anything else is refused by name."""

from __future__ import annotations

from typing import Any

import yaml

from archgen.overrides import SPEC_KEYS, TIMM_ARGUMENTS, apply, describe
from archgen.plan import NetworkPlan
from archgen.spec import NetworkSpec

from conftest import MINIMAL, SPECS, lowered


def _plan(arguments: dict[str, Any], text: str = MINIMAL) -> NetworkPlan:
    data = apply(yaml.safe_load(text), arguments)
    assert isinstance(data, dict), data
    plan = lowered(yaml.safe_dump(data))
    assert isinstance(plan, NetworkPlan), plan
    return plan


def test_timm_arguments_set_what_timm_means_by_them() -> None:
    plan = _plan(
        {
            "num_classes": 0,
            "in_chans": 1,
            "drop_rate": 0.25,
            "drop_path_rate": 0.1,
            "output_stride": 8,
        },
        (SPECS / "resnet18.yaml").read_text(),
    )
    assert plan.num_classes == 0 and plan.head[-1].out_features == 0  # headless
    assert plan.in_channels == 1
    assert plan.drop_rate == 0.25 and plan.drop_path_rate == 0.1
    assert [stage.reduction for stage in plan.stages] == [4, 8, 8, 8]


def test_every_timm_argument_names_a_key_of_the_schema() -> None:
    for path in TIMM_ARGUMENTS.values():
        fields = NetworkSpec.model_fields
        annotation: Any = NetworkSpec
        for key in path:
            assert key in fields, path
            annotation = fields[key].annotation
            fields = getattr(annotation, "model_fields", {})


def test_a_spec_key_replaces_its_value_and_timm_arguments_apply_after_it() -> None:
    plan = _plan(
        {"norm": {"type": "frozen_batch"}, "head": {"drop_rate": 0.5}, "num_classes": 3}
    )
    assert {
        op.kind for op in plan.stem if hasattr(op, "kind") and op.path == "bn1"
    } == {"frozen_batch"}
    assert plan.num_classes == 3 and plan.drop_rate == 0.5


def test_none_leaves_the_spec_as_it_is_and_the_input_is_not_changed() -> None:
    data = yaml.safe_load(MINIMAL)
    before = yaml.safe_dump(data)
    edited = apply(data, {"num_classes": None, "norm": None, "output_stride": 16})
    assert isinstance(edited, dict)
    assert edited["head"] == {"num_classes": 10} and "norm" not in edited
    assert yaml.safe_dump(data) == before


def test_an_argument_a_spec_cannot_take_is_refused_by_name() -> None:
    found = apply(yaml.safe_load(MINIMAL), {"global_pool": "max", "colour": 1})
    assert isinstance(found, list)
    assert [(d.code, d.path, d.message.split(":")[0]) for d in found] == [
        ("AG102", "<create_model>", "global_pool"),
        ("AG102", "<create_model>", "colour"),
    ]
    assert "output_stride" in found[0].message


def test_every_top_level_key_is_an_argument() -> None:
    assert {
        "norm",
        "stem",
        "head",
        "stages",
        "regnet",
        "preprocess",
        "$schema",
    } <= SPEC_KEYS


def test_describe_shows_the_arguments_as_a_call() -> None:
    assert describe({"num_classes": 0, "norm": None, "output_stride": 16}) == (
        "num_classes=0, output_stride=16"
    )
