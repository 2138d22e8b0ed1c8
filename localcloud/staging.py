"""Place a local model folder into a bucket without copying its bytes.

Each file becomes an object whose blob is a hard link to the file (or a copy-on-write
clone when the state directory is on another file system that supports it), so a 100 GB
model is staged in the time it takes to create the links. Every object emits the same
events as an upload. Files named `import.json` are placed last, because the manifest is
the "upload complete" signal.

The link shares the inode: editing a staged file in place would change the object
behind the local cloud's back. The emulator itself never writes into a committed blob.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from localcloud.objectstore import ObjectStore
from localcloud.web import ServiceError

MANIFEST_NAME = "import.json"


class _HasStore(Protocol):
    store: ObjectStore


@dataclass
class StagedObject:
    name: str
    size: int
    etag: str
    how: str  # hardlink, reflink or copy


@dataclass
class StageResult:
    bucket: str
    objects: list[StagedObject] = field(default_factory=list)

    @property
    def bytes_copied(self) -> int:
        return sum(o.size for o in self.objects if o.how == "copy")

    def to_dict(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "objects": [o.__dict__ for o in self.objects],
            "total_bytes": sum(o.size for o in self.objects),
            "bytes_copied": self.bytes_copied,
        }


def _files(folder: Path) -> list[Path]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    # the manifest last, everything else in name order
    return sorted(files, key=lambda p: (p.name == MANIFEST_NAME, p.relative_to(folder).as_posix()))


def stage_folder(cloud: _HasStore, folder: Path, prefix: str, *, bucket: str) -> StageResult:
    """Stage every regular file under `folder` as `<prefix><relative path>` in `bucket`."""
    folder = folder.expanduser().resolve()
    if not folder.is_dir():
        raise ServiceError(400, "InvalidParameter", f"{folder} is not a folder")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    cloud.store.bucket(bucket)
    result = StageResult(bucket)
    for path in _files(folder):
        name = prefix + path.relative_to(folder).as_posix()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        obj, how = cloud.store.put_file(bucket, name, path, content_type=content_type)
        result.objects.append(StagedObject(name, obj.size, obj.etag, how))
    return result
