"""A small real model uploaded with a manifest ends live: one model, cluster, endpoint, one notification."""

from __future__ import annotations

import pytest
from e2e_pipeline import Pipeline

from shared.contract.state import Stage
from shared.pipeline.genai_ops import Kind


def test_manifest_upload_ends_with_a_live_verified_endpoint(pipeline: Pipeline) -> None:
    pipeline.upload_model("tiny-chat", "chat", {"display_name": "Tiny chat", "freeform_tags": {"team": "ml"}})
    state = pipeline.wait_stage("tiny-chat", "DONE", "FAILED", "REJECTED")
    assert state.stage is Stage.DONE, state.last_error
    pipeline.idle()

    assert state.plan is not None and state.plan.capability.value == "TEXT_TO_TEXT"
    assert state.smoke_test is not None and state.smoke_test["passed"] is True
    endpoints = pipeline.live(Kind.ENDPOINT)
    clusters = pipeline.live(Kind.CLUSTER)
    models = pipeline.live(Kind.IMPORTED_MODEL)
    assert [e.id for e in endpoints] == [state.resources.endpoint_id]
    assert [c.id for c in clusters] == [state.resources.cluster_id]
    assert [m.id for m in models] == [state.resources.imported_model_id]
    assert endpoints[0].lifecycle_state == "ACTIVE"
    assert endpoints[0].tags["team"] == "ml" and endpoints[0].tags["import-id"] == state.import_id

    messages = pipeline.messages()
    assert [m["title"] for m in messages if "is live" in m["title"]] == [messages[-1]["title"]]
    assert len(messages) == 1
    assert state.resources.endpoint_id in messages[0]["body"]
    assert [t.stage.value for t in state.history] == [
        "VALIDATING",
        "IMPORTING",
        "PROVISIONING",
        "DEPLOYING",
        "SMOKE_TESTING",
        "DONE",
    ]
    assert state.import_id in pipeline.ledger_text()


@pytest.mark.parametrize(
    ("kind", "route"), [("embedding", "actions/embedText"), ("rerank", "actions/rerankText")]
)
def test_smoke_test_follows_the_capability(pipeline: Pipeline, kind: str, route: str) -> None:
    pipeline.upload_model(f"tiny-{kind}", kind)
    state = pipeline.wait_stage(f"tiny-{kind}", "DONE", "FAILED", "REJECTED")
    pipeline.idle()
    assert state.stage is Stage.DONE, (state.findings, state.last_error)
    assert state.smoke_test is not None and state.smoke_test["route"] == route
    assert state.plan is not None and state.plan.capability.value == kind.upper()
    assert "DedicatedServingMode" in pipeline.messages()[0]["body"]


def test_chat_falls_back_to_the_chat_action_when_the_openai_route_refuses(pipeline: Pipeline) -> None:
    pipeline.cloud.set_fault(
        service="inference", resource="/openai/", status=404, code="NotFound", message="no route"
    )
    pipeline.upload_model("tiny-chat", "chat")
    state = pipeline.wait_stage("tiny-chat", "DONE", "FAILED")
    pipeline.idle()
    assert state.stage is Stage.DONE, state.last_error
    assert state.smoke_test is not None and state.smoke_test["route"] == "actions/chat"
    assert "no route" in state.smoke_test["openai_route_error"]
    assert state.smoke_test["answer"].startswith("[localcloud emulation]")
