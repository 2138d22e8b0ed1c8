"""TEARING_DOWN: endpoint, cluster, then model (unless keep_model); release the AI units.

Reached when the source is deleted, the import is cancelled, a new upload replaces it,
or a failure under the 'delete' policy. A teardown caused by a failure (a `last_error`
while the import is still wanted) ends in FAILED; every other one in TORN_DOWN, and only
once nothing tagged with the import id lives (shared/pipeline/teardown.py): while
something does (e.g. a cluster still CREATING), it stays TEARING_DOWN and fires itself
again (attempt + 1); past the stage deadline it ends in FAILED with a notification naming
every resource left. A create of the import still in flight (shared/pipeline/creates.py) keeps
it TEARING_DOWN too, until what it created is found by tag and deleted, or its record is over
(IN_FLIGHT_SECONDS): then its AI units are released.
"""

from __future__ import annotations

from functions.common import StageContext, Step, deadline_passed, move
from shared.contract.state import ImportState, LastError, Stage
from shared.pipeline import logs
from shared.pipeline.creates import PendingCreate
from shared.pipeline.notifier import Message, teardown_message
from shared.pipeline.teardown import teardown_step

log = logs.get_logger("teardown")


def begin_teardown(state: ImportState, ctx: StageContext, note: str) -> Step:
    fresh = state.teardown.model_copy(update={"deleted": [], "refused": [], "in_flight": []})
    started = state.model_copy(update={"desired": "absent", "teardown": fresh})
    return Step(move(started, ctx, Stage.TEARING_DOWN, note=note))


def creates_to_wait_for(
    ctx: StageContext, state: ImportState, deleted: list[str]
) -> tuple[list[PendingCreate], bool]:
    """The creates of this import still in flight, and whether one has landed and still lives.

    A record whose resource this teardown deleted (`deleted`), or that is found by its tags, is
    resolved: it is marked landed, so it no longer counts once its resource is gone.
    """
    rt = ctx.rt
    now = rt.now()
    flying: list[PendingCreate] = []
    landed = False
    for pending in rt.creates.pending(state.import_id):
        live = [r for r in rt.ops.list_managed(pending.kind) if r.import_id == state.import_id]
        landed = landed or bool(live)
        if not pending.in_flight(now):
            continue
        gone = next((d.split(" ", 1)[1] for d in deleted if d.startswith(f"{pending.kind.value} ")), None)
        seen = gone or (live[0].id if live else None)
        if seen is None:
            flying.append(pending)
            continue
        try:
            rt.creates.landed(pending, seen)
        except Exception as exc:  # then it is resolved again on the next look
            log.warning("could not mark a create as landed", extra={"error": str(exc)[:300]})
    return flying, landed


def merged(seen: list[str], more: list[str]) -> list[str]:
    return [*seen, *(m for m in more if m not in seen)]


def teardown(state: ImportState, ctx: StageContext) -> Step:
    rt, s = ctx.rt, ctx.settings
    prog = teardown_step(
        rt.ops, state, budget_seconds=s.poll_seconds, interval=s.poll_interval_seconds, sleep=rt.sleep
    )
    # What this invocation deleted joins what earlier ones did: the message says the whole teardown.
    record = state.teardown.model_copy(
        update={
            "deleted": merged(state.teardown.deleted, prog.deleted),
            "refused": merged(state.teardown.refused, prog.refused),
        }
    )
    progressed = state.model_copy(
        update={"resources": prog.resources, "updated_at": ctx.now, "teardown": record}
    )
    if not prog.done:
        if deadline_passed(state, ctx):
            err = LastError(
                stage=Stage.TEARING_DOWN,
                code="STAGE_DEADLINE_EXCEEDED",
                message=f"teardown did not finish before its deadline; still waiting on {prog.waiting_on}",
                details=prog.left[:20],
            )
            stuck = move(
                progressed.model_copy(update={"last_error": err}), ctx, Stage.FAILED, note="teardown stuck"
            )
            still = "\n".join(f"- {r}" for r in prog.left[:20]) or f"- {prog.waiting_on}"
            body = (
                f"The teardown of {state.name} did not finish; still there (and possibly costing money):\n"
                f"{still}\n"
                f"Check them in the console, then run `model-import teardown {state.name}` again."
            )
            return Step(
                stuck, notify=Message("failed:TEARING_DOWN", f"Model {state.name} teardown stuck", body)
            )
        return Step(progressed.next_attempt(now=ctx.now), note=f"waiting for {prog.waiting_on}")
    # A create of this import still in flight (its invocation inside the call, or dead in it) may
    # land after this look: the teardown stays TEARING_DOWN until it lands (the next round deletes
    # it) or its record is over, so nothing it creates is left untracked and its units stay held.
    flying, landed = creates_to_wait_for(ctx, state, record.deleted)
    if flying or landed:  # look again (attempt + 1) once it lands or its record is over
        what = ", ".join(f"{p.kind.value} create (started {p.at:%H:%M:%S} UTC)" for p in flying)
        ends = rt.clock() + s.poll_seconds
        while flying and not landed and rt.clock() + s.poll_interval_seconds <= ends:
            rt.sleep(s.poll_interval_seconds)
            flying, landed = creates_to_wait_for(ctx, state, record.deleted)
        return Step(progressed.next_attempt(now=ctx.now), note=f"waiting for {what or 'a late create'}")
    for pending in rt.creates.pending(state.import_id):  # none in flight: what they made is gone
        try:
            rt.creates.end(state.import_id, pending.kind)
        except Exception as exc:  # a record no longer in flight holds nothing: only clutter
            log.warning("could not drop a pending create record", extra={"error": str(exc)[:300]})
    in_flight: list[str] = []
    if not rt.creates.holds_units(state.import_id, rt.now()):
        rt.ledger.release(state.import_id)
    if state.last_error is not None and state.desired == "present":
        return Step(move(progressed, ctx, Stage.FAILED, note="cleaned up after failure"))
    ended = progressed.model_copy(
        update={"teardown": record.model_copy(update={"in_flight": in_flight, "rounds": record.rounds + 1})}
    )
    done = move(ended, ctx, Stage.TORN_DOWN, note="; ".join(record.deleted)[:500] or "nothing to delete")
    return Step(done, notify=teardown_message(done))
