"""IMPORTING: create the imported model (once), then wait for its work request.

With `deploy: false` the import ends here, in DONE, with a notification that says so.
"""

from __future__ import annotations

from functions.common import (
    StageContext,
    Step,
    await_create,
    creating,
    fail,
    finish_done,
    keep_waiting,
    move,
    progress_failed,
)
from shared.contract.paths import SourceKind
from shared.contract.state import ImportState, Stage
from shared.pipeline.creates import PendingCreate
from shared.pipeline.genai_ops import Kind
from shared.pipeline.secrets import SecretUnavailable


def import_model(state: ImportState, ctx: StageContext) -> Step:
    rt, res = ctx.rt, state.resources
    if state.plan is None:
        return Step(move(state, ctx, Stage.VALIDATING, note="no plan yet: validate first"))
    if not res.imported_model_id:
        existing = await_create(ctx, state, Kind.IMPORTED_MODEL)
        if isinstance(existing, PendingCreate):  # another invocation's create: adopt it once it lands
            return keep_waiting(state, ctx, f"the model create started {existing.at:%H:%M:%S} UTC")
        if existing is not None:
            found = res.model_copy(update={"imported_model_id": existing.id})
            return Step(
                state.model_copy(update={"resources": found, "updated_at": ctx.now}),
                adopted=[Kind.IMPORTED_MODEL],  # recorded now: its pending create record goes
                note="found by tag",
            )
        token = None
        if state.source.kind is SourceKind.HUGGING_FACE:
            try:
                token = rt.hf_token()
            except SecretUnavailable as exc:
                return fail(state, ctx, exc.code, f"Hugging Face token unavailable: {exc}")
        with creating(ctx, state, Kind.IMPORTED_MODEL) as landed:
            created = rt.ops.create_imported_model(state, state.plan.capability, token)
            landed(created.id)
        res = res.model_copy(
            update={
                "imported_model_id": created.id,
                "imported_model_work_request_id": created.work_request_id,
            }
        )
        return Step(
            state.model_copy(update={"resources": res, "updated_at": ctx.now}),
            created=[(Kind.IMPORTED_MODEL, created.id)],
            note="imported model created",
        )
    prog = rt.ops.wait(
        Kind.IMPORTED_MODEL,
        res.imported_model_id,
        res.imported_model_work_request_id,
        ctx.settings.poll_seconds,
        ctx.settings.poll_interval_seconds,
    )
    if prog.status == "ACTIVE":
        if not state.options.deploy:
            return finish_done(state, ctx, note="imported; deploy: false")
        return Step(move(state, ctx, Stage.PROVISIONING, note="imported model ACTIVE"))
    if prog.done:
        return progress_failed(state, ctx, Kind.IMPORTED_MODEL, prog)
    return keep_waiting(state, ctx, "the model import", prog)
