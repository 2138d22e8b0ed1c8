"""An orphan record: a resource a lost race left behind, deleted by the pipeline itself until gone.

A create that returned after its import was torn down or replaced (functions/reconcile.py,
record_orphan) is written to `state/_orphan.<import id>.<kind>.json` of the state bucket, and
its cluster's AI units stay held in the ledger. Each write of that record fires the state rule
and so this handler, which asks for the deletion (a fresh resource refuses it while CREATING:
409, tried again), waits up to the stage's poll budget, then rewrites the record (attempt + 1)
to be invoked again, exactly as the polling stages do. Once the resource is gone it releases
the hold (unless something else of the import still needs it), tells the subscribers, and
drops the record. Past its deadline it says what is left and stops; the sweep is then the
last resort. A message whose publish fails is owed: the record is rewritten unclaimed after a
backoff nap (firing the next try) until it is published or, 24 hours after its first failure,
given up (logged; the record stays, marked `publish_gave_up`).

    outcome = reconcile_orphan(rt, "tiny-chat-0123456789ab.cluster", event_id)
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

import oci

from functions.runtime import Runtime
from shared.contract.state import Stage
from shared.pipeline import logs
from shared.pipeline.creates import Orphan
from shared.pipeline.genai_ops import Kind, NotOurs, ResourceBusy
from shared.pipeline.notifier import orphan_message
from shared.pipeline.store import ConflictError, StateUnreadable

log = logs.get_logger("orphans")
NOTIFY_GIVE_UP = timedelta(hours=24)  # a message that failed for this long is given up (logged, marked)
NOTIFY_REFUSALS = 5  # a topic that refuses (4xx) this many times is a configuration problem: stop
NOTIFY_BACKOFF_CAP_SECONDS = 240.0


def is_refusal(exc: Exception) -> bool:
    """A 4xx other than 409/429: the request itself is refused (no such topic, not authorized)."""
    return (
        isinstance(exc, oci.exceptions.ServiceError)
        and 400 <= exc.status < 500
        and exc.status not in (409, 429)
    )


def publish_failed(
    rt: Runtime, claimed: Orphan, etag: str, key: str, exc: Exception
) -> dict[str, Any] | None:
    """A failed publish: nap (backoff), then rewrite the record unclaimed, which fires the next try;
    the message is owed until published. Past NOTIFY_GIVE_UP after the first failure it is given up:
    logged, and the record stays, marked, as what says so. None when given up."""
    now = rt.now()
    first = claimed.publish_failed_at or now
    failures = claimed.publish_failures + 1
    error = str(exc)[:300]
    if now - first > NOTIFY_GIVE_UP or (is_refusal(exc) and failures >= NOTIFY_REFUSALS):
        log.error("notification failed; giving up", extra={"key": key, "failures": failures, "error": error})
        marked = claimed.model_copy(update={"publish_failures": failures, "publish_gave_up": True})
        with contextlib.suppress(ConflictError):
            rt.creates.put_orphan(marked, etag)
        return None
    log.error("notification failed; will retry", extra={"key": key, "failures": failures, "error": error})
    rt.nap(min(rt.settings.poll_interval_seconds * 2 ** min(failures - 1, 20), NOTIFY_BACKOFF_CAP_SECONDS))
    retry = claimed.model_copy(
        update={"notified": False, "publish_failures": failures, "publish_failed_at": first}
    )
    try:
        rt.creates.put_orphan(retry, etag)
        return answer(claimed.key, "wrote", "the notification is tried again")
    except ConflictError:
        return answer(claimed.key, "conflict", "another invocation is on it")


def reconcile_orphan(rt: Runtime, key: str, event_id: str | None) -> dict[str, Any]:
    rt.fit_waits()
    found = rt.creates.get_orphan(key)
    if found is None:
        return answer(key, "nothing", "no orphan record (already gone)")
    orphan, etag = found
    logs.bind(import_id=orphan.import_id, resource=orphan.resource_id)
    if orphan.notified:
        return answer(key, "nothing", "done; the record goes with the publication")
    if orphan.gone:
        return finish(rt, orphan, etag)
    s = rt.settings
    ends = rt.clock() + s.poll_seconds
    seen: str | None = None
    while True:
        try:
            res = rt.ops.owned(orphan.kind, orphan.resource_id, orphan.import_id)
            if res is None or res.lifecycle_state == "DELETED":
                return finish(rt, orphan, etag)
            seen = res.lifecycle_state
            if seen != "DELETING":
                # still CREATING or UPDATING: the service refuses (409) until it settles; try again
                with contextlib.suppress(ResourceBusy):
                    rt.ops.delete(orphan.kind, orphan.resource_id, import_id=orphan.import_id)
        except NotOurs as exc:  # its tags no longer say it is ours: never delete it, say so
            return stuck(rt, orphan, etag, f"its tags changed: {exc.reason}")
        if rt.clock() + s.poll_interval_seconds > ends:
            break
        rt.sleep(s.poll_interval_seconds)
    if rt.now() > orphan.deadline:
        return stuck(rt, orphan, etag, f"still {seen} at the deadline {orphan.deadline:%Y-%m-%d %H:%M} UTC")
    try:
        rt.creates.put_orphan(
            orphan.model_copy(update={"attempt": orphan.attempt + 1, "last_seen": seen}), etag
        )
    except ConflictError:
        return answer(key, "conflict", "another invocation is on it")
    return answer(key, "wrote", f"waiting for {orphan.kind.value} {orphan.resource_id} ({seen}) to go")


def finish(rt: Runtime, orphan: Orphan, etag: str) -> dict[str, Any]:
    """Gone: claim the record (If-Match), release the hold, tell the subscribers, drop the record."""
    claimed = orphan.model_copy(update={"gone": True, "notified": True})
    try:
        etag = rt.creates.put_orphan(claimed, etag)
    except ConflictError:
        return answer(orphan.key, "conflict", "another invocation is finishing it")
    released = orphan.kind is Kind.CLUSTER and release_hold(rt, orphan)
    if orphan.gone and orphan.kind is Kind.CLUSTER and not released:  # a retried message: released before?
        released = orphan.import_id not in rt.ledger.holds()
    msg = orphan_message(
        orphan.name,
        orphan.import_id,
        orphan.source,
        f"{orphan.kind.value} {orphan.resource_id}",
        orphan.ai_units if released else None,
    )
    try:
        rt.notifier.publish(msg)
    except Exception as exc:
        retried = publish_failed(rt, claimed, etag, msg.key, exc)
        if retried is not None:
            return retried
    else:
        with contextlib.suppress(ConflictError):  # rewritten meanwhile: the next look finds it notified
            rt.creates.drop_orphan(claimed, etag)
    log.info("orphan gone", extra={"kind": orphan.kind.value, "hold_released": released})
    return answer(orphan.key, "wrote", f"{orphan.kind.value} {orphan.resource_id} deleted")


def release_hold(rt: Runtime, orphan: Orphan) -> bool:
    """Release the import's AI units unless something else of it still needs them."""
    if rt.creates.holds_units(orphan.import_id, rt.now(), besides=orphan.key):
        return False
    try:
        found = rt.store.get(orphan.name)
    except StateUnreadable:
        return False  # not knowing what the import wants is no reason to release
    if found is not None and found[0].import_id == orphan.import_id:
        state = found[0]
        live = not state.stage.is_terminal or (state.stage is Stage.DONE and bool(state.resources.cluster_id))
        if live:
            return False  # the import itself holds them (its teardown releases them)
    return rt.ledger.release(orphan.import_id)


def stuck(rt: Runtime, orphan: Orphan, etag: str, why: str) -> dict[str, Any]:
    """Say once what is left and stop looping; the sweep (by tag) is the last resort. A failed
    publish rewrites the record unclaimed (publish_failed): the next look tries the deletion
    once more, then says it again."""
    told = orphan.model_copy(update={"notified": True})
    try:
        etag = rt.creates.put_orphan(told, etag)
    except ConflictError:
        return answer(orphan.key, "conflict", "another invocation is on it")
    what = f"{orphan.kind.value} {orphan.resource_id}"
    log.error("orphan could not be deleted", extra={"resource": what, "why": why[:300]})
    msg = orphan_message(orphan.name, orphan.import_id, orphan.source, what, None, stuck=why)
    try:
        rt.notifier.publish(msg)
    except Exception as exc:
        retried = publish_failed(rt, told, etag, msg.key, exc)
        if retried is not None:
            return retried
    return answer(orphan.key, "wrote", f"{what} could not be deleted: {why}")


def answer(key: str, action: str, note: str) -> dict[str, Any]:
    return {"name": key, "action": action, "stage": "ORPHAN", "note": note}
