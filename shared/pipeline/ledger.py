"""The AI-unit ledger `ledger.json` of the state bucket: what every live import holds, changed only by CAS.

A hosting cluster is created only after its AI units are reserved here. The reservation
reads the ledger with its ETag, checks both ceilings and writes it back with If-Match
(If-None-Match "*" for the first one), so two imports racing for the last units cannot
both pass: the loser re-reads, sees the winner's hold and is refused. Holds are keyed by
import id, so reserving twice (a duplicate event) holds the units once.
It lives in the state bucket, which uploaders cannot write: a ledger with fewer holds
written by anyone else could lift the total ceiling.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.contract.paths import LEDGER_OBJECT
from shared.pipeline.store import ConflictError, put_if, read_object

MAX_LEDGER_BYTES = 4 * 1024 * 1024
CAS_ATTEMPTS = 20


class Hold(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    ai_units: float
    unit_shape: str | None = None
    at: datetime


class LedgerDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    holds: dict[str, Hold] = Field(default_factory=dict)  # import id -> hold

    @property
    def total(self) -> float:
        return sum(h.ai_units for h in self.holds.values())


@dataclass(frozen=True)
class Reservation:
    """The answer to a reservation: granted, or refused with the rule code and the numbers."""

    granted: bool
    code: str | None  # AI_UNITS_CEILING_IMPORT or AI_UNITS_CEILING_TOTAL when refused
    requested: float
    held_by_others: float
    ceiling: float

    @property
    def reason(self) -> str:
        if self.granted:
            return f"reserved {self.requested:g} AI units ({self.held_by_others:g} held by other imports)"
        if self.code == "AI_UNITS_CEILING_IMPORT":
            return f"{self.requested:g} AI units exceed the per-import ceiling of {self.ceiling:g}"
        return (
            f"{self.requested:g} AI units on top of the {self.held_by_others:g} held by live imports "
            f"exceed the total ceiling of {self.ceiling:g}"
        )


class LedgerUnreadable(Exception):
    pass


class Ledger:
    def __init__(self, os_client: Any, namespace: str, bucket: str) -> None:
        self.client = os_client
        self.namespace = namespace
        self.bucket = bucket

    def read(self) -> tuple[LedgerDoc, str | None]:
        found = read_object(self.client, self.namespace, self.bucket, LEDGER_OBJECT, MAX_LEDGER_BYTES)
        if found is None:
            return LedgerDoc(), None
        raw, etag = found
        try:
            return LedgerDoc.model_validate_json(raw), etag
        except ValidationError as exc:
            # Never guess: an unreadable ledger refuses every reservation until a person fixes it.
            raise LedgerUnreadable(f"{LEDGER_OBJECT} is not a valid ledger: {exc}") from None

    def _write(self, doc: LedgerDoc, etag: str | None) -> str:
        body = doc.model_dump_json(indent=1).encode("utf-8")
        return put_if(self.client, self.namespace, self.bucket, LEDGER_OBJECT, body, etag)

    def reserve(
        self,
        import_id: str,
        name: str,
        ai_units: float,
        *,
        max_per_import: float,
        max_total: float,
        unit_shape: str | None = None,
    ) -> Reservation:
        """Hold `ai_units` for `import_id` if both ceilings allow it; idempotent per import id."""
        if ai_units > max_per_import:
            return Reservation(False, "AI_UNITS_CEILING_IMPORT", ai_units, 0.0, max_per_import)
        for attempt in range(CAS_ATTEMPTS):
            doc, etag = self.read()
            others = sum(h.ai_units for k, h in doc.holds.items() if k != import_id)
            existing = doc.holds.get(import_id)
            if existing is not None and existing.ai_units == ai_units:
                return Reservation(True, None, ai_units, others, max_total)
            if others + ai_units > max_total:
                return Reservation(False, "AI_UNITS_CEILING_TOTAL", ai_units, others, max_total)
            hold = Hold(name=name, ai_units=ai_units, unit_shape=unit_shape, at=datetime.now(UTC))
            new = doc.model_copy(update={"holds": {**doc.holds, import_id: hold}})
            try:
                self._write(new, etag)
                return Reservation(True, None, ai_units, others, max_total)
            except ConflictError:
                time.sleep(min(0.05 * (attempt + 1), 0.5))
        raise ConflictError(f"{LEDGER_OBJECT}: gave up after {CAS_ATTEMPTS} contended attempts")

    def release(self, import_id: str) -> bool:
        """Drop the hold of `import_id`; True if there was one. Idempotent."""
        for attempt in range(CAS_ATTEMPTS):
            doc, etag = self.read()
            if import_id not in doc.holds:
                return False
            holds = {k: v for k, v in doc.holds.items() if k != import_id}
            try:
                self._write(doc.model_copy(update={"holds": holds}), etag)
                return True
            except ConflictError:
                time.sleep(min(0.05 * (attempt + 1), 0.5))
        raise ConflictError(f"{LEDGER_OBJECT}: gave up after {CAS_ATTEMPTS} contended attempts")

    def holds(self) -> dict[str, Hold]:
        return dict(self.read()[0].holds)
