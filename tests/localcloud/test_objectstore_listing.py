"""Listing, checked against a plain reference for arbitrary names, prefixes, limits and delimiters."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from localcloud.objectstore import ObjectStore

NAMES = st.lists(st.text(alphabet="ab/.é", min_size=1, max_size=6), min_size=0, max_size=25, unique=True)


def reference(names: list[str], prefix: str, delimiter: str | None) -> tuple[list[str], list[str]]:
    objects, prefixes = [], []
    for name in sorted(names, key=lambda n: n.encode()):
        if not name.startswith(prefix):
            continue
        rest = name[len(prefix) :]
        if delimiter and delimiter in rest:
            common = prefix + rest[: rest.index(delimiter) + 1]
            if common not in prefixes:
                prefixes.append(common)
        else:
            objects.append(name)
    return objects, prefixes


@settings(max_examples=60, deadline=None)
@given(
    names=NAMES,
    prefix=st.sampled_from(["", "a", "a/", "b/", "é"]),
    limit=st.integers(1, 7),
    delimiter=st.sampled_from([None, "/"]),
)
def test_paging_returns_exactly_the_reference(
    names: list[str], prefix: str, limit: int, delimiter: str | None
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = ObjectStore(Path(tmp), "ns", "r")
        store.create_bucket("b", "c")
        for name in names:
            store.put("b", name, io.BytesIO(b"x"), 1)
        objects: list[str] = []
        prefixes: list[str] = []
        start = None
        for _ in range(100):
            page_objects, page_prefixes, start = store.list_page(
                "b", prefix=prefix, start=start, delimiter=delimiter, limit=limit
            )
            assert len(page_objects) + len(page_prefixes) <= limit
            objects += [o.name for o in page_objects]
            prefixes += page_prefixes  # a common prefix never repeats on a later page
            if start is None:
                break
        store.close()
    assert (objects, prefixes) == reference(names, prefix, delimiter)
