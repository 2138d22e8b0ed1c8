"""VALIDATING: inspect the artifacts (headers and small files only), decide capability and shape.

A rejection stores the findings, publishes them and creates nothing. A model whose
recommended shape would break the per-import AI-unit ceiling is rejected here too, before
anything is imported; the total ceiling is checked when the cluster is about to be created.
So is the tenancy's service limit of the shape (often 0 on a new tenancy): read here, once
the shape is known, an import that could never get its cluster FAILS with
UNIT_LIMIT_INSUFFICIENT before the model is imported (hours of import, then a delete, saved);
read again before the cluster create, for a limit another deployment used up meanwhile.
"""

from __future__ import annotations

from typing import Any

import oci

from functions.common import StageContext, Step, fail, move
from shared.contract.paths import SourceKind
from shared.contract.state import ImportState, Plan, Stage
from shared.findings import finding, has_errors
from shared.pipeline.genai_ops import resolve_revision
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


class SourceTemporarilyUnreadable(Exception):
    """Object Storage or the Hub answered 429/5xx or the connection failed: ask again later."""


PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 416})


def is_transient(cause: BaseException | None) -> bool:
    """Would asking again plausibly give another answer? (A SourceError's cause is what failed.)"""
    if cause is None:
        return False  # the source itself decided (too many files, ...): permanent
    if isinstance(cause, oci.exceptions.ServiceError):
        return cause.status not in PERMANENT_STATUSES
    response = getattr(cause, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        return status == 429 or status >= 500
    if isinstance(cause, OSError | oci.exceptions.RequestException | oci.exceptions.ConnectTimeout):
        return True  # requests' errors are OSErrors: refused, reset, timed out
    # The Hub client's transport errors (httpx or requests, depending on the version) by name.
    return any(word in type(cause).__name__ for word in ("Connect", "Timeout", "Transport", "Protocol"))


def watch_transient(source: Any) -> Any:
    """Make the source raise SourceTemporarilyUnreadable instead of a SourceError for a passing failure.

    The inspector turns every SourceError into a SOURCE_UNREADABLE finding, which would reject
    the import for good; a throttled or briefly unreachable store must only delay it.
    """
    from shared.inspection.sources.base import SourceError

    def guarded(method: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except SourceError as exc:
                if is_transient(exc.__cause__):
                    raise SourceTemporarilyUnreadable(f"{exc.subject}: {exc.message}") from exc
                raise

        return call

    source._list = guarded(source._list)
    source._read = guarded(source._read)
    return source


def reject(state: ImportState, ctx: StageContext, findings: list[Any], note: str) -> Step:
    rejected = move(state.model_copy(update={"findings": findings}), ctx, Stage.REJECTED, note=note)
    return Step(rejected, notify=rejection_message(rejected))


def validate(state: ImportState, ctx: StageContext) -> Step:
    from shared.inspection import inspect_artifacts

    try:
        source = _source(state, ctx)
    except SecretUnavailable as exc:
        return reject(state, ctx, [finding(exc.code, "HF_TOKEN_SECRET_ID", str(exc))], "no token")
    report = inspect_artifacts(
        watch_transient(source),
        declared=state.options.capability,
        unit_shape=state.options.unit_shape,
        policy=_policy(ctx),
    )
    findings = list(report.findings)
    if not report.ok or has_errors(findings) or report.capability is None:
        return reject(state, ctx, findings, "validation failed")
    if state.source.kind is SourceKind.HUGGING_FACE:
        revision = state.source.revision or "main"
        resolved = resolve_revision(revision, getattr(source, "commit", None))
        if resolved is None:
            unresolved = finding(
                "HF_REVISION_UNRESOLVED",
                f"revision {revision}",
                f"the Hub did not resolve {revision!r} of {state.source.model_id} to a full commit",
            )
            return reject(state, ctx, [*findings, unresolved], "short commit not resolved")
        if resolved != revision:
            source_update = state.source.model_copy(update={"revision": resolved})
            state = state.model_copy(update={"source": source_update})
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
    refusal = unit_limit_refusal(validated, ctx) if state.options.deploy else None
    if refusal is not None:
        return fail(validated, ctx, "UNIT_LIMIT_INSUFFICIENT", refusal)
    return Step(move(validated, ctx, Stage.IMPORTING, note=f"{plan.capability.value} on {plan.unit_shape}"))


def unit_limit_refusal(state: ImportState, ctx: StageContext) -> str | None:
    """Why the tenancy's limit of the plan's shape leaves no room for its cluster, or None.

    An unknown shape or a limit that cannot be read (no policy, 404, AD-scoped) never refuses.
    """
    from shared.pipeline.limits import unit_availability
    from shared.shapes import get_shape

    shape = get_shape(state.plan.unit_shape) if state.plan and state.plan.unit_shape else None
    if shape is None:
        return None
    rt = ctx.rt
    limits = unit_availability(rt.limits, rt.factory.tenancy_id, ctx.settings.compartment_id, shape)
    return limits.refusal() if limits.enough is False else None


def _cost(value: float | None) -> str:
    return f"${value:,.2f}" if value is not None else "an unknown cost"
