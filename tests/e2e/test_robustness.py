"""Bad or broken documents never crash the function: they are answered, named and notified once."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import oci
from e2e_pipeline import Pipeline

from functions.common import StageContext, Step
from functions.reconcile import commit
from functions.runtime import Runtime
from localcloud.demo_models import write_model
from shared.clients import ClientFactory
from shared.contract.paths import manifest_object, request_object, state_object
from shared.contract.state import ImportState, Stage, utcnow
from shared.pipeline.genai_ops import Kind
from shared.pipeline.notifier import Message
from shared.pipeline.store import ConflictError, StateUnreadable
from shared.settings import Settings


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
    pipeline.put_state_object(state_object("big"), big)  # fires the state rule
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
    pipeline.put_state_object(state_object("newer"), json.dumps(doc).encode(), if_match=etag)
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


# --- transient errors delay an import; permanent ones reject it; the deadline ends the waiting ---


def hf_request(pipeline: Pipeline, name: str) -> None:
    write_model(pipeline.cloud.state_dir / "hub" / f"acme/{name}", "chat")
    pipeline.put(request_object(name), json.dumps({"model_id": f"acme/{name}"}).encode())


def test_vault_503_delays_the_import_instead_of_rejecting_it(pipeline: Pipeline) -> None:
    # 8 failures: more than one invocation's SDK retries absorb (3 attempts; the SDK default of 8
    # would have turned them into a rejection), so invocations answer 502 and the platform
    # delivers again (4 deliveries); then Vault answers and the import goes on.
    pipeline.cloud.set_fault(service="secrets", status=503, count=8)
    hf_request(pipeline, "vault-flaky")
    state = pipeline.wait_stage("vault-flaky", "DONE", "REJECTED", "FAILED", timeout=90)
    assert state.stage is Stage.DONE, (state.findings, state.last_error)


def test_vault_404_is_a_rejection_naming_the_secret(pipeline: Pipeline) -> None:
    pipeline.cloud.set_fault(service="secrets", status=404, code="NotAuthorizedOrNotFound")
    hf_request(pipeline, "vault-gone")
    state = pipeline.wait_stage("vault-gone", "DONE", "REJECTED", "FAILED", timeout=90)
    assert state.stage is Stage.REJECTED
    assert [f.code for f in state.findings] == ["HF_TOKEN_UNAVAILABLE"]
    assert "404" in state.findings[0].message


def test_object_storage_503_on_the_artifacts_delays_validation(pipeline: Pipeline) -> None:
    pipeline.cloud.set_fault(
        service="objectstorage", method="GET", resource="models/flaky/config.json", status=503, count=8
    )
    pipeline.upload_model("flaky", "chat", {"deploy": False})
    state = pipeline.wait_stage("flaky", "DONE", "REJECTED", "FAILED", timeout=90)
    assert state.stage is Stage.DONE, (state.findings, state.last_error)


def move_deadline_into_the_past(pipeline: Pipeline, name: str, stage: Stage) -> None:
    """Let the stage deadline pass (the function's clock is real): rewrite it, which also fires the rule."""
    for _ in range(20):
        found = pipeline.store.get(name)
        assert found is not None
        st, etag = found
        assert st.stage is stage, (st.stage, st.history)
        past = st.model_copy(update={"stage_deadline": utcnow() - timedelta(minutes=1)})
        try:
            pipeline.store.put(past, etag)
            return
        except ConflictError:
            time.sleep(0.2)
    raise AssertionError("could not rewrite the state")


def test_an_error_that_never_clears_fails_the_import_at_its_deadline(pipeline: Pipeline) -> None:
    pipeline.cloud.set_fault(
        service="objectstorage", method="GET", resource="models/stuck/config.json", status=503
    )
    pipeline.upload_model("stuck", "chat")
    pipeline.wait_stage("stuck", "VALIDATING")
    pipeline.idle(timeout=120)  # every delivery answered 502 and was given up: nothing moves it now
    assert pipeline.state("stuck").stage is Stage.VALIDATING  # type: ignore[union-attr]
    move_deadline_into_the_past(pipeline, "stuck", Stage.VALIDATING)
    state = pipeline.wait_stage("stuck", "FAILED", "REJECTED", "DONE", timeout=60)
    pipeline.idle()
    assert state.stage is Stage.FAILED
    assert state.last_error is not None and state.last_error.code == "STAGE_DEADLINE_EXCEEDED"
    assert "SourceTemporarilyUnreadable" in state.last_error.message
    assert [m["title"] for m in pipeline.messages() if "stuck" in m["title"]] == [
        "Model stuck import FAILED at VALIDATING: STAGE_DEADLINE_EXCEEDED"
    ]


def test_a_teardown_that_keeps_erroring_ends_failed_at_its_deadline_naming_what_is_left(
    pipeline: Pipeline,
) -> None:
    pipeline.upload_model("sticky", "chat")
    done = pipeline.wait_stage("sticky", "DONE", "FAILED")
    assert done.stage is Stage.DONE
    pipeline.idle()
    pipeline.cloud.set_fault(service="generativeai", method="DELETE", status=500)
    pipeline.delete(manifest_object("sticky"))
    pipeline.wait_stage("sticky", "TEARING_DOWN")
    pipeline.idle(timeout=120)
    move_deadline_into_the_past(pipeline, "sticky", Stage.TEARING_DOWN)

    def stuck() -> ImportState | None:
        s = pipeline.state("sticky")
        return s if s and any(t.note == "teardown stuck" for t in s.history) else None

    # FAILED, then (desired absent) the teardown starts over with a fresh deadline: the wanted
    # behaviour for resources that cost money, so the test looks at the history, not the stage.
    state = pipeline.cloud.wait_for(stuck, timeout=60)
    pipeline.idle(timeout=120)
    assert state.last_error is not None and "teardown stuck" in state.last_error.message
    assert done.resources.endpoint_id and done.resources.endpoint_id in state.last_error.message
    assert any("teardown stuck" in m["title"] for m in pipeline.messages())
    assert pipeline.live(Kind.ENDPOINT)  # really still there: the message is not a false alarm


# --- a write whose answer was lost is still the writer's ---


def test_a_write_refused_only_because_it_already_landed_counts_as_won(pipeline: Pipeline) -> None:
    pipeline.upload_model("landed", "chat", {"deploy": False})
    done = pipeline.wait_stage("landed", "DONE", "FAILED")
    pipeline.idle()
    info = pipeline.cloud.info
    env = {**pipeline.cloud.cloud.function_env(), "POLL_SECONDS": "1", "POLL_INTERVAL_SECONDS": "0.05"}
    rt = Runtime(settings=Settings.from_env(env), factory=ClientFactory(env=env), env=env)
    assert rt.bucket == info.bucket
    found = rt.store.get("landed")
    assert found is not None
    before, old_etag = found
    ctx = StageContext(rt, "retried-put", utcnow())
    note = Message("landed-check", "Model landed: check", "a message for this test")
    ours = before.model_copy(update={"updated_at": ctx.now})
    # commit() records the message key in the same write; that write landed, its answer was lost...
    rt.store.put(ours.model_copy(update={"notified": [*ours.notified, note.key]}), old_etag)
    outcome = commit(ctx, Step(ours, notify=note), old_etag)  # ...and the retry is refused (412)
    assert outcome.action == "wrote", outcome
    assert [m["title"] for m in pipeline.messages()].count("Model landed: check") == 1
    assert done.import_id == outcome_state(pipeline, "landed").import_id
    # a write that really lost (the document holds something else) is still a conflict
    other = before.model_copy(update={"attempt": before.attempt + 7})
    assert commit(ctx, Step(other), old_etag).action == "conflict"


def outcome_state(pipeline: Pipeline, name: str) -> ImportState:
    st = pipeline.state(name)
    assert st is not None
    return st


# --- one invocation stays inside the platform's 300 s ---


def fired(pipeline: Pipeline, fault_id: str) -> int:
    return next(
        int(f["fired"]) for f in pipeline.cloud.cloud.faults.describe()["faults"] if f["id"] == fault_id
    )


def test_function_clients_retry_5xx_a_bounded_number_of_times_and_never_409(pipeline: Pipeline) -> None:
    env = pipeline.cloud.cloud.function_env()
    client = ClientFactory(env=env).object_storage()
    info = pipeline.cloud.info
    pipeline.put("probe-5xx.json", b"{}")
    pipeline.put("probe-409.json", b"{}")
    unavailable = pipeline.cloud.set_fault(
        service="objectstorage", method="HEAD", resource="probe-5xx", status=503
    )
    conflict = pipeline.cloud.set_fault(
        service="objectstorage", method="HEAD", resource="probe-409", status=409, code="IncorrectState"
    )
    for name, status in (("probe-5xx.json", 503), ("probe-409.json", 409)):
        try:
            client.head_object(info.namespace, info.bucket, name)
        except oci.exceptions.ServiceError as exc:
            assert exc.status == status
        else:
            raise AssertionError("the fault did not fire")
    assert fired(pipeline, unavailable) == 3
    assert fired(pipeline, conflict) == 1


def test_the_invocation_budget_caps_the_stage_wait(pipeline: Pipeline) -> None:
    env = {**pipeline.cloud.cloud.function_env(), "POLL_SECONDS": "280"}
    ticks = [1000.0]
    rt = Runtime(
        settings=Settings.from_env(env), factory=ClientFactory(env=env), env=env, clock=lambda: ticks[0]
    )
    rt.begin_invocation()
    assert rt.settings.poll_seconds == 240  # 270 s budget less the 30 s kept for the write and publish
    ticks[0] += 100  # the sweep took 100 s
    rt.fit_waits()
    assert rt.settings.poll_seconds == 140
    ticks[0] += 200
    rt.fit_waits()
    assert rt.settings.poll_seconds == 0 and rt.remaining_seconds() == 0
    # a platform deadline 60 s away shortens the budget; a new invocation starts afresh
    rt.begin_invocation(utcnow() + timedelta(seconds=60))
    assert 20 <= rt.settings.poll_seconds <= 25
    rt.begin_invocation()
    assert rt.settings.poll_seconds == 240 and rt.configured is not None and rt.configured.poll_seconds == 280
