"""What every emulated service may use of the running local cloud.

The server (`localcloud/server.py`) implements this protocol; services such as the
Generative AI control plane receive it in their constructor and never reach further.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass
class Timings:
    """Seconds each emulated lifecycle takes. `local up` uses short ones so a demo takes seconds."""

    import_seconds: float = 2.0
    cluster_seconds: float = 2.0
    endpoint_seconds: float = 1.0
    delete_seconds: float = 0.5


@dataclass(frozen=True)
class ObjectInfo:
    name: str
    size: int
    etag: str


class CloudContext(Protocol):
    state_dir: Path  # each service keeps its state under state_dir/<service>/
    region: str
    namespace: str
    timings: Timings

    def now(self) -> float:
        """Seconds since the epoch; tests may move it."""
        ...

    def failing_work_request(self, operation: str, name: str) -> str | None:
        """Fault injection: a message if the work request for `operation` (e.g. CREATE_IMPORTED_MODEL)
        on a resource whose display name or model id is `name` must fail; None otherwise."""
        ...

    def list_objects(self, namespace: str, bucket: str, prefix: str) -> Iterator[ObjectInfo]:
        """Objects in a local bucket, for the import work request to check its source."""
        ...

    def open_object(self, namespace: str, bucket: str, name: str) -> Any:
        """A binary file object of the object's data, or None if it does not exist."""
        ...

    def hub_repo_access(self, model_id: str, revision: str, token: str | None) -> str:
        """'ok', 'not_found' or 'denied': what the local Hub says of this repo for this token."""
        ...


@dataclass
class ServiceState:
    """Helper for services persisting a JSON document per resource under a folder."""

    folder: Path
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)
