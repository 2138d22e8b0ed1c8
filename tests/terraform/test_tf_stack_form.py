"""What Resource Manager gets right only with care: enum values and defaults are strings in the
form (Oracle's schema wants strings; Terraform converts "256" to the number variable), and the
region validations accept every shape of real region id, government regions included."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from hcl_eval import holds
from tfmodel import MODULE_DIR, STACK_DIR, load_dir, unwrap

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
