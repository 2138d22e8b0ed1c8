"""The variables' validation rules mean something: every default and every example value passes
them, and values OCI would refuse (or the pipeline could not use) are refused before apply."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hcl_eval import holds, object_defaults
from tfmodel import EXAMPLE_DIR, MODULE_DIR, STACK_DIR, load_dir, parse_text


def _rules(folder: Path, name: str) -> list[str]:
    return [rule["condition"] for rule in load_dir(folder).variables[name].get("validation", [])]


def _passes(folder: Path, name: str, value: Any) -> bool:
    return all(holds(condition, name, value) for condition in _rules(folder, name))


def _default(folder: Path, name: str) -> Any:
    body = load_dir(folder).variables[name]
    if str(body["type"]).startswith("${object("):
        return object_defaults(body["type"])
    return body.get("default")


@pytest.mark.parametrize("folder", [MODULE_DIR, EXAMPLE_DIR, STACK_DIR], ids=lambda p: p.name)
def test_every_default_passes_its_own_validation(folder: Path) -> None:
    for name, body in load_dir(folder).variables.items():
        if "default" in body:
            assert _passes(folder, name, _default(folder, name)), f"default of {name} fails its validation"


def test_the_example_values_pass() -> None:
    example = parse_text((EXAMPLE_DIR / "terraform.tfvars.example").read_text(encoding="utf-8"))
    assert set(example) <= set(load_dir(EXAMPLE_DIR).variables)
    for name, value in example.items():
        assert _passes(EXAMPLE_DIR, name, value), f"example value of {name} fails"
        if name in load_dir(MODULE_DIR).variables:
            assert _passes(MODULE_DIR, name, value), f"example value of {name} fails the module's rule"


GOOD: dict[str, Any] = {
    "tenancy_ocid": "ocid1.tenancy.oc1..aaaaaaaa",
    "region": "eu-frankfurt-1",
    "compartment_ocid": "ocid1.compartment.oc1..aaaaaaaa",
    "function_image": "fra.ocir.io/mytenancy/model-import:0.1.0",
    "function_memory_mb": 512,
    "function_timeout_seconds": 120,
    "bucket_name": "my.models_bucket-1",
    "hf_token": "hf_" + "a" * 34,
    "hf_token_secret_id": "ocid1.vaultsecret.oc1.eu-frankfurt-1.amaaaa",
    "allowed_shapes": ["A10_X1", "H100_X2"],
    "notification_subscriptions": [{"protocol": "SLACK", "endpoint": "https://hooks.slack.com/services/x"}],
    "freeform_tags": {"team": "ml"},
    "sweep_schedule_cron": "*/30 * * * *",
    "stage_deadline_minutes": {"validate": 30, "import": 180, "cluster": 120, "endpoint": 60, "smoke": 15},
    "identity_domain_url": "https://idcs-0123456789abcdef.identity.oraclecloud.com:443",
    "vcn_cidr": "10.0.0.0/16",
    "log_retention_days": 90,
    "poll_seconds": 280,
    "inference_resource_types": ["generative-ai-chat"],
}

BAD: dict[str, list[Any]] = {
    "tenancy_ocid": ["ocid1.compartment.oc1..aaaa", ""],
    "region": ["US East (Ashburn)", "us_ashburn_1"],
    "compartment_ocid": ["ocid1.bucket.oc1..aaaa"],
    "function_image": [
        "docker.io/library/python:3.11",  # not OCIR: OCI Functions pulls only from OCIR
        "fra.ocir.io/mytenancy/model-import",  # no tag or digest
    ],
    "function_memory_mb": [100, 4096],
    "function_timeout_seconds": [301, 10, 120.5],
    "bucket_name": ["bad/name", "b" * 257],  # "" is a field cleared in Resource Manager: unset
    "hf_token": ["not-a-token"],
    "hf_token_secret_id": ["ocid1.key.oc1..aaaa"],
    "allowed_shapes": [["a10_x1"], ["A10 X1"]],
    "notification_subscriptions": [
        [{"protocol": "FAX", "endpoint": "+15551234"}],
        [{"protocol": "EMAIL", "endpoint": ""}],
    ],
    "freeform_tags": [{"import-id": "x"}, {"managed-by": "me"}],
    "sweep_schedule_cron": ["every 30 minutes", "*/30 * * *"],
    "stage_deadline_minutes": [{"validate": 0, "import": 180, "cluster": 120, "endpoint": 60, "smoke": 15}],
    "identity_domain_url": ["idcs-0123.identity.oraclecloud.com"],
    "vcn_cidr": ["10.0.0.0", "10.0.0.0/33"],
    "log_retention_days": [7, 365],
    "poll_seconds": [281, -1],
    "failure_policy": ["shred"],
    "log_level": ["TRACE"],
    "application_shape": ["GENERIC_GPU"],
    "name_prefix": ["Model_Import", "-x", "m"],
    "inference_resource_types": [["generative-ai-family"]],
    "max_ai_units_per_import": [0],
    "state_version_retention_days": [0, 1.5],
    "existing_subnet_id": ["ocid1.vcn.oc1..aaaa"],
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_values_pass(name: str) -> None:
    assert _passes(MODULE_DIR, name, GOOD[name]), f"{name}={GOOD[name]!r} should pass"


@pytest.mark.parametrize("name,value", [(n, v) for n, values in sorted(BAD.items()) for v in values])
def test_bad_values_are_refused(name: str, value: Any) -> None:
    assert _rules(MODULE_DIR, name), f"{name} has no validation"
    assert not _passes(MODULE_DIR, name, value), f"{name}={value!r} should be refused"


def test_error_messages_name_their_variable() -> None:
    for name, body in load_dir(MODULE_DIR).variables.items():
        for rule in body.get("validation", []):
            message = rule["error_message"]
            readable = re.sub(r"[^a-z0-9_ ]", " ", message.lower())
            assert name in readable or "stage deadline" in readable or "subscription" in readable, (
                f"the error message of {name} does not say which input is wrong: {message}"
            )


# Real region identifiers, government and sovereign realms included.
REAL_REGIONS = (
    "us-chicago-1",
    "us-gov-ashburn-1",
    "uk-gov-london-1",
    "eu-frankfurt-1",
    "me-dcc-muscat-1",
    "ap-chiyoda-1",
)


@pytest.mark.parametrize("folder", [MODULE_DIR, EXAMPLE_DIR, STACK_DIR], ids=lambda p: p.name)
def test_one_region_rule_everywhere_and_it_accepts_real_regions(folder: Path) -> None:
    """The example once had ^[a-z]+-[a-z]+-[0-9]+$ and refused us-gov-ashburn-1."""
    module_rule = [c.replace("var.region", "") for c in _rules(MODULE_DIR, "region")]
    assert [c.replace("var.region", "") for c in _rules(folder, "region")] == module_rule
    for region in REAL_REGIONS:
        assert _passes(folder, "region", region), f"{folder.name} refuses {region}"
        if "genai_region" in load_dir(folder).variables:
            assert _passes(folder, "genai_region", region)
    assert not _passes(folder, "region", "US East (Ashburn)")
