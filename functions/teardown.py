"""TEARING_DOWN: endpoint, cluster, then model (unless keep_model); release the AI units.

Reached when the source is deleted, the import is cancelled, a new upload replaces it,
or a failure under the 'delete' policy. A teardown caused by a failure (a `last_error`
while the import is still wanted) ends in FAILED; every other one in TORN_DOWN, and only
once nothing tagged with the import id lives (shared/pipeline/teardown.py): while
something does (e.g. a cluster still CREATING), it stays TEARING_DOWN and fires itself
again (attempt + 1); past the stage deadline it ends in FAILED with a notification naming
every resource left.
"""

from __future__ import annotations

from functions.common import StageContext, Step, deadline_passed, move
from shared.contract.state import ImportState, LastError, Stage
from shared.pipeline.notifier import Message, teardown_message
from shared.pipeline.teardown import teardown_step


def begin_teardown(state: ImportState, ctx: StageContext, note: str) -> Step:
    fresh = state.teardown.model_copy(update={"deleted": [], "refused": [], "in_flight": []})
    started = state.model_copy(update={"desired": "absent", "teardown": fresh})
    return Step(move(started, ctx, Stage.TEARING_DOWN, note=note))


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
    # A create still in flight may land after this: its record (shared/pipeline/creates.py) keeps
    # the units held until it is recorded and deleted, so the ledger never misses a live cluster.
    in_flight = [
        f"{p.kind.value} create (started {p.at:%Y-%m-%d %H:%M:%S} UTC)"
        for p in rt.creates.pending(state.import_id)
        if p.in_flight(ctx.now)
    ]
    if not rt.creates.holds_units(state.import_id, ctx.now):
        rt.ledger.release(state.import_id)
    if state.last_error is not None and state.desired == "present":
        return Step(move(progressed, ctx, Stage.FAILED, note="cleaned up after failure"))
    ended = progressed.model_copy(
        update={"teardown": record.model_copy(update={"in_flight": in_flight, "rounds": record.rounds + 1})}
    )
    done = move(ended, ctx, Stage.TORN_DOWN, note="; ".join(record.deleted)[:500] or "nothing to delete")
    return Step(done, notify=teardown_message(done))
