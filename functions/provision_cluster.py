"""PROVISIONING: reserve the AI units, create the hosting cluster (once), wait for ACTIVE.

The reservation in the ledger comes first: a cluster that would break a ceiling is never
created, and the failure notification says why and what it would have cost. A cluster
found by tag (created by an earlier attempt, or by a create still in flight in another
invocation, which is waited for: functions/common.await_create) is adopted only after its
units are recorded in the ledger, ceilings or not: it exists, so it is spending.

The AI units reserved are always those of the shape in the unit-shape table
(shared/data/unit-shapes.csv), never `plan.ai_units`: the plan is data in a document, and the
ceilings must hold whatever a document says. An unknown shape creates nothing.
"""

from __future__ import annotations

from functions.common import (
    StageContext,
    Step,
    await_create,
    creating,
    fail,
    keep_waiting,
    move,
    progress_failed,
)
from shared.contract.state import ImportState, Stage
from shared.pipeline.creates import PendingCreate
from shared.pipeline.genai_ops import Kind
from shared.pipeline.limits import unit_availability
from shared.shapes import get_shape


def provision_cluster(state: ImportState, ctx: StageContext) -> Step:
    rt, res, plan, s = ctx.rt, state.resources, state.plan, ctx.settings
    if plan is None or not res.imported_model_id:
        return Step(move(state, ctx, Stage.IMPORTING, note="no imported model yet"))
    if not plan.unit_shape:
        return fail(state, ctx, "SHAPE_UNKNOWN", "validation chose no unit shape")
    shape = get_shape(plan.unit_shape)
    if shape is None:  # never create a cluster the ledger cannot count
        return fail(state, ctx, "SHAPE_UNKNOWN", f"no AI-unit count is known for {plan.unit_shape}")
    if plan.unit_shape not in s.usable_shapes:
        return fail(state, ctx, "SHAPE_NOT_ALLOWED", f"{plan.unit_shape} is not in ALLOWED_SHAPES")
    ai_units = shape.ai_units  # from the table, whatever plan.ai_units says
    if not res.cluster_id:
        existing = await_create(ctx, state, Kind.CLUSTER)
        if isinstance(existing, PendingCreate):  # another invocation's create: adopt it once it lands
            return keep_waiting(state, ctx, f"the cluster create started {existing.at:%H:%M:%S} UTC")
        if existing is not None:
            # A cluster that exists costs money whatever the ceilings say: record its units
            # (idempotent per import id) before adopting it, so the ledger never misses it.
            rt.ledger.reserve(
                state.import_id,
                state.name,
                ai_units,
                max_per_import=float("inf"),
                max_total=float("inf"),
                unit_shape=plan.unit_shape,
            )
            found = res.model_copy(update={"cluster_id": existing.id})
            return Step(
                state.model_copy(update={"resources": found, "updated_at": ctx.now}),
                adopted=[Kind.CLUSTER],  # recorded now: its pending create record goes
                note="found by tag",
            )
        # The tenancy's limit for this shape (often 0 until requested) was read at VALIDATING,
        # before the import (functions/validate.py); read again before anything is reserved or
        # created, for a limit another deployment used up meanwhile. An unreadable one never blocks.
        limits = unit_availability(rt.limits, rt.factory.tenancy_id, s.compartment_id, shape)
        if limits.enough is False:
            return fail(state, ctx, "UNIT_LIMIT_INSUFFICIENT", limits.refusal())
        units = ai_units
        reservation = rt.ledger.reserve(
            state.import_id,
            state.name,
            units,
            max_per_import=s.max_ai_units_per_import,
            max_total=s.max_ai_units_total,
            unit_shape=plan.unit_shape,
        )
        if not reservation.granted:
            cost = f"${plan.cost_per_hour:,.2f}" if plan.cost_per_hour is not None else "unknown"
            note = (
                f"Refused: a {plan.unit_shape} cluster ({units:g} AI units, about {cost} per hour, "
                f"one-hour minimum) was not created."
            )
            return fail(
                state, ctx, reservation.code or "AI_UNITS_CEILING_TOTAL", reservation.reason, cost_note=note
            )
        with creating(ctx, state, Kind.CLUSTER, ai_units=units, unit_shape=plan.unit_shape) as landed:
            created = rt.ops.create_cluster(state, plan.unit_shape)
            landed(created.id)
        res = res.model_copy(
            update={"cluster_id": created.id, "cluster_work_request_id": created.work_request_id}
        )
        return Step(
            state.model_copy(update={"resources": res, "updated_at": ctx.now}),
            created=[(Kind.CLUSTER, created.id)],
            note=f"cluster {plan.unit_shape} created",
        )
    prog = rt.ops.wait(
        Kind.CLUSTER, res.cluster_id, res.cluster_work_request_id, s.poll_seconds, s.poll_interval_seconds
    )
    if prog.status == "ACTIVE":
        return Step(move(state, ctx, Stage.DEPLOYING, note="cluster ACTIVE"))
    if prog.done:
        return progress_failed(state, ctx, Kind.CLUSTER, prog)
    return keep_waiting(state, ctx, "the hosting cluster", prog)
