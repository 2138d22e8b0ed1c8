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
    return Step(move(state.model_copy(update={"desired": "absent"}), ctx, Stage.TEARING_DOWN, note=note))


def teardown(state: ImportState, ctx: StageContext) -> Step:
    rt, s = ctx.rt, ctx.settings
    prog = teardown_step(
        rt.ops, state, budget_seconds=s.poll_seconds, interval=s.poll_interval_seconds, sleep=rt.sleep
    )
    progressed = state.model_copy(update={"resources": prog.resources, "updated_at": ctx.now})
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
    rt.ledger.release(state.import_id)
    if state.last_error is not None and state.desired == "present":
        return Step(move(progressed, ctx, Stage.FAILED, note="cleaned up after failure"))
    done = move(progressed, ctx, Stage.TORN_DOWN, note="; ".join(prog.deleted)[:500] or "nothing to delete")
    msg = teardown_message(done, prog.deleted)
    if prog.refused:
        # A recorded OCID that is not this import's (a forged or stale state): never deleted, said.
        refused = "\n".join(f"  - RESOURCE_NOT_OURS: {r}" for r in prog.refused[:20])
        msg = Message(
            msg.key,
            msg.title,
            f"{msg.body}\nNot deleted, its tags do not prove it is this import's:\n{refused}\n"
            "Check who wrote the state document; delete a resource by hand only if it is yours.",
        )
    return Step(done, notify=msg)
