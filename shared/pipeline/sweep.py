"""The sweep: finds what the event flow lost, and puts it right.

- **Stalled imports**: not terminal, and either past their stage deadline or not written
  for `stall_after` (a lost event, a killed invocation, an outage). The sweep rewrites
  their state (attempt + 1), which fires the state rule: the reconcile then moves them on,
  or ends them in FAILED with STAGE_DEADLINE_EXCEEDED and a notification.
- **Orphans**: resources tagged `managed-by=oci-model-import` and `import-bucket=<this
  bucket>` whose import no longer wants them (its state is gone, replaced, torn down or
  rejected) are deleted; another bucket's pipeline in the same compartment is left alone. This is what makes
  "nothing left running untracked" true even when a create raced a teardown.
- **Stale holds** in the AI-unit ledger of imports that hold no cluster any more are released.

It runs, throttled, at the start of every function invocation (`maybe_sweep`), in full when
the function is invoked with an empty body, and on demand from the CLI (`model-import sweep`).
Scheduling it in OCI: Events has no timer event, so use OCI Resource Scheduler, which can
invoke a function on a cron schedule with an empty body; the Terraform stack creates that
schedule (and its policy) when `sweep_schedule_cron` is set, e.g. every 15 minutes.

    report = sweep(store, now=utcnow(), stall_after=timedelta(minutes=5), ops=ops, ledger=ledger)
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.contract.paths import classify
from shared.contract.state import ImportState, Stage
from shared.pipeline import logs
from shared.pipeline.genai_ops import GenAiOps, Kind, ResourceBusy
from shared.pipeline.ledger import Ledger
from shared.pipeline.store import ConflictError, StateStore, StateUnreadable

log = logs.get_logger("sweep")
ALL_KINDS = frozenset(Kind)


@dataclass
class SweepReport:
    nudged: list[str] = field(default_factory=list)  # "name: reason"
    orphans_deleted: list[str] = field(default_factory=list)  # "kind ocid (import id)"
    holds_released: list[str] = field(default_factory=list)  # import ids
    errors: list[str] = field(default_factory=list)
    not_ours: int = 0  # managed resources of another bucket's pipeline, left alone

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "nudged": self.nudged,
            "orphans_deleted": self.orphans_deleted,
            "holds_released": self.holds_released,
            "errors": self.errors,
            "not_ours": self.not_ours,
        }


def stall_reason(state: ImportState, now: datetime, stall_after: timedelta) -> str | None:
    """Why this import needs a nudge, or None."""
    if state.stage.is_terminal:
        return None
    if state.stage_deadline is not None and now > state.stage_deadline:
        return f"{state.stage.value} deadline {state.stage_deadline.isoformat()} passed"
    if now - state.updated_at > stall_after:
        return f"no progress in {state.stage.value} since {state.updated_at.isoformat()}"
    return None


def wanted_kinds(state: ImportState) -> frozenset[Kind]:
    """Which resources of its own this import still wants to exist."""
    if state.stage is Stage.REJECTED:
        return frozenset()
    if state.stage is Stage.TORN_DOWN:
        return frozenset({Kind.IMPORTED_MODEL}) if state.options.keep_model else frozenset()
    if state.stage is Stage.FAILED:
        r = state.resources
        return ALL_KINDS if (r.imported_model_id or r.cluster_id or r.endpoint_id) else frozenset()
    return ALL_KINDS


def holds_units(state: ImportState) -> bool:
    if state.stage in (Stage.REJECTED, Stage.TORN_DOWN):
        return False
    if state.stage is Stage.FAILED:
        return state.resources.cluster_id is not None
    return True


class _StateCache:
    """States by name and ETag, so a repeated sweep reads only the documents that changed."""

    def __init__(self) -> None:
        self._by_name: dict[str, tuple[str, ImportState]] = {}
        self._lock = threading.Lock()

    def load(self, store: StateStore) -> list[tuple[ImportState, str]]:
        out: list[tuple[ImportState, str]] = []
        seen: set[str] = set()
        for entry in store.entries():
            ref = classify(entry.name)
            if ref is None:
                continue
            seen.add(ref.name)
            with self._lock:
                cached = self._by_name.get(ref.name)
            if cached is not None and cached[0] == entry.etag:
                out.append((cached[1], cached[0]))
                continue
            try:
                found = store.get(ref.name)
            except StateUnreadable as exc:
                log.error("unreadable state document", extra={"error": str(exc)[:300]})
                continue
            if found is None:
                continue
            state, etag = found
            with self._lock:
                self._by_name[ref.name] = (etag, state)
            out.append((state, etag))
        with self._lock:
            for gone in set(self._by_name) - seen:
                del self._by_name[gone]
        return out


_cache = _StateCache()


def sweep(
    store: StateStore,
    *,
    now: datetime,
    stall_after: timedelta,
    ops: GenAiOps | None = None,
    ledger: Ledger | None = None,
    dry_run: bool = False,
) -> SweepReport:
    report = SweepReport()
    # Resources first, then states: a resource listed here was created after its state was written,
    # so its import is in the state listing below (no new import is mistaken for an orphan).
    # The same for holds: a hold read here belongs to an import whose state is listed below.
    managed = []
    if ops is not None:
        for kind in (Kind.ENDPOINT, Kind.CLUSTER, Kind.IMPORTED_MODEL):
            managed.extend(ops.list_managed(kind))
    holds = ledger.holds() if ledger is not None else {}
    loaded = _cache.load(store)
    by_id = {s.import_id: s for s, _ in loaded}

    for state, etag in loaded:
        reason = stall_reason(state, now, stall_after)
        if reason is None:
            continue
        report.nudged.append(f"{state.name}: {reason}")
        if not dry_run:
            with contextlib.suppress(ConflictError):  # it moved on its own meanwhile: not stalled
                store.put(state.next_attempt(now=now), etag)

    if ops is not None:
        for res in managed:
            if res.tags.get("import-bucket") != store.bucket:
                report.not_ours += 1  # another deployment of the pipeline in this compartment: hands off
                continue
            owner = by_id.get(res.import_id or "")
            if owner is not None and res.kind in wanted_kinds(owner):
                continue
            report.orphans_deleted.append(f"{res.kind.value} {res.id} ({res.import_id})")
            if not dry_run:
                try:
                    ops.delete(res.kind, res.id)
                except ResourceBusy as exc:
                    report.errors.append(str(exc))
    if ledger is not None:
        for import_id in holds:
            owner = by_id.get(import_id)
            if owner is None or not holds_units(owner):
                report.holds_released.append(import_id)
                if not dry_run:
                    ledger.release(import_id)
    if report.nudged or report.orphans_deleted or report.holds_released:
        log.info("sweep acted", extra=report.to_json_dict())
    return report


_last_run = 0.0
_run_lock = threading.Lock()


def maybe_sweep(
    store: StateStore,
    *,
    now: datetime,
    stall_after: timedelta,
    every_seconds: float,
    ops: GenAiOps | None = None,
    ledger: Ledger | None = None,
) -> SweepReport | None:
    """Sweep at most once per `every_seconds` in this process (cheap enough for every invocation)."""
    global _last_run
    with _run_lock:
        if time.monotonic() - _last_run < every_seconds and _last_run:
            return None
        _last_run = time.monotonic()
    return sweep(store, now=now, stall_after=stall_after, ops=ops, ledger=ledger)
