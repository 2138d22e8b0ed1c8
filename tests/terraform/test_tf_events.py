"""The rules Terraform creates are exactly the event contract: one per events/rules/<name>.json,
rendered with templatefile() from that file, each delivering to the function; the bucket emits
object events; the lifecycle rules cover the contract's _imports/ objects."""

from __future__ import annotations

import re

from tfmodel import MODULE_DIR, REPO, interpolations, load_dir, unwrap

from events.matching import PLACEHOLDER, RULES, render

# Optionally inside jsonencode(jsondecode(...)), which only minifies the rendered JSON.
TEMPLATEFILE = re.compile(
    r"^(?P<wrap>jsonencode\(jsondecode\()?"
    r'templatefile\("\$\{local\.event_rules_dir\}/\$\{each\.key\}\.json", \{(?P<vars>.*?)\}\)'
    r"(?(wrap)\)\))$"
)


def _module():  # type: ignore[no-untyped-def]
    return load_dir(MODULE_DIR)


def test_rules_dir_is_the_event_contract_folder() -> None:
    assert _module().locals["event_rules_dir"] == "${path.module}/../events/rules"
    # path.module is terraform/ when the module is used from this repository.
    assert (MODULE_DIR / "../events/rules").resolve() == REPO / "events" / "rules"


def test_one_rule_entry_per_contract_rule() -> None:
    entries = _module().locals["event_rules"]
    assert set(entries) == {rule.name for rule in RULES}
    for rule in RULES:
        entry = entries[rule.name]
        assert entry["description"] == rule.description, f"{rule.name}: description drifted from RULES"
        if rule.optional_setting is None:
            assert entry["enabled"] is True, f"{rule.name} must always be created"
        else:
            variable = rule.optional_setting.lower()
            assert unwrap(str(entry["enabled"])) == f"var.{variable}", f"{rule.name} must follow {variable}"
            assert variable in _module().variables
    assert _module().locals["active_event_rules"] == (
        "${{for name, rule in local.event_rules : name => rule if rule.enabled}}"
    )


def test_each_rule_condition_is_templatefile_of_its_contract_file() -> None:
    rule = _module().resource("oci_events_rule", "pipeline")
    assert rule["for_each"] == "${local.active_event_rules}"
    match = TEMPLATEFILE.match(unwrap(rule["condition"]))
    assert match, f"condition must be templatefile() of the rule's events/ file, got {rule['condition']}"
    passed = dict(part.split(" = ", 1) for part in match["vars"].split(", "))
    assert passed == {
        "bucket_name": "oci_objectstorage_bucket.models.name",
        "state_bucket_name": "oci_objectstorage_bucket.state.name",
    }
    # the state rule sees the state bucket's compartment (a rule sees its compartment and children)
    assert unwrap(rule["compartment_id"]) == (
        'each.key == "state-written" ? local.state_compartment_id : var.compartment_ocid'
    )
    for spec in RULES:
        path = REPO / "events" / "rules" / f"{spec.name}.json"
        text = path.read_text(encoding="utf-8")
        # templatefile() would also try to evaluate any other ${...} or %{...} in the file.
        assert set(interpolations(text)) <= set(passed), f"{path.name} uses placeholders Terraform lacks"
        assert "%{" not in text
        expected = "state_bucket_name" if spec.name == "state-written" else "bucket_name"
        assert set(PLACEHOLDER.findall(text)) == {expected}
        condition = render(text, {"bucket_name": "my-bucket", "state_bucket_name": "my-state"})
        bucket = "my-state" if spec.name == "state-written" else "my-bucket"
        assert condition["data"]["additionalDetails"]["bucketName"] == [bucket]


def test_no_rule_condition_is_written_inline() -> None:
    for name, body in _module().resources["oci_events_rule"].items():
        assert "templatefile(" in body["condition"], f"oci_events_rule.{name} has an inline condition"


def test_every_rule_action_invokes_the_function() -> None:
    for name, rule in _module().resources["oci_events_rule"].items():
        assert rule["is_enabled"] is True
        outer = rule["actions"]
        assert len(outer) == 1
        actions = outer[0]["actions"]
        assert actions, f"oci_events_rule.{name} has no action"
        for action in actions:
            assert action["action_type"] == "FAAS"
            assert action["is_enabled"] is True
            assert action["function_id"] == "${oci_functions_function.pipeline.id}"


def test_bucket_emits_object_events_and_keeps_versions() -> None:
    for name in ("models", "state"):
        bucket = _module().resource("oci_objectstorage_bucket", name)
        assert bucket["object_events_enabled"] is True
        assert bucket["versioning"] == "Enabled"
        assert bucket["access_type"] == "NoPublicAccess"
        assert bucket["kms_key_id"] == "${local.given.bucket_kms_key_id}"


def test_the_state_bucket_is_apart_from_the_watched_one() -> None:
    """Its own compartment unless explicitly allowed: uploaders write every bucket they hold a grant on."""
    state = _module().resource("oci_objectstorage_bucket", "state")
    assert state["compartment_id"] == "${local.state_compartment_id}"
    conditions = [unwrap(p["condition"]) for p in state["lifecycle"][0]["precondition"]]
    assert (
        "local.state_compartment_id != var.compartment_ocid || var.allow_shared_state_compartment"
        in conditions
    )
    assert "local.state_bucket_name != local.bucket_name" in conditions
    assert _module().variables["allow_shared_state_compartment"]["default"] is False


def test_lifecycle_expires_old_versions_of_the_pipeline_objects() -> None:
    policy = _module().resource("oci_objectstorage_object_lifecycle_policy", "models")
    assert policy["bucket"] == "${oci_objectstorage_bucket.models.name}"
    assert "oci_identity_policy.services" in str(policy["depends_on"])
    rules = {rule["name"]: rule for rule in policy["rules"]}
    assert "expire-previous-state-versions" not in rules  # no state in the watched bucket any more
    state_policy = _module().resource("oci_objectstorage_object_lifecycle_policy", "state")
    assert state_policy["bucket"] == "${oci_objectstorage_bucket.state.name}"
    assert "oci_identity_policy.services" in str(state_policy["depends_on"])
    (state,) = state_policy["rules"]
    assert (state["target"], state["action"], state["time_unit"]) == (
        "previous-object-versions",
        "DELETE",
        "DAYS",
    )
    assert state["time_amount"] == "${var.state_version_retention_days}"
    assert _module().variables["state_version_retention_days"]["default"] == 1
    # Covers every object of the state bucket (state documents, ledger, notices): no filter.
    assert "object_name_filter" not in state
    multipart = rules["abort-stale-multipart-uploads"]
    assert (multipart["target"], multipart["action"]) == ("multipart-uploads", "ABORT")


def test_rule_and_function_logs_exist() -> None:
    logs = _module().resources["oci_logging_log"]
    invoke = logs["function_invoke"]["configuration"][0]["source"][0]
    assert (invoke["service"], invoke["category"]) == ("functions", "invoke")
    assert invoke["resource"] == "${oci_functions_application.this.id}"
    rules = logs["rule_execution"]
    assert rules["for_each"] == "${oci_events_rule.pipeline}"
    source = rules["configuration"][0]["source"][0]
    assert (source["service"], source["category"], source["resource"]) == (
        "cloudevents",
        "ruleexecutionlog",
        "${each.value.id}",
    )


def test_each_rule_execution_log_is_in_its_rules_compartment() -> None:
    """The state-written rule lives in the state compartment; its execution log's source
    configuration names the rule's own compartment, not compartment_ocid."""
    tf = load_dir(MODULE_DIR)
    log = tf.resource("oci_logging_log", "rule_execution")
    assert log["for_each"] == "${oci_events_rule.pipeline}"
    (configuration,) = log["configuration"]
    assert configuration["compartment_id"] == "${each.value.compartment_id}"
    (source,) = configuration["source"]
    assert source["resource"] == "${each.value.id}"
    rule = tf.resource("oci_events_rule", "pipeline")
    assert "local.state_compartment_id" in rule["compartment_id"]
