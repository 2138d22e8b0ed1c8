"""State documents in the state bucket, read with their ETag and written only by compare-and-swap.

    store = StateStore(os_client, namespace, state_bucket)
    found = store.get("tiny-chat")          # (ImportState, etag) or None
    etag = store.put(state, etag)           # If-Match etag; etag=None means If-None-Match "*"
    store.list()                            # every import's state

`put` raises `ConflictError` when someone else wrote first (the ETag moved, or the
document appeared when we expected none). Every successful `put` fires the state
rule, which is how the pipeline gets its next invocation: so never write a state
that did not change unless you mean to nudge the import.

The bucket is the state bucket (STATE_BUCKET_NAME), never the watched one: uploaders can
write every object of the watched bucket, and what the function trusts must be written by
the function alone (see shared/contract/paths.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import oci
from pydantic import ValidationError

from shared.contract.paths import NOTICE_PREFIX, STATE_PREFIX, classify_state, state_object
from shared.contract.state import ImportState

MAX_STATE_BYTES = 1024 * 1024  # a state document holds at most 100 transitions: far below this


class ConflictError(Exception):
    """A compare-and-swap write lost: the object changed since it was read."""


class StateUnreadable(Exception):
    """A state document exists but does not parse (too large, not JSON, not this schema).

    It names the object and why; `etag` identifies the unreadable version (empty when unknown),
    so a notice about it can be sent once per version.
    """

    def __init__(self, object_name: str, reason: str, etag: str = "") -> None:
        super().__init__(f"{object_name} is not a valid state document: {reason}")
        self.object_name = object_name
        self.reason = reason
        self.etag = etag


@dataclass(frozen=True)
class ObjectEntry:
    name: str
    etag: str
    time_modified: datetime | None
    size: int | None


def is_conflict(exc: oci.exceptions.ServiceError) -> bool:
    """If-Match / If-None-Match refusals: OCI answers 412 (and 409 for some create races)."""
    return exc.status in (409, 412)


def read_object(
    client: Any, namespace: str, bucket: str, name: str, max_bytes: int
) -> tuple[bytes, str] | None:
    """The object's bytes (at most `max_bytes`, else ValueError) and ETag, or None when absent."""
    found = read_document(client, namespace, bucket, name, max_bytes)
    return (found.data, found.etag) if found else None


@dataclass(frozen=True)
class Document:
    data: bytes
    etag: str
    last_modified: datetime | None  # Object Storage's clock, whole seconds


def read_document(client: Any, namespace: str, bucket: str, name: str, max_bytes: int) -> Document | None:
    """Like read_object, with the Last-Modified time of the version read."""
    try:
        resp = client.get_object(namespace, bucket, name)
    except oci.exceptions.ServiceError as exc:
        if exc.status == 404:
            return None
        raise
    length = int(resp.headers.get("content-length") or 0)
    if length > max_bytes:
        resp.data.raw.close()
        raise ValueError(f"{name} is {length} bytes, over the {max_bytes} byte cap")
    data = resp.data.raw.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"{name} is over the {max_bytes} byte cap")
    return Document(data, str(resp.headers.get("etag", "")), http_time(resp.headers.get("last-modified")))


def http_time(raw: str | None) -> datetime | None:
    try:
        return parsedate_to_datetime(raw) if raw else None
    except (TypeError, ValueError):
        return None


def head_object(client: Any, namespace: str, bucket: str, name: str) -> str | None:
    """The object's ETag, or None when absent."""
    try:
        resp = client.head_object(namespace, bucket, name)
    except oci.exceptions.ServiceError as exc:
        if exc.status == 404:
            return None
        raise
    return str(resp.headers.get("etag", ""))


def head_meta(client: Any, namespace: str, bucket: str, name: str) -> tuple[str, datetime | None] | None:
    """The object's ETag and Last-Modified time (second resolution), or None when absent."""
    try:
        resp = client.head_object(namespace, bucket, name)
    except oci.exceptions.ServiceError as exc:
        if exc.status == 404:
            return None
        raise
    return str(resp.headers.get("etag", "")), http_time(resp.headers.get("last-modified"))


def list_entries(client: Any, namespace: str, bucket: str, prefix: str) -> Iterator[ObjectEntry]:
    """Every object under `prefix` with its ETag and modification time, page by page."""
    start: str | None = None
    while True:
        kwargs: dict[str, Any] = {"prefix": prefix, "fields": "name,etag,size,timeModified", "limit": 1000}
        if start:
            kwargs["start"] = start
        page = client.list_objects(namespace, bucket, **kwargs).data
        for obj in page.objects or []:
            yield ObjectEntry(obj.name, obj.etag or "", obj.time_modified, obj.size)
        start = page.next_start_with
        if not start:
            return


def put_if(client: Any, namespace: str, bucket: str, name: str, body: bytes, etag: str | None) -> str:
    """Write `body` only if the object still has `etag` (None: only if it does not exist)."""
    kwargs: dict[str, Any] = {"content_type": "application/json"}
    if etag is None:
        kwargs["if_none_match"] = "*"
    else:
        kwargs["if_match"] = etag
    try:
        resp = client.put_object(namespace, bucket, name, body, **kwargs)
    except oci.exceptions.ServiceError as exc:
        if is_conflict(exc):
            raise ConflictError(f"{name} changed since it was read (etag {etag or 'none'})") from None
        raise
    return str(resp.headers.get("etag", ""))


class StateStore:
    """The import state documents `state/<name>.json` of the state bucket.

    `bucket` is the state bucket; `watched_bucket`, when given, the bucket whose uploads
    (manifests, requests) these states describe, for callers that look at both.
    """

    def __init__(self, os_client: Any, namespace: str, bucket: str, *, watched_bucket: str = "") -> None:
        self.client = os_client
        self.namespace = namespace
        self.bucket = bucket
        self.watched_bucket = watched_bucket

    def get(self, name: str) -> tuple[ImportState, str] | None:
        """The state of import `name` and its ETag, or None if there is none.

        Raises StateUnreadable if the document is there but is not a valid state.
        """
        obj = state_object(name)
        try:
            found = read_object(self.client, self.namespace, self.bucket, obj, MAX_STATE_BYTES)
        except ValueError as exc:  # over the cap: never read into memory
            raise StateUnreadable(
                obj, str(exc), head_object(self.client, self.namespace, self.bucket, obj) or ""
            ) from None
        if found is None:
            return None
        raw, etag = found
        try:
            state = ImportState.from_json(raw)
        except (ValidationError, ValueError, RecursionError) as exc:
            raise StateUnreadable(obj, str(exc)[:1000], etag) from None
        if state.name != name:  # an edited or copied document: its import_id names another import
            raise StateUnreadable(obj, f"it names import {state.name!r}, not {name!r}", etag)
        return state, etag

    def put(self, state: ImportState, etag: str | None) -> str:
        """Write `state` if its document still has `etag` (None: only if it does not exist yet).

        Returns the new ETag. Raises ConflictError when another writer got there first.
        """
        return put_if(
            self.client, self.namespace, self.bucket, state_object(state.name), state.to_json(), etag
        )

    def entries(self) -> list[ObjectEntry]:
        """The state objects (name, etag, modification time) without reading them: one list call."""
        return [
            e
            for e in list_entries(self.client, self.namespace, self.bucket, STATE_PREFIX)
            if classify_state(e.name) is not None
        ]

    def list(self) -> list[ImportState]:
        """Every import's state, by name; unreadable documents are skipped (get() names them)."""
        out: list[ImportState] = []
        for entry in self.entries():
            ref = classify_state(entry.name)
            if ref is None:
                continue
            try:
                found = self.get(ref.name)
            except StateUnreadable:
                continue
            if found is not None:
                out.append(found[0])
        return sorted(out, key=lambda s: s.name)

    def claim_notice(self, key: str) -> bool:
        """Create the marker `notices/<key>` once: True for the one caller that created it."""
        try:
            put_if(self.client, self.namespace, self.bucket, NOTICE_PREFIX + key, b"{}", None)
        except ConflictError:
            return False
        return True

    def delete(self, name: str, etag: str) -> None:
        """Remove a state document (only if unchanged); used by `model-import forget`-like tools."""
        try:
            self.client.delete_object(self.namespace, self.bucket, state_object(name), if_match=etag)
        except oci.exceptions.ServiceError as exc:
            if is_conflict(exc):
                raise ConflictError(f"{state_object(name)} changed since it was read") from None
            if exc.status != 404:
                raise
