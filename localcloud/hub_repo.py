"""A local Hugging Face repository: a folder `<root>/<org>/<name>/` and what the Hub says about it.

- Revision `main` and one fixed 40-hex commit per repo (derived from the repo id) are valid.
- Files whose name says "weights" (safetensors, bin, ...) or that are 10 MiB or more are
  reported as LFS files, as the Hub does. Their sha256 is a pseudo-oid derived from the
  path, size and modification time: hashing a 100 GB model on every listing would defeat
  the purpose of a local Hub, and no client checks it against the bytes.
- Small files get their real git blob id.
- `.localcloud-gated` (one accepted token a line, `#` comments) makes the repo gated;
  files starting with `.localcloud` are never listed or served.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

GATED_FILE = ".localcloud-gated"
PRIVATE_PREFIX = ".localcloud"
LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".onnx", ".gguf", ".model")
LFS_MIN_SIZE = 10 * 1024 * 1024
LFS_POINTER_SIZE = 134
SMALL_FILE_HASH_LIMIT = 10 * 1024 * 1024
SAFETENSORS_HEADER_CAP = 100 * 1024 * 1024  # the Hub's own limit for a header
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
COMMIT = re.compile(r"^[0-9a-f]{40}$")


class HubError(Exception):
    """An answer of the Hub other than success: status, X-Error-Code, message."""

    def __init__(self, status: int, code: str | None, message: str, commit: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.commit = commit


@dataclass(frozen=True)
class RepoFile:
    path: str  # relative, with /
    size: int
    mtime_ns: int
    is_lfs: bool
    oid: str  # git blob id (sha1) for small files
    sha256: str | None  # LFS oid, for LFS files


def gate_repo(folder: Path, tokens: Iterable[str]) -> Path:
    """Make the local repo in `folder` gated: only these tokens may download its files."""
    path = folder / GATED_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("# tokens accepted by the local Hub for this repo, one a line\n")
        f.writelines(f"{t}\n" for t in tokens)
    return path


def valid_name(part: str) -> bool:
    return bool(NAME.match(part)) and ".." not in part


def git_blob_id(path: Path, size: int) -> str:
    h = hashlib.sha1(f"blob {size}\0".encode())
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@lru_cache(maxsize=4096)
def _describe(repo_id: str, rel: str, full: str, size: int, mtime_ns: int) -> RepoFile:
    lfs = rel.endswith(LFS_SUFFIXES) or size >= LFS_MIN_SIZE
    if lfs:
        pseudo = hashlib.sha256(f"{repo_id}/{rel}:{size}:{mtime_ns}".encode()).hexdigest()
        return RepoFile(rel, size, mtime_ns, True, pseudo[:40], pseudo)
    return RepoFile(rel, size, mtime_ns, False, git_blob_id(Path(full), size), None)


class HeaderCache:
    """Parsed safetensors headers, bounded by the bytes of header read (not by entries):
    a 405B model's 170 headers fit, a pile of 100 MB headers cannot fill memory."""

    def __init__(self, budget: int = 64 * 1024 * 1024) -> None:
        self.budget = budget
        self._used = 0
        self._entries: OrderedDict[tuple[str, int, int], tuple[int, dict[str, Any] | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, full: str, size: int, mtime_ns: int) -> dict[str, Any] | None:
        key = (full, size, mtime_ns)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key][1]
        cost, header = _read_safetensors_header(full, size)
        with self._lock:
            if cost <= self.budget // 4 and key not in self._entries:
                self._entries[key] = (cost, header)
                self._used += cost
                while self._used > self.budget:
                    _, (old_cost, _) = self._entries.popitem(last=False)
                    self._used -= old_cost
        return header


def _read_safetensors_header(full: str, size: int) -> tuple[int, dict[str, Any] | None]:
    """(bytes read, header or None when it is not a readable safetensors header)."""
    if size < 8:
        return 0, None
    with open(full, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        if length > SAFETENSORS_HEADER_CAP or length + 8 > size:
            return 8, None
        try:
            header = json.loads(f.read(length))
        except (ValueError, UnicodeDecodeError):
            return 8 + length, None
    return 8 + length, header if isinstance(header, dict) else None


HEADERS = HeaderCache()


def _safetensors_header(full: str, size: int, mtime_ns: int) -> dict[str, Any] | None:
    return HEADERS.get(full, size, mtime_ns)


class LocalRepo:
    def __init__(self, root: Path, repo_id: str) -> None:
        parts = repo_id.split("/")
        if len(parts) != 2 or not all(valid_name(p) for p in parts):
            raise HubError(404, "RepoNotFound", f"Repository {repo_id} not found")
        self.repo_id = repo_id
        self.folder = root / parts[0] / parts[1]
        if not self.folder.is_dir():
            raise HubError(404, "RepoNotFound", f"Repository {repo_id} not found")
        self.commit = hashlib.sha1(f"localcloud-hub:{repo_id}".encode()).hexdigest()

    # -------------------------------------------------------------- access

    @property
    def gated(self) -> bool:
        return (self.folder / GATED_FILE).is_file()

    def accepted_tokens(self) -> set[str]:
        try:
            lines = (self.folder / GATED_FILE).read_text(encoding="utf-8").splitlines()
        except OSError:
            return set()
        return {line.strip() for line in lines if line.strip() and not line.strip().startswith("#")}

    def check_access(self, token: str | None) -> None:
        """Raise as the Hub does when the files of a gated repo are asked for without access."""
        if not self.gated:
            return
        if token is None:
            raise HubError(
                401,
                "GatedRepo",
                f"Access to model {self.repo_id} is restricted. You must have access to it and be "
                "authenticated to access it. Please log in.",
            )
        if token not in self.accepted_tokens():
            raise HubError(
                403,
                "GatedRepo",
                f"Access to model {self.repo_id} is restricted and you are not in the authorized list. "
                f"Visit the model page to ask for access.",
            )

    def check_revision(self, revision: str, *, short_commit: bool = False) -> None:
        """`main` (the only branch) or the commit; with `short_commit`, also a prefix of 7+ hex
        digits of the commit, as git (and the Hub's API) resolve one. Generative AI's import
        check passes False: a short hash sent as a `branch` names no branch."""
        if revision in ("main", self.commit):
            return
        if short_commit and 7 <= len(revision) < 40 and self.commit.startswith(revision):
            return
        raise HubError(404, "RevisionNotFound", f"Invalid rev id: {revision}")

    # -------------------------------------------------------------- files

    def files(self) -> Iterator[RepoFile]:
        """Every file, sorted by path; hidden control files and `.git` left out."""
        found: list[tuple[str, os.stat_result, str]] = []
        for dirpath, dirnames, filenames in os.walk(self.folder):
            dirnames[:] = sorted(d for d in dirnames if d != ".git" and not d.startswith(PRIVATE_PREFIX))
            for name in filenames:
                if name.startswith(PRIVATE_PREFIX):
                    continue
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, self.folder).replace(os.sep, "/")
                try:
                    found.append((rel, os.stat(full), full))
                except OSError:
                    continue
        for rel, st, full in sorted(found):
            yield _describe(self.repo_id, rel, full, st.st_size, st.st_mtime_ns)

    def file(self, rel: str) -> tuple[RepoFile, Path]:
        parts = rel.split("/")
        if (
            not rel
            or any(p in ("", ".", "..") for p in parts)
            or parts[-1].startswith(PRIVATE_PREFIX)
            or parts[0] == ".git"
        ):
            raise HubError(404, "EntryNotFound", f"{rel} does not exist on main", self.commit)
        full = self.folder.joinpath(*parts)
        try:
            resolved = full.resolve()
            resolved.relative_to(self.folder.resolve())
            st = resolved.stat()
        except (OSError, ValueError):
            raise HubError(404, "EntryNotFound", f"{rel} does not exist on main", self.commit) from None
        if not resolved.is_file():
            raise HubError(404, "EntryNotFound", f"{rel} is not a file", self.commit)
        return _describe(self.repo_id, rel, str(full), st.st_size, st.st_mtime_ns), full

    def safetensors_header(self, rel: str) -> dict[str, Any] | None:
        info, full = self.file(rel)
        return _safetensors_header(str(full), info.size, info.mtime_ns)

    def parameter_counts(self, files: list[RepoFile]) -> dict[str, Any] | None:
        """The Hub's `safetensors` summary: parameters per dtype, from the headers only."""
        per_dtype: dict[str, int] = {}
        seen = False
        for f in files:
            if not f.path.endswith(".safetensors"):
                continue
            header = _safetensors_header(str(self.folder / f.path), f.size, f.mtime_ns)
            if header is None:
                return None
            seen = True
            for name, tensor in header.items():
                if name == "__metadata__" or not isinstance(tensor, dict):
                    continue
                count = 1
                for dim in tensor.get("shape", []):
                    count *= int(dim)
                dtype = str(tensor.get("dtype"))
                per_dtype[dtype] = per_dtype.get(dtype, 0) + count
        if not seen:
            return None
        return {"parameters": per_dtype, "total": sum(per_dtype.values())}

    def config_summary(self) -> dict[str, Any] | None:
        path = self.folder / "config.json"
        try:
            if path.stat().st_size > 1024 * 1024:
                return None
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(doc, dict):
            return None
        return {k: doc[k] for k in ("architectures", "model_type") if k in doc}
