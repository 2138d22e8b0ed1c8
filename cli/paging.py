"""Every page of a list call, with the client's own retry strategy and the shared page cap.

`oci.pagination.list_call_get_all_results` wraps each call in the SDK's default retry strategy
(up to 10 minutes on a connection error), which would make a CLI hang when a service is down;
this helper leaves retrying to the client, whose strategy the CLI keeps short, and stops after
MAX_LIST_PAGES pages (shared/paging.py, the cap the function's listings use) with one line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cli.output import CliError
from shared.paging import ListTooLong, all_pages


def all_items(method: Callable[..., Any], *args: Any, **kwargs: Any) -> list[Any]:
    """Items of every page: `data.items` for collections, `data` itself for plain lists."""

    def fetch(page: str | None) -> Any:
        return method(*args, **({**kwargs, "page": page} if page else kwargs))

    def items(data: Any) -> Any:
        return data.items if hasattr(data, "items") and not isinstance(data, list | dict) else data

    what = getattr(method, "__name__", "items").removeprefix("list_").replace("_", " ")
    try:
        return all_pages(fetch, items, what)
    except ListTooLong as exc:
        raise CliError(f"{exc}; run again, or report it if it keeps happening") from None
