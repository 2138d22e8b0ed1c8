"""Reading import state documents for the CLI: every import, one import, and sources with no state yet.

The pipeline owns the state documents; the CLI reads them here and steers by compare-and-swap
(cli/commands/steer.py). A manifest or request the pipeline has not picked up has no state yet:
it is shown as NOT_STARTED, so a lost event is visible.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import oci

from cli.context import CliContext
from cli.formatting import as_utc
from cli.output import CliError
from shared.contract.paths import (
    MODELS_PREFIX,
    REQUESTS_PREFIX,
    ObjectKind,
    classify,
    classify_state,
    manifest_object,
    request_object,
)
from shared.contract.state import ImportState, Stage
from shared.pipeline.store import StateStore, StateUnreadable, list_entries

# Which deadline setting (and its default, from shared/settings.py) a stage runs under.
_STAGE_DEADLINES: dict[Stage, tuple[str, int]] = {
    Stage.WAITING_FOR_FILES: ("DEADLINE_VALIDATE_MINUTES", 30),
    Stage.VALIDATING: ("DEADLINE_VALIDATE_MINUTES", 30),
    Stage.IMPORTING: ("DEADLINE_IMPORT_MINUTES", 180),
    Stage.PROVISIONING: ("DEADLINE_CLUSTER_MINUTES", 120),
    Stage.DEPLOYING: ("DEADLINE_ENDPOINT_MINUTES", 60),
    Stage.SMOKE_TESTING: ("DEADLINE_SMOKE_MINUTES", 15),
}
NOT_STARTED = "NOT_STARTED"  # a manifest or request the pipeline has not picked up (no state yet)


def stall_after(ctx: CliContext) -> timedelta:
    if getattr(ctx.args, "stall_after", None) is not None:
        return timedelta(seconds=float(ctx.args.stall_after))
    poll = float(ctx.env.get("POLL_SECONDS") or 120)
    interval = float(ctx.env.get("POLL_INTERVAL_SECONDS") or 10)
    return timedelta(seconds=poll + 2 * interval + 60)  # as the function's own sweep decides


def deadline_minutes(ctx: CliContext, stage: Stage) -> int:
    key, default = _STAGE_DEADLINES.get(stage, ("", 60))
    raw = ctx.env.get(key, "") if key else ""
    return int(raw) if raw.isdigit() else default


def store_of(ctx: CliContext) -> StateStore:
    # State and ledger live in the state bucket (only the function writes it); sources in the watched one.
    return StateStore(ctx.object_storage, ctx.namespace, ctx.state_bucket, watched_bucket=ctx.bucket)


@dataclass
class Unreadable:
    name: str
    error: str


def load_all(store: StateStore) -> list[ImportState | Unreadable]:
    names = [ref.name for e in store.entries() if (ref := classify_state(e.name)) is not None]

    def one(name: str) -> ImportState | Unreadable | None:
        try:
            found = store.get(name)
        except StateUnreadable as exc:
            return Unreadable(name, str(exc))
        return found[0] if found else None

    with ThreadPoolExecutor(max_workers=8) as pool:
        loaded = list(pool.map(one, names))
    return sorted((s for s in loaded if s is not None), key=lambda s: s.name)


def load_one(store: StateStore, name: str) -> tuple[ImportState, str]:
    try:
        found = store.get(name)
    except StateUnreadable as exc:
        raise CliError(f"{exc}; the pipeline writes it, so check the function logs") from None
    if found is None:
        raise CliError(
            f"no import named {name!r} in {store.watched_bucket}: see `model-import status`; it appears once "
            "the manifest or request is written and the function has run"
        )
    return found


@dataclass
class NotStarted:
    """A manifest or request with no state document yet: just written, or its event was lost."""

    name: str
    object_name: str
    etag: str
    written_at: datetime | None


def not_started(store: StateStore, known: set[str]) -> list[NotStarted]:
    found: dict[str, NotStarted] = {}
    for prefix in (REQUESTS_PREFIX, MODELS_PREFIX):
        for e in list_entries(store.client, store.namespace, store.watched_bucket, prefix):
            ref = classify(e.name)
            if ref is None or ref.kind not in (ObjectKind.MANIFEST, ObjectKind.REQUEST):
                continue
            if ref.name not in known and ref.name not in found:
                found[ref.name] = NotStarted(ref.name, e.name, e.etag, as_utc(e.time_modified))
    return sorted(found.values(), key=lambda n: n.name)


def source_of(store: StateStore, name: str) -> NotStarted | None:
    for obj in (manifest_object(name), request_object(name)):
        try:
            head = store.client.head_object(store.namespace, store.watched_bucket, obj)
        except oci.exceptions.ServiceError as exc:
            if exc.status == 404:
                continue
            raise
        modified = head.headers.get("last-modified")
        written = parsedate_to_datetime(modified) if modified else None
        return NotStarted(name, obj, str(head.headers.get("etag", "")), as_utc(written))
    return None
