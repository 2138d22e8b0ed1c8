"""Creates in flight and resources a lost race left behind, recorded in the state bucket until gone.

A create call can return after its import was torn down and replaced (the teardown found
nothing tagged yet, because nothing existed yet). So before every create the pipeline writes
a *pending* record, and the AI units a cluster would hold stay in the ledger while it exists:

    creates/<import id>.<kind>.json          written before the create, deleted once the outcome
                                             is recorded in the state or in an orphan record; never
                                             triggers anything (it is outside `state/`)

Right after the record the state is rewritten (functions/common.creating): that write fires the
import's next look, which waits for a create in flight and adopts what it created by tag
(functions/common.await_create), so an invocation stopped inside the call (over its memory or
time: nothing after the call runs) leaves the import looping rather than stuck. A teardown stays
TEARING_DOWN while a create of its import is in flight, and deletes what lands (functions/teardown.py).

A create whose import no longer wants it (the state was replaced, or is gone) becomes an
*orphan* record, whose writes fire the state rule, so the pipeline itself keeps deleting the
resource (a 409 while it is still CREATING is tried again) until it is gone, then releases
the hold and says so (functions/orphans.py); no sweep is needed:

    state/_orphan.<import id>.<kind>.json

A pending record older than IN_FLIGHT_SECONDS is over whatever happened: no create call outlives
its invocation, and a (synchronous) invocation runs 300 s at most ("Changing Default Memory and
Timeout Settings", https://docs.oracle.com/iaas/Content/Functions/Tasks/functionscustomizing.htm:
timeoutInSeconds, maximum value 300).
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

import oci
from pydantic import BaseModel, ConfigDict, ValidationError

from shared.contract.paths import CREATES_PREFIX, ORPHAN_PREFIX, create_object, orphan_object
from shared.pipeline.genai_ops import Kind
from shared.pipeline.store import ConflictError, is_conflict, list_entries, put_if, read_object

IN_FLIGHT_SECONDS = 600  # twice the longest invocation
MAX_RECORD_BYTES = 64 * 1024


class PendingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    import_id: str
    name: str
    kind: Kind
    retry_token: str
    at: datetime
    ai_units: float | None = None  # a cluster's units, held in the ledger under import_id
    unit_shape: str | None = None
    # Set once the create returned: from then on the resource is found by its tags (teardown, the
    # orphan loop), and the record no longer stands for something unknown.
    resource_id: str | None = None
    # Set when the call came back with an error: no invocation is inside it any more (whatever it
    # may have created is found by its tags), so nobody waits for it.
    returned: bool = False

    @property
    def key(self) -> str:
        return f"{self.import_id}.{self.kind.value}"

    def in_flight(self, now: datetime) -> bool:
        """The create has not returned (as far as anyone knows) and may still land."""
        if self.resource_id is not None or self.returned:
            return False
        return now - self.at < timedelta(seconds=IN_FLIGHT_SECONDS)


class Orphan(BaseModel):
    """A resource created for an import that no longer wants it: deleted until it is gone."""

    model_config = ConfigDict(extra="forbid")

    import_id: str
    name: str
    kind: Kind
    resource_id: str
    source: str  # the import's source, for the message
    at: datetime  # when it was recorded
    deadline: datetime  # past it, the pipeline says so and stops trying
    ai_units: float | None = None
    unit_shape: str | None = None
    attempt: int = 0
    gone: bool = False
    notified: bool = False
    publish_failures: int = 0
    publish_failed_at: datetime | None = None  # the first failed publish: the give-up deadline counts from it
    publish_gave_up: bool = False  # past that deadline: logged, kept as the marker, tried no more
    last_seen: str | None = None  # lifecycle state at the last look

    @property
    def key(self) -> str:
        return f"{self.import_id}.{self.kind.value}"


def _delete(client: Any, namespace: str, bucket: str, name: str, etag: str | None = None) -> None:
    kwargs = {"if_match": etag} if etag else {}
    try:
        client.delete_object(namespace, bucket, name, **kwargs)
    except oci.exceptions.ServiceError as exc:
        if is_conflict(exc):
            raise ConflictError(f"{name} changed since it was read") from None
        if exc.status != 404:
            raise


class CreateLog:
    """The pending and orphan records of one state bucket."""

    def __init__(self, client: Any, namespace: str, bucket: str) -> None:
        self.client = client
        self.namespace = namespace
        self.bucket = bucket

    # --- pending creates ----------------------------------------------------------------
    def begin(self, pending: PendingCreate) -> None:
        """Record a create about to be called (overwrites: a repeated create has the same token)."""
        body = pending.model_dump_json().encode()
        self.client.put_object(
            self.namespace, self.bucket, create_object(pending.key), body, content_type="application/json"
        )

    def landed(self, pending: PendingCreate, resource_id: str) -> None:
        """The create returned this resource: it is tagged, so from now on it is found by its tags."""
        self.begin(pending.model_copy(update={"resource_id": resource_id}))

    def end(self, import_id: str, kind: Kind) -> None:
        """The create's outcome is recorded elsewhere (the state, an orphan record): forget it."""
        _delete(self.client, self.namespace, self.bucket, create_object(f"{import_id}.{kind.value}"))

    def pending(self, import_id: str | None = None) -> list[PendingCreate]:
        """Pending records (of one import, if given), unreadable ones skipped."""
        prefix = CREATES_PREFIX + (f"{import_id}." if import_id else "")
        out: list[PendingCreate] = []
        for entry in list_entries(self.client, self.namespace, self.bucket, prefix):
            found = read_object(self.client, self.namespace, self.bucket, entry.name, MAX_RECORD_BYTES)
            if found is None:
                continue
            try:
                record = PendingCreate.model_validate_json(found[0])
            except (ValidationError, ValueError):
                continue
            if import_id is None or record.import_id == import_id:
                out.append(record)
        return out

    def cluster_in_flight(self, import_id: str, now: datetime) -> bool:
        """Is a cluster create of this import in flight? (Then its AI units stay held.)"""
        return any(p.kind is Kind.CLUSTER and p.in_flight(now) for p in self.pending(import_id))

    # --- orphans --------------------------------------------------------------------------
    def record_orphan(self, orphan: Orphan) -> None:
        """Write the orphan record (if there is none yet): the write fires the loop that deletes it."""
        body = orphan.model_dump_json().encode()
        with contextlib.suppress(ConflictError):  # already recorded (a duplicate of the same lost create)
            put_if(self.client, self.namespace, self.bucket, orphan_object(orphan.key), body, None)

    def get_orphan(self, key: str) -> tuple[Orphan, str] | None:
        found = read_object(self.client, self.namespace, self.bucket, orphan_object(key), MAX_RECORD_BYTES)
        if found is None:
            return None
        try:
            return Orphan.model_validate_json(found[0]), found[1]
        except (ValidationError, ValueError):
            return None

    def put_orphan(self, orphan: Orphan, etag: str) -> str:
        """Rewrite with If-Match (fires the next look); ConflictError if someone else wrote."""
        body = orphan.model_dump_json().encode()
        return put_if(self.client, self.namespace, self.bucket, orphan_object(orphan.key), body, etag)

    def drop_orphan(self, orphan: Orphan, etag: str) -> None:
        _delete(self.client, self.namespace, self.bucket, orphan_object(orphan.key), etag)

    def orphans(self, import_id: str | None = None) -> list[Orphan]:
        prefix = ORPHAN_PREFIX + (f"{import_id}." if import_id else "")
        out: list[Orphan] = []
        for entry in list_entries(self.client, self.namespace, self.bucket, prefix):
            found = self.get_orphan(entry.name[len(ORPHAN_PREFIX) : -len(".json")])
            if found is not None and (import_id is None or found[0].import_id == import_id):
                out.append(found[0])
        return out

    def holds_units(self, import_id: str, now: datetime, *, besides: str | None = None) -> bool:
        """Does anything recorded here still need this import's AI units held?

        A cluster create in flight, or an orphan cluster not yet gone (other than `besides`).
        """
        if self.cluster_in_flight(import_id, now):
            return True
        return any(
            o.kind is Kind.CLUSTER and not o.gone and o.key != besides for o in self.orphans(import_id)
        )
