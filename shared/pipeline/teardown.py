"""Teardown: endpoint, then cluster, then the imported model (unless `keep_model`).

Resources are found both from the state and by their `import-id` tag (every kind, FAILED
ones included), so a create that was still in flight when the teardown started (its id
never reached the state) is found and deleted too. A resource that is mid-change (e.g.
still CREATING) is waited for, not skipped. A teardown is done only when nothing tagged
with the import id lives any more: each round lists every kind again, so a create that
lands while the teardown runs is caught. Each call does as much as fits in
`budget_seconds` and says whether it is done; the pipeline calls it again (attempt + 1)
until it is, or until the stage deadline ends it in FAILED naming what is left.

With `keep_model` the model survives; it is then tagged `kept=true` (GenAiOps.mark_kept),
so that neither the orphan sweep nor a later import of the same name deletes it.

An OCID recorded in the state is acted on only if a GET shows tags proving it is this
deployment's and this import's (GenAiOps.owned): a forged or stale OCID, e.g. another team's
endpoint, is listed in `refused` (the caller notifies RESOURCE_NOT_OURS) and never deleted.

    progress = teardown_step(ops, state, budget_seconds=120, interval=5)
    if progress.done: ...   # progress.resources has the deleted ids cleared
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.contract.state import ImportState, Resources
from shared.pipeline.genai_ops import GenAiOps, Kind, NotOurs, Resource, ResourceBusy

ORDER = (Kind.ENDPOINT, Kind.CLUSTER, Kind.IMPORTED_MODEL)  # what depends on what comes first
_ID_FIELDS = {
    Kind.ENDPOINT: ("endpoint_id", "endpoint_work_request_id"),
    Kind.CLUSTER: ("cluster_id", "cluster_work_request_id"),
    Kind.IMPORTED_MODEL: ("imported_model_id", "imported_model_work_request_id"),
}
MAX_NAMED = 5  # resources named in `waiting_on`


@dataclass
class TeardownProgress:
    done: bool
    resources: Resources
    deleted: list[str] = field(default_factory=list)  # "endpoint ocid1..." for each delete we asked for
    waiting_on: str | None = None  # what still lives, e.g. "cluster ocid1... (CREATING)"
    left: list[str] = field(default_factory=list)  # every resource still alive when not done
    kept: str | None = None  # the imported model kept (keep_model)
    refused: list[str] = field(default_factory=list)  # recorded OCIDs whose tags are not this import's


def kept_model_id(ops: GenAiOps, state: ImportState) -> str | None:
    """With keep_model: the model to keep (the recorded one, else the first usable one by tag).

    A FAILED model is not worth keeping (and the service would not let it be tagged): it goes.
    """
    if not state.options.keep_model:
        return None
    recorded = state.resources.imported_model_id
    if recorded:
        try:
            current = ops.owned(Kind.IMPORTED_MODEL, recorded, state.import_id)
        except NotOurs:
            current = None  # never keep (tag) someone else's model; ours, if any, is found by tag
        if current is not None:
            return None if current.is_gone or current.is_failed else recorded
    found = ops.find(Kind.IMPORTED_MODEL, state.import_id)
    return found.id if found else None


def alive(
    ops: GenAiOps, state: ImportState, keep: str | None, refused: list[str] | None = None
) -> dict[Kind, list[Resource]]:
    """Every resource of this import that is not DELETED: recorded ids and everything tagged.

    Only resources whose tags prove them this deployment's and this import's count; any other
    (a recorded OCID of someone else's resource) is described in `refused`, if given.
    """
    out: dict[Kind, list[Resource]] = {}
    for kind in ORDER:
        id_field, _ = _ID_FIELDS[kind]
        ids = {getattr(state.resources, id_field)} - {None}
        ids |= {r.id for r in ops.list_managed(kind) if r.import_id == state.import_id}
        ids.discard(keep)
        found = []
        for rid in sorted(i for i in ids if i):
            try:
                current = ops.owned(kind, rid, state.import_id)
            except NotOurs as exc:
                if refused is not None:
                    refused.append(str(exc))
                continue
            if current is not None and current.lifecycle_state != "DELETED":
                found.append(current)
        out[kind] = found
    return out


def describe(res: Resource) -> str:
    return f"{res.kind.value} {res.id} ({res.lifecycle_state})"


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
    asked: set[str] = set()
    deadline = monotonic() + budget_seconds
    keep = kept_model_id(ops, state)
    refused: list[str] = []
    while True:
        refused.clear()
        live = alive(ops, state, keep, refused)
        # Delete the first kind in ORDER that still has something: the service refuses a
        # cluster with an endpoint on it, and a model an endpoint serves.
        for kind in ORDER:
            if not live[kind]:
                continue
            for current in live[kind]:
                if current.lifecycle_state == "DELETING" or current.id in asked:
                    continue
                try:
                    ops.delete(kind, current.id, import_id=state.import_id)
                    asked.add(current.id)
                    deleted.append(f"{kind.value} {current.id}")
                except ResourceBusy:
                    pass  # still CREATING or UPDATING: look again on the next round
                except NotOurs as exc:  # its tags changed since the look: leave it
                    refused.append(str(exc))
                    asked.add(current.id)
            break
        left = [describe(r) for kind in ORDER for r in live[kind]]
        if not left and keep is not None and not ops.mark_kept(keep, import_id=state.import_id):
            left = [f"{Kind.IMPORTED_MODEL.value} {keep} (to be tagged kept once ACTIVE)"]
        if not left:
            cleared: dict[str, str | None] = {f: None for kind in ORDER for f in _ID_FIELDS[kind]}
            if keep is not None:  # the kept model stays recorded: TORN_DOWN with keep_model names it
                del cleared["imported_model_work_request_id"]
                cleared["imported_model_id"] = keep
            return TeardownProgress(True, res.model_copy(update=cleared), deleted, kept=keep, refused=refused)
        if monotonic() + interval > deadline:
            more = f" and {len(left) - MAX_NAMED} more" if len(left) > MAX_NAMED else ""
            waiting = ", ".join(left[:MAX_NAMED]) + more
            return TeardownProgress(
                False, res, deleted, waiting_on=waiting, left=left, kept=keep, refused=refused
            )
        sleep(interval)
