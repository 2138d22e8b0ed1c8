"""The cheapest fdk function: lets bench/localcloud.py measure the delivery path, not a handler."""

from __future__ import annotations

import io
from typing import Any

from fdk import response


def handler(ctx: Any, data: io.BytesIO | None = None) -> response.Response:
    return response.Response(ctx, response_data='{"ok": true}', headers={"Content-Type": "application/json"})
