"""The CLI's pager stops after the shared page cap with one line (issue 14 review)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from cli.output import CliError
from cli.paging import all_items
from shared import paging
from shared.pipeline import genai_ops


class Pages:
    """A list call answering `pages` pages of one item each (None: a next page for ever)."""

    def __init__(self, pages: int | None) -> None:
        self.pages = pages
        self.calls: list[dict[str, Any]] = []

    def list_multipart_uploads(self, namespace: str, bucket: str, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        n = len(self.calls)
        assert n <= paging.MAX_LIST_PAGES, "paged past the cap"  # an uncapped pager fails, not hangs
        more = self.pages is None or n < self.pages
        headers = {"opc-next-page": f"p{n + 1}"} if more else {}
        return SimpleNamespace(data=[f"item{n}"], headers=headers)


def test_every_page_is_followed() -> None:
    pages = Pages(3)
    assert all_items(pages.list_multipart_uploads, "ns", "b", limit=5) == ["item1", "item2", "item3"]
    assert pages.calls == [{"limit": 5}, {"limit": 5, "page": "p2"}, {"limit": 5, "page": "p3"}]


def test_a_page_token_that_never_ends_stops_at_the_shared_cap_with_one_line() -> None:
    pages = Pages(None)
    with pytest.raises(CliError) as refused:
        all_items(pages.list_multipart_uploads, "ns", "b")
    assert len(pages.calls) == paging.MAX_LIST_PAGES
    message = str(refused.value)
    assert "\n" not in message
    assert f"listing multipart uploads did not end within {paging.MAX_LIST_PAGES} pages" in message


def test_the_function_and_the_cli_share_one_pager() -> None:
    assert genai_ops.all_pages is paging.all_pages  # GenAiOps.list_all pages through it too
