"""A failure at any stage ends in FAILED, with a notification, and nothing left running."""

from __future__ import annotations

import pytest
from e2e_pipeline import Pipeline

from shared.contract.paths import manifest_object
from shared.contract.state import Stage
from shared.pipeline.genai_ops import Kind


@pytest.mark.parametrize(
    ("operation", "stage"),
    [
        ("CREATE_IMPORTED_MODEL", "IMPORTING"),
        ("CREATE_DEDICATED_AI_CLUSTER", "PROVISIONING"),
        ("CREATE_ENDPOINT", "DEPLOYING"),
    ],
)
def test_failed_work_request_fails_the_import_and_cleans_up(
    pipeline: Pipeline, operation: str, stage: str
) -> None:
    pipeline.cloud.fail_work_request("tiny-chat", operation, "capacity not available in this region")
    pipeline.upload_model("tiny-chat", "chat")
    state = pipeline.wait_stage("tiny-chat", "FAILED", "DONE")
    pipeline.idle()
    assert state.stage is Stage.FAILED
    assert state.last_error is not None
    assert (state.last_error.stage.value, state.last_error.code) == (stage, "WORK_REQUEST_FAILED")
    assert any("capacity not available" in d for d in state.last_error.details)
    messages = pipeline.messages()
    assert len(messages) == 1
    assert f"FAILED at {stage}" in messages[0]["title"]
    assert "capacity not available" in messages[0]["body"] and "model-import retry" in messages[0]["body"]
    for kind in Kind:
        assert pipeline.live(kind) == [], kind
    assert state.import_id not in pipeline.ledger_text()


def test_failed_smoke_test_fails_and_keeps_the_deployment(pipeline: Pipeline) -> None:
    """FAILURE_POLICY=delete (the default) governs provisioning failures only: a deployment whose
    smoke test failed may well work, so it is kept and the notification says how to remove it."""
    pipeline.cloud.set_fault(
        service="inference", status=400, code="InvalidParameter", message="model crashed"
    )
    pipeline.upload_model("tiny-chat", "chat")
    state = pipeline.wait_stage("tiny-chat", "FAILED", "DONE")
    pipeline.idle()
    assert state.last_error is not None and state.last_error.code == "SMOKE_TEST_FAILED"
    assert state.last_error.stage is Stage.SMOKE_TESTING
    assert "model crashed" in state.last_error.message
    assert sum(1 for t in state.history if t.stage is Stage.SMOKE_TESTING) == 1
    assert [m["title"] for m in pipeline.messages()] == [
        "Model tiny-chat import FAILED at SMOKE_TESTING: SMOKE_TEST_FAILED"
    ]
    assert state.stage is Stage.FAILED and "KEPT whatever FAILURE_POLICY" in pipeline.messages()[0]["body"]
    assert [e.id for e in pipeline.live(Kind.ENDPOINT)] == [state.resources.endpoint_id]
    assert [c.id for c in pipeline.live(Kind.CLUSTER)] == [state.resources.cluster_id]


def test_keep_policy_keeps_tracked_resources_until_teardown(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline = make_pipeline(env={"FAILURE_POLICY": "keep"})
    pipeline.cloud.fail_work_request("tiny-chat", "CREATE_ENDPOINT", "quota")
    pipeline.upload_model("tiny-chat", "chat")
    state = pipeline.wait_stage("tiny-chat", "FAILED", "DONE")
    pipeline.idle()
    assert "kept for inspection" in pipeline.messages()[0]["body"]
    assert [c.id for c in pipeline.live(Kind.CLUSTER)] == [state.resources.cluster_id]
    assert [m.id for m in pipeline.live(Kind.IMPORTED_MODEL)] == [state.resources.imported_model_id]

    pipeline.delete(
        manifest_object("tiny-chat")
    )  # the user gives up: everything goes, the failed endpoint too
    gone = pipeline.wait_stage("tiny-chat", "TORN_DOWN")
    pipeline.idle()
    assert gone.resources.cluster_id is None
    for kind in Kind:
        assert pipeline.live(kind) == []


def test_a_failed_publish_is_retried_and_sent_once(pipeline: Pipeline) -> None:
    pipeline.cloud.set_fault(
        service="ons", status=400, code="InvalidParameter", message="topic busy", count=1
    )
    pipeline.upload_model("tiny-chat", "chat")
    pipeline.wait_stage("tiny-chat", "DONE", "FAILED")
    pipeline.cloud.wait_for(lambda: len(pipeline.messages()) >= 1, timeout=30)
    pipeline.idle()
    state = pipeline.state("tiny-chat")
    assert state is not None and state.notified == ["success"]
    assert [m["title"].split(":")[0] for m in pipeline.messages()] == ["Model tiny-chat is live"]
    assert "notification failed; will retry" in pipeline.function_log()
    assert [t.note.split(":")[0] for t in state.history if t.note.startswith("notification")] == [
        "notification success failed"
    ]


def test_a_topic_that_always_refuses_is_given_up_after_five_tries(pipeline: Pipeline) -> None:
    pipeline.cloud.set_fault(service="ons", status=400, code="InvalidParameter", message="no such topic")
    pipeline.upload_model("tiny-chat", "chat")
    pipeline.wait_stage("tiny-chat", "DONE", "FAILED")
    pipeline.cloud.wait_for(lambda: "giving up" in pipeline.function_log(), timeout=30)
    pipeline.idle()
    state = pipeline.state("tiny-chat")
    # Never published, so never listed as notified: given up and marked so (a refusal, not an outage).
    assert state is not None and state.stage is Stage.DONE and state.notified == []
    failed = state.publish_failures["success"]
    assert failed.gave_up and failed.failures == 5
    notes = [t.note for t in state.history if t.note.startswith("notification success failed")]
    assert len(notes) == 2 and "given up" in notes[1]
    assert pipeline.messages() == []
