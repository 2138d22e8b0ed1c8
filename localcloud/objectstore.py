"""Object Storage data: buckets, objects and multipart uploads, on disk.

The index lives in SQLite (atomic compare-and-swap for If-Match, ordered listing);
object bytes live in blob files, one per object version. A write streams into a new
blob and then swaps the index entry under a lock, so readers of the old version keep
reading the old file and two racing conditional writes cannot both win. Blobs are
never written after they are committed, which is what makes staging by hard link safe.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

from localcloud.web import ServiceError

CHUNK = 1 << 20
MAX_PARTS = 10000

ChangeKind = Literal["create", "update", "delete"]


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


def md5_b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


@dataclass
class Bucket:
    name: str
    namespace: str
    compartment_id: str
    id: str
    etag: str
    object_events_enabled: bool
    created: float
    metadata: dict[str, str] = field(default_factory=dict)
    freeform_tags: dict[str, str] = field(default_factory=dict)

    def to_api(self, approximate: tuple[int, int] | None = None) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "namespace": self.namespace,
            "name": self.name,
            "compartmentId": self.compartment_id,
            "metadata": self.metadata,
            "createdBy": "ocid1.user.oc1..localcloud",
            "timeCreated": rfc3339(self.created),
            "etag": self.etag,
            "publicAccessType": "NoPublicAccess",
            "storageTier": "Standard",
            "objectEventsEnabled": self.object_events_enabled,
            "freeformTags": self.freeform_tags,
            "definedTags": {},
            "id": self.id,
            "versioning": "Disabled",
            "autoTiering": "Disabled",
        }
        if approximate is not None:
            doc["approximateCount"], doc["approximateSize"] = approximate
        return doc


@dataclass
class StoredObject:
    bucket: str
    name: str
    blob: str
    size: int
    etag: str
    md5: str | None  # base64 MD5 of the bytes; None for staged objects (never read to hash)
    multipart_md5: str | None
    content_type: str
    created: float
    modified: float
    metadata: dict[str, str] = field(default_factory=dict)

    def summary(self, fields: set[str]) -> dict[str, Any]:
        doc: dict[str, Any] = {"name": self.name}
        if "size" in fields:
            doc["size"] = self.size
        if "etag" in fields:
            doc["etag"] = self.etag
        if "md5" in fields:
            doc["md5"] = self.md5 or self.multipart_md5
        if "timeCreated" in fields:
            doc["timeCreated"] = rfc3339(self.created)
        if "timeModified" in fields:
            doc["timeModified"] = rfc3339(self.modified)
        if "storageTier" in fields:
            doc["storageTier"] = "Standard"
        if "archivalState" in fields:
            doc["archivalState"] = None
        return doc


@dataclass(frozen=True)
class ObjectChange:
    """What the event emitter needs to know of a committed write or delete."""

    kind: ChangeKind
    bucket: Bucket
    name: str
    etag: str


@dataclass
class Part:
    num: int
    blob: str
    size: int
    etag: str
    md5: str


@dataclass
class Upload:
    upload_id: str
    bucket: str
    name: str
    created: float
    content_type: str
    metadata: dict[str, str]

    def to_api(self, namespace: str) -> dict[str, Any]:
        return {
            "namespace": namespace,
            "bucket": self.bucket,
            "object": self.name,
            "uploadId": self.upload_id,
            "timeCreated": rfc3339(self.created),
            "storageTier": "Standard",
        }


@dataclass(frozen=True)
class Precondition:
    if_match: str | None = None
    if_none_match: str | None = None

    def check(self, current: StoredObject | None, *, write: bool) -> None:
        if (
            self.if_match is not None
            and self.if_match != "*"
            and (current is None or current.etag != self.if_match.strip('"'))
        ):
            raise ServiceError(
                412, "IfMatchFailed", f"If-Match {self.if_match!r} does not match the current ETag"
            )
        if self.if_match == "*" and current is None:
            raise ServiceError(412, "IfMatchFailed", "If-Match * but the object does not exist")
        none_match = self.if_none_match
        if none_match is not None and current is not None and none_match.strip('"') in ("*", current.etag):
            if write:
                raise ServiceError(412, "IfNoneMatchFailed", "If-None-Match: the object already exists")
            raise ServiceError(304, "NotModified", "the object has not been modified")


_SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
    bucket TEXT NOT NULL, name TEXT NOT NULL, blob TEXT NOT NULL, size INTEGER NOT NULL,
    etag TEXT NOT NULL, md5 TEXT, multipart_md5 TEXT, content_type TEXT NOT NULL,
    created REAL NOT NULL, modified REAL NOT NULL, metadata TEXT NOT NULL,
    PRIMARY KEY (bucket, name)
);
CREATE TABLE IF NOT EXISTS uploads (upload_id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parts (
    upload_id TEXT NOT NULL, num INTEGER NOT NULL, blob TEXT NOT NULL, size INTEGER NOT NULL,
    etag TEXT NOT NULL, md5 TEXT NOT NULL, PRIMARY KEY (upload_id, num)
);
"""


# "Object Names" (https://docs.oracle.com/iaas/Content/Object/Tasks/managingobjects.htm): 1 to
# 1024 characters (counted here as UTF-8 bytes), "characters other than line feed, carriage
# return, and NULL". A name with a line break could otherwise forge lines where it is quoted.
_FORBIDDEN_IN_NAMES = ("\n", "\r", "\0")


def check_object_name(name: str) -> None:
    if not name or len(name.encode("utf-8", "surrogatepass")) > 1024:
        raise ServiceError(400, "InvalidObjectName", "object names are 1 to 1024 bytes")
    if any(c in name for c in _FORBIDDEN_IN_NAMES):
        raise ServiceError(
            400, "InvalidObjectName", "object names cannot contain line feed, carriage return or NULL"
        )


class ObjectStore:
    def __init__(
        self,
        folder: Path,
        namespace: str,
        region: str,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.folder = folder
        self.namespace = namespace
        self.region = region
        self.now = now
        self.blobs = folder / "blobs"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(folder / "index.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self.listeners: list[Callable[[ObjectChange], None]] = []

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- buckets ------------------------------------------------------------------------
    def create_bucket(
        self,
        name: str,
        compartment_id: str,
        *,
        object_events_enabled: bool = False,
        metadata: dict[str, str] | None = None,
        freeform_tags: dict[str, str] | None = None,
        exist_ok: bool = False,
    ) -> Bucket:
        if not name or len(name) > 256 or "/" in name:
            raise ServiceError(400, "InvalidBucketName", f"invalid bucket name {name!r}")
        with self._lock:
            existing = self.find_bucket(name)
            if existing is not None:
                if exist_ok:
                    return existing
                raise ServiceError(409, "BucketAlreadyExists", f"bucket {name!r} already exists")
            bucket = Bucket(
                name=name,
                namespace=self.namespace,
                compartment_id=compartment_id,
                id=f"ocid1.bucket.oc1.{self.region}.{uuid.uuid5(uuid.NAMESPACE_URL, name).hex}",
                etag=str(uuid.uuid4()),
                object_events_enabled=object_events_enabled,
                created=self.now(),
                metadata=dict(metadata or {}),
                freeform_tags=dict(freeform_tags or {}),
            )
            self._save_bucket(bucket)
            return bucket

    def _save_bucket(self, bucket: Bucket) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO buckets VALUES (?, ?)", (bucket.name, json.dumps(bucket.__dict__))
        )

    def find_bucket(self, name: str) -> Bucket | None:
        with self._lock:
            row = self._db.execute("SELECT doc FROM buckets WHERE name = ?", (name,)).fetchone()
        return Bucket(**json.loads(row[0])) if row else None

    def bucket(self, name: str) -> Bucket:
        bucket = self.find_bucket(name)
        if bucket is None:
            raise ServiceError(
                404,
                "BucketNotFound",
                f"Either the bucket named '{name}' does not exist "
                f"in the namespace '{self.namespace}' or you are not authorized to access it",
            )
        return bucket

    def update_bucket(self, name: str, changes: dict[str, Any], if_match: str | None = None) -> Bucket:
        with self._lock:
            bucket = self.bucket(name)
            if if_match is not None and if_match != bucket.etag:
                raise ServiceError(412, "IfMatchFailed", "If-Match does not match the bucket ETag")
            if changes.get("objectEventsEnabled") is not None:
                bucket.object_events_enabled = bool(changes["objectEventsEnabled"])
            if changes.get("metadata") is not None:
                bucket.metadata = dict(changes["metadata"])
            if changes.get("freeformTags") is not None:
                bucket.freeform_tags = dict(changes["freeformTags"])
            bucket.etag = str(uuid.uuid4())
            self._save_bucket(bucket)
            return bucket

    def delete_bucket(self, name: str) -> None:
        with self._lock:
            self.bucket(name)
            if self._db.execute("SELECT 1 FROM objects WHERE bucket = ? LIMIT 1", (name,)).fetchone():
                raise ServiceError(409, "BucketNotEmpty", f"bucket {name!r} is not empty")
            self._db.execute("DELETE FROM buckets WHERE name = ?", (name,))

    def list_buckets(self, compartment_id: str | None) -> list[Bucket]:
        with self._lock:
            rows = self._db.execute("SELECT doc FROM buckets ORDER BY name").fetchall()
        buckets = [Bucket(**json.loads(r[0])) for r in rows]
        return [b for b in buckets if compartment_id in (None, b.compartment_id)]

    def bucket_usage(self, name: str) -> tuple[int, int]:
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM objects WHERE bucket = ?", (name,)
            ).fetchone()
        return int(row[0]), int(row[1])

    # --- objects: reads -----------------------------------------------------------------
    def find(self, bucket: str, name: str) -> StoredObject | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM objects WHERE bucket = ? AND name = ?", (bucket, name)
            ).fetchone()
        return self._row_object(row) if row else None

    def get(self, bucket: str, name: str) -> StoredObject:
        self.bucket(bucket)
        obj = self.find(bucket, name)
        if obj is None:
            raise ServiceError(
                404, "ObjectNotFound", f"The object '{name}' was not found in the bucket '{bucket}'"
            )
        return obj

    @staticmethod
    def _row_object(row: tuple[Any, ...]) -> StoredObject:
        return StoredObject(
            bucket=row[0],
            name=row[1],
            blob=row[2],
            size=row[3],
            etag=row[4],
            md5=row[5],
            multipart_md5=row[6],
            content_type=row[7],
            created=row[8],
            modified=row[9],
            metadata=json.loads(row[10]),
        )

    def blob_path(self, blob: str) -> Path:
        return self.blobs / blob[:2] / blob

    def open(self, obj: StoredObject) -> BinaryIO:
        """Open the object's blob. A later overwrite unlinks it, but an open file keeps reading."""
        return open(self.blob_path(obj.blob), "rb")  # the caller closes it

    def list_page(
        self,
        bucket: str,
        *,
        prefix: str = "",
        start: str | None = None,
        start_after: str | None = None,
        end: str | None = None,
        delimiter: str | None = None,
        limit: int = 1000,
    ) -> tuple[list[StoredObject], list[str], str | None]:
        """Objects in name order, OCI's way: returns (objects, prefixes, nextStartWith)."""
        self.bucket(bucket)
        limit = max(1, min(limit, 1000))
        lower = max(prefix, start or "")
        objects: list[StoredObject] = []
        prefixes: list[str] = []
        exclusive = start_after if start_after is not None and start_after >= lower else None
        while True:
            sql = "SELECT * FROM objects WHERE bucket = ? AND name >= ?"
            args: list[Any] = [bucket, lower]
            if exclusive is not None:
                sql += " AND name > ?"
                args.append(exclusive)
            if prefix:
                sql += " AND substr(name, 1, ?) = ?"
                args += [len(prefix), prefix]
            if end is not None:
                sql += " AND name < ?"
                args.append(end)
            sql += " ORDER BY name LIMIT ?"
            args.append(limit + 1)
            with self._lock:
                rows = self._db.execute(sql, args).fetchall()
            if not rows:
                return objects, prefixes, None
            skipped_to: str | None = None
            for row in rows:
                name = row[1]
                if len(objects) + len(prefixes) >= limit:
                    return objects, prefixes, name
                if delimiter and delimiter in name[len(prefix) :]:
                    common = name[: name.index(delimiter, len(prefix)) + len(delimiter)]
                    prefixes.append(common)
                    # jump past every name under this common prefix
                    skipped_to = common + "\U0010ffff"
                    break
                objects.append(self._row_object(row))
            if skipped_to is None:
                if len(rows) <= limit:
                    return objects, prefixes, None
                lower = rows[-1][1]
                exclusive = None
                continue
            lower, exclusive = skipped_to, None

    # --- objects: writes ----------------------------------------------------------------
    def _new_blob(self) -> tuple[str, Path]:
        blob = uuid.uuid4().hex
        path = self.blob_path(blob)
        path.parent.mkdir(exist_ok=True)
        return blob, path

    def _receive(self, body: BinaryIO, length: int, path: Path) -> tuple[int, str]:
        """Stream `length` bytes (or to EOF when -1) into `path`; returns (size, base64 md5)."""
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        with open(path, "wb") as out:
            while length < 0 or size < length:
                want = CHUNK if length < 0 else min(CHUNK, length - size)
                data = body.read(want)
                if not data:
                    break
                md5.update(data)
                out.write(data)
                size += len(data)
        if length >= 0 and size != length:
            path.unlink(missing_ok=True)
            raise ServiceError(400, "InvalidContentLength", f"expected {length} bytes, got {size}")
        return size, md5_b64(md5.digest())

    def put(
        self,
        bucket: str,
        name: str,
        body: BinaryIO,
        length: int,
        *,
        precondition: Precondition = Precondition(),
        content_type: str = "application/octet-stream",
        content_md5: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> StoredObject:
        check_object_name(name)
        self.bucket(bucket)
        precondition.check(self.find(bucket, name), write=True)  # fail fast, before the bytes
        blob, path = self._new_blob()
        try:
            size, md5 = self._receive(body, length, path)
            if content_md5 is not None and content_md5 != md5:
                raise ServiceError(400, "InvalidContentMD5", "the body does not match Content-MD5")
            return self._commit(
                bucket, name, blob, size, md5, None, content_type, metadata or {}, precondition
            )
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    def put_file(
        self,
        bucket: str,
        name: str,
        source: Path,
        *,
        precondition: Precondition = Precondition(),
        content_type: str = "application/octet-stream",
    ) -> tuple[StoredObject, str]:
        """Place an existing file as an object without copying its bytes; returns (object, how linked)."""
        self.bucket(bucket)
        precondition.check(self.find(bucket, name), write=True)
        blob, path = self._new_blob()
        how = link_or_clone(source, path)
        try:
            size = path.stat().st_size
            obj = self._commit(bucket, name, blob, size, None, None, content_type, {}, precondition)
            return obj, how
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    def _commit(
        self,
        bucket: str,
        name: str,
        blob: str,
        size: int,
        md5: str | None,
        multipart_md5: str | None,
        content_type: str,
        metadata: dict[str, str],
        precondition: Precondition,
    ) -> StoredObject:
        with self._lock:
            bucket_doc = self.bucket(bucket)
            current = self.find(bucket, name)
            precondition.check(current, write=True)
            now = self.now()
            obj = StoredObject(
                bucket=bucket,
                name=name,
                blob=blob,
                size=size,
                etag=str(uuid.uuid4()),
                md5=md5,
                multipart_md5=multipart_md5,
                content_type=content_type or "application/octet-stream",
                created=now,
                modified=now,
                metadata=metadata,
            )
            self._db.execute(
                "INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    bucket,
                    name,
                    blob,
                    size,
                    obj.etag,
                    md5,
                    multipart_md5,
                    obj.content_type,
                    obj.created,
                    obj.modified,
                    json.dumps(metadata),
                ),
            )
        if current is not None:
            self.blob_path(current.blob).unlink(missing_ok=True)
        self._notify(ObjectChange("update" if current else "create", bucket_doc, name, obj.etag))
        return obj

    def delete(self, bucket: str, name: str, precondition: Precondition = Precondition()) -> StoredObject:
        with self._lock:
            bucket_doc = self.bucket(bucket)
            current = self.get(bucket, name)
            precondition.check(current, write=True)
            self._db.execute("DELETE FROM objects WHERE bucket = ? AND name = ?", (bucket, name))
        self.blob_path(current.blob).unlink(missing_ok=True)
        self._notify(ObjectChange("delete", bucket_doc, name, current.etag))
        return current

    def rename(
        self,
        bucket: str,
        source: str,
        target: str,
        *,
        source_if_match: str | None = None,
        target_precondition: Precondition = Precondition(),
    ) -> StoredObject:
        check_object_name(target)
        with self._lock:
            bucket_doc = self.bucket(bucket)
            current = self.get(bucket, source)
            Precondition(if_match=source_if_match).check(current, write=True)
            replaced = self.find(bucket, target)
            target_precondition.check(replaced, write=True)
            if source == target:
                return current
            now = self.now()
            etag = str(uuid.uuid4())
            self._db.execute("DELETE FROM objects WHERE bucket = ? AND name = ?", (bucket, target))
            self._db.execute(
                "UPDATE objects SET name = ?, etag = ?, modified = ? WHERE bucket = ? AND name = ?",
                (target, etag, now, bucket, source),
            )
        if replaced is not None:
            self.blob_path(replaced.blob).unlink(missing_ok=True)
        self._notify(ObjectChange("update" if replaced else "create", bucket_doc, target, etag))
        self._notify(ObjectChange("delete", bucket_doc, source, current.etag))
        return self.get(bucket, target)

    def _notify(self, change: ObjectChange) -> None:
        for listener in list(self.listeners):
            listener(change)

    # --- multipart ----------------------------------------------------------------------
    def create_upload(
        self,
        bucket: str,
        name: str,
        content_type: str | None,
        metadata: dict[str, str] | None,
        precondition: Precondition = Precondition(),
    ) -> Upload:
        self.bucket(bucket)
        check_object_name(name)
        precondition.check(self.find(bucket, name), write=True)
        upload = Upload(
            upload_id=str(uuid.uuid4()),
            bucket=bucket,
            name=name,
            created=self.now(),
            content_type=content_type or "application/octet-stream",
            metadata=dict(metadata or {}),
        )
        with self._lock:
            self._db.execute(
                "INSERT INTO uploads VALUES (?, ?)", (upload.upload_id, json.dumps(upload.__dict__))
            )
        return upload

    def upload(self, bucket: str, name: str, upload_id: str) -> Upload:
        with self._lock:
            row = self._db.execute("SELECT doc FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone()
        upload = Upload(**json.loads(row[0])) if row else None
        if upload is None or upload.bucket != bucket or upload.name != name:
            raise ServiceError(404, "NoSuchUpload", f"no multipart upload {upload_id!r} for object {name!r}")
        return upload

    def list_uploads(self, bucket: str) -> list[Upload]:
        self.bucket(bucket)
        with self._lock:
            rows = self._db.execute("SELECT doc FROM uploads").fetchall()
        uploads = [Upload(**json.loads(r[0])) for r in rows]
        return sorted((u for u in uploads if u.bucket == bucket), key=lambda u: (u.name, u.created))

    def put_part(
        self,
        bucket: str,
        name: str,
        upload_id: str,
        num: int,
        body: BinaryIO,
        length: int,
        content_md5: str | None = None,
    ) -> Part:
        self.upload(bucket, name, upload_id)
        if not 1 <= num <= MAX_PARTS:
            raise ServiceError(400, "InvalidUploadPart", f"uploadPartNum must be 1..{MAX_PARTS}")
        blob, path = self._new_blob()
        try:
            size, md5 = self._receive(body, length, path)
            if content_md5 is not None and content_md5 != md5:
                raise ServiceError(400, "InvalidContentMD5", "the part does not match Content-MD5")
            part = Part(num, blob, size, str(uuid.uuid4()), md5)
            with self._lock:
                self.upload(bucket, name, upload_id)  # not aborted meanwhile
                old = self._db.execute(
                    "SELECT blob FROM parts WHERE upload_id = ? AND num = ?", (upload_id, num)
                ).fetchone()
                self._db.execute(
                    "INSERT OR REPLACE INTO parts VALUES (?, ?, ?, ?, ?, ?)",
                    (upload_id, num, blob, size, part.etag, md5),
                )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        if old:
            self.blob_path(old[0]).unlink(missing_ok=True)
        return part

    def parts(self, upload_id: str) -> list[Part]:
        with self._lock:
            rows = self._db.execute(
                "SELECT num, blob, size, etag, md5 FROM parts WHERE upload_id = ? ORDER BY num", (upload_id,)
            ).fetchall()
        return [Part(*r) for r in rows]

    def commit_upload(
        self,
        bucket: str,
        name: str,
        upload_id: str,
        chosen: list[tuple[int, str]],
        precondition: Precondition = Precondition(),
    ) -> StoredObject:
        upload = self.upload(bucket, name, upload_id)
        have = {p.num: p for p in self.parts(upload_id)}
        if not chosen:
            raise ServiceError(400, "InvalidParameter", "partsToCommit is empty")
        selected: list[Part] = []
        for num, etag in sorted(chosen):
            part = have.get(num)
            if part is None or part.etag != etag.strip('"'):
                raise ServiceError(
                    400, "InvalidUploadPart", f"part {num} with ETag {etag!r} was not uploaded"
                )
            selected.append(part)
        blob, path = self._new_blob()
        digests = hashlib.md5(usedforsecurity=False)
        try:
            with open(path, "wb") as out:
                for part in selected:
                    digests.update(base64.b64decode(part.md5))
                    with open(self.blob_path(part.blob), "rb") as src:
                        shutil.copyfileobj(src, out, CHUNK)
            multipart_md5 = f"{md5_b64(digests.digest())}-{len(selected)}"
            obj = self._commit(
                bucket,
                name,
                blob,
                sum(p.size for p in selected),
                None,
                multipart_md5,
                upload.content_type,
                upload.metadata,
                precondition,
            )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        self._drop_upload(upload_id)
        return obj

    def abort_upload(self, bucket: str, name: str, upload_id: str) -> None:
        self.upload(bucket, name, upload_id)
        self._drop_upload(upload_id)

    def _drop_upload(self, upload_id: str) -> None:
        parts = self.parts(upload_id)
        with self._lock:
            self._db.execute("DELETE FROM parts WHERE upload_id = ?", (upload_id,))
            self._db.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))
        for part in parts:
            self.blob_path(part.blob).unlink(missing_ok=True)

    def iter_objects(self, bucket: str, prefix: str) -> Iterator[StoredObject]:
        start: str | None = None
        while True:
            objects, _, next_start = self.list_page(bucket, prefix=prefix, start=start)
            yield from objects
            if next_start is None:
                return
            start = next_start


def link_or_clone(source: Path, target: Path) -> str:
    """Make `target` share `source`'s bytes: hard link, else a copy-on-write clone, else (reported)
    a plain copy. Returns which of 'hardlink', 'reflink', 'copy' it did."""
    try:
        os.link(source, target)
        return "hardlink"
    except OSError:
        pass
    try:
        import fcntl

        ficlone = 0x40049409  # FICLONE ioctl: share extents on btrfs/xfs
        with open(source, "rb") as src, open(target, "wb") as dst:
            fcntl.ioctl(dst.fileno(), ficlone, src.fileno())
        return "reflink"
    except OSError:
        target.unlink(missing_ok=True)
    # Last resort, reported to the caller: a real copy (the state directory is on another file system).
    shutil.copyfile(source, target)
    return "copy"
