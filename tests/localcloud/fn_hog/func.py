"""A function that holds as many MB as the event's resource name says (`models/hog-300/import.json`)."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from fdk import response


def handler(ctx: Any, data: io.BytesIO | None = None) -> response.Response:
    event = json.loads(data.getvalue()) if data is not None else {}
    match = re.search(r"hog-(\d+)", (event.get("data") or {}).get("resourceName") or "")
    held = bytearray(int(match[1]) * 1024 * 1024) if match else bytearray()
    for i in range(0, len(held), 4096):  # touch every page: resident, not just reserved
        held[i] = 1
    return response.Response(ctx, response_data=json.dumps({"held_mb": len(held) >> 20}))
