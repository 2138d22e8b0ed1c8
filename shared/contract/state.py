"""The state document of one import: `_imports/state/<name>.json`.

One document per import name. It records which upload it serves (`import_id`),
where the import is (`stage`, `attempt`, `stage_deadline`), everything created
(`resources`), the history of transitions and the last error. It is only ever
written with compare-and-swap (If-Match on its ETag), and every write of it fires
the state rule, which is how a waiting stage gets its next invocation.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.contract.manifest import Capability, ImportOptions
from shared.contract.paths import SourceKind, import_id_of, valid_name
from shared.findings import Finding

SCHEMA_VERSION = 1
HISTORY_LIMIT = 100


class Stage(StrEnum):
    WAITING_FOR_FILES = "WAITING_FOR_FILES"  # config-trigger mode: shards still arriving
    VALIDATING = "VALIDATING"
    IMPORTING = "IMPORTING"  # imported model created, its work request running
    PROVISIONING = "PROVISIONING"  # hosting cluster created, waiting ACTIVE
    DEPLOYING = "DEPLOYING"  # endpoint created, waiting ACTIVE
    SMOKE_TESTING = "SMOKE_TESTING"
    DONE = "DONE"  # live (or imported only, with deploy: false)
    REJECTED = "REJECTED"  # validation failed; nothing was created
    FAILED = "FAILED"
    TEARING_DOWN = "TEARING_DOWN"
    TORN_DOWN = "TORN_DOWN"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STAGES


TERMINAL_STAGES = frozenset({Stage.DONE, Stage.REJECTED, Stage.FAILED, Stage.TORN_DOWN})


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: SourceKind
    namespace: str
    bucket: str
    object_name: str  # the manifest or request that started this import
    etag: str  # of that object: one upload, one import id
    # Object Storage's Last-Modified of that upload: which of a manifest and a request is newer is
    # decided by comparing these object times, never against the function's own clock
    last_modified: datetime | None = None
    prefix: str | None = None  # Object Storage imports
    model_id: str | None = None  # Hugging Face imports
    revision: str | None = None


class Resources(BaseModel):
    model_config = ConfigDict(extra="forbid")

    imported_model_id: str | None = None
    imported_model_work_request_id: str | None = None
    cluster_id: str | None = None
    cluster_work_request_id: str | None = None
    endpoint_id: str | None = None
    endpoint_work_request_id: str | None = None


class Plan(BaseModel):
    """What validation decided: capability, shape and its price."""

    model_config = ConfigDict(extra="forbid")

    capability: Capability
    unit_shape: str | None = None
    ai_units: float | None = None
    memory_gib: float | None = None
    parameters: int | None = None
    cost_per_hour: float | None = None
    shape_reason: str = ""


class Transition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: datetime
    stage: Stage
    attempt: int = 0
    note: str = ""
    event_id: str | None = None


class LastError(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: Stage
    code: str
    message: str
    details: list[str] = Field(default_factory=list)


class TeardownRecord(BaseModel):
    """What the current teardown did over all its invocations: its "torn down" message says all
    of it (not what the last invocation did), and can be published again from the state alone."""

    model_config = ConfigDict(extra="forbid")

    deleted: list[str] = Field(default_factory=list)  # "cluster ocid1..." for each delete asked for
    refused: list[str] = Field(default_factory=list)  # recorded OCIDs whose tags are not this import's
    in_flight: list[str] = Field(default_factory=list)  # creates still in flight when it ended
    rounds: int = 0  # times this import reached TORN_DOWN: a later round owes its own message


class PublishFailures(BaseModel):
    """A notification that failed to publish: owed (its key is not in `notified`) and tried again
    with backoff by later invocations, until published or, past a long deadline, given up."""

    model_config = ConfigDict(extra="forbid")

    first_at: datetime  # the first failure: the deadline counts from it
    failures: int = 0
    last_error: str = ""
    gave_up: bool = False  # past the deadline: logged, and tried no more


class ImportState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    name: str
    import_id: str
    source: Source
    options: ImportOptions
    stage: Stage
    attempt: int = 0
    retries: int = 0  # `model-import retry` count: part of the retry tokens, so a re-create is a new create
    stage_started_at: datetime
    stage_deadline: datetime | None = None
    created_at: datetime
    updated_at: datetime
    desired: str = "present"  # "absent" once the manifest is deleted or the import cancelled
    plan: Plan | None = None
    resources: Resources = Field(default_factory=Resources)
    findings: list[Finding] = Field(default_factory=list)
    history: list[Transition] = Field(default_factory=list)
    last_error: LastError | None = None
    notified: list[str] = Field(default_factory=list)  # notification keys already published
    # Notifications whose publish failed, by key: owed while the key is not in `notified`.
    publish_failures: dict[str, PublishFailures] = Field(default_factory=dict)
    teardown: TeardownRecord = Field(default_factory=TeardownRecord)
    endpoint_url: str | None = None
    smoke_test: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _import_id_belongs_to_name(self) -> ImportState:
        """`import_id` is `<name>-<12 hex>` of this document's own name: the teardown trusts a
        resource whose tags carry both, so an edited import_id (another import's) must not pass."""
        if not valid_name(self.name):
            raise ValueError(f"name {self.name!r} is not a valid import name")
        if not import_id_of(self.name, self.import_id):
            raise ValueError(
                f"import_id {self.import_id!r} is not {self.name!r} followed by '-' and 12 hex digits"
            )
        return self

    @field_validator("options", mode="before")
    @classmethod
    def _plain_options(cls, value: Any) -> Any:
        """Keep only the shared options: a request's model_id and revision live in `source`."""
        if isinstance(value, ImportOptions) and type(value) is not ImportOptions:
            return ImportOptions.model_validate(value.model_dump(include=set(ImportOptions.model_fields)))
        return value

    def move_to(
        self,
        stage: Stage,
        *,
        now: datetime | None = None,
        deadline: timedelta | None = None,
        note: str = "",
        event_id: str | None = None,
    ) -> ImportState:
        """A copy in `stage` with attempt 0, a fresh deadline and the transition recorded."""
        now = now or utcnow()
        history = [*self.history, Transition(at=now, stage=stage, note=note, event_id=event_id)]
        return self.model_copy(
            update={
                "stage": stage,
                "attempt": 0,
                "stage_started_at": now,
                "stage_deadline": now + deadline if deadline else None,
                "updated_at": now,
                "history": history[-HISTORY_LIMIT:],
            }
        )

    def next_attempt(self, *, now: datetime | None = None) -> ImportState:
        """Same stage, attempt + 1: the rewrite that fires the next invocation."""
        return self.model_copy(update={"attempt": self.attempt + 1, "updated_at": now or utcnow()})

    def to_json(self) -> bytes:
        return self.model_dump_json(indent=1, exclude_none=False).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> ImportState:
        return cls.model_validate_json(raw)


def holds_something(state: ImportState) -> bool:
    """Could this import have anything created or in flight? The pipeline then tears it down before
    a new upload of the name starts (functions/reconcile.py), and the CLI's cancel has work to do.
    A FAILED import holds only what it recorded."""
    if state.stage in (Stage.REJECTED, Stage.TORN_DOWN):
        return False
    if state.stage is Stage.FAILED:
        r = state.resources
        return bool(r.imported_model_id or r.cluster_id or r.endpoint_id)
    return True


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_import_id(name: str, source_object: str, etag: str) -> str:
    """Unique per upload of a manifest or request, so a re-import never reuses a retry token."""
    digest = hashlib.sha256(f"{source_object}\0{etag}".encode()).hexdigest()[:12]
    return f"{name}-{digest}"


def retry_token(import_id: str, step: str) -> str:
    """Deterministic opc-retry-token per import and step (OCI keeps tokens for 24 h; max 64 chars)."""
    return hashlib.sha256(f"{import_id}\0{step}".encode()).hexdigest()[:48]
