"""Reconcile one import: any event about `<name>` means "look at import <name> again".

    outcome = reconcile(rt, name, trigger, event_id)

It reads the state document (with its ETag), the source object as it is *now* (HEAD: an
event may be late, duplicated or out of order, so its own ETag is only a hint) and the
real resources, does the one next step, and writes the new state with If-Match. Losing
that write means another invocation got there first: this one stops (and deletes a
resource it created if the winner no longer wants it).

What a new upload of the manifest or request means while an older import of the same
name is live (in flight, or DONE with a deployment): the user replaced the model, so the
old deployment is torn down first (its units released, recorded in the history), then
the new import starts from validation. A new upload after a terminal import that holds
nothing (REJECTED, TORN_DOWN, cleaned-up FAILED) starts the new import at once.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import inf

import oci

from functions import errors
from functions.common import StageContext, Step, Superseded, deadline_passed, fail, move
from functions.create_endpoint import create_endpoint
from functions.import_model import import_model
from functions.intake import SourceDoc, new_import
from functions.orphans import release_hold
from functions.provision_cluster import provision_cluster
from functions.runtime import FUNCTION_TIMEOUT_SECONDS, Runtime
from functions.smoke_test import smoke_test
from functions.teardown import begin_teardown, teardown
from functions.validate import reject, validate
from functions.wait_for_files import wait_for_files
from shared.contract.manifest import MAX_DOCUMENT_BYTES
from shared.contract.paths import ObjectKind, classify, manifest_object, model_prefix, request_object
from shared.contract.state import (
    HISTORY_LIMIT,
    ImportState,
    LastError,
    PublishFailures,
    Stage,
    Transition,
    holds_something,
    make_import_id,
)
from shared.findings import finding
from shared.pipeline import logs
from shared.pipeline.creates import Orphan
from shared.pipeline.genai_ops import Kind, NotOurs, ResourceBusy
from shared.pipeline.notifier import (
    Message,
    failure_message,
    lines_body,
    rejection_message,
    success_message,
    teardown_message,
    unreadable_state_message,
)
from shared.pipeline.store import ConflictError, StateUnreadable, head_meta, head_object, read_document
from shared.shapes import get_shape

log = logs.get_logger("reconcile")

STAGES = {
    Stage.WAITING_FOR_FILES: wait_for_files,
    Stage.VALIDATING: validate,
    Stage.IMPORTING: import_model,
    Stage.PROVISIONING: provision_cluster,
    Stage.DEPLOYING: create_endpoint,
    Stage.SMOKE_TESTING: smoke_test,
    Stage.TEARING_DOWN: teardown,
}


@dataclass(frozen=True)
class Outcome:
    name: str
    action: str  # "wrote", "nothing", "conflict", "ignored"
    stage: str | None = None
    note: str = ""

    def to_json_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "action": self.action, "stage": self.stage, "note": self.note}


def config_object(name: str) -> str:
    return model_prefix(name) + "config.json"


def source_object(kind: ObjectKind, name: str) -> str:
    return {
        ObjectKind.MANIFEST: manifest_object,
        ObjectKind.REQUEST: request_object,
        ObjectKind.CONFIG: config_object,
    }[kind](name)


# Stages before any create call: a new upload can replace such an import at once.
NOTHING_CREATED_YET = frozenset({Stage.WAITING_FOR_FILES, Stage.VALIDATING})


def reconcile(rt: Runtime, name: str, trigger: ObjectKind, event_id: str | None) -> Outcome:
    rt.fit_waits()  # whatever ran before in this invocation (the sweep) shortens the stage's wait
    ctx = StageContext(rt, event_id, rt.now())
    try:
        found = rt.store.get(name)
    except StateUnreadable as exc:
        return unreadable(ctx, name, exc)
    state, etag = found if found else (None, None)
    ctx.etag = etag
    if state is not None:
        logs.bind(import_id=state.import_id)
    step = decide(ctx, name, trigger, state)
    if step is None or step.state is None:
        return Outcome(name, "nothing", state.stage.value if state else None, step.note if step else "")
    return commit(ctx, step, ctx.etag)  # the ETag as read, or as rewritten before a create


def unreadable(ctx: StageContext, name: str, exc: StateUnreadable) -> Outcome:
    """Retrying cannot fix a broken state document: say so once (per version of it), answer 200."""
    log.error("state document unreadable; fix or delete it, then retry", extra={"error": str(exc)[:500]})
    rt = ctx.rt
    version = hashlib.sha256(exc.etag.encode()).hexdigest()[:16]
    if rt.store.claim_notice(f"{name}.unreadable.{version}"):
        try:
            rt.notifier.publish(unreadable_state_message(name, exc.object_name, exc.reason))
        except Exception as pub:  # the log line above stays: the operator still has that
            log.error("notification failed", extra={"key": "state-unreadable", "error": str(pub)[:300]})
    return Outcome(name, "ignored", note=f"state unreadable: {exc.object_name}")


def decide(ctx: StageContext, name: str, trigger: ObjectKind, state: ImportState | None) -> Step | None:
    rt = ctx.rt
    if trigger is ObjectKind.STATE:
        if state is None:
            return None
        ref = classify(state.source.object_name)
        kind = ref.kind if ref else ObjectKind.MANIFEST
    elif trigger is ObjectKind.CONFIG and not ctx.settings.trigger_on_config:
        return None
    else:
        kind = trigger
    candidate = source_object(kind, name)
    etag_now = head_object(rt.object_storage, rt.namespace, rt.bucket, candidate)

    if state is None:
        if etag_now is None:
            return None  # a late event about a source that is gone: nothing to do
        if kind is ObjectKind.CONFIG and head_object(
            rt.object_storage, rt.namespace, rt.bucket, manifest_object(name)
        ):
            return None  # a manifest is there: it is the trigger
        return start(ctx, name, kind, candidate, None, "")

    if candidate != state.source.object_name and etag_now is None:
        return None  # deletion of an object that is not this import's source
    if etag_now is None:
        if state.desired == "present" and not state.options.keep_on_delete and holds_something(state):
            if state.stage is not Stage.TEARING_DOWN:
                return begin_teardown(state, ctx, f"{candidate} deleted")
            return Step(state.model_copy(update={"desired": "absent"}), note="source deleted during teardown")
    elif make_import_id(name, candidate, etag_now) != state.import_id:
        if kind is ObjectKind.CONFIG and state.source.object_name != candidate:
            return None  # config.json rewritten under a manifest or request import: not a trigger
        if candidate != state.source.object_name and not uploaded_after(ctx, state, candidate, named=True):
            # A duplicate or late event about the other source object: it is older than what this
            # import serves (a request that replaced a manifest, or the reverse), so it replaces nothing.
            return Step(None, note=f"{candidate} is older than {state.source.object_name}: ignored")
        if holds_something(state) and state.stage not in NOTHING_CREATED_YET:
            if state.stage is Stage.TEARING_DOWN:
                return step_stage(state, ctx)
            return begin_teardown(state, ctx, replaced_note(candidate))
        return start(
            ctx, name, kind, candidate, state, f"new upload of {candidate} replaces import {state.import_id}"
        )

    cancelled = state.desired == "absent" and state.stage not in (Stage.TEARING_DOWN, Stage.TORN_DOWN)
    if cancelled and holds_something(state):
        return begin_teardown(state, ctx, "cancelled")
    if state.stage is Stage.TORN_DOWN and trigger is ObjectKind.STATE:
        newer = newer_upload(ctx, name, state)
        if newer is not None:
            kind, obj = newer
            return start(
                ctx, name, kind, obj, state, f"new upload of {obj} replaces import {state.import_id}"
            )
    return step_stage(state, ctx)


def newer_upload(ctx: StageContext, name: str, state: ImportState) -> tuple[ObjectKind, str] | None:
    """After a teardown: the other source object (manifest or request), if uploaded after this import's.

    That is how a request replaces a manifest import (or the reverse): the upload tore the old
    deployment down, and this starts the new one. Only the newer one counts, so a manifest and
    a request left side by side do not replace each other in turn.
    """
    for kind in (ObjectKind.MANIFEST, ObjectKind.REQUEST):
        obj = source_object(kind, name)
        if obj != state.source.object_name and uploaded_after(ctx, state, obj, named=False):
            return kind, obj
    return None


def uploaded_after(ctx: StageContext, state: ImportState, obj: str, *, named: bool) -> bool:
    """Was `obj` uploaded after the object `state` serves? Both times come from Object Storage.

    Last-Modified has whole seconds. On a tie the other object wins only if it is a different
    upload (its ETag differs) and it is the object at issue: the one the event names (`named`),
    or, after a teardown, the upload that started that teardown.
    """
    rt = ctx.rt
    meta = head_meta(rt.object_storage, rt.namespace, rt.bucket, obj)
    if meta is None:
        return False
    etag, modified = meta
    if etag == state.source.etag:
        return False
    ours = source_time(ctx, state)
    if modified is None or ours is None:
        # No object time to compare (a state from before last_modified was recorded and a source
        # that is gone): fall back to when the import began, second resolution.
        return modified is not None and modified > state.created_at.replace(microsecond=0)
    if modified != ours:
        return modified > ours
    return named or started_teardown(state, obj)


def source_time(ctx: StageContext, state: ImportState) -> datetime | None:
    """Last-Modified of the upload this import serves: recorded at start, else asked (if unchanged)."""
    if state.source.last_modified is not None:
        return state.source.last_modified
    rt = ctx.rt
    meta = head_meta(rt.object_storage, rt.namespace, rt.bucket, state.source.object_name)
    if meta is not None and meta[0] == state.source.etag:
        return meta[1]
    return None


def started_teardown(state: ImportState, obj: str) -> bool:
    """Did an upload of `obj` start this import's latest teardown?"""
    for t in reversed(state.history):
        if t.stage is Stage.TEARING_DOWN:
            return t.note == replaced_note(obj)
    return False


def replaced_note(obj: str) -> str:
    return f"replaced by a new upload of {obj}"


def start(
    ctx: StageContext, name: str, kind: ObjectKind, candidate: str, previous: ImportState | None, note: str
) -> Step | None:
    rt = ctx.rt
    modified = None
    try:
        doc = read_document(rt.object_storage, rt.namespace, rt.bucket, candidate, MAX_DOCUMENT_BYTES)
    except ValueError:
        meta = head_meta(rt.object_storage, rt.namespace, rt.bucket, candidate)
        if meta is None:
            return None
        raw, (etag, modified) = b"", meta
        too_large = True
    else:
        if doc is None:
            return None  # deleted between HEAD and GET
        raw, etag, modified = doc.data, doc.etag, doc.last_modified
        too_large = False
    step = new_import(ctx, name, SourceDoc(kind, candidate, etag, modified), raw, previous, note)
    if too_large and step.state is not None:
        code = "REQUEST_TOO_LARGE" if kind is ObjectKind.REQUEST else "MANIFEST_TOO_LARGE"
        big = finding(code, candidate, f"{candidate} is over the {MAX_DOCUMENT_BYTES}-byte cap")
        rejected = step.state.model_copy(
            update={"stage": Stage.REJECTED, "stage_deadline": None, "findings": [big]}
        )
        return Step(rejected, notify=rejection_message(rejected))
    return step


# The stage whose work runs inside the function (reading headers, tokenizer files, a Hub listing)
# rather than waiting on a work request or a listing: the one that can stop a worker without raising.
UNPOLLED_STAGES = frozenset({Stage.VALIDATING})


def stopped_past_deadline(state: ImportState, ctx: StageContext) -> bool:
    """Past the stage deadline by more than one invocation's longest life (OCI Functions' 300 s).

    Within that grace a redelivered or re-fired invocation still runs the stage, so an error
    that raises ends it with its own message (the exception path below); later than that, no
    invocation can still be running it: one was stopped without raising.
    """
    if state.stage_deadline is None:
        return False
    return ctx.now > state.stage_deadline + timedelta(seconds=FUNCTION_TIMEOUT_SECONDS)


def step_stage(state: ImportState, ctx: StageContext) -> Step | None:
    """Run the stage's handler; an error either waits for the next delivery or, past the deadline, fails.

    Raising (a 502) lets the platform deliver again and the sweep nudge the import; that is right
    only while the stage deadline has not passed, or the import hangs forever with no FAILED state.
    """
    handler = STAGES.get(state.stage)
    if handler is None:
        return settle(state, ctx)
    logs.bind(stage=state.stage.value, attempt=state.attempt)
    if state.stage in UNPOLLED_STAGES and stopped_past_deadline(state, ctx):
        # No invocation finished this stage in time and none raised: the worker was stopped
        # (OCI ends a function over its memory or its timeout without an exception here). Running
        # it again could stop this worker too, so the deadline ends it before the work starts.
        return fail(
            state,
            ctx,
            "STAGE_DEADLINE_EXCEEDED",
            f"{state.stage.value} did not finish before its deadline {state.stage_deadline}: an "
            "invocation may have been stopped over the function's memory or time limit",
        )
    try:
        return handler(state, ctx)
    except Superseded as exc:  # nothing was created: the invocation that moved the import goes on
        log.info("lost the write before a create", extra={"note": str(exc)[:300]})
        return Step(None, note=str(exc))
    except oci.exceptions.ServiceError as exc:
        detail = f"{exc.operation_name or 'call'}: HTTP {exc.status} {exc.code}: {exc.message}"
        if state.stage is Stage.TEARING_DOWN or (is_transient(exc) and not deadline_passed(state, ctx)):
            if not deadline_passed(state, ctx):
                raise  # the platform delivers the event again; the sweep nudges if it does not
            return teardown_stuck(state, ctx, detail)
        code = "LIMIT_EXCEEDED" if "limit" in f"{exc.code} {exc.message}".lower() else "OCI_API_ERROR"
        return fail(state, ctx, code, detail[:1000])
    except Exception as exc:
        if not deadline_passed(state, ctx):
            if state.stage is not Stage.TEARING_DOWN and not errors.is_transient(exc):
                return unhandled(state, ctx, exc)
            raise
        detail = f"{type(exc).__name__}: {exc}"
        if state.stage is Stage.TEARING_DOWN:
            return teardown_stuck(state, ctx, detail)
        log.error("stage kept failing until its deadline", extra={"error": detail[:300]})
        return fail(
            state,
            ctx,
            "STAGE_DEADLINE_EXCEEDED",
            f"{state.stage.value} kept failing until its deadline {state.stage_deadline}: {detail}"[:1000],
        )


def unhandled(state: ImportState, ctx: StageContext, exc: Exception) -> Step:
    """An unclassified error: record its fingerprint and try once more; the same error twice ends it.

    Teardown is never ended this way (what it deletes costs money): it retries until its deadline.
    """
    fp = errors.fingerprint(state.stage.value, exc)
    last = state.history[-1] if state.history else None
    repeated = (
        last is not None and last.stage is state.stage and last.note.startswith(errors.NOTE_PREFIX + fp)
    )
    log.error(
        "unhandled error" + (" again: giving up" if repeated else ": one more attempt"),
        exc_info=exc,
        extra={"fingerprint": fp},
    )
    if not repeated:
        note = Transition(
            at=ctx.now,
            stage=state.stage,
            attempt=state.attempt,
            note=errors.note_for(fp, exc),
            event_id=ctx.event_id,
        )
        retry = state.next_attempt(now=ctx.now)
        return Step(
            retry.model_copy(update={"history": [*retry.history, note][-HISTORY_LIMIT:]}),
            note="retrying once",
        )
    detail = f"{errors.describe(exc)} (raised twice in a row at {state.stage.value})"
    if state.stage in NOTHING_CREATED_YET:
        subject = state.source.object_name if state.source.prefix is None else state.source.prefix
        return reject(
            state, ctx, [*state.findings, finding("UNHANDLED_ERROR", subject, detail)], "unhandled error"
        )
    return fail(state, ctx, "UNHANDLED_ERROR", detail)


def left_over(state: ImportState) -> str:
    r = state.resources
    parts = [
        f"{what} {rid}"
        for what, rid in (
            ("endpoint", r.endpoint_id),
            ("cluster", r.cluster_id),
            ("model", r.imported_model_id),
        )
        if rid
    ]
    return ", ".join(parts) or "nothing recorded (look for resources tagged with the import id)"


def teardown_stuck(state: ImportState, ctx: StageContext, detail: str) -> Step:
    """TEARING_DOWN past its deadline on errors: FAILED, naming what may still be running."""
    left = left_over(state)
    err = LastError(
        stage=Stage.TEARING_DOWN,
        code="STAGE_DEADLINE_EXCEEDED",
        message=f"teardown stuck: {detail}; left: {left}"[:2000],
    )
    stuck = move(state.model_copy(update={"last_error": err}), ctx, Stage.FAILED, note="teardown stuck")
    body = lines_body(
        [
            f"The teardown of {state.name} (import {state.import_id}) kept failing until its deadline: "
            f"{detail[:1000]}",
            f"Still there: {left}.",
            f"Check them in the console, then run `model-import teardown {state.name}` again.",
        ]
    )
    return Step(stuck, notify=Message("failed:TEARING_DOWN", f"Model {state.name} teardown stuck", body))


def is_transient(exc: oci.exceptions.ServiceError) -> bool:
    return exc.status in (409, 429) or exc.status >= 500


def expected_message(state: ImportState, ctx: StageContext) -> Message | None:
    """The notification a terminal state must have produced (to publish again if it was lost)."""
    rt = ctx.rt
    if state.stage is Stage.DONE and state.plan is not None:
        return success_message(
            state,
            openai_base_url=rt.openai_base_url,
            inference_url=rt.inference_url,
            compartment_id=ctx.settings.compartment_id,
            project_id=ctx.settings.genai_project_id,
        )
    if state.stage is Stage.REJECTED:
        return rejection_message(state)
    if state.stage is Stage.FAILED and state.last_error is not None:
        return failure_message(state, policy=ctx.settings.failure_policy)
    if state.stage is Stage.TORN_DOWN:
        return teardown_message(state)
    return None


def settle(state: ImportState, ctx: StageContext) -> Step | None:
    """A terminal state: nothing to do, unless its notification was never published."""
    msg = expected_message(state, ctx)
    if msg is None or msg.key in state.notified:
        return Step(None, note="terminal")
    owed = state.publish_failures.get(msg.key)
    if owed is not None and owed.gave_up:
        return Step(None, note=f"terminal; notification {msg.key} given up")
    return Step(
        state.model_copy(update={"updated_at": ctx.now}), notify=msg, note="publishing the lost notification"
    )


def commit(ctx: StageContext, step: Step, etag: str | None) -> Outcome:
    """Write the step's state with If-Match; only the winner publishes the step's notification."""
    rt = ctx.rt
    new = step.state
    assert new is not None
    notify = step.notify
    if notify is not None:
        if notify.key in new.notified:
            notify = None
        else:
            new = new.model_copy(update={"notified": [*new.notified, notify.key]})
    try:
        new_etag = rt.store.put(new, etag)
    except ConflictError:
        won = written_after_all(ctx, new)
        if won is None:
            log.info(
                "lost the write: another invocation moved this import first", extra={"stage": new.stage.value}
            )
            if step.created:
                clean_lost_creates(ctx, new, step)
                end_creates(ctx, new, step)
            if new.teardown.deleted:
                merge_lost_teardown(ctx, new)
            return Outcome(new.name, "conflict", new.stage.value, step.note)
        new_etag = won
    end_creates(ctx, new, step)  # the created ids are in the state now
    logs.bind(import_id=new.import_id, stage=new.stage.value, attempt=new.attempt)
    log.info(
        "state written",
        extra={
            "stage": new.stage.value,
            "attempt": new.attempt,
            "note": step.note or (new.history[-1].note if new.history else ""),
        },
    )
    if notify is not None:
        publish(ctx, new, new_etag, notify)
    return Outcome(new.name, "wrote", new.stage.value, step.note)


def written_after_all(ctx: StageContext, ours: ImportState) -> str | None:
    """Did our write land although put answered 412? Then the ETag of the document, else None.

    A PUT that succeeded but whose answer was lost (a 5xx, a dropped connection) is sent again
    by the SDK's retry, which the If-Match then refuses: the conflict is with ourselves.
    """
    try:
        found = ctx.rt.store.get(ours.name)
    except StateUnreadable:
        return None
    if found is not None and found[0] == ours:
        log.info("the write had landed before its retry was refused: it is ours")
        return found[1]
    return None


def publish(ctx: StageContext, state: ImportState, etag: str, message: Message) -> None:
    """Publish the message the state's write claimed (its key is in `notified`).

    On failure the claim is taken back (the key leaves `notified`, the failure is counted in
    `publish_failures`) after a backoff nap, and that rewrite fires the next invocation, whose
    settle() publishes again; a message is owed until published. Past NOTIFY_GIVE_UP after the
    first failure (or after NOTIFY_REFUSALS refusals: a topic that refuses is misconfigured, not
    down) it is given up: logged, and marked `gave_up`.
    """
    rt = ctx.rt
    try:
        rt.notifier.publish(message)
        log.info("notification published", extra={"key": message.key, "title": message.title})
        return
    except Exception as exc:
        error = str(exc)[:300]
        refused = is_refusal(exc)
    now = rt.now()
    seen = state.publish_failures.get(message.key)
    first = seen.first_at if seen is not None else now
    failures = (seen.failures if seen is not None else 0) + 1
    gave_up = now - first > NOTIFY_GIVE_UP or (refused and failures >= NOTIFY_REFUSALS)
    if gave_up:
        log.error(
            "notification failed; giving up",
            extra={"key": message.key, "failures": failures, "since": first.isoformat(), "error": error},
        )
    else:
        log.error(
            "notification failed; will retry",
            extra={"key": message.key, "failures": failures, "error": error},
        )
        rt.nap(notify_backoff(ctx, failures))
    record = PublishFailures(first_at=first, failures=failures, last_error=error, gave_up=gave_up)
    marker = f"notification {message.key} failed"
    note = None
    if seen is None or gave_up:  # one history line when it starts failing, one when it is given up
        what = (
            f"{marker}: {error}"
            if not gave_up
            else f"{marker} {failures} times since {first:%Y-%m-%d %H:%M} UTC: given up"
        )
        note = Transition(
            at=now, stage=state.stage, attempt=state.attempt, note=what[:300], event_id=ctx.event_id
        )
    for _ in range(RECORD_ATTEMPTS):
        unclaimed = state.model_copy(
            update={
                "notified": [k for k in state.notified if k != message.key],
                "publish_failures": {**state.publish_failures, message.key: record},
                "history": [*state.history, *([note] if note else [])][-HISTORY_LIMIT:],
                "updated_at": now,
            }
        )
        try:
            rt.store.put(unclaimed, etag)
            return
        except ConflictError:
            pass
        try:  # moved on meanwhile: take the claim back from the state as it is now
            found = rt.store.get(state.name)
        except StateUnreadable:
            found = None
        if found is None or found[0].import_id != state.import_id or message.key not in found[0].notified:
            return
        state, etag = found
    log.error("could not record a failed notification", extra={"key": message.key})


NOTIFY_GIVE_UP = timedelta(hours=24)  # a message that failed for this long is given up (logged, marked)
NOTIFY_REFUSALS = 5  # a topic that refuses (4xx) this many times is a configuration problem: stop
NOTIFY_BACKOFF_CAP_SECONDS = 240.0  # the longest nap between two tries (each try is an invocation)


def is_refusal(exc: Exception) -> bool:
    """A 4xx other than 409/429: the request itself is refused (no such topic, not authorized), which
    an outage is not (5xx, 429, a dropped connection)."""
    return (
        isinstance(exc, oci.exceptions.ServiceError)
        and 400 <= exc.status < 500
        and exc.status not in (409, 429)
    )


def notify_backoff(ctx: StageContext, failures: int) -> float:
    """The nap before the next try: the poll interval doubled per failure, capped."""
    return float(
        min(ctx.settings.poll_interval_seconds * 2 ** min(failures - 1, 20), NOTIFY_BACKOFF_CAP_SECONDS)
    )


RESOURCE_FIELD = {
    Kind.IMPORTED_MODEL: "imported_model_id",
    Kind.CLUSTER: "cluster_id",
    Kind.ENDPOINT: "endpoint_id",
}
RECORD_ATTEMPTS = 3  # CAS retries when recording a lost create; then it is recorded as an orphan


def end_creates(ctx: StageContext, state: ImportState, step: Step) -> None:
    """The outcome of the step's creates is recorded (state or orphan record): drop their pending records.

    A failure here leaves a record that only keeps the units held a little longer (until it is
    older than IN_FLIGHT_SECONDS): never worth failing the invocation for.
    """
    for kind in [*(k for k, _ in step.created), *step.adopted]:
        try:
            ctx.rt.creates.end(state.import_id, kind)
        except Exception as exc:
            log.warning("could not drop a pending create record", extra={"error": str(exc)[:300]})


def merge_lost_teardown(ctx: StageContext, ours: ImportState) -> None:
    """A teardown invocation lost its write: what it deleted joins the state, and is told if it is news.

    Still TEARING_DOWN: the deletions join the record, so the "torn down" message names them. Already
    TORN_DOWN without them: a new round of the record, with its own message to the subscribers.
    """
    rt = ctx.rt
    for _ in range(RECORD_ATTEMPTS):
        try:
            found = rt.store.get(ours.name)
        except StateUnreadable:
            return
        if found is None:
            return
        current, etag = found
        extra = [d for d in ours.teardown.deleted if d not in current.teardown.deleted]
        if current.import_id != ours.import_id or not extra:
            return
        record = current.teardown
        notify = None
        if current.stage is Stage.TEARING_DOWN:
            new = current.model_copy(
                update={"teardown": record.model_copy(update={"deleted": [*record.deleted, *extra]})}
            )
        elif current.stage is Stage.TORN_DOWN:
            later = record.model_copy(
                update={"deleted": extra, "refused": [], "in_flight": [], "rounds": record.rounds + 1}
            )
            new = current.model_copy(update={"teardown": later})
            notify = teardown_message(new)
            new = new.model_copy(update={"notified": [*new.notified, notify.key]})
        else:
            return
        new = new.model_copy(update={"updated_at": ctx.now})
        try:
            new_etag = rt.store.put(new, etag)
        except ConflictError:
            continue
        if notify is not None:
            publish(ctx, new, new_etag, notify)
        return


def clean_lost_creates(ctx: StageContext, ours: ImportState, step: Step) -> None:
    """We created a resource but lost the write: hand it to the winner, or delete it if nobody wants it.

    Never waits: a fresh resource cannot be deleted until it is ACTIVE, and a wait here would
    hold the invocation for minutes. If the state is still about our import, the resource is
    recorded in it and the import (re)enters TEARING_DOWN, whose loop deletes it once it can.
    """
    rt = ctx.rt
    # What is already gone (a teardown deleted it meanwhile) needs no record.
    step = Step(step.state, created=[(k, rid) for k, rid in step.created if not is_gone(ctx, k, rid)])
    if not step.created:
        return
    for _ in range(RECORD_ATTEMPTS):
        try:
            found = rt.store.get(ours.name)
        except StateUnreadable:
            found = None
        if found is None:
            break
        current, etag = found
        if current.import_id != ours.import_id:
            break
        wanted = current.desired == "present" and current.stage not in (
            Stage.TORN_DOWN,
            Stage.REJECTED,
            Stage.FAILED,
            Stage.TEARING_DOWN,
        )
        if wanted:
            return  # the next invocation finds it by tag
        if current.stage is Stage.TEARING_DOWN:
            # Its loop lists every kind by tag each round (and waits for creates in flight): it
            # deletes this one too, and says so; a write here would only start a racing round.
            return
        recorded = record_lost_creates(ctx, current, step)
        if recorded is None:
            break  # a slot already holds another resource: only deleting is left
        try:
            rt.store.put(recorded, etag)
        except ConflictError:
            continue
        log.warning(
            "a resource created for this import is recorded for teardown",
            extra={"resource": [rid for _, rid in step.created], "stage": recorded.stage.value},
        )
        return
    for kind, rid in step.created:
        record_orphan(ctx, ours, kind, rid)


def is_gone(ctx: StageContext, kind: Kind, rid: str) -> bool:
    """Is the resource deleted (or being deleted)? Unknown counts as not gone."""
    try:
        res = ctx.rt.ops.get(kind, rid)
    except Exception:
        return False
    return res is None or res.is_gone


ORPHAN_RECORD_ATTEMPTS = 6  # writes of an orphan record (with backoff, within the invocation's budget)
ORPHAN_RECORD_BACKOFF_CAP_SECONDS = 30.0


class OrphanUnrecorded(Exception):
    """A late create could be neither recorded nor confirmed deleted: the invocation fails, so its
    pending record stays (found by tag later), rather than the resource running with no record."""


def record_orphan(ctx: StageContext, ours: ImportState, kind: Kind, rid: str) -> None:
    """Nobody wants what we created: an orphan record (its cluster units held) deletes it until gone.

    The record's writes fire the state rule, so the pipeline keeps trying by itself (a fresh
    resource refuses deletion while CREATING) instead of one attempt and a hope in the sweep.
    A failed write is tried again with backoff (ORPHAN_RECORD_ATTEMPTS, within the invocation's
    budget). If none lands, the resource is deleted here and waited for: once it is confirmed gone
    its hold is released and its pending record dropped; if not, OrphanUnrecorded is raised, so
    the caller never drops the pending record of a resource that nothing durable owns.
    """
    rt, s = ctx.rt, ctx.settings
    units, shape = None, None
    if kind is Kind.CLUSTER and ours.plan is not None and ours.plan.unit_shape:
        known = get_shape(ours.plan.unit_shape)
        units, shape = (known.ai_units if known else ours.plan.ai_units), ours.plan.unit_shape
    orphan = Orphan(
        import_id=ours.import_id,
        name=ours.name,
        kind=kind,
        resource_id=rid,
        source=ours.source.object_name,
        at=ctx.now,
        deadline=ctx.now + timedelta(minutes=ctx.settings.deadline_cluster_minutes),
        ai_units=units,
        unit_shape=shape,
    )
    for attempt in range(ORPHAN_RECORD_ATTEMPTS):
        try:
            if units:  # it exists, so it spends: held whatever the ceilings say (as an adopted cluster is)
                rt.ledger.reserve(
                    ours.import_id, ours.name, units, max_per_import=inf, max_total=inf, unit_shape=shape
                )
            rt.creates.record_orphan(orphan)
            log.warning(
                "a resource created for an import that moved on is recorded as an orphan; deleting it",
                extra={"resource": rid, "kind": kind.value},
            )
            return
        except Exception as exc:
            log.error(
                "could not record an orphan",
                extra={"resource": rid, "attempt": attempt + 1, "error": str(exc)[:300]},
            )
        pause = min(s.poll_interval_seconds * 2**attempt, ORPHAN_RECORD_BACKOFF_CAP_SECONDS)
        if attempt + 1 == ORPHAN_RECORD_ATTEMPTS or rt.remaining_seconds() < pause + s.poll_seconds + 30:
            break
        rt.nap(pause)
    if delete_until_gone(ctx, ours.import_id, kind, rid):
        released = kind is Kind.CLUSTER and release_hold(rt, orphan)
        with contextlib.suppress(Exception):
            rt.creates.end(ours.import_id, kind)
        log.warning(
            "deleted a resource created for an import that moved on",
            extra={"resource": rid, "hold_released": released},
        )
        return
    raise OrphanUnrecorded(f"{kind.value} {rid} of {ours.import_id}: no orphan record and not yet deleted")


def delete_until_gone(ctx: StageContext, import_id: str, kind: Kind, rid: str) -> bool:
    """Delete the resource (a 409 while it is still CREATING is tried again) and wait until it is
    gone, within the stage's poll budget. True once confirmed gone."""
    rt, s = ctx.rt, ctx.settings
    ends = rt.clock() + s.poll_seconds
    while True:
        try:
            res = rt.ops.owned(kind, rid, import_id)
            if res is None or res.lifecycle_state == "DELETED":
                return True
            if res.lifecycle_state != "DELETING":
                with contextlib.suppress(ResourceBusy):
                    rt.ops.delete(kind, rid, import_id=import_id)
        except NotOurs as exc:  # cannot be what this invocation created: never delete it
            log.error("refused to delete", extra={"code": "RESOURCE_NOT_OURS", "error": str(exc)[:300]})
            return False
        except Exception as exc:
            log.error("could not delete a late create", extra={"resource": rid, "error": str(exc)[:300]})
        if rt.clock() + s.poll_interval_seconds > ends:
            return False
        rt.sleep(s.poll_interval_seconds)


def record_lost_creates(ctx: StageContext, current: ImportState, step: Step) -> ImportState | None:
    """`current` with the created resources in `resources`, in TEARING_DOWN; None if a slot is taken."""
    update: dict[str, str] = {}
    for kind, rid in step.created:
        slot = RESOURCE_FIELD[kind]
        held = getattr(current.resources, slot)
        if held not in (None, rid):
            return None
        update[slot] = rid
    resources = current.resources.model_copy(update=update)
    note = "recording " + ", ".join(f"{k.value} {rid}" for k, rid in step.created) + " created by a lost race"
    if current.stage is Stage.TEARING_DOWN:
        return current.model_copy(update={"resources": resources, "updated_at": ctx.now})
    # A new round of teardown: its message says what this round deletes (the first one was sent).
    fresh = current.teardown.model_copy(update={"deleted": [], "refused": [], "in_flight": []})
    again = current.model_copy(update={"resources": resources, "teardown": fresh})
    return move(again, ctx, Stage.TEARING_DOWN, note=note[:300])
