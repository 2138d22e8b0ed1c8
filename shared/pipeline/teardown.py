"""Teardown: endpoint, then cluster, then the imported model (unless `keep_model`).

Resources are found both from the state and by their `import-id` tag, so a create that
was still in flight when the teardown started (its id never reached the state) is found
and deleted too. A resource that is mid-change (e.g. still CREATING) is waited for, not
skipped. Each call does as much as fits in `budget_seconds` and says whether it is done;
the pipeline calls it again (attempt + 1) until it is.

    progress = teardown_step(ops, state, budget_seconds=120, interval=5)
    if progress.done: ...   # progress.resources has the deleted ids cleared
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.contract.state import ImportState, Resources
from shared.pipeline.genai_ops import GenAiOps, Kind, ResourceBusy

_ID_FIELDS = {
    Kind.ENDPOINT: ("endpoint_id", "endpoint_work_request_id"),
    Kind.CLUSTER: ("cluster_id", "cluster_work_request_id"),
    Kind.IMPORTED_MODEL: ("imported_model_id", "imported_model_work_request_id"),
}


@dataclass
class TeardownProgress:
    done: bool
    resources: Resources
    deleted: list[str] = field(default_factory=list)  # "endpoint ocid1..." for each delete we asked for
    waiting_on: str | None = None


def teardown_order(state: ImportState) -> list[Kind]:
    kinds = [Kind.ENDPOINT, Kind.CLUSTER]
    if not state.options.keep_model:
        kinds.append(Kind.IMPORTED_MODEL)
    return kinds


def teardown_step(
    ops: GenAiOps,
    state: ImportState,
    *,
    budget_seconds: float,
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> TeardownProgress:
    res = state.resources
    deleted: list[str] = []
    deadline = monotonic() + budget_seconds
    for kind in teardown_order(state):
        id_field, wr_field = _ID_FIELDS[kind]
        ids = {getattr(res, id_field)} - {None}
        ids |= {r.id for r in ops.list_managed(kind) if r.import_id == state.import_id}
        asked: set[str] = set()
        while ids:
            pending: set[str] = set()
            for rid in sorted(ids):
                current = ops.get(kind, rid)
                if current is None or current.lifecycle_state == "DELETED":
                    continue
                pending.add(rid)
                if current.lifecycle_state == "DELETING" or rid in asked:
                    continue
                try:
                    ops.delete(kind, rid)
                    asked.add(rid)
                    deleted.append(f"{kind.value} {rid}")
                except ResourceBusy:
                    pass  # still CREATING or UPDATING: look again on the next round
            ids = pending
            if not ids:
                break
            if monotonic() + interval > deadline:
                return TeardownProgress(False, res, deleted, waiting_on=f"{kind.value} {sorted(ids)[0]}")
            sleep(interval)
        res = res.model_copy(update={id_field: None, wr_field: None})
    return TeardownProgress(True, res, deleted)
