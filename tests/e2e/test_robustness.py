"""Bad or broken documents never crash the function: they are answered, named and notified once."""

from __future__ import annotations

import json
from typing import Any

from e2e_pipeline import Pipeline

from shared.contract.paths import manifest_object, state_object
from shared.contract.state import Stage
from shared.pipeline.store import StateUnreadable


def deliver_again(pipeline: Pipeline, object_name: str, invocation: str) -> tuple[int, Any]:
    """Deliver the first event recorded for `object_name` once more, straight to a function worker."""
    ev = next(e for e in pipeline.cloud.events() if e["data"]["resourceName"] == object_name)
    worker = pipeline.cloud.cloud.runner.workers[0]
    status, answer = worker.call(json.dumps(ev).encode(), invocation, 60)
    return status, answer


def unreadable_notices(pipeline: Pipeline) -> list[dict[str, Any]]:
    return [m for m in pipeline.messages() if "state document unreadable" in json.dumps(m)]


def test_oversized_state_document_is_notified_once_and_answered(pipeline: Pipeline) -> None:
    big = json.dumps({"name": "big", "padding": "x" * (1024 * 1024 + 10)}).encode()
    pipeline.put(state_object("big"), big)  # fires the state rule
    pipeline.idle()
    try:
        pipeline.store.get("big")
    except StateUnreadable as exc:
        assert exc.object_name == state_object("big") and "cap" in exc.reason
    else:
        raise AssertionError("an oversized state document must be StateUnreadable")
    status, answer = deliver_again(pipeline, state_object("big"), "dup-big")
    pipeline.idle()
    assert status == 200, answer
    assert "ignored" in str(answer)
    notices = unreadable_notices(pipeline)
    assert len(notices) == 1, notices
    text = json.dumps(notices[0])
    assert state_object("big") in text and "model-import retry big" in text


def test_state_document_of_a_newer_schema_is_notified_then_ignored(pipeline: Pipeline) -> None:
    pipeline.upload_model("newer", "chat", {"deploy": False})
    pipeline.wait_stage("newer", "DONE", "FAILED")
    pipeline.idle()
    st, etag = pipeline.store.get("newer") or (None, None)
    assert st is not None
    doc = json.loads(st.to_json())
    doc["added_in_v2"] = 1
    info = pipeline.cloud.info
    pipeline.os.put_object(
        info.namespace, info.bucket, state_object("newer"), json.dumps(doc).encode(), if_match=etag
    )
    pipeline.idle()
    status, answer = deliver_again(pipeline, manifest_object("newer"), "dup-newer")
    pipeline.idle()
    assert status == 200 and "ignored" in str(answer), answer
    assert len(unreadable_notices(pipeline)) == 1


def test_deeply_nested_manifest_is_rejected_and_notified(pipeline: Pipeline) -> None:
    pipeline.put(manifest_object("deep"), b"[" * 50000)  # rejected on parsing: no model files needed
    st = pipeline.wait_stage("deep", "REJECTED", "DONE", "FAILED")
    assert st.stage is Stage.REJECTED
    assert [f.code for f in st.findings] == ["MANIFEST_INVALID"]
    pipeline.idle()
    assert any("deep rejected" in json.dumps(m) for m in pipeline.messages())
