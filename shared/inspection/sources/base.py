"""The one interface for where model artifacts live, and its bookkeeping.

A source lists its files (name relative to the model root, size) and reads byte
ranges of one file. Everything above it (header reads, config parsing, checks)
is written against this interface only, so a local folder, an Object Storage
prefix and a Hub repo are inspected by the same code.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FileEntry:
    """One artifact: its name relative to the model root (`/`-separated) and its size in bytes."""

    name: str
    size: int


class SourceError(Exception):
    """The source could not be listed or read; `code` is a finding code from the catalogue."""

    def __init__(self, code: str, subject: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.subject = subject
        self.message = message
        self.hint = hint


@dataclass
class ReadStats:
    """What a source fetched: requests and bytes, per file. Thread-safe; read by the benchmark."""

    requests: int = 0
    bytes_read: int = 0
    requests_by_file: dict[str, int] = field(default_factory=dict)
    bytes_by_file: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, name: str, nbytes: int) -> None:
        with self._lock:
            self.requests += 1
            self.bytes_read += nbytes
            self.requests_by_file[name] = self.requests_by_file.get(name, 0) + 1
            self.bytes_by_file[name] = self.bytes_by_file.get(name, 0) + nbytes


#: more files than any model folder holds; a prefix beyond it is not a model (and would fill memory)
MAX_FILES = 50_000


class ArtifactSource(ABC):
    """Where a model's files live. Subclasses implement `_list` and `_read`."""

    #: how many ranged reads may run at once against this source
    max_concurrency: int = 16

    def __init__(self) -> None:
        self.stats = ReadStats()
        self._listing: list[FileEntry] | None = None

    @property
    @abstractmethod
    def description(self) -> str:
        """Human-readable location, used as the subject of source-level findings (never holds secrets)."""

    @abstractmethod
    def _list(self) -> list[FileEntry]: ...

    @abstractmethod
    def _read(self, name: str, start: int, length: int) -> bytes:
        """Return at most `length` bytes of `name` from offset `start` (fewer at the end of the file)."""

    def list_files(self) -> list[FileEntry]:
        """Every file under the model root, sorted by name; listed once and cached."""
        if self._listing is None:
            listing = self._list()
            if len(listing) > MAX_FILES:
                raise SourceError(
                    "SOURCE_UNREADABLE",
                    self.description,
                    f"more than {MAX_FILES} files under the model root; this is not a model folder",
                    "Point at the folder (prefix) of one model.",
                )
            self._listing = sorted(listing, key=lambda e: e.name)
        return list(self._listing)

    def read_range(self, name: str, start: int, length: int) -> bytes:
        """A bounded read: never more than `length` bytes, whatever the server does."""
        if start < 0 or length < 0:
            raise ValueError("start and length must be non-negative")
        if length == 0:
            return b""
        data = self._read(name, start, length)[:length]
        self.stats.record(name, len(data))
        return data
