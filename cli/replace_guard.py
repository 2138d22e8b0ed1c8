"""Re-running `upload` or `import-hf` must never surprise a person with money.

Two rules (issue 16):

- a rerun keeps the options of the existing manifest or request unless one is given again
  (`--reset-options` drops them), so a rerun that only changed `--part-size` writes the same
  document and keeps the same shape;
- writing a document that replaces a live import (the pipeline tears it down and imports again)
  asks first on a terminal, showing shape, AI units and cost per hour before and after; `--yes`
  says yes in advance and without a terminal the command refuses with exit 2.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

import oci

from cli.confirm import confirm
from cli.context import CliContext
from cli.formatting import hourly, units
from cli.inspect_step import InspectionSummary
from cli.options import NO_PRICE
from cli.output import CliError
from shared.contract.state import ImportState, Stage
from shared.pipeline.store import StateStore, StateUnreadable, read_object

# What a request holds besides the shared import options: not an option a rerun keeps.
_NOT_OPTIONS = frozenset({"model_id", "revision"})


@dataclass(frozen=True)
class Existing:
    body: bytes
    options: dict[str, Any]


def existing_document(ctx: CliContext, object_name: str) -> Existing | None:
    """The manifest or request already in the bucket, with its import options (None: there is none)."""
    found = read_object(ctx.object_storage, ctx.namespace, ctx.bucket, object_name, 1024 * 1024)
    if found is None:
        return None
    try:
        doc = json.loads(found[0])
    except ValueError:
        doc = None
    options = {k: v for k, v in doc.items() if k not in _NOT_OPTIONS} if isinstance(doc, dict) else {}
    return Existing(found[0], options)


def merge_options(
    existing: Existing | None, given: dict[str, Any], *, reset: bool, object_name: str
) -> dict[str, Any]:
    """This run's options over the existing document's; says on stderr which ones were kept."""
    if existing is None or reset:
        return dict(given)
    kept = {k: v for k, v in existing.options.items() if k not in given}
    if kept:
        shown = ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(kept.items()))
        print(
            f"note: keeping {shown} from the existing {object_name}; give an option again to change it, "
            "or pass --reset-options to drop them",
            file=sys.stderr,
        )
    return {**kept, **given}


@dataclass(frozen=True)
class Live:
    """An import that a new document would replace: what it runs now, or why that is unknown."""

    state: ImportState | None
    unknown: str | None = None


def live_import(ctx: CliContext, name: str) -> Live | None:
    """The import of `name` that still holds or is building resources; None when there is none."""
    try:
        store = StateStore(ctx.object_storage, ctx.namespace, ctx.state_bucket, watched_bucket=ctx.bucket)
        found = store.get(name)
    except CliError as exc:  # no state bucket configured
        return Live(None, str(exc))
    except StateUnreadable as exc:
        return Live(None, str(exc))
    except oci.exceptions.ServiceError as exc:
        if exc.status in (401, 403, 404):  # an uploader may not read the state bucket
            return Live(None, f"its state is not readable here ({exc.status} {exc.code})")
        raise
    if found is None:
        return None
    state = found[0]
    r = state.resources
    holds = bool(r.imported_model_id or r.cluster_id or r.endpoint_id)
    if state.desired != "present" or state.stage in (Stage.TORN_DOWN, Stage.REJECTED, Stage.TEARING_DOWN):
        return None
    if state.stage.is_terminal and not holds:
        return None
    return Live(state)


def _footprint(shape: str | None, ai_units: float | None, per_hour: float | None) -> str:
    text = f"{shape or 'shape decided by the pipeline'}"
    if ai_units is not None:
        text += f", {units(ai_units)} AI units"
    if per_hour is not None:
        text += f", {per_hour:,.2f}/h"
    return text


def describe_change(
    live: Live, *, shape: str | None, ai_units: float | None, per_hour: float | None, price: float | None
) -> str:
    """`tiny (DONE: A10_X1, 1.77 AI units, 17.70/h) -> A100_80G_X1, 3.24 AI units, 32.40/h`."""
    if live.state is None:
        before = f"an import may be running: {live.unknown}"
        old_cost = None
    else:
        plan = live.state.plan
        old_ai = plan.ai_units if plan else None
        old_cost = hourly(old_ai, price) if price is not None else (plan.cost_per_hour if plan else None)
        old_shape = plan.unit_shape if plan else None
        before = f"{live.state.stage.value}: " + _footprint(old_shape, old_ai, old_cost)
    text = f"({before}) -> {_footprint(shape, ai_units, per_hour)}"
    if old_cost is None and per_hour is None:
        text += f"; {NO_PRICE}"
    return text


def confirm_replace(
    name: str,
    object_name: str,
    live: Live,
    summary: InspectionSummary,
    *,
    yes: bool,
    price: float | None,
) -> None:
    """Say what writing `object_name` changes of the live import (shape, AI units, per hour); ask."""
    change = describe_change(
        live,
        shape=summary.unit_shape or summary.recommended_shape,
        ai_units=summary.ai_units,
        per_hour=summary.cost_per_hour,
        price=price,
    )
    what = f"writing {object_name} replaces the live import {name} {change}"
    print(
        f"{what}: the pipeline tears down its endpoint, cluster and model, then imports again",
        file=sys.stderr,
    )
    confirm(
        f"replace {name}?",
        yes=yes,
        refusal=f"{object_name} not written: it would replace the live import {name} {change}; "
        f"pass --yes to replace it, or --name NEW to import beside it",
        declined=f"{object_name} not written; {name} keeps running",
    )
