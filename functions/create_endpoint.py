"""DEPLOYING: create the endpoint of the imported model on the cluster (once), wait for ACTIVE."""

from __future__ import annotations

from functions.common import StageContext, Step, await_create, creating, keep_waiting, move, progress_failed
from shared.contract.state import ImportState, Stage
from shared.pipeline.creates import PendingCreate
from shared.pipeline.genai_ops import Kind


def create_endpoint(state: ImportState, ctx: StageContext) -> Step:
    rt, res, s = ctx.rt, state.resources, ctx.settings
    if not res.imported_model_id or not res.cluster_id:
        return Step(move(state, ctx, Stage.PROVISIONING, note="no cluster yet"))
    if not res.endpoint_id:
        existing = await_create(ctx, state, Kind.ENDPOINT)
        if isinstance(existing, PendingCreate):  # another invocation's create: adopt it once it lands
            return keep_waiting(state, ctx, f"the endpoint create started {existing.at:%H:%M:%S} UTC")
        if existing is not None:
            found = res.model_copy(update={"endpoint_id": existing.id})
            return Step(
                state.model_copy(update={"resources": found, "updated_at": ctx.now}),
                adopted=[Kind.ENDPOINT],  # recorded now: its pending create record goes
                note="found by tag",
            )
        with creating(ctx, state, Kind.ENDPOINT) as landed:
            created = rt.ops.create_endpoint(state, res.imported_model_id, res.cluster_id)
            landed(created.id)
        res = res.model_copy(
            update={"endpoint_id": created.id, "endpoint_work_request_id": created.work_request_id}
        )
        return Step(
            state.model_copy(update={"resources": res, "updated_at": ctx.now}),
            created=[(Kind.ENDPOINT, created.id)],
            note="endpoint created",
        )
    prog = rt.ops.wait(
        Kind.ENDPOINT, res.endpoint_id, res.endpoint_work_request_id, s.poll_seconds, s.poll_interval_seconds
    )
    if prog.status == "ACTIVE":
        live = state.model_copy(update={"endpoint_url": rt.openai_base_url})
        return Step(move(live, ctx, Stage.SMOKE_TESTING, note="endpoint ACTIVE"))
    if prog.done:
        return progress_failed(state, ctx, Kind.ENDPOINT, prog)
    return keep_waiting(state, ctx, "the endpoint", prog)
