"""An OCI Object Storage prefix, read through the real `oci` SDK.

The model root is the prefix: object `<prefix>config.json` is the file `config.json`.
The manifest `import.json` at the root is an instruction to the pipeline, not an
artifact, so it is left out of the listing.
"""

from __future__ import annotations

from typing import Any

import oci

from shared.contract.paths import MANIFEST_FILENAME
from shared.inspection.sources.base import MAX_FILES, ArtifactSource, FileEntry, SourceError

# Object Storage lists at most 1000 objects a page.
_PAGE = 1000
_CHUNK = 64 * 1024


class ObjectStorageSource(ArtifactSource):
    """The objects under `prefix` in `bucket`; `prefix` may be given with or without the trailing `/`."""

    max_concurrency = 16

    def __init__(
        self, client: oci.object_storage.ObjectStorageClient, namespace: str, bucket: str, prefix: str
    ) -> None:
        super().__init__()
        self.client = client
        self.namespace = namespace
        self.bucket = bucket
        self.prefix = prefix if prefix == "" or prefix.endswith("/") else prefix + "/"

    @property
    def description(self) -> str:
        return f"oci://{self.bucket}@{self.namespace}/{self.prefix}"

    def _list(self) -> list[FileEntry]:
        entries: list[FileEntry] = []
        start: str | None = None
        while True:
            kwargs: dict[str, Any] = {"prefix": self.prefix, "fields": "name,size", "limit": _PAGE}
            if start:
                kwargs["start"] = start
            try:
                page = self.client.list_objects(self.namespace, self.bucket, **kwargs).data
            except oci.exceptions.ServiceError as exc:
                raise _service_error(exc, self.description) from exc
            except Exception as exc:  # connection refused, timeouts, TLS: all mean "cannot read"
                raise SourceError(
                    "SOURCE_UNREADABLE", self.description, f"listing failed: {type(exc).__name__}"
                ) from exc
            for obj in page.objects or []:
                name = obj.name[len(self.prefix) :]
                if not name or name.endswith("/") or name == MANIFEST_FILENAME:
                    continue  # folder markers and the manifest are not artifacts
                entries.append(FileEntry(name, int(obj.size or 0)))
            start = page.next_start_with
            if not start or len(entries) > MAX_FILES:  # stop paging: the caller reports the excess
                return entries

    def _read(self, name: str, start: int, length: int) -> bytes:
        end = start + length - 1
        try:
            response = self.client.get_object(
                self.namespace, self.bucket, self.prefix + name, range=f"bytes={start}-{end}"
            )
        except oci.exceptions.ServiceError as exc:
            if exc.status == 416:  # range starts past the end: nothing there
                return b""
            raise _service_error(exc, name) from exc
        except Exception as exc:
            raise SourceError("SOURCE_UNREADABLE", name, f"read failed: {type(exc).__name__}") from exc
        return _bounded_body(response.data, length)


def _bounded_body(stream: Any, length: int) -> bytes:
    """Read at most `length` bytes even if the server ignored the Range header and sent everything."""
    chunks: list[bytes] = []
    got = 0
    try:
        for chunk in stream.iter_content(chunk_size=min(_CHUNK, max(length, 1))):
            chunks.append(chunk)
            got += len(chunk)
            if got >= length:
                break
    finally:
        stream.close()
    return b"".join(chunks)[:length]


def _service_error(exc: oci.exceptions.ServiceError, subject: str) -> SourceError:
    if exc.status in (401, 403, 404):
        hint = (
            "Check the namespace, bucket and prefix, and that the caller's policy allows "
            "`read objects` in the bucket's compartment."
        )
    else:
        hint = None
    return SourceError("SOURCE_UNREADABLE", subject, f"Object Storage answered {exc.status} {exc.code}", hint)
