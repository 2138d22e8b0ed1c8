"""Fault injection: make chosen requests fail the way a real cloud sometimes does.

A `FaultSpec` selects requests (service, method, a substring of the decoded path, a rate,
how many times) and says what happens: an error status (429 with Retry-After, 500, 503, …),
a dropped connection, or added latency; or it holds the request (`hold=True`) until the test
releases the fault, which orders a race deterministically instead of by timing. Work-request
faults make the Generative AI emulation fail the work request of an operation on a named resource.
Set at start-up (CLI `--fault`, fixture) or at run time (`POST /localcloud/faults`).
"""

from __future__ import annotations

import random
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from localcloud.web import ServiceError

FaultAction = Literal["error", "drop", "latency"]

_DEFAULT_CODES = {
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


class FaultSpec(BaseModel):
    """One fault rule; JSON at the admin path and on the command line."""

    model_config = ConfigDict(extra="forbid")

    action: FaultAction = "error"
    status: int = Field(default=503, ge=400, le=599)
    code: str | None = None
    message: str = "fault injected by localcloud"
    retry_after: float | None = Field(default=None, ge=0)
    latency_seconds: float = Field(default=0.0, ge=0, le=120)
    service: str | None = None  # objectstorage, generativeai, inference, ons, secrets, hub, ...
    method: str | None = None
    resource: str | None = None  # substring of the decoded path, e.g. an object or resource name
    rate: float = Field(default=1.0, ge=0, le=1)
    count: int | None = Field(default=None, ge=1)  # fire at most this many times, then retire
    # Hold each matching request (before it reaches its handler) until `Faults.release(id)`, at
    # most `hold_seconds`; then it is handled as usual (`action` is not applied).
    hold: bool = False
    hold_seconds: float = Field(default=60.0, gt=0, le=600)

    @model_validator(mode="after")
    def _retry_after_default(self) -> FaultSpec:
        if self.action == "error" and self.status == 429 and self.retry_after is None:
            self.retry_after = 1.0
        return self


class WorkRequestFault(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operation: str | None = None  # e.g. CREATE_IMPORTED_MODEL; None = any
    name: str  # display name or model id of the resource, `*` for any
    message: str = "work request failed by localcloud fault injection"


class EventFaultSpec(BaseModel):
    """Events as OCI may deliver them: twice, late, out of order (delays are random up to a bound)."""

    model_config = ConfigDict(extra="forbid")

    duplicate_rate: float = Field(default=0.0, ge=0, le=1)
    delay_seconds: float = Field(default=0.0, ge=0, le=600)  # every copy at least this late
    jitter_seconds: float = Field(default=0.0, ge=0, le=600)  # plus a random extra: reorders events
    resource: str | None = None  # substring of data.resourceName
    count: int | None = Field(default=None, ge=1)
    copies: int = Field(default=1, ge=1, le=10)  # copies of every matching event (duplicate_rate adds one)
    # Events lost on the way (no copy delivered): no OCI document promises delivery either
    drop_rate: float = Field(default=0.0, ge=0, le=1)


@dataclass
class ActiveEventFault:
    id: str
    spec: EventFaultSpec
    fired: int = 0


@dataclass
class ActiveFault:
    id: str
    spec: FaultSpec
    fired: int = 0
    released: threading.Event = field(default_factory=threading.Event)
    held: int = 0  # requests that reached the hold
    passed: int = 0  # held requests that went on (released or timed out)


@dataclass(frozen=True)
class Decision:
    """What the server does with one request: sleep, then maybe fail or drop."""

    latency: float = 0.0
    error: ServiceError | None = None
    drop: bool = False
    hold: ActiveFault | None = None  # wait for its release first (Faults.wait_release)


class Faults:
    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._faults: list[ActiveFault] = []
        self._work_requests: dict[str, WorkRequestFault] = {}
        self._events: list[ActiveEventFault] = []
        self._holds: dict[str, ActiveFault] = {}

    def add(self, spec: FaultSpec | dict[str, Any]) -> str:
        spec = spec if isinstance(spec, FaultSpec) else FaultSpec.model_validate(spec)
        fault = ActiveFault(uuid.uuid4().hex[:12], spec)
        with self._lock:
            self._faults.append(fault)
            if spec.hold:  # kept after it retires, so the test can still release and count it
                self._holds[fault.id] = fault
        return fault.id

    def add_work_request(self, spec: WorkRequestFault | dict[str, Any]) -> str:
        spec = spec if isinstance(spec, WorkRequestFault) else WorkRequestFault.model_validate(spec)
        fault_id = uuid.uuid4().hex[:12]
        with self._lock:
            self._work_requests[fault_id] = spec
        return fault_id

    def add_event_fault(self, spec: EventFaultSpec | dict[str, Any]) -> str:
        spec = spec if isinstance(spec, EventFaultSpec) else EventFaultSpec.model_validate(spec)
        fault = ActiveEventFault(uuid.uuid4().hex[:12], spec)
        with self._lock:
            self._events.append(fault)
        return fault.id

    def _count(self) -> int:
        return len(self._faults) + len(self._work_requests) + len(self._events)

    def release(self, fault_id: str) -> bool:
        """Let the requests a hold fault holds (and any it would hold later) go on; False if unknown."""
        with self._lock:
            fault = self._holds.get(fault_id)
        if fault is None:
            return False
        fault.released.set()
        return True

    def held(self, fault_id: str) -> tuple[int, int]:
        """(requests the hold fault has held, of which gone on): a test waits for a request to be held."""
        with self._lock:
            fault = self._holds.get(fault_id)
            return (fault.held, fault.passed) if fault else (0, 0)

    def wait_release(self, fault: ActiveFault) -> None:
        """Called by the server for a request under a hold fault: block until released (or its bound)."""
        with self._lock:
            fault.held += 1
        fault.released.wait(fault.spec.hold_seconds)
        with self._lock:
            fault.passed += 1

    def release_all(self) -> None:
        """On stop: no request stays held."""
        with self._lock:
            holds = list(self._holds.values())
        for fault in holds:
            fault.released.set()

    def remove(self, fault_id: str) -> bool:
        self.release(fault_id)
        with self._lock:
            self._holds.pop(fault_id, None)
            before = self._count()
            self._faults = [f for f in self._faults if f.id != fault_id]
            self._events = [f for f in self._events if f.id != fault_id]
            self._work_requests.pop(fault_id, None)
            return before != self._count()

    def clear(self) -> None:
        self.release_all()
        with self._lock:
            self._holds.clear()
            self._faults.clear()
            self._work_requests.clear()
            self._events.clear()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "faults": [{"id": f.id, "fired": f.fired, **f.spec.model_dump()} for f in self._faults],
                "work_request_faults": [{"id": k, **v.model_dump()} for k, v in self._work_requests.items()],
                "event_faults": [{"id": f.id, "fired": f.fired, **f.spec.model_dump()} for f in self._events],
            }

    def event_delays(self, resource_name: str) -> list[float]:
        """Delay of each copy of an event to deliver: [0.0] normally; more or later copies under a fault."""
        with self._lock:
            for fault in list(self._events):
                spec = fault.spec
                if spec.resource is not None and spec.resource not in resource_name:
                    continue
                fault.fired += 1
                if spec.count is not None and fault.fired >= spec.count:
                    self._events.remove(fault)
                if spec.drop_rate and self._random.random() < spec.drop_rate:
                    return []  # lost: the router delivers no copy
                copies = spec.copies + (1 if self._random.random() < spec.duplicate_rate else 0)
                return [
                    spec.delay_seconds + self._random.uniform(0, spec.jitter_seconds) for _ in range(copies)
                ]
        return [0.0]

    def decide(self, service: str, method: str, path: str) -> Decision:
        latency = 0.0
        with self._lock:
            for fault in list(self._faults):
                spec = fault.spec
                if spec.service is not None and spec.service != service:
                    continue
                if spec.method is not None and spec.method.upper() != method:
                    continue
                if spec.resource is not None and spec.resource not in path:
                    continue
                if spec.rate < 1.0 and self._random.random() >= spec.rate:
                    continue
                fault.fired += 1
                if spec.count is not None and fault.fired >= spec.count:
                    self._faults.remove(fault)
                if spec.hold:  # held, then handled as usual
                    return Decision(latency, hold=fault)
                if spec.action == "latency":
                    latency += spec.latency_seconds
                    continue
                if spec.action == "drop":
                    return Decision(latency, None, True)
                return Decision(latency, self._error(spec))
        return Decision(latency)

    @staticmethod
    def _error(spec: FaultSpec) -> ServiceError:
        headers = {}
        if spec.retry_after is not None:
            headers["retry-after"] = f"{spec.retry_after:g}"
        code = spec.code or _DEFAULT_CODES.get(spec.status, "InternalServerError")
        return ServiceError(spec.status, code, spec.message, headers)

    def failing_work_request(self, operation: str, name: str) -> str | None:
        with self._lock:
            for spec in self._work_requests.values():
                if spec.operation not in (None, operation):
                    continue
                if spec.name in ("*", name):
                    return spec.message
        return None
