"""SMOKE_TESTING: call the new endpoint by capability; it never destroys a working deployment.

- passed: DONE, with the success notification.
- not tested (401/404 on the inference call for SMOKE_NOT_AUTHORIZED_SECONDS, default 30 s:
  the function may not call the endpoint): DONE, and the notification says plainly that it
  was not tested and why.
- unanswered (429, 5xx, timeouts on every try within this invocation): try again on the next
  invocation (attempt + 1) until the stage deadline.
- failed (the endpoint answered outside the protocol), or still unanswered at the deadline:
  FAILED with SMOKE_TEST_FAILED, and the deployment is KEPT whatever FAILURE_POLICY says
  (that policy governs provisioning failures only): it may well work, and deleting it would
  throw away an hour-billed cluster; the notification says how to remove it.
"""

from __future__ import annotations

import os

from functions.common import StageContext, Step, deadline_passed, fail, finish_done, move
from functions.runtime import RESERVE_AFTER_WAIT_SECONDS
from shared.contract.state import ImportState, Stage
from shared.pipeline.smoke import NOT_AUTHORIZED_RETRY_SECONDS, SmokeTarget, Verdict
from shared.pipeline.smoke import smoke_test as run_smoke_test

# The most one invocation spends retrying a transient answer; the rest of its budget is the
# state write and the notification.
SMOKE_BUDGET_SECONDS = 120.0
# How long a 401/404 on the inference call is asked again (a fresh endpoint, a policy still
# propagating) before the verdict is "not tested"; within the budget above.
SMOKE_NOT_AUTHORIZED_SECONDS = float(
    os.environ.get("SMOKE_NOT_AUTHORIZED_SECONDS", str(NOT_AUTHORIZED_RETRY_SECONDS))
)
KEPT_NOTE = (
    "The smoke test failed, so the deployment is KEPT whatever FAILURE_POLICY says (that policy "
    "governs provisioning failures only): it keeps costing money until you remove it."
)


def smoke_test(state: ImportState, ctx: StageContext) -> Step:
    rt, res, s = ctx.rt, state.resources, ctx.settings
    if state.plan is None or not res.endpoint_id:
        return Step(move(state, ctx, Stage.DEPLOYING, note="no endpoint yet"))
    target = SmokeTarget(
        endpoint_id=res.endpoint_id,
        compartment_id=s.compartment_id,
        openai_base_url=rt.openai_base_url,
        signer=rt.signer,
        inference_client=lambda timeouts: rt.factory.inference(timeout=timeouts),
        project_id=s.genai_project_id,
    )
    budget = min(SMOKE_BUDGET_SECONDS, rt.remaining_seconds() - RESERVE_AFTER_WAIT_SECONDS)
    result = run_smoke_test(
        state.plan.capability,
        target,
        budget_seconds=budget,
        first_delay=s.poll_interval_seconds,
        not_authorized_seconds=SMOKE_NOT_AUTHORIZED_SECONDS,
        sleep=rt.sleep,
        clock=rt.clock,
    )
    tested = state.model_copy(update={"smoke_test": result.to_json_dict()})
    if result.verdict is Verdict.PASSED:
        return finish_done(tested, ctx, note=f"smoke test passed ({result.route})")
    if result.verdict is Verdict.NOT_TESTED:
        return finish_done(tested, ctx, note=f"smoke test not run, not authorized: {result.error}")
    if result.verdict is Verdict.UNANSWERED and not deadline_passed(state, ctx):
        return Step(
            tested.next_attempt(now=ctx.now), note=f"smoke test unanswered, will retry: {result.error}"
        )
    return fail(
        tested, ctx, "SMOKE_TEST_FAILED", f"{result.route}: {result.error}", cost_note=KEPT_NOTE, keep=True
    )
