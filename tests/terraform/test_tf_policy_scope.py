"""Every policy is attached where IAM accepts its statements.

A policy attached to compartment C may only name C or a compartment below it: IAM answers
"400-InvalidParameter ... not part of the policy compartment subtree" otherwise. The statements
name the main, state, Generative AI, topic, secret and key compartments, and the state
compartment is a sibling of the main one in the layout the module asks for (no uploader grant
may reach it). Before this test the policies defaulted to compartment_ocid, so every apply with
such a layout failed on the function's and the services' policies.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from test_tf_policies import (
    COMPARTMENT_OF,
    GENAI,
    KEY_COMPARTMENT,
    MAIN,
    SECRET_COMPARTMENT,
    STATE_COMPARTMENT,
    TENANCY,
    TOPIC_COMPARTMENT,
    _parse,
    _samples,
)
from tfmodel import MODULE_DIR, load_dir, render, unwrap

SIBLINGS = (MAIN, STATE_COMPARTMENT, GENAI, SECRET_COMPARTMENT, KEY_COMPARTMENT, TOPIC_COMPARTMENT)
COMMON_PARENT = "ocid1.compartment.oc1..aaaacommonparent"


def _below(compartment: str, ancestor: str, parent: dict[str, str]) -> bool:
    """Whether `compartment` is `ancestor` or (by the declared tree `parent`) below it."""
    while True:
        if compartment == ancestor:
            return True
        if compartment not in parent:
            return False
        compartment = parent[compartment]


def _policy_compartment(expression: str, policy_compartment_ocid: str | None) -> str:
    expr = unwrap(expression)
    if expr == "var.tenancy_ocid":
        return TENANCY
    assert expr == "local.policy_compartment_id", f"a policy attached to {expr}: teach this test"
    default = unwrap(load_dir(MODULE_DIR).locals["policy_compartment_id"])
    m = re.fullmatch(r"coalesce\(var\.policy_compartment_ocid, (var\.\w+)\)", default)
    assert m, f"policy_compartment_id = {default}: teach this test"
    fallback = {"var.tenancy_ocid": TENANCY, "var.compartment_ocid": MAIN}[m[1]]
    return policy_compartment_ocid or fallback


def _statements(expression: str) -> list[str]:
    """The rendered statements of a policy's `statements` (a local list of them)."""
    tf = load_dir(MODULE_DIR)
    name = unwrap(expression).removeprefix("local.")
    samples = _samples(with_domain=False)
    if name.endswith("_statements") and f"{name.removesuffix('_statements')}_grants" in tf.locals:
        grants: dict[str, Any] = tf.locals[f"{name.removesuffix('_statements')}_grants"]
        return [render(grant["statement"], samples) for grant in grants.values()]
    listed = tf.locals[name]
    assert isinstance(listed, list), f"{name}: teach this test"
    return [render(text, samples) for text in listed]


def _named(statement: str) -> str:
    location = _parse(statement)["location"]
    if location["type"] == "tenancy":
        return TENANCY
    assert location["type"] == "compartment-id", statement
    (compartment,) = location["values"]
    return str(compartment)


def _misplaced(policy_compartment_ocid: str | None, parent: dict[str, str]) -> list[str]:
    found = []
    for name, policy in load_dir(MODULE_DIR).resources["oci_identity_policy"].items():
        attached = _policy_compartment(policy["compartment_id"], policy_compartment_ocid)
        for statement in _statements(policy["statements"]):
            if not _below(_named(statement), attached, parent):
                found.append(f"{name} at {attached}: {statement}")
    return found


def test_the_samples_are_sibling_compartments() -> None:
    assert {value for _, value in COMPARTMENT_OF.values()} == set(SIBLINGS)


@pytest.mark.parametrize(
    "policy_compartment_ocid,parent",
    [
        (None, dict.fromkeys(SIBLINGS, TENANCY)),  # the default: siblings under the root
        (COMMON_PARENT, {**dict.fromkeys(SIBLINGS, COMMON_PARENT), COMMON_PARENT: TENANCY}),
    ],
    ids=["default", "common-parent"],
)
def test_every_statement_names_its_policy_compartment_or_one_below(
    policy_compartment_ocid: str | None, parent: dict[str, str]
) -> None:
    assert _misplaced(policy_compartment_ocid, parent) == []


def test_the_check_sees_a_policy_attached_to_a_sibling() -> None:
    """What the module did before: the policies at compartment_ocid, the state bucket's grants
    naming its sibling."""
    tree = dict.fromkeys(SIBLINGS, TENANCY)
    assert any(STATE_COMPARTMENT in line for line in _misplaced(MAIN, tree))
