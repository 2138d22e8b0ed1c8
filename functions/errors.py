"""Tell a passing failure from one that will happen again, and stop retrying the second kind.

Transient: what asking again can change. HTTP 429 and 5xx, connection failures and timeouts,
a lost compare-and-swap, a resource mid-change. Those keep being retried (the invocation
raises, the platform or the sweep invokes again) until the stage deadline.

Anything else raised while a stage handles its input is *unclassified*: a bug, or an input
the code did not expect. The first time, the import records the error's fingerprint in its
history and rewrites its state (which fires the next invocation at once); if the next attempt
raises the same error again, retrying cannot help, and the import ends at once with
UNHANDLED_ERROR (REJECTED before anything was created, FAILED after), notified, instead of
being retried for the whole stage deadline and ending with the wrong code.
"""

from __future__ import annotations

import hashlib
import re
import traceback

import oci

from shared.pipeline.genai_ops import ResourceBusy
from shared.pipeline.store import ConflictError

# Words in the class names of transport errors of the HTTP stacks under the SDK and the Hub
# client (requests, urllib3, httpx, httpcore): a refused, reset or timed-out connection.
_TRANSPORT_WORDS = ("Connect", "Timeout", "Transport", "Protocol", "RemoteDisconnected")
NOTE_PREFIX = "unhandled error "


def is_transient(exc: BaseException) -> bool:
    """Could asking again give another answer? Looks through the chain of causes."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _transient_itself(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _transient_itself(exc: BaseException) -> bool:
    if isinstance(exc, oci.exceptions.ServiceError):
        return exc.status in (409, 429) or exc.status >= 500
    if isinstance(exc, ConflictError | ResourceBusy):
        return True
    if type(exc).__name__ == "SourceTemporarilyUnreadable":  # functions.validate; named to avoid a cycle
        return True
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(status, int) and (status == 429 or status >= 500):
        return True
    if isinstance(exc, OSError | oci.exceptions.RequestException | oci.exceptions.ConnectTimeout):
        return True  # requests' and urllib3's connection errors are OSErrors
    return any(word in type(exc).__name__ for word in _TRANSPORT_WORDS)


_VARYING = re.compile(r"0x[0-9a-f]+|\d+")


def fingerprint(stage: str, exc: BaseException) -> str:
    """Same error, same place: the type, where it was raised, and the message without numbers."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].name}" if frames else ""
    message = _VARYING.sub("#", str(exc))[:500]
    raw = f"{stage}\0{type(exc).__qualname__}\0{where}\0{message}"
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()[:16]


def describe(exc: BaseException) -> str:
    """One line for a person: the type and the message, cut short."""
    return f"{type(exc).__name__}: {exc}"[:500]


def note_for(fp: str, exc: BaseException) -> str:
    return f"{NOTE_PREFIX}{fp}: {describe(exc)}"[:300]
