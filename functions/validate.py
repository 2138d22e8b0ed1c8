"""VALIDATING: inspect the artifacts (headers and small files only), decide capability and shape.

A rejection stores the findings, publishes them and creates nothing. A model whose
recommended shape would break the per-import AI-unit ceiling is rejected here too, before
anything is imported; the total ceiling is checked when the cluster is about to be created.
"""

from __future__ import annotations

from typing import Any

from functions.common import StageContext, Step, move
from shared.contract.paths import SourceKind
from shared.contract.state import ImportState, Plan, Stage
from shared.findings import finding, has_errors
from shared.pipeline.notifier import rejection_message
from shared.pipeline.secrets import SecretUnavailable


def _policy(ctx: StageContext) -> Any:
    from shared.inspection import SizingPolicy

    s = ctx.settings
    kwargs: dict[str, Any] = {
        "price_per_ai_unit": s.ai_unit_price_per_hour,
        "allowed_shapes": s.usable_shapes,
    }
    if s.serving_context_tokens:
        kwargs["context_tokens"] = s.serving_context_tokens
    if s.serving_concurrency:
        kwargs["concurrency"] = s.serving_concurrency
    return SizingPolicy(**kwargs)


def _source(state: ImportState, ctx: StageContext) -> Any:
    from shared.inspection import HubSource, ObjectStorageSource

    src = state.source
    if src.kind is SourceKind.HUGGING_FACE:
        token = ctx.rt.hf_token()
        return HubSource(
            src.model_id or "", src.revision or "main", endpoint=ctx.rt.hub_endpoint, token=token
        )
    return ObjectStorageSource(ctx.rt.object_storage, src.namespace, src.bucket, src.prefix or "")


def reject(state: ImportState, ctx: StageContext, findings: list[Any], note: str) -> Step:
    rejected = move(state.model_copy(update={"findings": findings}), ctx, Stage.REJECTED, note=note)
    return Step(rejected, notify=rejection_message(rejected))


def validate(state: ImportState, ctx: StageContext) -> Step:
    from shared.inspection import inspect_artifacts

    try:
        source = _source(state, ctx)
    except SecretUnavailable as exc:
        return reject(
            state, ctx, [finding("HF_TOKEN_UNAVAILABLE", "HF_TOKEN_SECRET_ID", str(exc))], "no token"
        )
    report = inspect_artifacts(
        source, declared=state.options.capability, unit_shape=state.options.unit_shape, policy=_policy(ctx)
    )
    findings = list(report.findings)
    if not report.ok or has_errors(findings) or report.capability is None:
        return reject(state, ctx, findings, "validation failed")
    plan = Plan(
        capability=report.capability,
        unit_shape=report.unit_shape or report.recommended_shape,
        ai_units=report.ai_units,
        memory_gib=report.memory_gib,
        parameters=report.parameters,
        cost_per_hour=report.cost_per_hour,
        shape_reason=report.shape_reason or "",
    )
    s = ctx.settings
    if state.options.deploy and plan.ai_units is not None and plan.ai_units > s.max_ai_units_per_import:
        ceiling = finding(
            "AI_UNITS_CEILING_IMPORT",
            f"{state.name}: {plan.unit_shape}",
            f"{plan.unit_shape} holds {plan.ai_units:g} AI units (about {_cost(plan.cost_per_hour)}/h); "
            f"the per-import ceiling is {s.max_ai_units_per_import:g}",
        )
        return reject(state.model_copy(update={"plan": plan}), ctx, [*findings, ceiling], "over the ceiling")
    validated = state.model_copy(update={"plan": plan, "findings": findings})
    return Step(move(validated, ctx, Stage.IMPORTING, note=f"{plan.capability.value} on {plan.unit_shape}"))


def _cost(value: float | None) -> str:
    return f"${value:,.2f}" if value is not None else "an unknown cost"
