"""A compartment variable given the tenancy OCID cannot silently make the function's grants
tenancy-wide: the policy's precondition refuses it unless allow_tenancy_wide_grants is set.

Before issue 12 every `*_compartment_ocid` accepted the tenancy OCID and iam.tf wrote
"in tenancy" without a word (genai_compartment_ocid = tenancy: manage every Generative AI
resource of the tenancy).
"""

from __future__ import annotations

import re

from tfmodel import MODULE_DIR, STACK_DIR, load_dir, unwrap

# Where the policy documents live is not what they grant: policies at the root are ordinary.
NOT_A_GRANT_SCOPE = {"policy_compartment_ocid"}
COMPARTMENT_VARIABLES = {
    name
    for name, body in load_dir(MODULE_DIR).variables.items()
    if name.endswith("compartment_ocid")
    and name not in NOT_A_GRANT_SCOPE
    and any("tenancy" in str(rule["condition"]) for rule in body.get("validation", []))
}


def test_every_variable_that_accepts_the_tenancy_is_guarded() -> None:
    module = load_dir(MODULE_DIR)
    assert {"compartment_ocid", "genai_compartment_ocid"} <= COMPARTMENT_VARIABLES
    guarded = str(module.locals["tenancy_wide_compartments"])
    for name in COMPARTMENT_VARIABLES:
        assert re.search(rf"\b{name}\s*=\s*\$?\{{?var\.{name}\b", guarded), name
    assert "var.tenancy_ocid" in guarded


def test_the_function_policy_refuses_tenancy_wide_grants_unless_chosen() -> None:
    module = load_dir(MODULE_DIR)
    policy = module.resource("oci_identity_policy", "function")
    conditions = [unwrap(p["condition"]) for p in policy["lifecycle"][0]["precondition"]]
    assert "var.allow_tenancy_wide_grants || length(local.tenancy_wide_compartments) == 0" in conditions
    assert module.variables["allow_tenancy_wide_grants"]["default"] is False
    assert load_dir(STACK_DIR).variables["allow_tenancy_wide_grants"]["default"] is False


def test_the_guard_runs_even_when_the_module_creates_no_policy() -> None:
    """With create_policies = false the policy has count = 0 and its precondition never runs, yet the
    policy_statements output still renders "in tenancy" for an administrator to paste: the output
    itself carries the guard (an output's precondition is evaluated at every plan)."""
    module = load_dir(MODULE_DIR)
    guard = "var.allow_tenancy_wide_grants || length(local.tenancy_wide_compartments) == 0"
    output = module.outputs["policy_statements"]
    assert "count" not in output and "for_each" not in output
    conditions = [unwrap(p["condition"]) for p in output.get("precondition", [])]
    assert guard in conditions
    # and every other place that guards it is only a second line: a resource with count
    policy = module.resource("oci_identity_policy", "function")
    assert "create_policies" in str(policy["count"])
    for name in ("local.policy_statements", "local.function_statements"):
        assert name.split(".")[1] in module.locals  # what the output renders is what the guard covers
