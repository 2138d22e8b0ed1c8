"""Upload a folder to Object Storage: parallel multipart uploads that resume where they stopped.

Resuming needs no local record: the bucket itself says what is done.

- An object already in the bucket with the same size and MD5 (`content-md5` for single-part
  objects, `opc-multipart-md5` for multipart ones, computed here with the part size the upload
  used) is skipped.
- A file whose multipart upload was interrupted continues that upload (found with
  `list_multipart_uploads`): each part the bucket already holds with the same size and MD5 is
  kept, only the missing or different parts are sent, then the upload is committed.

Memory stays at about `parallel` parts: a worker reads one part, hashes it, sends it, drops it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import math
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import oci
from oci.object_storage.models import (
    CommitMultipartUploadDetails,
    CommitMultipartUploadPartDetails,
    CreateMultipartUploadDetails,
)

from cli.paging import all_items
from cli.progress import Progress

MiB = 1024 * 1024
MAX_PARTS = 10_000  # Object Storage's limit per multipart upload
PART_SIZE_META = "opc-meta-part-size"
_READ_CHUNK = 8 * MiB


@dataclass(frozen=True)
class LocalFile:
    path: Path
    object_name: str
    size: int


@dataclass
class UploadReport:
    objects_uploaded: list[str] = field(default_factory=list)
    objects_skipped: list[str] = field(default_factory=list)
    parts_sent: int = 0
    parts_reused: int = 0
    bytes_sent: int = 0
    bytes_reused: int = 0
    seconds: float = 0.0


class UploadInterrupted(Exception):
    """Some parts failed or the user stopped; what finished stays in the bucket for the next run."""


@dataclass
class _Multipart:
    file: LocalFile
    upload_id: str
    part_size: int
    listed: dict[int, Any]  # part number -> MultipartUploadPartSummary already in the bucket
    etags: dict[int, str] = field(default_factory=dict)
    older: list[Any] = field(default_factory=list)  # other interrupted uploads of the same object

    @property
    def part_count(self) -> int:
        return max(1, math.ceil(self.file.size / self.part_size))

    def span(self, number: int) -> tuple[int, int]:
        offset = (number - 1) * self.part_size
        return offset, min(self.part_size, self.file.size - offset)


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def read_span(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as fh:
        fh.seek(offset)
        data = fh.read(length)
    if len(data) != length:
        raise UploadInterrupted(f"{path} changed while uploading (short read at {offset})")
    return data


def file_md5_b64(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as fh:
        while chunk := fh.read(_READ_CHUNK):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()


def multipart_md5(path: Path, size: int, part_size: int) -> str:
    """Object Storage's `opc-multipart-md5`: MD5 of the parts' binary MD5s, base64, then `-<parts>`."""
    outer = hashlib.md5()
    count = max(1, math.ceil(size / part_size))
    with path.open("rb") as fh:
        for _ in range(count):
            inner = hashlib.md5()
            left = part_size
            while left > 0 and (chunk := fh.read(min(_READ_CHUNK, left))):
                inner.update(chunk)
                left -= len(chunk)
            outer.update(inner.digest())
    return f"{base64.b64encode(outer.digest()).decode()}-{count}"


class FolderUploader:
    def __init__(
        self,
        client: oci.object_storage.ObjectStorageClient,
        namespace: str,
        bucket: str,
        *,
        part_size: int = 64 * MiB,
        parallel: int = 4,
        progress: Progress | None = None,
        on_part_sent: Callable[[str, int], None] | None = None,
    ) -> None:
        if part_size < 1 or parallel < 1:
            raise ValueError("part_size and parallel must be positive")
        self.client = client
        self.namespace = namespace
        self.bucket = bucket
        self.part_size = part_size
        self.parallel = parallel
        self.progress = progress
        self.on_part_sent = on_part_sent
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.report = UploadReport()

    # --- public ---------------------------------------------------------------------------
    def upload(self, files: Sequence[LocalFile]) -> UploadReport:
        started = time.monotonic()
        pending = self._pending_uploads({f.object_name for f in files})
        with ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="upload") as pool:
            try:
                plans = [pool.submit(self._plan, f, pending.get(f.object_name, [])) for f in files]
                self._wait(plans)
                tasks: list[Future[None]] = []
                for f, plan in zip(files, plans, strict=True):
                    kind = plan.result()
                    if kind == "skip":
                        continue
                    if kind == "single":
                        tasks.append(pool.submit(self._put_single, f))
                        continue
                    assert isinstance(kind, _Multipart)
                    kind.older = [u for u in pending.get(f.object_name, []) if u.upload_id != kind.upload_id]
                    for number in range(1, kind.part_count + 1):
                        tasks.append(pool.submit(self._send_part, kind, number))
                self._wait(tasks)
            except BaseException:
                self._stop.set()
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        self.report.seconds = time.monotonic() - started
        return self.report

    # --- planning ---------------------------------------------------------------------------
    def _pending_uploads(self, names: set[str]) -> dict[str, list[Any]]:
        """In-progress multipart uploads of our objects, newest first."""
        found: dict[str, list[Any]] = {}
        uploads = all_items(self.client.list_multipart_uploads, self.namespace, self.bucket)
        for upload in uploads:
            if upload.object in names:
                found.setdefault(upload.object, []).append(upload)
        for lst in found.values():
            lst.sort(key=lambda u: str(u.time_created or ""), reverse=True)
        return found

    def _plan(self, f: LocalFile, pending: list[Any]) -> str | _Multipart:
        if self._stop.is_set():
            raise UploadInterrupted("stopped")
        if self._already_there(f):
            with self._lock:
                self.report.objects_skipped.append(f.object_name)
            if self.progress:
                self.progress.skip(f.size)
            return "skip"
        part_size = max(self.part_size, math.ceil(f.size / MAX_PARTS))
        if f.size <= part_size:
            return "single"
        for upload in pending:
            try:
                listed = {
                    p.part_number: p
                    for p in all_items(
                        self.client.list_multipart_upload_parts,
                        self.namespace,
                        self.bucket,
                        f.object_name,
                        upload.upload_id,
                    )
                }
            except oci.exceptions.ServiceError as exc:
                if exc.status == 404:  # aborted or committed meanwhile
                    continue
                raise
            first = listed.get(1)
            if first is not None and 0 < int(first.size) < f.size:
                part_size = int(first.size)  # keep the part size of the interrupted run
            return _Multipart(f, upload.upload_id, part_size, listed)
        created = self.client.create_multipart_upload(
            self.namespace,
            self.bucket,
            CreateMultipartUploadDetails(object=f.object_name, metadata={PART_SIZE_META: str(part_size)}),
        ).data
        return _Multipart(f, created.upload_id, part_size, {})

    def _already_there(self, f: LocalFile) -> bool:
        try:
            head = self.client.head_object(self.namespace, self.bucket, f.object_name)
        except oci.exceptions.ServiceError as exc:
            if exc.status == 404:
                return False
            raise
        headers = {k.lower(): v for k, v in head.headers.items()}
        if int(headers.get("content-length", -1)) != f.size:
            return False
        remote_multipart = headers.get("opc-multipart-md5")
        if remote_multipart:
            # our uploads record their part size; others are compared with ours (a mismatch re-sends)
            part_size = int(headers.get(PART_SIZE_META) or self.part_size)
            return multipart_md5(f.path, f.size, part_size) == remote_multipart
        # HEAD answers `content-md5`; some emulators say `opc-content-md5` as PutObject does
        remote_md5 = headers.get("content-md5") or headers.get("opc-content-md5")
        return bool(remote_md5) and file_md5_b64(f.path) == remote_md5

    # --- sending ----------------------------------------------------------------------------
    def _put_single(self, f: LocalFile) -> None:
        if self._stop.is_set():
            raise UploadInterrupted("stopped")
        data = read_span(f.path, 0, f.size)
        self.client.put_object(
            self.namespace,
            self.bucket,
            f.object_name,
            data,
            content_md5=md5_b64(data),
            content_length=len(data),
        )
        with self._lock:
            self.report.objects_uploaded.append(f.object_name)
            self.report.bytes_sent += len(data)
        if self.progress:
            self.progress.advance(len(data))

    def _send_part(self, mp: _Multipart, number: int) -> None:
        if self._stop.is_set():
            raise UploadInterrupted("stopped")
        offset, length = mp.span(number)
        data = read_span(mp.file.path, offset, length)
        digest = md5_b64(data)
        listed = mp.listed.get(number)
        if listed is not None and int(listed.size) == length and listed.md5 == digest:
            with self._lock:
                mp.etags[number] = listed.etag
                self.report.parts_reused += 1
                self.report.bytes_reused += length
                last = len(mp.etags) == mp.part_count
            if self.progress:
                self.progress.skip(length)
            if last:
                self._commit(mp)
            return
        response = self.client.upload_part(
            self.namespace,
            self.bucket,
            mp.file.object_name,
            mp.upload_id,
            number,
            data,
            content_md5=digest,
            content_length=length,
        )
        with self._lock:
            mp.etags[number] = response.headers["etag"]
            self.report.parts_sent += 1
            self.report.bytes_sent += length
            last = len(mp.etags) == mp.part_count
        if self.progress:
            self.progress.advance(length)
        if self.on_part_sent:
            self.on_part_sent(mp.file.object_name, number)
        if last:  # the worker that sends the last part commits: a finished file is an object at once
            self._commit(mp)

    def _commit(self, mp: _Multipart) -> None:
        parts = [CommitMultipartUploadPartDetails(part_num=n, etag=mp.etags[n]) for n in sorted(mp.etags)]
        extra = sorted(n for n in mp.listed if n > mp.part_count)
        self.client.commit_multipart_upload(
            self.namespace,
            self.bucket,
            mp.file.object_name,
            mp.upload_id,
            CommitMultipartUploadDetails(parts_to_commit=parts, parts_to_exclude=extra or None),
        )
        with self._lock:
            self.report.objects_uploaded.append(mp.file.object_name)
        for other in mp.older:  # older interrupted uploads of the same object only cost storage
            with contextlib.suppress(oci.exceptions.ServiceError):
                self.client.abort_multipart_upload(
                    self.namespace, self.bucket, mp.file.object_name, other.upload_id
                )

    def _wait(self, futures: Sequence[Future[Any]]) -> None:
        done, not_done = wait(futures, return_when=FIRST_EXCEPTION)
        for fut in done:
            exc = fut.exception()
            if exc is not None:
                self._stop.set()
                for other in not_done:
                    other.cancel()
                wait(not_done)
                raise exc
