"""The Resource Manager form's types match the stack's variables.

Oracle: "Data types must be consistent with the associated Terraform configuration"
(Resource Manager, Extend Console Pages Using Schema Documents,
docs.oracle.com/iaas/Content/ResourceManager/Concepts/terraformconfigresourcemanager_topic-schema.htm).
Its meta schema has these variable types: array, boolean, enum, integer, number, string, text,
file, password, datetime, and the dynamic oci:* pickers. None holds a map or an object, so a
map / object / list of objects variable cannot be a form field: it is left out of `variables:`
and sits in a variable group that is not shown (`visible: false`), where Terraform's default
applies.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from tfmodel import STACK_DIR, load_dir

FORM_TYPES = {
    "array",
    "boolean",
    "enum",
    "integer",
    "number",
    "string",
    "text",
    "file",
    "password",
    "datetime",
}
# oci:* pickers that give a string: an OCID (`...:id`) or a name (`...:name`). Not
# oci:identity:tag:value (an object of tags) nor oci:core:ssh:publickey.
OCI_STRING = re.compile(r"^oci:[a-z]+:[a-z]+:(id|name)$")


def _form() -> dict[str, Any]:
    form: dict[str, Any] = yaml.safe_load((STACK_DIR / "schema.yaml").read_text(encoding="utf-8"))
    return form


def _tf_type(name: str) -> str:
    return str(load_dir(STACK_DIR).variables[name].get("type", "string")).removeprefix("${").removesuffix("}")


def _is_number(text: str) -> bool:
    return re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text) is not None


def compatible(entry: dict[str, Any], tf_type: str) -> bool:
    """Whether what the form field gives converts to the Terraform type as Terraform converts."""
    kind = str(entry.get("type"))
    if tf_type == "string":
        if kind == "enum":
            return all(isinstance(v, str) for v in entry["enum"])
        return (
            kind in {"string", "text", "password", "file", "datetime"} or OCI_STRING.match(kind) is not None
        )
    if tf_type == "number":
        if kind == "enum":  # strings in the form ("256"), converted by Terraform
            return all(isinstance(v, str) and _is_number(v) for v in entry["enum"])
        return kind in {"number", "integer"}
    if tf_type == "bool":
        return kind == "boolean"
    inner = re.fullmatch(r"list\((\w+)\)", tf_type)
    if inner and kind == "array":
        return compatible(entry.get("items", {}), inner.group(1))
    return False  # map, object, list of objects: no form type holds them


def _complex(name: str) -> bool:
    return re.fullmatch(r"string|number|bool|list\((string|number|bool)\)", _tf_type(name)) is None


def test_every_form_type_is_a_resource_manager_type() -> None:
    for name, entry in _form()["variables"].items():
        kind = str(entry.get("type"))
        assert kind in FORM_TYPES or kind.startswith("oci:"), f"{name}: {kind} is not a schema type"


@pytest.mark.parametrize("name", sorted(_form()["variables"]))
def test_the_form_type_matches_the_variable(name: str) -> None:
    entry = _form()["variables"][name]
    assert name in load_dir(STACK_DIR).variables, f"{name} is in the form but not a variable of the stack"
    assert compatible(entry, _tf_type(name)), (
        f"{name}: form type {entry['type']} for Terraform {_tf_type(name)}"
    )


@pytest.mark.parametrize("name", sorted(_form()["variables"]))
def test_a_form_default_is_the_variable_default(name: str) -> None:
    entry = _form()["variables"][name]
    if "default" not in entry:
        return
    variable = load_dir(STACK_DIR).variables[name]
    assert "default" in variable, f"{name}: the form has a default, the variable none"
    expected = variable["default"]
    if entry["type"] == "enum":
        expected = str(expected)
    assert entry["default"] == expected, f"{name}: form default {entry['default']!r}, variable {expected!r}"
    assert type(entry["default"]) is type(expected), name


def test_every_variable_is_in_the_form_or_in_a_hidden_group() -> None:
    variables = set(load_dir(STACK_DIR).variables)
    declared = set(_form()["variables"])
    hidden = {
        v for group in _form()["variableGroups"] if group.get("visible") is False for v in group["variables"]
    }
    assert variables - declared - hidden == set(), (
        f"neither in the form nor hidden: {variables - declared - hidden}"
    )
    # Only what no form type can hold is left out of `variables:`, and it has a default.
    for name in variables - declared:
        assert _complex(name), f"{name} ({_tf_type(name)}) can be a form field: declare it"
        assert "default" in load_dir(STACK_DIR).variables[name], name


def test_a_variable_without_default_is_required_in_the_form() -> None:
    for name, body in load_dir(STACK_DIR).variables.items():
        if "default" not in body:
            assert _form()["variables"][name].get("required") is True, f"{name} has no default: required"


def test_the_checker_refuses_mismatches() -> None:
    assert not compatible({"type": "string"}, "map(string)")
    assert not compatible({"type": "string"}, "number")
    assert not compatible({"type": "boolean"}, "string")
    assert not compatible({"type": "enum", "enum": ["a", "b"]}, "number")
    assert not compatible({"type": "array", "items": {"type": "number"}}, "list(string)")
    assert not compatible({"type": "oci:identity:tag:value"}, "string")
    assert compatible({"type": "enum", "enum": ["128", "256"]}, "number")
    assert compatible({"type": "oci:identity:compartment:id"}, "string")
    assert compatible({"type": "array", "items": {"type": "string"}}, "list(string)")
