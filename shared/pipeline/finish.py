"""The end of a teardown: the state says TORN_DOWN and the import's AI-unit hold is released.

One function for every caller that finishes a teardown (`model-import teardown`, and the
pipeline's TEARING_DOWN stage if it wants to share it), so they agree on what "finished"
means. It finishes only the import it was asked about (by import id): if a newer upload
replaced it meanwhile, that import is left alone. It finishes only when nothing tagged with
the import id is alive (the kept model aside; the teardown step's own `alive` look), so a
create that raced the teardown is seen and the caller runs the teardown again. The write is
compare-and-swap, re-read on conflict.

    outcome = finish_teardown(store, ledger, ops, "tiny-chat", import_id, note="torn down by the CLI")
    if outcome.status == "alive": ...   # run teardown_step again, then call this again
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from shared.contract.state import ImportState, Stage, utcnow
from shared.pipeline import logs
from shared.pipeline.creates import CreateLog
from shared.pipeline.genai_ops import GenAiOps, Resource
from shared.pipeline.ledger import Ledger, LedgerUnreadable
from shared.pipeline.store import ConflictError, StateStore
from shared.pipeline.teardown import ORDER, alive, kept_model_id

FinishStatus = Literal["torn_down", "already", "alive", "replaced", "no_state"]
CAS_ATTEMPTS = 10


@dataclass
class FinishOutcome:
    """`torn_down`: this call wrote TORN_DOWN; `already`: someone else had (e.g. the pipeline);
    `alive`: resources of the import are still alive, nothing written; `replaced`: the state now
    belongs to a newer import, left alone; `no_state`: there is no state document."""

    status: FinishStatus
    state: ImportState | None = None  # the state as written or found
    alive: list[Resource] = field(default_factory=list)
    hold_released: bool = False
    ledger_error: str | None = None

    @property
    def finished(self) -> bool:
        return self.status != "alive"


def alive_resources(ops: GenAiOps, state: ImportState) -> tuple[list[Resource], str | None]:
    """What of this import still lives (the teardown step's own look), and the kept model's id."""
    keep = kept_model_id(ops, state)
    live = alive(ops, state, keep)
    return [r for kind in ORDER for r in live[kind]], keep


def _release(ledger: Ledger | None, import_id: str) -> tuple[bool, str | None]:
    if ledger is None:
        return False, None
    try:
        # A cluster create still in flight (or a late one not yet deleted) keeps the units held:
        # it may land after this teardown (shared/pipeline/creates.py).
        creates = CreateLog(ledger.client, ledger.namespace, ledger.bucket)
        if creates.holds_units(import_id, utcnow()):
            return False, None
    except Exception as exc:  # unreadable records: release as before, the sweep re-checks by tag
        logs.get_logger("finish").warning("create records unreadable", extra={"error": str(exc)[:300]})
    try:
        return ledger.release(import_id), None
    except (LedgerUnreadable, ConflictError) as exc:  # bookkeeping: the teardown itself is done
        return False, str(exc)


def finish_teardown(
    store: StateStore,
    ledger: Ledger | None,
    ops: GenAiOps,
    name: str,
    import_id: str,
    *,
    note: str,
    keep_model: bool = False,
    now: datetime | None = None,
) -> FinishOutcome:
    """Write TORN_DOWN for import `import_id` of `name` once nothing of it is alive; release its hold.

    The hold is released whenever the import is finished or no longer the current one (a
    replaced or lost import holds nothing), never while its resources are still alive.
    `keep_model` keeps the model even if the state's options do not say so (a caller's override).
    Raises ConflictError if the state keeps moving under us for CAS_ATTEMPTS rounds.
    """
    for _ in range(CAS_ATTEMPTS):
        found = store.get(name)
        if found is None:
            released, err = _release(ledger, import_id)
            return FinishOutcome("no_state", None, hold_released=released, ledger_error=err)
        state, etag = found
        if state.import_id != import_id:
            released, err = _release(ledger, import_id)
            return FinishOutcome("replaced", state, hold_released=released, ledger_error=err)
        if keep_model and not state.options.keep_model:
            state = state.model_copy(
                update={"options": state.options.model_copy(update={"keep_model": True})}
            )
        left, keep = alive_resources(ops, state)
        if left:
            return FinishOutcome("alive", state, alive=left)
        if state.stage is Stage.TORN_DOWN:
            released, err = _release(ledger, import_id)
            return FinishOutcome("already", state, hold_released=released, ledger_error=err)
        cleared: dict[str, object] = {
            "endpoint_id": None,
            "endpoint_work_request_id": None,
            "cluster_id": None,
            "cluster_work_request_id": None,
        }
        if keep is None:
            cleared |= {"imported_model_id": None, "imported_model_work_request_id": None}
        else:  # the kept model stays recorded, so the sweep knows TORN_DOWN still wants it
            cleared["imported_model_id"] = keep
        done = state.move_to(Stage.TORN_DOWN, now=now or utcnow(), note=note[:500]).model_copy(
            update={"desired": "absent", "resources": state.resources.model_copy(update=cleared)}
        )
        try:
            store.put(done, etag)
        except ConflictError:
            continue  # the pipeline (or another CLI) wrote meanwhile: look again
        released, err = _release(ledger, import_id)
        return FinishOutcome("torn_down", done, hold_released=released, ledger_error=err)
    raise ConflictError(f"the state of {name} kept changing for {CAS_ATTEMPTS} attempts")
