"""The table of every import and the detail of one, as `status` prints them for people."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from cli.formatting import age, iso, money, units
from cli.options import NO_PRICE
from cli.output import print_table
from cli.state_reader import Unreadable
from shared.contract.state import ImportState, Stage


def stage_cell(doc: dict[str, Any]) -> str:
    text = doc["stage"]
    if doc["desired"] == "absent" and doc["stage"] not in ("TORN_DOWN", "TEARING_DOWN"):
        text += " (cancelling)"
    if doc["stalled"]:
        text += " STALLED"
    return text


def print_imports_table(docs: list[dict[str, Any]], unreadable: list[Unreadable]) -> None:
    rows = [
        (
            d["name"],
            stage_cell(d),
            age(datetime.fromisoformat(d["created_at"].replace("Z", "+00:00")) if d["created_at"] else None),
            d["unit_shape"] or "-",
            units(d["ai_units"]),
            money(d["cost_per_hour"]) if d["cluster_live"] else "-",
            money(d["cost_so_far"]),
            d["endpoint_id"] or "-",
        )
        for d in docs
    ]
    rows += [(u.name, "UNREADABLE", "-", "-", "-", "-", "-", "-") for u in unreadable]
    print_table(["name", "stage", "age", "shape", "ai units", "per hour", "so far", "endpoint"], rows)


def print_detail(doc: dict[str, Any], state: ImportState) -> None:
    stage = doc["stage"] + f" (attempt {doc['attempt']}"
    stage += f", retry {doc['retries']})" if doc["retries"] else ")"
    if doc["stalled"]:
        stage += f" STALLED: {doc['stall_reason']}"
    plan = state.plan
    rows: list[tuple[str, Any]] = [
        ("name", state.name),
        ("import id", state.import_id),
        ("stage", stage),
        ("desired", state.desired),
        ("source", f"{state.source.kind.value} {doc['source']}"),
        ("created", f"{doc['created_at']} ({age(state.created_at)} ago)"),
        ("deadline", doc["stage_deadline"] or "-"),
    ]
    if plan is not None:
        rows.append(
            (
                "plan",
                f"{plan.capability.value} on {plan.unit_shape or '?'}, {units(plan.ai_units)} AI units, "
                + (
                    f"{money(doc['cost_per_hour'])} per hour"
                    if doc["cost_per_hour"] is not None
                    else NO_PRICE
                )
                + (f" — {plan.shape_reason}" if plan.shape_reason else ""),
            )
        )
        rows.append(("cost so far", money(doc["cost_so_far"])))
    r = state.resources
    rows += [
        ("imported model", r.imported_model_id or "-"),
        ("cluster", r.cluster_id or "-"),
        ("endpoint", r.endpoint_id or "-"),
    ]
    if state.endpoint_url:
        rows.append(("endpoint url", state.endpoint_url))
    if state.last_error:
        rows.append(
            (
                "last error",
                f"{state.last_error.code} in {state.last_error.stage.value}: {state.last_error.message}",
            )
        )
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    if state.findings:
        print("\nfindings:")
        for f in state.findings:
            print(f"  {f.severity.value}: {f.code} {f.subject}: {f.message}")
    print()
    print_table(
        ["at", "stage", "attempt", "note"],
        [(iso(t.at), t.stage.value, t.attempt, t.note) for t in state.history],
    )
    if doc["stalled"]:
        print(f"\nstalled: run `model-import retry {state.name}` to resume it", file=sys.stderr)
    elif state.stage is Stage.FAILED:
        print(f"\nfailed: fix the cause, then `model-import retry {state.name}`", file=sys.stderr)
