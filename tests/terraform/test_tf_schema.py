"""The Resource Manager form covers every input of the stack, each in exactly one group."""

from __future__ import annotations

from typing import Any

import yaml
from tfmodel import STACK_DIR, load_dir


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = yaml.safe_load((STACK_DIR / "schema.yaml").read_text(encoding="utf-8"))
    return schema


def _visibility_inputs(rule: Any) -> list[str]:
    """Variables a `visible:` rule reads: a name, or not/and/or lists, or eq [name, value]."""
    if isinstance(rule, bool):
        return []
    if isinstance(rule, str):
        return [rule]
    if isinstance(rule, list):
        return [name for item in rule for name in _visibility_inputs(item)]
    assert isinstance(rule, dict) and len(rule) == 1, f"unexpected visibility rule {rule}"
    ((operator, operands),) = rule.items()
    assert operator in {"not", "and", "or", "eq"}, operator
    return [operands[0]] if operator == "eq" else _visibility_inputs(operands)


def test_schema_declares_every_variable_and_nothing_else() -> None:
    variables = set(load_dir(STACK_DIR).variables)
    declared = set(_schema()["variables"])
    # A map or object variable has no form type: it sits in a hidden group, undeclared
    # (tests/terraform/test_tf_stack_types.py).
    hidden = {
        v
        for group in _schema()["variableGroups"]
        if group.get("visible") is False
        for v in group["variables"]
    }
    missing = variables - declared - hidden
    assert missing == set(), f"not in schema.yaml: {sorted(missing)}"
    assert declared - variables == set(), (
        f"schema.yaml names unknown variables: {sorted(declared - variables)}"
    )


def test_every_variable_sits_in_exactly_one_group() -> None:
    grouped = [name for group in _schema()["variableGroups"] for name in group["variables"]]
    assert len(grouped) == len(set(grouped)), "a variable is in two groups"
    assert set(grouped) == set(load_dir(STACK_DIR).variables)


def test_entries_are_well_formed() -> None:
    variables = load_dir(STACK_DIR).variables
    for name, entry in _schema()["variables"].items():
        assert entry.get("type"), f"{name} has no type"
        assert entry.get("title"), f"{name} has no title"
        if variables[name].get("sensitive"):
            assert entry["type"] == "password" and entry.get("sensitive") is True, name
        for other in _visibility_inputs(entry.get("visible", True)):
            assert other in variables, f"{name} is shown depending on unknown {other}"
        if entry["type"] == "enum":
            default = variables[name].get("default")
            # The form holds strings (tests/terraform/test_tf_stack_form.py); Terraform converts.
            assert str(default) in entry["enum"], f"{name}: default {default} is not among {entry['enum']}"
    hidden_ocid = {"tenancy_ocid", "region"}
    assert all(_schema()["variables"][n].get("visible") is False for n in hidden_ocid)
    outputs = {o for group in _schema()["outputGroups"] for o in group["outputs"]}
    assert outputs <= set(load_dir(STACK_DIR).outputs)
