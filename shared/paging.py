"""Every page of an OCI list call, with a cap on the number of pages (one helper, one constant).

Our own loop, not `oci.pagination.list_call_get_all_results`: that wraps each page in the SDK's
default retry strategy (8 attempts, up to 600 s: oci/retry/__init__.py DEFAULT_RETRY_STRATEGY),
longer than a 300 s function and a hang in a CLI; here each page gets the client's own strategy.
The number of pages is capped so that a page token that never ends cannot hold the caller: the
function (shared/pipeline/genai_ops.py) and the CLI (cli/paging.py) share the cap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# Pages one listing may take: thousands of resources at any service default page size; more
# than that means something loops, and nothing must spin on it.
MAX_LIST_PAGES = 200


class ListTooLong(Exception):
    """A list call still had a next page after MAX_LIST_PAGES pages."""


def all_pages(
    fetch: Callable[[str | None], Any],
    items: Callable[[Any], Iterable[Any]],
    what: str,
    max_pages: int = MAX_LIST_PAGES,
) -> list[Any]:
    """`items(response.data)` of every page; `fetch(page)` calls the list (page None: the first).

    Raises ListTooLong, one line naming `what`, when `opc-next-page` still names a page after
    `max_pages` pages.
    """
    out: list[Any] = []
    page: str | None = None
    for _ in range(max_pages):
        response = fetch(page)
        out.extend(items(response.data))
        page = response.headers.get("opc-next-page")
        if not page:
            return out
    raise ListTooLong(
        f"listing {what} did not end within {max_pages} pages (the service kept answering a next page)"
    )
