"""SMOKE_TESTING: call the new endpoint by capability; success ends in DONE with the notification.

A fresh endpoint may need a moment: a failed call is retried (attempt + 1) up to
SMOKE_ATTEMPTS times within the stage deadline, then the import FAILS with SMOKE_TEST_FAILED.
"""

from __future__ import annotations

from functions.common import StageContext, Step, deadline_passed, fail, finish_done, move
from shared.contract.state import ImportState, Stage
from shared.pipeline.smoke import smoke_test as run_smoke_test

SMOKE_ATTEMPTS = 3


def smoke_test(state: ImportState, ctx: StageContext) -> Step:
    rt, res = ctx.rt, state.resources
    if state.plan is None or not res.endpoint_id:
        return Step(move(state, ctx, Stage.DEPLOYING, note="no endpoint yet"))
    result = run_smoke_test(
        state.plan.capability,
        endpoint_id=res.endpoint_id,
        compartment_id=ctx.settings.compartment_id,
        openai_base_url=rt.openai_base_url,
        signer=rt.signer,
        inference_client=rt.inference,
    )
    tested = state.model_copy(update={"smoke_test": result.to_json_dict()})
    if result.passed and not result.tested:
        return finish_done(tested, ctx, note=f"smoke test not tested ({result.route}): no rerank grant")
    if result.passed:
        return finish_done(tested, ctx, note=f"smoke test passed ({result.route})")
    if state.attempt + 1 >= SMOKE_ATTEMPTS or deadline_passed(state, ctx):
        return fail(tested, ctx, "SMOKE_TEST_FAILED", f"{result.route}: {result.error}")
    rt.sleep(ctx.settings.poll_interval_seconds)
    return Step(tested.next_attempt(now=ctx.now), note=f"smoke test failed, will retry: {result.error}")
