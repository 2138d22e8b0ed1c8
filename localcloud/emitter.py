"""Object events in OCI's CloudEvents 0.1 envelope, for buckets with object events enabled.

The envelope has exactly the fields of `events/samples/manifest-created.json`. An overwrite
emits `updateobject`, a first write `createobject`, a delete `deleteobject`; a rename emits
a create (or update) of the new name and a delete of the old one.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from localcloud.objectstore import ObjectChange, rfc3339

EVENT_TYPES = {
    "create": "com.oraclecloud.objectstorage.createobject",
    "update": "com.oraclecloud.objectstorage.updateobject",
    "delete": "com.oraclecloud.objectstorage.deleteobject",
}
COMPARTMENT_NAME = "localcloud"


def object_event(change: ObjectChange, now: float) -> dict[str, Any]:
    bucket = change.bucket
    return {
        "eventType": EVENT_TYPES[change.kind],
        "cloudEventsVersion": "0.1",
        "eventTypeVersion": "2.0",
        "source": "ObjectStorage",
        "eventTime": rfc3339(now),
        "contentType": "application/json",
        "extensions": {"compartmentId": bucket.compartment_id},
        "data": {
            "compartmentId": bucket.compartment_id,
            "compartmentName": COMPARTMENT_NAME,
            "resourceName": change.name,
            "resourceId": f"/n/{bucket.namespace}/b/{bucket.name}/o/{change.name}",
            "availabilityDomain": "all",
            "freeformTags": {},
            "definedTags": {},
            "additionalDetails": {
                "bucketName": bucket.name,
                "namespace": bucket.namespace,
                "bucketId": bucket.id,
                "archivalState": "Available",
                "eTag": change.etag,
            },
        },
        "eventID": str(uuid.uuid4()),
    }


class EventEmitter:
    """Turns committed object changes into events; keeps the recent ones and a JSON-lines log."""

    def __init__(self, log_file: Path, now: Callable[[], float] = time.time, keep: int = 10000) -> None:
        self.log_file = log_file
        self.now = now
        self.recent: deque[dict[str, Any]] = deque(maxlen=keep)
        self.sinks: list[Callable[[dict[str, Any]], None]] = []
        self._lock = threading.Lock()
        self.emitted = 0

    def on_change(self, change: ObjectChange) -> None:
        if not change.bucket.object_events_enabled:
            return
        event = object_event(change, self.now())
        with self._lock:
            self.emitted += 1
            self.recent.append(event)
            with self.log_file.open("a", encoding="utf-8") as f:
                f.write(json.dumps(event) + "\n")
        for sink in list(self.sinks):
            sink(event)

    def events(self, since: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.recent)[since:]
