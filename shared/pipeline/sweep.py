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
- **Pending create records** that are over (not in flight, nothing of theirs alive by tag) are
  dropped; one whose resource lives stays until that resource is deleted (by tag, above).

It runs, throttled, at the start of every function invocation (`maybe_sweep`), in full when
the function is invoked with an empty body, and on demand from the CLI (`model-import sweep`).
Scheduling it in OCI: Events has no timer event, so use OCI Resource Scheduler, which can
invoke a function on a cron schedule with an empty body; the Terraform stack creates that
schedule (and its policy) when `sweep_schedule_cron` is set, e.g. every 15 minutes.

    report = sweep(store, now=utcnow(), stall_after=timedelta(minutes=5), ops=ops, ledger=ledger)
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.contract.paths import classify_state
from shared.contract.state import ImportState, Stage
from shared.contract.tags import IMPORT_NAME
from shared.pipeline import logs
from shared.pipeline.creates import CreateLog, PendingCreate
from shared.pipeline.genai_ops import GenAiOps, Kind, NotOurs, Resource, ResourceBusy
from shared.pipeline.ledger import Hold, Ledger
from shared.pipeline.store import ConflictError, StateStore, StateUnreadable, head_object

log = logs.get_logger("sweep")


def one_line(exc: BaseException) -> str:
    """A failure as one readable line: a service error as `status code on operation: message`,
    never the SDK's dict of a dozen fields (the CLI prints these errors as they are)."""
    status, code = getattr(exc, "status", None), getattr(exc, "code", None)
    if status is not None and code is not None:
        operation = getattr(exc, "operation_name", None)
        message = " ".join(str(getattr(exc, "message", "") or "").split())
        return f"{status} {code}{f' on {operation}' if operation else ''}: {message}"
    return " ".join(str(exc).split())


@dataclass
class SweepReport:
    nudged: list[str] = field(default_factory=list)  # "name: reason"
    orphans_deleted: list[str] = field(default_factory=list)  # "kind ocid (import id)"
    holds_released: list[str] = field(default_factory=list)  # import ids
    creates_resolved: list[str] = field(default_factory=list)  # pending create records dropped
    errors: list[str] = field(default_factory=list)
    not_ours: int = 0  # managed resources of another bucket's pipeline, left alone

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "nudged": self.nudged,
            "orphans_deleted": self.orphans_deleted,
            "holds_released": self.holds_released,
            "creates_resolved": self.creates_resolved,
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


def source_gone_reason(store: StateStore, state: ImportState) -> str | None:
    """A DONE import whose manifest (or request) is gone: its delete event was lost, and the
    deployment keeps billing. Nudged, reconcile finds the source missing and tears it down."""
    if state.stage is not Stage.DONE or state.desired != "present" or state.options.keep_on_delete:
        return None
    if not store.watched_bucket or not state.source.object_name:
        return None
    try:
        etag = head_object(store.client, store.namespace, store.watched_bucket, state.source.object_name)
    except Exception:  # unknown is not gone: never start a teardown on a failed look
        return None
    return (
        f"DONE but {state.source.object_name} is gone (its delete event was lost)" if etag is None else None
    )


def recorded_ids(state: ImportState) -> frozenset[str]:
    r = state.resources
    return frozenset(i for i in (r.imported_model_id, r.cluster_id, r.endpoint_id) if i)


def wants(state: ImportState, res: Resource) -> bool:
    """Does this import still want this resource (tagged with its import id) to exist?

    In flight or tearing down: everything tagged with it (a create may not be recorded yet;
    teardown deletes what it finds). DONE and FAILED: exactly the recorded ids; anything
    else tagged with the import is a duplicate a lost write left behind. TORN_DOWN keeps
    only a `keep_model` model, and that one is tagged kept (never listed here anyway).
    """
    if state.stage in (Stage.REJECTED, Stage.TORN_DOWN):
        return (
            state.stage is Stage.TORN_DOWN
            and state.options.keep_model
            and res.kind is Kind.IMPORTED_MODEL
            and res.id == state.resources.imported_model_id
        )
    if state.stage in (Stage.DONE, Stage.FAILED):
        return res.id in recorded_ids(state)
    return True


def holds_units(state: ImportState | None, has_live_cluster: bool) -> bool:
    """Must the ledger keep this import's AI units?

    While any cluster tagged with it lives (that is money being spent, whatever the state
    says), while it may still create one (not terminal), and while DONE with a cluster
    recorded (a cluster the resource listing of this pass may not have seen yet).
    """
    if has_live_cluster or (state is not None and not state.stage.is_terminal):
        return True
    return state is not None and state.stage is Stage.DONE and state.resources.cluster_id is not None


class _StateCache:
    """States by name and ETag, so a repeated sweep reads only the documents that changed."""

    def __init__(self) -> None:
        self._by_name: dict[str, tuple[str, ImportState]] = {}
        self._lock = threading.Lock()

    def load(self, store: StateStore) -> tuple[list[tuple[ImportState, str]], set[str]]:
        """The readable states with their ETags, and the names whose document is unreadable."""
        out: list[tuple[ImportState, str]] = []
        unreadable: set[str] = set()
        seen: set[str] = set()
        for entry in store.entries():
            ref = classify_state(entry.name)
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
                unreadable.add(ref.name)
                with self._lock:
                    self._by_name.pop(ref.name, None)
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
        return out, unreadable


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
    """One pass: nudge stalled imports, delete orphans, release stale holds.

    Each phase is guarded on its own: a corrupt ledger or a refused delete is reported in
    `errors` and never stops the other phases. An import whose state document cannot be
    read is left entirely alone (its resources by `import-name` tag, its hold by name):
    not knowing what it wants is no reason to delete a live deployment.
    """
    report = SweepReport()
    # Resources first, then states: a resource listed here was created after its state was written,
    # so its import is in the state listing below (no new import is mistaken for an orphan).
    # The same for holds: a hold read here belongs to an import whose state is listed below.
    managed: list[Resource] | None = None
    if ops is not None:
        try:
            managed = [
                r
                for kind in (Kind.ENDPOINT, Kind.CLUSTER, Kind.IMPORTED_MODEL)
                for r in ops.list_managed(kind)
            ]
        except Exception as exc:
            report.errors.append(f"listing resources: {one_line(exc)}"[:500])
    holds: dict[str, Hold] | None = None
    if ledger is not None:
        try:
            holds = ledger.holds()
        except Exception as exc:  # e.g. LedgerUnreadable: the other phases still run
            report.errors.append(f"reading the ledger: {one_line(exc)}"[:500])
    try:
        loaded, unreadable = _cache.load(store)
    except Exception as exc:  # without the states nothing can be told apart from an orphan: stop
        report.errors.append(f"reading the import states: {one_line(exc)}"[:500])
        log.error("sweep stopped", extra=report.to_json_dict())
        return report
    by_id = {s.import_id: s for s, _ in loaded}

    for state, etag in loaded:
        reason = stall_reason(state, now, stall_after) or source_gone_reason(store, state)
        if reason is None:
            continue
        report.nudged.append(f"{state.name}: {reason}")
        if not dry_run:
            try:
                store.put(state.next_attempt(now=now), etag)
            except ConflictError:
                pass  # it moved on its own meanwhile: not stalled
            except Exception as exc:
                report.errors.append(f"nudging {state.name}: {one_line(exc)}"[:500])

    still_live: list[Resource] = []
    if ops is not None and managed is not None:
        for res in managed:
            # The watched bucket names the deployment (the state bucket holds no uploads). A store
            # opened without it cannot tell ours from another deployment's: then nothing is ours.
            if not store.watched_bucket or res.tags.get("import-bucket") != store.watched_bucket:
                report.not_ours += 1  # another deployment of the pipeline in this compartment: hands off
                continue
            owner = by_id.get(res.import_id or "")
            if res.tags.get(IMPORT_NAME) in unreadable or (owner is not None and wants(owner, res)):
                still_live.append(res)
                continue
            still_live.append(res)  # until it is DELETED it still costs money
            described = f"{res.kind.value} {res.id} ({res.import_id})"
            if dry_run:
                report.orphans_deleted.append(described)
                continue
            try:
                # Listed before the states were read: the teardown (or an orphan record's loop) may
                # have deleted it since. Report only a deletion this sweep asked for.
                now_seen = ops.get(res.kind, res.id)
                if now_seen is None or now_seen.is_gone:
                    continue
                if ops.delete(res.kind, res.id, import_id=res.import_id or "") is not None:
                    report.orphans_deleted.append(described)
            except (ResourceBusy, NotOurs) as exc:
                report.errors.append(str(exc))
            except Exception as exc:
                report.errors.append(f"deleting {res.kind.value} {res.id}: {one_line(exc)}"[:500])
    # Without a resource listing we cannot tell which clusters live: then release nothing.
    if ledger is not None and holds is not None and (ops is None or managed is not None):
        with_cluster = {r.import_id for r in still_live if r.kind is Kind.CLUSTER}
        recorded = creates_holding(store, now, report)
        for import_id, hold in holds.items():
            if hold.name in unreadable or recorded is None or import_id in recorded:
                continue  # a cluster create in flight, or a late one being deleted, keeps its units
            if holds_units(by_id.get(import_id), has_live_cluster=import_id in with_cluster):
                continue
            if dry_run:
                report.holds_released.append(import_id)
                continue
            try:
                if ledger.release(import_id):  # False: released meanwhile (by the teardown)
                    report.holds_released.append(import_id)
            except Exception as exc:
                report.errors.append(f"releasing the hold of {import_id}: {one_line(exc)}"[:500])
    if managed is not None and not dry_run:
        resolve_creates(store, now, managed, report)
    if (
        report.nudged
        or report.orphans_deleted
        or report.holds_released
        or report.creates_resolved
        or report.errors
    ):
        log.info("sweep acted", extra=report.to_json_dict())
    return report


def resolved_creates(
    pending: list[PendingCreate], managed: list[Resource], now: datetime
) -> list[PendingCreate]:
    """Pending create records that are over: not in flight (returned, landed, or older than
    IN_FLIGHT_SECONDS) and with no live resource of their kind tagged with their import (one that
    lives is found by tag: the orphan phase or its import's teardown deletes it, then it goes)."""
    live = {(r.import_id, r.kind) for r in managed}
    return [p for p in pending if not p.in_flight(now) and (p.import_id, p.kind) not in live]


def resolve_creates(store: StateStore, now: datetime, managed: list[Resource], report: SweepReport) -> None:
    """Drop the pending create records that are over (resolved_creates), e.g. an expired one whose
    invocation died in the call and whose create never landed (or landed and was deleted)."""
    creates = CreateLog(store.client, store.namespace, store.bucket)
    try:
        for pending in resolved_creates(creates.pending(), managed, now):
            creates.end(pending.import_id, pending.kind)
            report.creates_resolved.append(pending.key)
    except Exception as exc:
        report.errors.append(f"resolving the create records: {one_line(exc)}"[:500])


def creates_holding(store: StateStore, now: datetime, report: SweepReport) -> set[str] | None:
    """Import ids whose AI units a create record still needs (shared/pipeline/creates.py);
    None when the records cannot be read (then no hold is released)."""
    creates = CreateLog(store.client, store.namespace, store.bucket)
    try:
        pending = {p.import_id for p in creates.pending() if p.kind is Kind.CLUSTER and p.in_flight(now)}
        return pending | {o.import_id for o in creates.orphans() if o.kind is Kind.CLUSTER and not o.gone}
    except Exception as exc:
        report.errors.append(f"reading the create records: {one_line(exc)}"[:500])
        return None


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
