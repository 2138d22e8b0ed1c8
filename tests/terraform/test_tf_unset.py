"""An optional string input given "" counts as unset in the module itself, not only in the
Resource Manager stack: `sweep_schedule_cron = ""` once created a schedule with an empty cron,
and `bucket_kms_key_id = ""` a key grant naming target.key.id = ''.

The module reads each optional string through one normalisation, local.given ("" -> null), or
through coalesce() (which skips "" as Terraform documents it), never raw in a count, an enabled
switch or an argument.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from hcl_eval import holds
from tfmodel import MODULE_DIR, STACK_DIR, load_dir, strings, unwrap

# Read raw only where "" cannot matter: the normalisations themselves, and the list of
# compartment variables equal to the tenancy OCID ("" never is).
NORMALISATIONS = {"given", "given_hf_token"}
RAW_IS_HARMLESS = {"tenancy_wide_compartments"}


def _optional_strings() -> list[str]:
    variables = load_dir(MODULE_DIR).variables
    names = {n for n, b in variables.items() if b.get("type") == "string" and b.get("default", 0) is None}
    # on by default, but "" must turn it off as null does
    return sorted(names | {"sweep_schedule_cron"})


def _raw_reads(name: str) -> list[str]:
    tf = load_dir(MODULE_DIR)
    bodies: list[Any] = [body for other, body in tf.variables.items() if other != name]
    bodies += [value for local, value in tf.locals.items() if local not in NORMALISATIONS | RAW_IS_HARMLESS]
    bodies += [*tf.outputs.values(), *tf.modules.values()]
    bodies += [body for named in [*tf.resources.values(), *tf.data.values()] for body in named.values()]
    raw = []
    for text in (t for body in bodies for t in strings(body)):
        rest = re.sub(rf"coalesce\(var\.{name}\b", "coalesce(", text)
        if re.search(rf"\bvar\.{name}\b", rest):
            raw.append(text)
    return raw


def test_there_are_optional_strings() -> None:
    assert {
        "sweep_schedule_cron",
        "bucket_kms_key_id",
        "hf_token_secret_id",
        "ai_unit_price_per_hour",
    } <= set(_optional_strings())


@pytest.mark.parametrize("name", _optional_strings())
def test_the_module_never_reads_an_optional_string_raw(name: str) -> None:
    assert _raw_reads(name) == [], f'{name} = "" would count as set here'


def test_the_normalisation_turns_empty_into_null() -> None:
    tf = load_dir(MODULE_DIR)
    given = unwrap(tf.locals["given"])
    assert given.endswith(': name => (value == null ? null : (trimspace(value) == "" ? null : value))}'), (
        given
    )
    assert unwrap(tf.locals["given_hf_token"]) == (
        'var.hf_token == null ? null : (trimspace(var.hf_token) == "" ? null : var.hf_token)'
    )
    listed = set(re.findall(r"(\w+) = var\.(\w+)", given))
    assert all(key == value for key, value in listed)
    # every optional string is either normalised there or only ever coalesced
    for name in _optional_strings():
        if name == "hf_token":
            continue
        uses = [t for body in tf.everything() for t in strings(body) if f"var.{name}" in t]
        coalesced_only = all(
            not re.search(rf"\bvar\.{name}\b", re.sub(rf"coalesce\(var\.{name}\b", "", t))
            for t in uses
            if t not in strings(tf.variables[name])
            and t not in strings(tf.locals["given"])
            and t not in strings(tf.locals.get("tenancy_wide_compartments"))
        )
        assert (name, name) in listed or coalesced_only, name


def test_the_sweep_schedule_and_the_key_grant_are_off_for_empty() -> None:
    tf = load_dir(MODULE_DIR)
    schedule = tf.resource("oci_resource_scheduler_schedule", "sweep")
    assert schedule["count"] == "${local.given.sweep_schedule_cron == null ? 0 : 1}"
    assert schedule["recurrence_details"] == "${local.given.sweep_schedule_cron}"
    kms = tf.locals["service_grants"]["objectstorage_kms"]
    assert unwrap(str(kms["enabled"])) == "local.given.bucket_kms_key_id != null"


@pytest.mark.parametrize(
    "value,ok", [("", True), ("2.5", True), ("0", True), ("-1", False), ("abc", False), ("1,5", False)]
)
def test_the_price_is_a_string_so_a_cleared_field_is_unset(value: str, ok: bool) -> None:
    """A cleared number field would reach Terraform as "", which no number variable converts:
    the variable is a string (numbers given to the module convert to it), checked and converted
    with tonumber() in locals.function_config_all."""
    variable = load_dir(MODULE_DIR).variables["ai_unit_price_per_hour"]
    assert variable["type"] == "string"
    assert (
        all(holds(unwrap(r["condition"]), "ai_unit_price_per_hour", value) for r in variable["validation"])
        is ok
    )
    form = yaml.safe_load((STACK_DIR / "schema.yaml").read_text(encoding="utf-8"))
    field = form["variables"]["ai_unit_price_per_hour"]
    assert field["type"] == "string" and bool(re.fullmatch(field["pattern"], value)) is ok
    config = load_dir(MODULE_DIR).locals["function_config_all"]["AI_UNIT_PRICE_PER_HOUR"]
    assert "tonumber(local.given.ai_unit_price_per_hour)" in config
