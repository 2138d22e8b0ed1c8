"""What every stage shares: the step result, deadlines, waiting and failing.

A stage is a function `(state, ctx) -> Step`: it looks at the real resources, does at
most one next thing, and returns the state to write (or None: nothing to do). The
driver (`functions/reconcile.py`) writes it with If-Match and, only if that write won,
publishes the step's notification.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import oci

from functions.runtime import Runtime
from shared.contract.state import ImportState, LastError, Stage
from shared.pipeline import logs
from shared.pipeline.creates import PendingCreate
from shared.pipeline.genai_ops import Kind, Progress, Resource, step_token
from shared.pipeline.notifier import Message, failure_message, success_message
from shared.pipeline.store import ConflictError
from shared.settings import FailurePolicy, Settings

log = logs.get_logger("stage")


@dataclass
class StageContext:
    rt: Runtime
    event_id: str | None
    now: datetime
    # The ETag of the state document as read (None: not read from the store, e.g. a unit test's
    # handler call). `creating` rewrites the state before a create and keeps the new ETag here,
    # so the driver's write of the step is If-Match on it.
    etag: str | None = None

    @property
    def settings(self) -> Settings:
        return self.rt.settings


class Superseded(Exception):
    """The state moved on before a create was called: another invocation got there first."""


@dataclass
class Step:
    state: ImportState | None  # None: nothing to write
    notify: Message | None = None  # published once, after the write wins
    created: list[tuple[Kind, str]] = field(default_factory=list)  # resources this step created
    adopted: list[Kind] = field(default_factory=list)  # found by tag and recorded: their create is over
    note: str = ""


@contextmanager
def creating(
    ctx: StageContext,
    state: ImportState,
    kind: Kind,
    *,
    ai_units: float | None = None,
    unit_shape: str | None = None,
) -> Iterator[Callable[[str], None]]:
    """Record the create about to be called before calling it (shared/pipeline/creates.py).

        with creating(ctx, state, Kind.CLUSTER, ai_units=2) as landed:
            created = rt.ops.create_cluster(...)
            landed(created.id)

    The record stays until the driver has put the outcome in the state or in an orphan record
    (reconcile.commit ends it); a create the service refused outright created nothing, so its
    record goes at once. Any other error leaves it: the create may have landed. Before the call
    the state is rewritten (when it was read from the store), which fires the import's next look.
    """
    pending = PendingCreate(
        import_id=state.import_id,
        name=state.name,
        kind=kind,
        retry_token=step_token(state, kind),
        at=ctx.rt.now(),
        ai_units=ai_units,
        unit_shape=unit_shape,
    )
    ctx.rt.creates.begin(pending)
    if ctx.etag is not None:
        # Rewrite the state before the call: the write fires the import's next look, which waits
        # for this create (await_create) and adopts what it creates by tag. So an invocation that
        # dies inside the call (stopped over its memory or time) leaves the import looping, not
        # stuck with a live resource nobody recorded. Losing this write: another invocation moved
        # the import (most often a teardown); nothing is created here, so the record is marked
        # returned: left "in flight", the teardown would wait IN_FLIGHT_SECONDS (600 s) for a
        # create nobody makes while the cluster bills. Should a duplicate of this step have won
        # the write and be inside the call, what it creates lands on a moved state and takes the
        # lost-create path (reconcile.clean_lost_creates: recorded, units held, deleted).
        try:
            ctx.etag = ctx.rt.store.put(state.model_copy(update={"updated_at": ctx.rt.now()}), ctx.etag)
        except ConflictError:
            returned(ctx, pending)
            raise Superseded(f"the state of {state.name} moved on before the {kind.value} create") from None

    def landed(resource_id: str) -> None:
        try:
            ctx.rt.creates.landed(pending, resource_id)
        except Exception as exc:  # the record then only stays "in flight" until it is dropped
            log.warning("could not mark a create as returned", extra={"error": str(exc)[:300]})

    try:
        yield landed
    except oci.exceptions.ServiceError as exc:
        if 400 <= exc.status < 500 and exc.status not in (409, 429):
            ctx.rt.creates.end(state.import_id, kind)
        else:
            returned(ctx, pending)
        raise
    except Exception:
        returned(ctx, pending)
        raise


def returned(ctx: StageContext, pending: PendingCreate) -> None:
    """The call came back with an error: no invocation is inside it any more, so nothing waits for it
    (await_create, the teardown); what it may have created is found by its tags. The record stays."""
    try:
        ctx.rt.creates.begin(pending.model_copy(update={"returned": True}))
    except Exception as exc:  # then it only stays "in flight" until IN_FLIGHT_SECONDS are over
        log.warning("could not mark a create as returned", extra={"error": str(exc)[:300]})


def await_create(ctx: StageContext, state: ImportState, kind: Kind) -> Resource | PendingCreate | None:
    """Before creating `kind`: the resource found by tag, else the create of it still in flight, else None.

    A create another invocation started (its pending record is in flight) is waited for, up to the
    stage's poll budget, and what it created is found by its tags; a record whose invocation died
    inside the call stays in flight until IN_FLIGHT_SECONDS are over, then a create may run again.
    None: nothing tagged and no create in flight, so the caller creates.
    """
    rt, s = ctx.rt, ctx.settings
    ends = rt.clock() + s.poll_seconds
    while True:
        found = rt.ops.find(kind, state.import_id)
        if found is not None:
            return found
        now = rt.now()
        flying = [p for p in rt.creates.pending(state.import_id) if p.kind is kind and p.in_flight(now)]
        if not flying:
            # The create may have returned between the look and the record's end: look once more.
            return rt.ops.find(kind, state.import_id)
        if rt.clock() + s.poll_interval_seconds > ends:
            return flying[0]
        rt.sleep(s.poll_interval_seconds)


def stage_deadline(settings: Settings, stage: Stage) -> timedelta | None:
    minutes = {
        Stage.WAITING_FOR_FILES: settings.deadline_validate_minutes,
        Stage.VALIDATING: settings.deadline_validate_minutes,
        Stage.IMPORTING: settings.deadline_import_minutes,
        Stage.PROVISIONING: settings.deadline_cluster_minutes,
        Stage.DEPLOYING: settings.deadline_endpoint_minutes,
        Stage.SMOKE_TESTING: settings.deadline_smoke_minutes,
        Stage.TEARING_DOWN: settings.deadline_cluster_minutes,
    }.get(stage)
    return timedelta(minutes=minutes) if minutes else None


def move(state: ImportState, ctx: StageContext, stage: Stage, note: str = "") -> ImportState:
    return state.move_to(
        stage, now=ctx.now, deadline=stage_deadline(ctx.settings, stage), note=note, event_id=ctx.event_id
    )


def finish_done(state: ImportState, ctx: StageContext, note: str) -> Step:
    """DONE, with the success notification (endpoint, cost, example call) for the import."""
    done = move(state, ctx, Stage.DONE, note=note)
    msg = success_message(
        done,
        openai_base_url=ctx.rt.openai_base_url,
        inference_url=ctx.rt.inference_url,
        compartment_id=ctx.settings.compartment_id,
        project_id=ctx.settings.genai_project_id,
    )
    return Step(done, notify=msg)


def deadline_passed(state: ImportState, ctx: StageContext) -> bool:
    return state.stage_deadline is not None and ctx.now > state.stage_deadline


def fail(
    state: ImportState,
    ctx: StageContext,
    code: str,
    message: str,
    details: list[str] | None = None,
    *,
    cost_note: str = "",
    keep: bool = False,
) -> Step:
    """End the import in FAILED, notifying once; with the 'delete' policy, tear down first.

    `keep`: whatever the policy, keep what was created (a failed smoke test: the deployment may
    work, and FAILURE_POLICY governs provisioning failures only).

    The failure is recorded in `last_error`; a teardown that carries a `last_error` while the
    import is still wanted ends in FAILED rather than TORN_DOWN.
    """
    err = LastError(stage=state.stage, code=code, message=message[:2000], details=(details or [])[:20])
    failed = state.model_copy(update={"last_error": err})
    has_resources = any(
        (state.resources.imported_model_id, state.resources.cluster_id, state.resources.endpoint_id)
    ) or state.stage in (Stage.IMPORTING, Stage.PROVISIONING, Stage.DEPLOYING, Stage.SMOKE_TESTING)
    policy = FailurePolicy.KEEP if keep else ctx.settings.failure_policy
    msg = failure_message(failed, policy=policy, cost_note=cost_note)
    if has_resources and policy is FailurePolicy.DELETE:
        nxt = move(failed, ctx, Stage.TEARING_DOWN, note=f"{code}: cleaning up (failure policy delete)")
    else:
        nxt = move(failed, ctx, Stage.FAILED, note=code)
    return Step(nxt, notify=msg)


def keep_waiting(state: ImportState, ctx: StageContext, what: str, prog: Progress | None = None) -> Step:
    """Rewrite with attempt + 1 (which fires the next invocation), or fail once the deadline passed."""
    if deadline_passed(state, ctx):
        seen = f" (last seen {prog.lifecycle_state})" if prog and prog.lifecycle_state else ""
        return fail(
            state,
            ctx,
            "STAGE_DEADLINE_EXCEEDED",
            f"{what} did not finish before the {state.stage.value} deadline {state.stage_deadline}{seen}",
        )
    return Step(state.next_attempt(now=ctx.now), note=f"waiting for {what}")


def progress_failed(state: ImportState, ctx: StageContext, kind: Kind, prog: Progress) -> Step:
    code = "WORK_REQUEST_FAILED" if prog.status == "FAILED" else "RESOURCE_FAILED"
    if prog.lifecycle_state in ("FAILED", "NEEDS_ATTENTION") and prog.status == "FAILED" and not prog.errors:
        code = "RESOURCE_FAILED"
    return fail(state, ctx, code, f"{kind.value} {prog.status.lower()} ({prog.lifecycle_state})", prog.errors)
