"""Every page of a list call, with the client's own retry strategy.

`oci.pagination.list_call_get_all_results` wraps each call in the SDK's default retry strategy
(up to 10 minutes on a connection error), which would make a CLI hang when a service is down;
this helper leaves retrying to the client, whose strategy the CLI keeps short.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def all_items(method: Callable[..., Any], *args: Any, **kwargs: Any) -> list[Any]:
    """Items of every page: `data.items` for collections, `data` itself for plain lists."""
    out: list[Any] = []
    page: str | None = None
    while True:
        call_kwargs = dict(kwargs)
        if page:
            call_kwargs["page"] = page
        response = method(*args, **call_kwargs)
        data = response.data
        out.extend(data.items if hasattr(data, "items") and not isinstance(data, list | dict) else data)
        page = response.headers.get("opc-next-page")
        if not page:
            return out
