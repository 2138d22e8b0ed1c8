"""No event is trusted to arrive (issue 14 item 5): the local cloud delivers no event twice after
a 502 by default, events can be lost, and the scheduled sweep (an empty-body invocation, as OCI
Resource Scheduler makes: terraform/schedule.tf) recovers what they would have moved."""

from __future__ import annotations

import json
from typing import Any

from e2e_pipeline import Pipeline

from shared.contract.paths import manifest_object, request_object
from shared.contract.state import Stage
from shared.pipeline.genai_ops import Kind

# The schedule every half second; an import counts as stalled 1 s past its longest wait.
LOST = {"redeliver": False, "schedule_seconds": 0.5}
LOST_ENV = {"STALL_MARGIN_SECONDS": "1"}


def lossy(make_pipeline: Any, **options: Any) -> Pipeline:
    return make_pipeline(env=LOST_ENV, **{**LOST, **options})  # type: ignore[no-any-return]


def scheduled(pipeline: Pipeline) -> list[dict[str, Any]]:
    return [d for d in pipeline.cloud.deliveries() if d["rule"] == "schedule"]


def test_lost_state_events_stall_nothing_the_schedule_moves_it_on(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline = lossy(make_pipeline)
    pipeline.cloud.set_event_fault(resource="state/lost-state.json", drop_rate=1.0, count=3)
    pipeline.upload_model("lost-state", "chat")
    state = pipeline.wait_stage("lost-state", "DONE", "FAILED", "REJECTED", timeout=120)
    assert state.stage is Stage.DONE, state.last_error
    assert scheduled(pipeline), "the schedule never ran"
    titles = pipeline.cloud.wait_for(lambda: [m["title"] for m in pipeline.messages()])
    assert len([t for t in titles if "is live" in t]) == 1, titles
    assert len(pipeline.live(Kind.CLUSTER)) == 1


def test_a_schedule_that_sends_a_body_sweeps_too(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    """A schedule's BODY parameter (`{}` here) still sweeps: no OCI page says what body it sends."""
    pipeline = lossy(make_pipeline, schedule_body="{}")
    pipeline.cloud.set_event_fault(resource="state/body.json", drop_rate=1.0, count=3)
    pipeline.upload_model("body", "chat")
    state = pipeline.wait_stage("body", "DONE", "FAILED", "REJECTED", timeout=120)
    assert state.stage is Stage.DONE, state.last_error
    answers = [json.loads(d["response"] or "{}") for d in scheduled(pipeline) if d["response"]]
    assert answers and all(a.get("action") == "swept" for a in answers), answers
    assert any(a.get("nudged") for a in answers), "the schedule never moved the stalled import"


def test_a_lost_delete_is_found_and_the_deployment_torn_down(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline = lossy(make_pipeline)
    pipeline.upload_model("lost-delete", "chat")
    assert pipeline.wait_stage("lost-delete", "DONE", "FAILED").stage is Stage.DONE
    pipeline.cloud.set_event_fault(resource=manifest_object("lost-delete"), drop_rate=1.0, count=1)
    pipeline.delete(manifest_object("lost-delete"))
    assert not any(
        d["resource_name"] == manifest_object("lost-delete") and d["event_type"].endswith("deleteobject")
        for d in pipeline.cloud.deliveries()
    )
    gone = pipeline.wait_stage("lost-delete", "TORN_DOWN", timeout=120)
    pipeline.idle()
    assert f"{manifest_object('lost-delete')} deleted" in [t.note for t in gone.history]
    assert scheduled(pipeline)  # no event told it: the scheduled sweep did
    for kind in Kind:
        assert pipeline.live(kind) == [], kind


def test_a_502_nobody_delivers_again_is_recovered_by_the_schedule(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline = lossy(make_pipeline)
    # More failures than one invocation's SDK retries absorb: the stage answers 502, once.
    pipeline.cloud.set_fault(service="secrets", status=503, count=8)
    from localcloud.demo_models import write_model

    write_model(pipeline.cloud.state_dir / "hub" / "acme" / "flaky", "chat")
    pipeline.put(request_object("flaky"), json.dumps({"model_id": "acme/flaky"}).encode())
    state = pipeline.wait_stage("flaky", "DONE", "REJECTED", "FAILED", timeout=120)
    assert state.stage is Stage.DONE, (state.findings, state.last_error)
    failed = [d for d in pipeline.cloud.deliveries() if d["outcome"] == "failed"]
    assert failed and all(d["attempts"] == 1 for d in failed)  # not delivered again


def test_with_redelivery_on_nothing_happens_twice(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline = make_pipeline(redeliver=True, max_attempts=4, backoff_seconds=0.05)
    pipeline.cloud.set_fault(service="generativeai", method="POST", status=502, count=4)
    pipeline.upload_model("twice", "chat")
    state = pipeline.wait_stage("twice", "DONE", "FAILED", timeout=120)
    pipeline.idle()
    assert state.stage is Stage.DONE, state.last_error
    assert any(d["attempts"] > 1 for d in pipeline.cloud.deliveries())  # something was delivered again
    assert [r.id for r in pipeline.live(Kind.CLUSTER)] == [state.resources.cluster_id]
    assert [r.id for r in pipeline.live(Kind.ENDPOINT)] == [state.resources.endpoint_id]
    assert [r.id for r in pipeline.live(Kind.IMPORTED_MODEL)] == [state.resources.imported_model_id]
    assert len(pipeline.messages()) == 1
