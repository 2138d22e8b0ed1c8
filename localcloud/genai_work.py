"""Timeline of an emulated work request, computed from timestamps on every read.

A work request is ACCEPTED for a short while, then IN_PROGRESS with a percentage that
grows with time, then SUCCEEDED at `accepted + duration`. A failing one stops a quarter
of the way through IN_PROGRESS. Nothing runs in the background: the state is a pure
function of the stored timestamps, the stored outcome and the clock, so a restart of the
local cloud changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ACCEPTED = "ACCEPTED"
IN_PROGRESS = "IN_PROGRESS"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"

FAIL_FRACTION = 0.25


def rfc3339(t: float | None) -> str | None:
    if t is None:
        return None
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Timeline:
    accepted: float
    started: float
    finished_ok: float
    finished_failed: float

    @classmethod
    def of(cls, wr: dict[str, Any]) -> Timeline:
        accepted = float(wr["accepted"])
        duration = max(0.0, float(wr["duration"]))
        started = accepted + min(0.2 * duration, 0.5)
        end = accepted + duration
        return cls(accepted, started, end, started + FAIL_FRACTION * (end - started))


@dataclass(frozen=True)
class WorkView:
    status: str
    percent: float
    time_started: float | None
    time_finished: float | None


def needs_decision(wr: dict[str, Any], now: float) -> bool:
    """The outcome is decided once the work request starts, as a real one checks its inputs then."""
    return wr.get("outcome") is None and now >= Timeline.of(wr).started


def view(wr: dict[str, Any], now: float) -> WorkView:
    tl = Timeline.of(wr)
    if now < tl.started:
        return WorkView(ACCEPTED, 0.0, None, None)
    outcome = wr.get("outcome") or {}
    failed = outcome.get("status") == FAILED
    end = tl.finished_failed if failed else tl.finished_ok
    if now >= end:
        if failed:
            return WorkView(FAILED, round(100 * FAIL_FRACTION, 1), tl.started, end)
        return WorkView(SUCCEEDED, 100.0, tl.started, end)
    span = tl.finished_ok - tl.started
    percent = min(99.0, round(100 * (now - tl.started) / span, 1)) if span > 0 else 0.0
    return WorkView(IN_PROGRESS, percent, tl.started, None)


def log_entries(wr: dict[str, Any], now: float) -> list[dict[str, Any]]:
    """What happened so far, in order; built from the timeline so it never disagrees with it."""
    tl = Timeline.of(wr)
    v = view(wr, now)
    what = f"{wr['operationType']} {wr['resourceId']}"
    entries = [(tl.accepted, f"Work request accepted: {what}")]
    if v.time_started is not None:
        entries.append((v.time_started, "Work request started"))
        for note in (wr.get("outcome") or {}).get("notes", []):
            entries.append((v.time_started, note))
    if v.status == SUCCEEDED and v.time_finished is not None:
        entries.append((v.time_finished, "Work request succeeded"))
    if v.status == FAILED and v.time_finished is not None:
        entries.append((v.time_finished, "Work request failed; see its errors"))
    return [{"message": m, "timestamp": rfc3339(t)} for t, m in entries]


def error_entries(wr: dict[str, Any], now: float) -> list[dict[str, Any]]:
    v = view(wr, now)
    if v.status != FAILED:
        return []
    errors = (wr.get("outcome") or {}).get("errors", [])
    return [
        {"code": e["code"], "message": e["message"], "timestamp": rfc3339(v.time_finished)} for e in errors
    ]
