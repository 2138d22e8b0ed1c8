"""One import as the flat dict `status --json` prints: stage, stall, plan, cost so far, endpoint.

The same fields for an import with a state document (`summary`) and for a manifest or request the
pipeline has not picked up yet (`not_started_summary`), so scripts read one shape.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cli.formatting import age, age_seconds, as_utc, hourly, iso
from cli.state_reader import NOT_STARTED, NotStarted
from shared.contract.state import ImportState, Stage
from shared.pipeline.sweep import stall_reason


def not_started_summary(n: NotStarted, *, now: datetime, stall: timedelta) -> dict[str, Any]:
    waited = age_seconds(n.written_at, now)
    stalled = waited is not None and waited > stall.total_seconds()
    reason = (
        f"{n.object_name} was written {age(n.written_at, now)} ago and the pipeline has not picked it up "
        f"(a lost event?): `model-import retry {n.name}` sends it again"
        if stalled
        else None
    )
    return {
        "name": n.name,
        "import_id": None,
        "stage": NOT_STARTED,
        "desired": "present",
        "attempt": 0,
        "retries": 0,
        "stalled": stalled,
        "stall_reason": reason,
        "source": n.object_name,
        "created_at": iso(n.written_at),
        "updated_at": iso(n.written_at),
        "stage_deadline": None,
        "age_seconds": round(waited or 0.0, 1),
        "capability": None,
        "unit_shape": None,
        "ai_units": None,
        "cost_per_hour": None,
        "cluster_live": False,
        "cost_so_far": None,
        "endpoint_id": None,
        "endpoint_url": None,
        "last_error": None,
    }


def _cluster_window(state: ImportState, now: datetime) -> tuple[datetime | None, datetime | None]:
    """When the hosting cluster started and (if it did) stopped costing money, from the history.

    Only this import's own entries count: a new upload of the same name carries the earlier
    imports' history forward (functions/intake.py), and their PROVISIONING and TORN_DOWN would
    date a live cluster from a torn-down one. The import began at `created_at`, its first entry."""
    started: datetime | None = None
    ended: datetime | None = None
    begun = as_utc(state.created_at)
    for t in state.history:
        at = as_utc(t.at)
        if begun is not None and at is not None and at < begun:
            continue
        if started is None and t.stage is Stage.PROVISIONING:
            started = as_utc(t.at)
        elif started is not None and t.stage in (Stage.TORN_DOWN, Stage.REJECTED):
            ended = as_utc(t.at)
            break
    if (
        started is not None
        and ended is None
        and state.stage is Stage.FAILED
        and not state.resources.cluster_id
    ):
        ended = as_utc(state.updated_at)
    if started is not None and ended is None and state.stage is Stage.TORN_DOWN:
        ended = as_utc(state.updated_at)
    return started, ended


def summary(state: ImportState, *, now: datetime, price: float | None, stall: timedelta) -> dict[str, Any]:
    plan = state.plan
    ai = plan.ai_units if plan else None
    per_hour = hourly(ai, price) if price is not None else (plan.cost_per_hour if plan else None)
    started, ended = _cluster_window(state, now)
    live = started is not None and ended is None
    so_far = None
    if started is not None and per_hour is not None:
        so_far = round(per_hour * ((ended or now) - started).total_seconds() / 3600, 4)
    reason = stall_reason(state, now, stall)
    return {
        "name": state.name,
        "import_id": state.import_id,
        "stage": state.stage.value,
        "desired": state.desired,
        "attempt": state.attempt,
        "retries": state.retries,
        "stalled": reason is not None,
        "stall_reason": reason,
        "source": state.source.model_id or state.source.object_name,
        "created_at": iso(state.created_at),
        "updated_at": iso(state.updated_at),
        "stage_deadline": iso(state.stage_deadline),
        "age_seconds": round(age_seconds(state.created_at, now) or 0.0, 1),
        "capability": plan.capability.value if plan else None,
        "unit_shape": plan.unit_shape if plan else None,
        "ai_units": ai,
        "cost_per_hour": per_hour,
        "cluster_live": live,
        "cost_so_far": so_far,
        "endpoint_id": state.resources.endpoint_id,
        "endpoint_url": state.endpoint_url,
        "last_error": state.last_error.model_dump(mode="json") if state.last_error else None,
    }
