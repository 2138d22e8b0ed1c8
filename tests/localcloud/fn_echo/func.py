"""A tiny fdk function for the runner's tests: records each event and the settings it saw.

Objects whose name contains `flaky` fail on their first delivery (an uncaught exception,
which the fdk answers with 502), so the runner's retry can be observed.
"""

import io
import json
import os
from pathlib import Path

from fdk import response

SETTINGS = (
    "COMPARTMENT_ID",
    "BUCKET_NAME",
    "STATE_BUCKET_NAME",
    "TOPIC_ID",
    "NAMESPACE",
    "REGION",
    "HF_TOKEN_SECRET_ID",
    "MODEL_IMPORT_LOCALCLOUD",
    "HF_ENDPOINT",
    "ECHO_DIR",
)


def handler(ctx, data: io.BytesIO | None = None):
    event = json.loads((data.getvalue() if data else b"") or b"{}")
    out = Path(os.environ["ECHO_DIR"])
    name = event.get("data", {}).get("resourceName", "")
    if "flaky" in name:
        marker = out / (event["eventID"] + ".failed-once")
        if not marker.exists():
            marker.write_text("x")
            raise RuntimeError("flaky object: failing the first delivery on purpose")
    record = {
        "event": event,
        "settings": {k: os.environ.get(k) for k in SETTINGS},
        "pid": os.getpid(),
        "call_id": ctx.CallID(),
    }
    (out / f"{event['eventID']}-{os.getpid()}.json").write_text(json.dumps(record))
    return response.Response(
        ctx, response_data=json.dumps({"ok": True}), headers={"Content-Type": "application/json"}
    )


def slow_handler(ctx, data: io.BytesIO | None = None):
    """Sleeps far longer than any test: stopping the runner must not wait for it."""
    import time

    time.sleep(120)
    return handler(ctx, data)
