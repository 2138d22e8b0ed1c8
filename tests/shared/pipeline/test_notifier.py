"""Notification messages (what a person reads) and their publication on the local topic."""

from __future__ import annotations

from pipeline_states import make_state

from shared.contract.state import LastError, Stage
from shared.findings import finding
from shared.pipeline.notifier import (
    MAX_BODY_BYTES,
    Notifier,
    failure_message,
    fit,
    rejection_message,
    success_message,
)
from shared.settings import FailurePolicy

BASE = "https://inference.generativeai.us-chicago-1.oci.oraclecloud.com"


def live_state():  # type: ignore[no-untyped-def]
    s = make_state(stage=Stage.DONE)
    res = s.resources.model_copy(
        update={
            "imported_model_id": "ocid1.m",
            "cluster_id": "ocid1.c",
            "endpoint_id": "ocid1.generativeaiendpoint.x",
        }
    )
    plan = s.plan.model_copy(update={"ai_units": 2.0, "cost_per_hour": 6.5, "shape_reason": "needs 2 GiB"})  # type: ignore[union-attr]
    return s.model_copy(update={"resources": res, "plan": plan, "smoke_test": {"passed": True}})


def test_success_message_has_what_a_person_needs() -> None:
    msg = success_message(
        live_state(), openai_base_url=BASE + "/openai/v1", inference_url=BASE, compartment_id="c"
    )
    assert msg.key == "success"
    assert "tiny-chat" in msg.title and "A10_X1" in msg.title and "$6.50/h" in msg.title
    for needle in (
        "TEXT_TO_TEXT",
        "needs 2 GiB",
        "AI units:     2",
        "one-hour minimum",
        "ocid1.generativeaiendpoint.x",
        BASE + "/openai/v1",
        "/chat/completions",
        "opc-compartment-id",
        "DedicatedServingMode",
    ):
        assert needle in msg.body, needle


def test_rejection_lists_every_code_and_what_to_do() -> None:
    state = make_state(stage=Stage.REJECTED).model_copy(
        update={
            "findings": [
                finding("CONFIG_MISSING", "models/tiny-chat/config.json"),
                finding("WEIGHTS_PICKLE_ONLY", "models/tiny-chat/pytorch_model.bin"),
            ]
        }
    )
    msg = rejection_message(state)
    assert "CONFIG_MISSING" in msg.title and "WEIGHTS_PICKLE_ONLY" in msg.title
    assert "Upload the Hugging Face config.json" in msg.body
    assert "nothing is running" in msg.body.lower()


def test_failure_names_stage_errors_and_fate_of_resources() -> None:
    state = live_state().model_copy(
        update={
            "stage": Stage.FAILED,
            "last_error": LastError(
                stage=Stage.PROVISIONING,
                code="WORK_REQUEST_FAILED",
                message="cluster failed",
                details=["E1: no GPUs"],
            ),
        }
    )
    deleting = failure_message(state, policy=FailurePolicy.DELETE)
    assert deleting.key == "failed:PROVISIONING"
    assert "PROVISIONING" in deleting.title and "WORK_REQUEST_FAILED" in deleting.title
    assert "E1: no GPUs" in deleting.body and "being deleted" in deleting.body
    keeping = failure_message(state, policy=FailurePolicy.KEEP)
    assert "kept for inspection" in keeping.body and "model-import teardown tiny-chat" in keeping.body


def test_bodies_are_cut_to_the_size_limit() -> None:
    title, body = fit("t" * 500, "line of text\n" * 20000)
    assert len(title) <= 200
    assert len(body.encode()) <= MAX_BODY_BYTES
    assert body.endswith("shows everything)")


def test_publish_reaches_the_topic(localcloud) -> None:  # type: ignore[no-untyped-def]
    notifier = Notifier(localcloud.factory.notifications(), localcloud.info.topic_id)
    msg = success_message(
        live_state(), openai_base_url=BASE + "/openai/v1", inference_url=BASE, compartment_id="c"
    )
    notifier.publish(msg)
    published = localcloud.messages(localcloud.info.topic_id)
    assert len(published) == 1
    assert published[0]["title"] == msg.title
    assert "ocid1.generativeaiendpoint.x" in published[0]["body"]
