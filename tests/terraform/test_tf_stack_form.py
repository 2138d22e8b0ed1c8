"""What Resource Manager gets right only with care: enum values and defaults are strings in the
form (Oracle's schema wants strings; Terraform converts "256" to the number variable), the
region validations accept every shape of real region id, government regions included, and an
optional field the user cleared, which Resource Manager sends as "", counts as unset."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from hcl_eval import holds
from tfmodel import MODULE_DIR, STACK_DIR, load_dir, strings, unwrap

# Real region ids of every shape: commercial, government (three parts before the number) and
# sovereign/dedicated realms.
REAL_REGIONS = ["us-chicago-1", "eu-frankfurt-1", "us-gov-ashburn-1", "uk-gov-london-1", "us-langley-1"]


def _form() -> dict[str, Any]:
    form: dict[str, Any] = yaml.safe_load((STACK_DIR / "schema.yaml").read_text(encoding="utf-8"))
    return form


def test_enum_values_and_defaults_are_strings_matching_the_variable_default() -> None:
    variables = load_dir(STACK_DIR).variables
    for name, entry in _form()["variables"].items():
        if entry["type"] != "enum":
            continue
        assert all(isinstance(v, str) for v in entry["enum"]), f"{name}: enum values must be strings"
        assert isinstance(entry.get("default"), str), f"{name}: the default must be a string"
        assert entry["default"] == str(variables[name]["default"]), name
    assert _form()["variables"]["function_memory_mb"]["default"] == "256"
    assert _form()["variables"]["log_retention_days"]["default"] == "30"


@pytest.mark.parametrize("name", ["region", "genai_region"])
@pytest.mark.parametrize("region", REAL_REGIONS)
def test_region_validations_accept_real_region_ids(name: str, region: str) -> None:
    for rule in load_dir(MODULE_DIR).variables[name]["validation"]:
        assert holds(unwrap(rule["condition"]), name, region), f"{name} refuses {region}"


@pytest.mark.parametrize("region", REAL_REGIONS)
def test_the_form_pattern_accepts_real_region_ids(region: str) -> None:
    pattern = _form()["variables"]["genai_region"]["pattern"]
    assert re.fullmatch(pattern, region), region


def _optional_strings() -> list[str]:
    """The stack's optional string inputs (type string, default null): Resource Manager sends
    "" for one the user cleared in the form."""
    variables = load_dir(STACK_DIR).variables
    return sorted(
        n for n, b in variables.items() if b.get("type") == "string" and b.get("default", 0) is None
    )


def test_there_are_optional_strings() -> None:
    # (sweep_schedule_cron is on by default since issue 14: a cleared field turns it off, main.tf)
    assert {"bucket_name", "genai_region", "notification_email", "genai_project_id"} <= set(
        _optional_strings()
    )


@pytest.mark.parametrize("name", _optional_strings())
def test_a_cleared_optional_field_passes_the_validations(name: str) -> None:
    for rule in load_dir(STACK_DIR).variables[name].get("validation", []):
        assert holds(unwrap(rule["condition"]), name, ""), f'{name} = "" (a cleared field) is refused'


@pytest.mark.parametrize("name", _optional_strings())
def test_a_cleared_optional_field_reaches_the_module_as_null(name: str) -> None:
    """Outside its own declaration the stack reads the variable only as `var.x == "" ? null : var.x`."""
    stack = load_dir(STACK_DIR)
    bodies = [body for other, body in stack.variables.items() if other != name]
    bodies += [stack.locals, *stack.outputs.values(), *stack.modules.values(), *stack.providers]
    bodies += [body for named in [*stack.resources.values(), *stack.data.values()] for body in named.values()]
    normalised = f'var.{name} == "" ? null : var.{name}'
    reads = [text for body in bodies for text in strings(body) if re.search(rf"\bvar\.{name}\b", text)]
    assert reads, f"the stack never reads {name}"
    for text in reads:
        rest = re.sub(rf"\bvar\.{name}\b", "", text.replace(normalised, ""))
        assert rest == text.replace(normalised, ""), f"{name} is read as is (not as {normalised!r}): {text}"
