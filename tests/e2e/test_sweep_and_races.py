"""Lost events and races: the sweep finds stalled imports; a teardown racing a create leaves nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from e2e_pipeline import Pipeline

from shared.contract.paths import manifest_object
from shared.contract.state import Stage, utcnow
from shared.pipeline.genai_ops import Kind
from shared.pipeline.sweep import sweep


class LoseStateEvents:
    """Wraps the router's delivery and drops the chosen state-written events (a lost event)."""

    def __init__(self, deliver: Callable[[str, dict[str, Any]], Any], drop: Callable[[int], bool]) -> None:
        self._deliver = deliver
        self.drop = drop
        self._lock = threading.Lock()
        self.seen = 0
        self.dropped = 0

    def __call__(self, rule: str, event: dict[str, Any]) -> Any:
        if rule == "state-written":
            with self._lock:
                self.seen += 1
                lose = self.drop(self.seen)
                self.dropped += lose
            if lose:
                return None
        return self._deliver(rule, event)


def test_sweep_finds_an_import_stalled_by_a_lost_event(pipeline: Pipeline) -> None:
    router = pipeline.cloud.cloud.router
    # Lose every state event while the import is IMPORTING with its model recorded, until the
    # sweep: found by content, not by counting writes, whose number changes with the stages
    # (the rewrite before a create fires one more event, whose invocation may adopt the model).
    released: list[bool] = []

    def records_the_model(n: int) -> bool:
        s = pipeline.state("tiny-chat")
        has_model = s is not None and s.stage is Stage.IMPORTING and bool(s.resources.imported_model_id)
        return has_model and not released

    router.deliver = LoseStateEvents(router.deliver, records_the_model)
    pipeline.upload_model("tiny-chat", "chat")
    pipeline.cloud.wait_for(lambda: router.deliver.dropped >= 1)
    pipeline.idle()
    stalled = pipeline.state("tiny-chat")
    assert stalled is not None and stalled.stage is Stage.IMPORTING and stalled.resources.imported_model_id

    nothing = sweep(pipeline.store, now=utcnow(), stall_after=timedelta(minutes=5), ops=pipeline.ops)
    assert nothing.nudged == []  # not stalled yet: too recent
    later = utcnow() + timedelta(minutes=6)  # as the CLI would run it six minutes later
    released.append(True)  # from here on events arrive again
    report = sweep(pipeline.store, now=later, stall_after=timedelta(minutes=5), ops=pipeline.ops)
    assert [n.split(":")[0] for n in report.nudged] == ["tiny-chat"]
    assert report.orphans_deleted == []
    done = pipeline.wait_stage("tiny-chat", "DONE", "FAILED")
    pipeline.idle()
    assert done.stage is Stage.DONE
    assert [m.id for m in pipeline.live(Kind.IMPORTED_MODEL)] == [stalled.resources.imported_model_id]


def test_a_stage_past_its_deadline_fails_when_the_sweep_finds_it(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    from localcloud.context import Timings

    slow = Timings(import_seconds=600, cluster_seconds=0.3, endpoint_seconds=0.3, delete_seconds=0.1)
    pipeline: Pipeline = make_pipeline(timings=slow)
    router = pipeline.cloud.cloud.router
    losing = LoseStateEvents(router.deliver, lambda n: False)
    router.deliver = losing
    pipeline.upload_model("tiny-chat", "chat")
    waiting = pipeline.wait_stage("tiny-chat", "IMPORTING")
    pipeline.cloud.wait_for(lambda: (s := pipeline.state("tiny-chat")) and s.attempt >= 1)
    losing.drop = lambda n: True  # the outage: no more state events
    pipeline.idle()
    state, etag = pipeline.store.get("tiny-chat")  # type: ignore[misc]
    pipeline.store.put(state.model_copy(update={"stage_deadline": utcnow() - timedelta(minutes=1)}), etag)
    losing.drop = lambda n: False  # the outage is over
    report = sweep(pipeline.store, now=utcnow(), stall_after=timedelta(minutes=5))
    assert len(report.nudged) == 1 and "deadline" in report.nudged[0]
    failing = pipeline.wait_stage("tiny-chat", "TEARING_DOWN", "FAILED")
    assert failing.last_error is not None and failing.last_error.code == "STAGE_DEADLINE_EXCEEDED"
    pipeline.cloud.cloud.clock_offset += 601  # the import finishes, so teardown can delete it
    failed = pipeline.wait_stage("tiny-chat", "FAILED")
    pipeline.idle()
    assert failed.last_error is not None and failed.last_error.stage is Stage.IMPORTING
    assert "STAGE_DEADLINE_EXCEEDED" in pipeline.messages()[0]["title"]
    assert pipeline.live(Kind.IMPORTED_MODEL) == []
    assert waiting.import_id == failed.import_id


@pytest.mark.parametrize("latency", [1.0, 4.0])  # the create lands during the teardown / after it finished
def test_teardown_racing_an_endpoint_create_in_flight_leaves_nothing(make_pipeline, latency: float) -> None:  # type: ignore[no-untyped-def]
    pipeline: Pipeline = make_pipeline(pool_size=3)
    # the endpoint create request is slow to reach the service: the teardown starts meanwhile
    pipeline.cloud.set_fault(
        action="latency",
        latency_seconds=latency,
        service="generativeai",
        method="POST",
        resource="/endpoints",
        count=1,
    )
    pipeline.upload_model("tiny-chat", "chat")
    pipeline.wait_stage("tiny-chat", "DEPLOYING")
    pipeline.delete(manifest_object("tiny-chat"))
    gone = pipeline.wait_stage("tiny-chat", "TORN_DOWN", "FAILED", timeout=60)
    pipeline.cloud.wait_for(lambda: all(pipeline.live(kind) == [] for kind in Kind), timeout=30)
    pipeline.idle()
    assert gone.stage is Stage.TORN_DOWN
    assert len(pipeline.ops.list_all(Kind.ENDPOINT)) <= 1
    for kind in Kind:
        assert pipeline.live(kind) == []


def test_sweep_deletes_orphans_and_stale_holds(pipeline: Pipeline) -> None:
    live = pipeline  # an import that is torn down, then a resource tagged for it appears (a late create)
    live.upload_model("tiny-chat", "chat", {"deploy": False})
    state = live.wait_stage("tiny-chat", "DONE")
    live.idle()
    live.delete(manifest_object("tiny-chat"))
    torn = live.wait_stage("tiny-chat", "TORN_DOWN")
    live.idle()
    late = live.ops.create_imported_model(torn.model_copy(update={"retries": 7}), state.plan.capability)  # type: ignore[union-attr]
    live.ops.wait(Kind.IMPORTED_MODEL, late.id, None, 10, 0.05)
    other_source = torn.source.model_copy(update={"bucket": "another-stacks-bucket"})
    foreign_state = torn.model_copy(update={"import_id": "tiny-chat-ffffffffffff", "source": other_source})
    foreign = live.ops.create_imported_model(foreign_state, state.plan.capability)  # type: ignore[union-attr]
    from shared.pipeline.ledger import Ledger

    ledger = Ledger(live.os, live.cloud.info.namespace, live.state_bucket)
    ledger.reserve("ghost-000000000000", "ghost", 1.0, max_per_import=10, max_total=10)
    report = sweep(live.store, now=utcnow(), stall_after=timedelta(minutes=5), ops=live.ops, ledger=ledger)
    assert report.orphans_deleted == [f"import-model {late.id} ({torn.import_id})"]
    assert report.not_ours == 1  # the other stack's model is left alone
    assert report.holds_released == ["ghost-000000000000"]
    live.cloud.wait_for(lambda: [m.id for m in live.live(Kind.IMPORTED_MODEL)] == [foreign.id], timeout=10)
    assert ledger.holds() == {}


def test_a_schedule_body_sweeps_and_a_malformed_event_or_garbage_does_not(pipeline: Pipeline) -> None:
    """No OCI page says what body Resource Scheduler sends: none, `{}` or any JSON that is no
    CloudEvent sweeps; a CloudEvent that is malformed, or a body that is not JSON, does not."""
    router = pipeline.cloud.cloud.router
    # lose every state event from the model's creation on: the import stalls wherever it is
    losing = LoseStateEvents(router.deliver, lambda n: n >= 3)
    router.deliver = losing
    pipeline.upload_model("tiny-chat", "chat")
    pipeline.cloud.wait_for(lambda: losing.dropped >= 1)
    pipeline.idle()
    losing.drop = lambda n: True  # while we age the document, as if ten minutes had passed
    state, etag = pipeline.store.get("tiny-chat")  # type: ignore[misc]
    pipeline.store.put(state.model_copy(update={"updated_at": utcnow() - timedelta(minutes=10)}), etag)
    losing.drop = lambda n: False
    worker = pipeline.cloud.cloud.runner.workers[0]

    for n, body in enumerate((b"not json {", b'{"eventType": "com.oraclecloud.objectstorage.createobject"}')):
        status, garbage = worker.call(body, f"garbage-{n}", 60)
        assert status == 200 and json.loads(garbage)["code"] == "EVENT_MALFORMED", garbage
    elsewhere = next(e for e in pipeline.cloud.events() if e["data"]["resourceName"].endswith("import.json"))
    elsewhere = {**elsewhere, "data": {**elsewhere["data"], "additionalDetails": {"bucketName": "other"}}}
    status, ignored = worker.call(json.dumps(elsewhere).encode(), "other-bucket-1", 60)
    assert status == 200 and json.loads(ignored)["action"] == "ignored"

    status, answer = worker.call(b"{}", "schedule-1", 60)  # a schedule with a BODY parameter
    report = json.loads(answer)
    assert status == 200 and report["action"] == "swept", report
    assert [n.split(":")[0] for n in report["nudged"]] == ["tiny-chat"], report
    done = pipeline.wait_stage("tiny-chat", "DONE", "FAILED")
    pipeline.idle()
    assert done.stage is Stage.DONE
    for n, body in enumerate((b"", b" \n", b'{"schedule": "sweep"}', b'"sweep"', b"[]")):
        status, answer = worker.call(body, f"schedule-again-{n}", 60)
        assert status == 200 and json.loads(answer)["action"] == "swept", (body, answer)
