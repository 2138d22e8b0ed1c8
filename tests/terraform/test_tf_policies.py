"""Every IAM statement the module writes, rendered with sample values and parsed as OCI policy
grammar (oci-lexer-parser), meets the least-privilege list: only the bucket's objects, only the
Generative AI types the pipeline creates, only one secret and one topic, no tenancy-wide or
all-resources grant, no object-family."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from oci_lexer_parser import parse_dynamic_group_matching_rule, parse_policy_statements
from tfmodel import MODULE_DIR, load_dir, render, unwrap

from localcloud import access

BUCKET = "model-import-models"
STATE_BUCKET = "model-import-state"
STATE_COMPARTMENT = "ocid1.compartment.oc1..aaaastate"
DG = "model-import-function"
TENANCY = "ocid1.tenancy.oc1..aaaatenancy"
MAIN = "ocid1.compartment.oc1..aaaamain"
GENAI = "ocid1.compartment.oc1..aaaagenai"
SECRET_COMPARTMENT = "ocid1.compartment.oc1..aaaasecret"
KEY_COMPARTMENT = "ocid1.compartment.oc1..aaaakeys"
TOPIC_COMPARTMENT = "ocid1.compartment.oc1..aaaatopics"
SECRET = "ocid1.vaultsecret.oc1.us-chicago-1.aaaasecret"
KEY = "ocid1.key.oc1.us-chicago-1.aaaakey"
SCHEDULE = "ocid1.resourceschedule.oc1.us-chicago-1.aaaaschedule"
FUNCTION = "ocid1.fnfunc.oc1.us-chicago-1.aaaafunction"
REGION = "us-chicago-1"

COMPARTMENT_OF = {
    "local.in_main": ("var.compartment_ocid", MAIN),
    "local.in_genai": ("local.genai_compartment_id", GENAI),
    "local.in_secret": ("local.secret_comp", SECRET_COMPARTMENT),
    "local.in_key": ("local.key_comp", KEY_COMPARTMENT),
    "local.in_topic": ("local.topic_compartment_id", TOPIC_COMPARTMENT),
    "local.in_state": ("local.state_compartment_id", STATE_COMPARTMENT),
}
# One list with the local cloud, which enforces it on the function (localcloud/access.py).
# The watched bucket is read only: uploaders write it, and the function writes nothing there.
PERMISSIONS_OF_THE_FUNCTION_ON_OBJECTS = set(access.FUNCTION_OBJECT_GRANTS[access.WATCHED_BUCKET])
# The state bucket: state documents, ledger, notices, create logs and orphan records, created,
# overwritten and deleted (functions/common.py, reconcile.py, orphans.py delete there).
PERMISSIONS_OF_THE_FUNCTION_ON_STATE = set(access.FUNCTION_OBJECT_GRANTS[access.STATE_BUCKET])

# What the function does, as (verb, resource type): anything else granted to it fails.
FUNCTION_NEEDS = {
    ("manage", "objects"),  # narrowed to four permissions, checked below
    ("read", "buckets"),
    ("manage", "generative-ai-imported-model"),
    ("manage", "generative-ai-dedicated-ai-cluster"),
    ("manage", "generative-ai-endpoint"),
    ("read", "generative-ai-work-request"),
    ("use", "generative-ai-chat"),
    ("use", "generative-ai-text-embedding"),
    ("read", "secret-bundles"),
    ("use", "ons-topics"),
}


def _locals() -> dict[str, Any]:
    return load_dir(MODULE_DIR).locals


def _branches(expression: str) -> tuple[str, str]:
    """The two string results of `cond ? "a" : "b"`."""
    m = re.fullmatch(r'\(?(?P<cond>[^?]+) \? "(?P<yes>[^"]*)"\s*: "(?P<no>[^"]*)"\)?', unwrap(expression))
    assert m, f"not a two-string conditional: {expression}"
    return m["yes"], m["no"]


def _samples(with_domain: bool) -> dict[str, str]:
    samples = {
        "local.bucket_name": BUCKET,
        "local.state_bucket_name": STATE_BUCKET,
        "local.hf_token_secret_ref": SECRET,
        "local.kms_key_ref": KEY,
        "local.sweep_schedule_id": SCHEDULE,
        "var.region": REGION,
    }
    for local, (compartment, value) in COMPARTMENT_OF.items():
        # Only the root compartment itself is written "in tenancy": the sample is a child.
        tenancy_branch, compartment_branch = _branches(_locals()[local.removeprefix("local.")])
        assert tenancy_branch == "in tenancy"
        assert _locals()[local.removeprefix("local.")].startswith(f"${{{compartment} == var.tenancy_ocid ?")
        samples[local] = render(compartment_branch, {compartment: value})
    plain, with_prefix = _branches(_locals()["function_subject"])
    subject = with_prefix if with_domain else plain
    samples["local.function_subject"] = render(
        subject, {"local.dynamic_group_ref": DG, "local.given.identity_domain_name": "Default"}
    )
    return samples


def _grants(group: str) -> dict[str, dict[str, Any]]:
    grants: dict[str, dict[str, Any]] = _locals()[group]
    return grants


def _parse(statement: str) -> dict[str, Any]:
    parsed = parse_policy_statements(statement)
    assert isinstance(parsed, dict)
    (result,) = parsed["statements"]
    return dict(result)


def _rendered(group: str, with_domain: bool = False) -> dict[str, tuple[str, dict[str, Any]]]:
    samples = _samples(with_domain)
    out = {}
    for name, grant in _grants(group).items():
        text = render(grant["statement"], samples)
        out[name] = (text, _parse(text))
    return out


def _clauses(node: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not node:
        return []
    if node["type"] == "clause":
        return [node["node"]]
    return [c for item in node["items"] for c in _clauses(item)]


def _condition(statement: dict[str, Any], lhs: str) -> list[str]:
    return [
        c["rhs"]["value"]
        for c in _clauses(statement.get("conditions"))
        if c["lhs"] == lhs and c["op"] == "eq"
    ]


ALL_GROUPS = ("function_grants", "service_grants", "sweep_grants", "rerank_grants")

# Every resource type a statement names, and the OCI page that documents it (with its verbs
# and permissions). iam.tf must cite the same page beside the grant. A type that is not here is
# documented nowhere we know of and fails test_every_resource_type_is_documented_and_cited.
DOCUMENTED = {
    "objects": "https://docs.oracle.com/iaas/Content/Identity/Reference/objectstoragepolicyreference.htm",
    "buckets": "https://docs.oracle.com/iaas/Content/Identity/Reference/objectstoragepolicyreference.htm",
    "object-family": "https://docs.oracle.com/iaas/Content/Object/Tasks/usinglifecyclepolicies.htm",
    "generative-ai-imported-model": (
        "https://docs.oracle.com/en-us/iaas/Content/generative-ai/imported-model-permissions.htm"
    ),
    "generative-ai-dedicated-ai-cluster": (
        "https://docs.oracle.com/en-us/iaas/Content/generative-ai/dedicated-ai-cluster-permissions.htm"
    ),
    "generative-ai-endpoint": "https://docs.oracle.com/en-us/iaas/Content/generative-ai/endpoint-permissions.htm",
    "generative-ai-work-request": (
        "https://docs.oracle.com/en-us/iaas/Content/generative-ai/work-request-permissions.htm"
    ),
    "generative-ai-chat": "https://docs.oracle.com/en-us/iaas/Content/generative-ai/chat-permissions.htm",
    "generative-ai-text-embedding": (
        "https://docs.oracle.com/en-us/iaas/Content/generative-ai/embedding-permissions.htm"
    ),
    "secret-bundles": "https://docs.oracle.com/iaas/Content/Identity/Reference/keypolicyreference.htm",
    "keys": "https://docs.oracle.com/iaas/Content/Identity/Reference/keypolicyreference.htm",
    "ons-topics": "https://docs.oracle.com/iaas/Content/Identity/Reference/notificationpolicyreference.htm",
    "functions-family": "https://docs.oracle.com/iaas/Content/Events/Concepts/eventspolicy.htm",
}
# Aggregate types are granted only where OCI's documented form for a service is the family.
DOCUMENTED_FAMILY_GRANTS = {
    ("service_grants", "events_functions"): "functions-family",
    ("service_grants", "objectstorage_lifecycle"): "object-family",
    ("service_grants", "objectstorage_lifecycle_state"): "object-family",
    # Resource Scheduler's documented form, manage <type> pinned to the schedule, with the type
    # Oracle's scheduled-function solution grants (iam.tf cites both).
    ("sweep_grants", "invoke_function"): "functions-family",
}
SCHEDULER_EXAMPLES = "https://docs.oracle.com/iaas/Content/resource-scheduler/references/example_policies.htm"
# Found on no OCI page: only in a policy of its own, off by default.
UNDOCUMENTED = {"generative-ai-text-rerank"}


def test_the_grammar_check_can_fail() -> None:
    with pytest.raises(Exception):  # noqa: B017 - any syntax error: the point is that one is raised
        parse_policy_statements("Allow dynamic-group x to manage objects in")
    # A misspelt verb parses as a permission list; the checks below insist on verbs.
    assert (
        _parse("Allow dynamic-group x to mange objects in compartment id ocid1.compartment.oc1..a")[
            "actions"
        ]["type"]
        != "verbs"
    )


@pytest.mark.parametrize("group", ALL_GROUPS)
@pytest.mark.parametrize("with_domain", [False, True], ids=["no-domain", "identity-domain"])
def test_every_statement_parses_with_standard_verbs_and_no_broad_scope(group: str, with_domain: bool) -> None:
    for name, (text, st) in _rendered(group, with_domain).items():
        assert st["kind"] == "allow", name
        assert st["actions"]["type"] == "verbs", f"{name}: {text}"
        assert set(st["actions"]["values"]) <= {"inspect", "read", "use", "manage"}, name
        assert st["resources"]["type"] == "specific", f"{name} grants {st['resources']}: {text}"
        for resource in st["resources"]["values"]:
            assert resource != "all-resources", name
            if resource.endswith("-family"):
                assert DOCUMENTED_FAMILY_GRANTS.get((group, name)) == resource, (
                    f"{name} grants a whole family: {text}"
                )
        assert st["location"]["type"] == "compartment-id", f"{name} is not scoped to a compartment: {text}"
        assert "tenancy" not in text.split(" in ", 1)[1].split(" where ")[0], name


def test_function_subject_names_the_dynamic_group_with_and_without_domain() -> None:
    for with_domain in (False, True):
        for name, (_, st) in _rendered("function_grants", with_domain).items():
            assert st["subject"]["type"] == "dynamic-group", name
            (value,) = st["subject"]["values"]
            assert value["label"] == DG
            assert value.get("identity_domain") == ("Default" if with_domain else None)


def test_function_is_granted_exactly_what_it_does() -> None:
    granted = set()
    for name, (text, st) in _rendered("function_grants").items():
        for verb in st["actions"]["values"]:
            for resource in st["resources"]["values"]:
                granted.add((verb, resource))
                assert (verb, resource) in FUNCTION_NEEDS, f"{name} grants {verb} {resource}: {text}"
    assert granted == FUNCTION_NEEDS
    for _, (_, st) in _rendered("function_grants").items():
        if st["resources"]["values"][0].startswith("generative-ai-"):
            assert st["location"]["values"] == [GENAI]


def test_bucket_grants_are_narrowed_to_the_bucket_and_delete_only_in_the_state_bucket() -> None:
    for group in ("function_grants", "service_grants"):
        for name, (text, st) in _rendered(group).items():
            if {"objects", "buckets", "object-family"} & set(st["resources"]["values"]):
                assert _condition(st, "target.bucket.name") in ([BUCKET], [STATE_BUCKET]), (
                    f"{name} is not limited to the bucket: {text}"
                )
                if _condition(st, "target.bucket.name") == [STATE_BUCKET]:
                    assert st["location"]["values"] == [STATE_COMPARTMENT], f"{name}: {text}"
    for grant, expected in (
        ("bucket_objects", PERMISSIONS_OF_THE_FUNCTION_ON_OBJECTS),
        ("state_objects", PERMISSIONS_OF_THE_FUNCTION_ON_STATE),
    ):
        objects = _rendered("function_grants")[grant][1]
        assert objects["conditions"]["mode"] == "all"
        permissions = set(_condition(objects, "request.permission"))
        assert permissions == expected, grant
        any_group = [item for item in objects["conditions"]["items"] if item["type"] == "group"]
        assert [group["mode"] for group in any_group] == ["any"], (
            "the permissions must be alternatives (any {...})"
        )
    # The watched bucket's objects are never written by the function: only the state bucket's.
    writes = {
        bucket
        for _, (text, st) in _rendered("function_grants").items()
        if "objects" in st["resources"]["values"]
        and {"OBJECT_CREATE", "OBJECT_OVERWRITE"} & set(_condition(st, "request.permission"))
        for bucket in _condition(st, "target.bucket.name")
    }
    assert writes == {STATE_BUCKET}


def test_secret_is_a_single_resource_and_the_topic_grant_only_publishes() -> None:
    rendered = _rendered("function_grants")
    secret = rendered["hf_token_secret"][1]
    assert (secret["actions"]["values"], secret["resources"]["values"]) == (["read"], ["secret-bundles"])
    assert _condition(secret, "target.secret.id") == [SECRET]
    assert secret["location"]["values"] == [SECRET_COMPARTMENT]
    topic = rendered["topic_publish"][1]
    assert (topic["actions"]["values"], topic["resources"]["values"]) == (["use"], ["ons-topics"])
    # Notifications supports only the general variables: no target.topic.id. The grant is cut
    # down to publishing, in the topic's own compartment.
    assert [c["lhs"] for c in _clauses(topic["conditions"])] == ["request.permission"]
    assert _condition(topic, "request.permission") == ["ONS_TOPIC_PUBLISH"]
    assert topic["location"]["values"] == [TOPIC_COMPARTMENT]
    notifications = load_dir(MODULE_DIR).resources["oci_ons_notification_topic"]["notifications"]
    assert notifications["compartment_id"] == "${local.topic_compartment_id}"


def test_services_may_invoke_the_function_and_run_lifecycle_rules_only() -> None:
    rendered = _rendered("service_grants")

    def service(st: dict[str, Any]) -> str:
        assert st["subject"]["type"] == "service"
        (value,) = st["subject"]["values"]
        return str(value["label"])

    assert {service(st) for _, st in rendered.values()} == {"cloudEvents", f"objectstorage-{REGION}"}
    events = {
        (st["actions"]["values"][0], st["resources"]["values"][0])
        for _, st in rendered.values()
        if service(st) == "cloudEvents"
    }
    # OCI's documented form (eventspolicy.htm): use functions-family, here in the function's
    # compartment.
    assert events == {("use", "functions-family")}
    assert rendered["events_functions"][1]["location"]["values"] == [MAIN]
    # OCI's documented form (usinglifecyclepolicies.htm): manage object-family, here only in
    # the watched bucket.
    lifecycle = rendered["objectstorage_lifecycle"][1]
    assert (lifecycle["actions"]["values"], lifecycle["resources"]["values"]) == (
        ["manage"],
        ["object-family"],
    )
    assert _condition(lifecycle, "target.bucket.name") == [BUCKET]
    kms = rendered["objectstorage_kms"][1]
    assert (kms["actions"]["values"], kms["resources"]["values"]) == (["use"], ["keys"])
    assert _condition(kms, "target.key.id") == [KEY]


def test_the_sweep_schedule_is_the_only_any_user_and_is_pinned_to_its_ocid() -> None:
    for group in ALL_GROUPS:
        for name, (text, st) in _rendered(group).items():
            if st["subject"]["type"] != "any-user":
                continue
            assert group == "sweep_grants", f"{name} grants any-user: {text}"
            assert _condition(st, "request.principal.type") == ["resourceschedule"]
            assert _condition(st, "request.principal.id") == [SCHEDULE]
            # the form OCI documents for a schedule acting on a resource (example_policies.htm)
            assert st["resources"]["values"] == ["functions-family"], text
            assert st["actions"]["values"] == ["manage"], text
            assert st["location"]["values"] == [MAIN], text
    assert len(_grants("sweep_grants")) == 1
    assert SCHEDULER_EXAMPLES in (MODULE_DIR / "iam.tf").read_text()


ENABLED_BY_DEFAULT = {
    "true": True,
    "local.uses_hf_secret": False,  # no secret unless one is given or created
    "local.given.bucket_kms_key_id != null": False,
    "local.given.sweep_schedule_cron != null": True,  # the sweep schedule is on by default (issue 14)
    "var.create_rerank_policy": False,
}


def _enabled_by_default(expression: Any) -> bool:
    if expression is True:
        return True
    expr = unwrap(str(expression))
    if m := re.fullmatch(r'contains\(var\.inference_resource_types, "([\w-]+)"\)', expr):
        return m[1] in load_dir(MODULE_DIR).variables["inference_resource_types"]["default"]
    assert expr in ENABLED_BY_DEFAULT, f"unknown condition {expr}"
    return ENABLED_BY_DEFAULT[expr]


def test_switches_of_the_optional_grants() -> None:
    grants = _grants("function_grants")
    assert unwrap(str(grants["hf_token_secret"]["enabled"])) == "local.uses_hf_secret"
    assert (
        unwrap(str(_grants("service_grants")["objectstorage_kms"]["enabled"]))
        == "local.given.bucket_kms_key_id != null"
    )
    default = {name for name, grant in grants.items() if _enabled_by_default(grant["enabled"])}
    assert default == set(grants) - {"hf_token_secret"}
    assert {name for name, g in _grants("service_grants").items() if _enabled_by_default(g["enabled"])} >= {
        "events_functions",
        "objectstorage_lifecycle",
    }


def test_statement_lists_policies_and_output_are_wired() -> None:
    tf = load_dir(MODULE_DIR)
    groups = (
        ("function", "function"),
        ("service", "services"),
        ("sweep", "sweep_schedule"),
        ("rerank", "rerank"),
    )
    for group, statements in groups:
        assert tf.locals[f"{group}_statements"] == (
            f"${{[for name, grant in local.{group}_grants : grant.statement if grant.enabled]}}"
        )
        policy = tf.resource("oci_identity_policy", statements)
        assert policy["statements"] == f"${{local.{group}_statements}}"
        assert "var.create_policies" in policy["count"]
    assert tf.locals["policy_statements"] == (
        "${concat(local.function_statements, local.service_statements, local.sweep_statements,"
        " local.rerank_statements)}"
    )
    # Handed out whether or not the module creates the policies.
    assert tf.outputs["policy_statements"]["value"] == "${local.policy_statements}"
    assert tf.outputs["dynamic_group_matching_rule"]["value"] == "${local.dynamic_group_matching_rule}"


def test_dynamic_group_matches_exactly_the_function() -> None:
    tf = load_dir(MODULE_DIR)
    rule = render(tf.locals["dynamic_group_matching_rule"], {"oci_functions_function.pipeline.id": FUNCTION})
    parsed = parse_dynamic_group_matching_rule(rule)
    assert isinstance(parsed, dict)
    (only,) = parsed["rules"]
    assert only["expr"]["mode"] == "all"
    clauses = {(c["lhs"], c["rhs"]["value"]) for c in _clauses(only["expr"])}
    assert clauses == {("resource.type", "fnfunc"), ("resource.id", FUNCTION)}
    group = tf.resource("oci_identity_dynamic_group", "function")
    assert group["matching_rule"] == "${local.dynamic_group_matching_rule}"
    assert group["compartment_id"] == "${var.tenancy_ocid}"
    assert group["count"] == "${local.create_iam_dynamic_group ? 1 : 0}"
    in_domain = tf.resource("oci_identity_domains_dynamic_resource_group", "function")
    assert in_domain["matching_rule"] == "${local.dynamic_group_matching_rule}"
    assert in_domain["idcs_endpoint"] == "${local.given.identity_domain_url}"
    assert in_domain["count"] == "${local.create_domain_dynamic_group ? 1 : 0}"
    assert "var.create_policies" in tf.locals["create_dynamic_group"]
    # Exactly one of the two is created, and only when no existing group is named.
    assert "local.given.existing_dynamic_group_name == null" in tf.locals["create_dynamic_group"]
    assert tf.locals["create_iam_dynamic_group"] == (
        "${local.create_dynamic_group && local.given.identity_domain_url == null}"
    )
    assert tf.locals["create_domain_dynamic_group"] == (
        "${local.create_dynamic_group && local.given.identity_domain_url != null}"
    )


def test_every_resource_type_is_documented_and_cited() -> None:
    iam = (MODULE_DIR / "iam.tf").read_text()
    named = set()
    for group in ALL_GROUPS:
        for name, (text, st) in _rendered(group).items():
            for resource in st["resources"]["values"]:
                named.add(resource)
                if resource in UNDOCUMENTED:
                    assert group == "rerank_grants", f"{name} names the undocumented {resource}: {text}"
                    continue
                assert resource in DOCUMENTED, f"{name}: {resource} is documented on no page we know: {text}"
                assert DOCUMENTED[resource] in iam, (
                    f"iam.tf does not cite {DOCUMENTED[resource]} ({resource})"
                )
    assert named >= set(DOCUMENTED)


def test_the_undocumented_rerank_type_has_its_own_policy_off_by_default() -> None:
    tf = load_dir(MODULE_DIR)
    (grant,) = _grants("rerank_grants").values()
    assert not _enabled_by_default(grant["enabled"])
    assert tf.variables["create_rerank_policy"]["default"] is False
    policy = tf.resource("oci_identity_policy", "rerank")
    assert policy["count"] == "${var.create_policies && var.create_rerank_policy ? 1 : 0}"
    for other in ("function", "services", "sweep_schedule"):
        assert "rerank" not in tf.resource("oci_identity_policy", other)["statements"]
    assert "generative-ai-text-rerank" not in str(tf.variables["inference_resource_types"])


def test_lifecycle_policy_and_key_wait_for_the_grant_to_propagate() -> None:
    tf = load_dir(MODULE_DIR)
    wait = tf.resource("time_sleep", "policy_propagation")
    assert wait["depends_on"] == ["${oci_identity_policy.services}"]
    assert wait["create_duration"] == "${var.policy_propagation_seconds}s"
    assert "local.service_statements" in str(wait["triggers"])
    assert tf.variables["policy_propagation_seconds"]["default"] >= 60
    # Every bucket and lifecycle policy, and anything that uses a customer-managed key: the
    # state bucket and its lifecycle policy included (they once waited only for the policy).
    waiting = [
        (kind, name)
        for kind, named in tf.resources.items()
        for name, body in named.items()
        if kind in {"oci_objectstorage_bucket", "oci_objectstorage_object_lifecycle_policy"}
        or "kms_key_id" in body
        or "bucket_kms_key_id" in str(body)
    ]
    assert {
        ("oci_objectstorage_bucket", "state"),
        ("oci_objectstorage_object_lifecycle_policy", "state"),
    } <= set(waiting)
    for kind, name in waiting:
        assert "${time_sleep.policy_propagation}" in tf.resource(kind, name).get("depends_on", []), (
            kind,
            name,
        )
    (versions,) = [block for block in tf.terraform if "required_providers" in block]
    (providers,) = versions["required_providers"]
    assert providers["time"]["source"] == "hashicorp/time"


def _genai_calls() -> set[str]:
    """Generative AI client methods the function's code calls (update_*, change_*_compartment)."""
    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\.((?:update|change)_(?:imported_model|dedicated_ai_cluster|endpoint)\w*)\(")
    found: set[str] = set()
    for package in ("shared", "functions"):
        for path in (root / package).rglob("*.py"):
            found |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return found


def _permission_of(method: str) -> str:
    for kind in ("imported_model", "dedicated_ai_cluster", "endpoint"):
        if kind in method:
            action = "MOVE" if method.startswith("change_") else "UPDATE"
            return f"GENERATIVE_AI_{kind.upper()}_{action}"
    raise AssertionError(method)


def test_genai_grants_exclude_only_what_the_pipeline_never_calls() -> None:
    excluded: set[str] = set()
    for name in ("imported_models", "clusters", "endpoints"):
        text, _ = _rendered("function_grants")[name]
        excluded |= set(re.findall(r"request\.permission != '([A-Z_]+)'", text))
    assert excluded == {
        "GENERATIVE_AI_IMPORTED_MODEL_MOVE",
        "GENERATIVE_AI_DEDICATED_AI_CLUSTER_MOVE",
        "GENERATIVE_AI_DEDICATED_AI_CLUSTER_UPDATE",
        "GENERATIVE_AI_ENDPOINT_MOVE",
        "GENERATIVE_AI_ENDPOINT_UPDATE",
    }
    called = {_permission_of(method) for method in _genai_calls()}
    assert "GENERATIVE_AI_IMPORTED_MODEL_UPDATE" in called  # mark_kept tags a kept model
    assert not called & excluded, f"the function calls what its policy excludes: {called & excluded}"
