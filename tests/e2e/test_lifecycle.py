"""Teardown, replacement by a new upload, cancel and retry: what the user does after an import."""

from __future__ import annotations

import json
import threading

from e2e_pipeline import Pipeline

from shared.contract.paths import manifest_object
from shared.contract.state import Stage, utcnow
from shared.pipeline.control import cancel, retry
from shared.pipeline.genai_ops import Kind


def live_import(pipeline: Pipeline, name: str = "tiny-chat", manifest: dict | None = None):  # type: ignore[no-untyped-def,type-arg]
    pipeline.upload_model(name, "chat", manifest)
    state = pipeline.wait_stage(name, "DONE", "FAILED", "REJECTED")
    pipeline.idle()
    assert state.stage is Stage.DONE, state.last_error
    return state


def test_deleting_the_manifest_tears_down_in_order(pipeline: Pipeline) -> None:
    live = live_import(pipeline)
    pipeline.delete(manifest_object("tiny-chat"))
    gone = pipeline.wait_stage("tiny-chat", "TORN_DOWN", "FAILED")
    pipeline.idle()
    assert gone.stage is Stage.TORN_DOWN and gone.desired == "absent"
    order = [part.split()[0] for part in gone.history[-1].note.split("; ")]
    assert order == ["endpoint", "cluster", "import-model"]
    for kind in Kind:
        assert pipeline.live(kind) == []
    assert live.import_id not in pipeline.ledger_text()
    assert [m["title"] for m in pipeline.messages()][-1] == "Model tiny-chat torn down"


def test_keep_on_delete_and_keep_model(pipeline: Pipeline) -> None:
    live_import(pipeline, "kept", {"keep_on_delete": True})
    pipeline.delete(manifest_object("kept"))
    pipeline.idle()
    assert pipeline.state("kept").stage is Stage.DONE  # type: ignore[union-attr]
    assert len(pipeline.live(Kind.ENDPOINT)) == 1

    model_kept = live_import(pipeline, "model-kept", {"keep_model": True})
    pipeline.delete(manifest_object("model-kept"))
    pipeline.wait_stage("model-kept", "TORN_DOWN")
    pipeline.idle()
    kept = {m.id: m.is_kept for m in pipeline.ops.list_managed(Kind.IMPORTED_MODEL, include_kept=True)}
    assert kept.get(model_kept.resources.imported_model_id or "") is True  # tagged kept=true
    assert model_kept.resources.imported_model_id not in {m.id for m in pipeline.live(Kind.IMPORTED_MODEL)}
    assert model_kept.resources.endpoint_id not in {e.id for e in pipeline.live(Kind.ENDPOINT)}


def test_new_upload_replaces_a_live_deployment(pipeline: Pipeline) -> None:
    old = live_import(pipeline, manifest={"display_name": "first"})
    pipeline.put(manifest_object("tiny-chat"), json.dumps({"display_name": "second"}).encode())
    new = pipeline.wait_stage("tiny-chat", "DONE", "FAILED", "REJECTED")
    pipeline.idle()
    new = pipeline.state("tiny-chat")  # type: ignore[assignment]
    assert new.stage is Stage.DONE and new.import_id != old.import_id
    assert new.options.display_name == "second"
    notes = [t.note for t in new.history]
    assert any(n.startswith("replaced by a new upload") for n in notes)
    assert any(
        n.startswith(f"new upload of models/tiny-chat/import.json replaces import {old.import_id}")
        for n in notes
    )
    assert [e.id for e in pipeline.live(Kind.ENDPOINT)] == [new.resources.endpoint_id]
    assert [c.id for c in pipeline.live(Kind.CLUSTER)] == [new.resources.cluster_id]
    titles = [m["title"] for m in pipeline.messages()]
    assert titles[0].startswith("Model tiny-chat is live") and titles[-1].startswith(
        "Model tiny-chat is live"
    )
    assert "Model tiny-chat torn down" in titles
    ledger = pipeline.ledger_text()
    assert new.import_id in ledger and old.import_id not in ledger


def test_cancel_from_the_cli_tears_down(pipeline: Pipeline) -> None:
    live_import(pipeline)
    state, etag = pipeline.store.get("tiny-chat")  # type: ignore[misc]
    pipeline.store.put(cancel(state, now=utcnow()), etag)
    gone = pipeline.wait_stage("tiny-chat", "TORN_DOWN", "FAILED")
    pipeline.idle()
    assert gone.stage is Stage.TORN_DOWN
    for kind in Kind:
        assert pipeline.live(kind) == []


def test_retry_after_a_failure_finishes_the_import(pipeline: Pipeline) -> None:
    fault = pipeline.cloud.fail_work_request("tiny-chat", "CREATE_ENDPOINT", "transient capacity problem")
    pipeline.upload_model("tiny-chat", "chat")
    failed = pipeline.wait_stage("tiny-chat", "FAILED", "DONE")
    pipeline.idle()
    assert failed.stage is Stage.FAILED
    pipeline.cloud.cloud.faults.remove(fault)
    state, etag = pipeline.store.get("tiny-chat")  # type: ignore[misc]
    pipeline.store.put(retry(state, now=utcnow()), etag)
    done = pipeline.wait_stage("tiny-chat", "DONE", "FAILED")
    pipeline.idle()
    assert done.stage is Stage.DONE and done.retries == 1 and done.import_id == failed.import_id
    assert [e.id for e in pipeline.live(Kind.ENDPOINT)] == [done.resources.endpoint_id]
    titles = [m["title"] for m in pipeline.messages()]
    assert titles[0].startswith("Model tiny-chat import FAILED at DEPLOYING") and "is live" in titles[-1]


def test_new_upload_during_validation_replaces_it_at_once(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline: Pipeline = make_pipeline(pool_size=1)
    gate = threading.Event()
    router = pipeline.cloud.cloud.router
    deliver = router.deliver

    def hold_state_events(rule: str, event: dict) -> None:  # type: ignore[type-arg]
        if rule == "state-written" and not gate.is_set():
            return  # the first import stays in VALIDATING: its state event is lost
        deliver(rule, event)

    router.deliver = hold_state_events
    pipeline.upload_model("tiny-chat", "chat", {"display_name": "first"})
    first = pipeline.wait_stage("tiny-chat", "VALIDATING")
    pipeline.idle()
    gate.set()
    pipeline.put(manifest_object("tiny-chat"), json.dumps({"display_name": "second"}).encode())
    done = pipeline.wait_stage("tiny-chat", "DONE", "FAILED", "REJECTED")
    pipeline.idle()
    assert done.import_id != first.import_id and done.options.display_name == "second"
    assert Stage.TEARING_DOWN not in [t.stage for t in done.history]
    assert [m["title"].split(":")[0] for m in pipeline.messages()] == ["Model tiny-chat is live"]
