"""Headers and indexes within the function's 256 MB: caps on what real models need, a lean parse.

On the code before issue 12 a 24.9 MB header passed, its json.loads held about seven times
its bytes at once, and any number of such shards could be read for one model (three took a
worker to 570 MB). bench/memory.py measures peak RSS on the largest accepted inputs.
"""

from __future__ import annotations

import json
import struct
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.inspection import safetensors
from shared.inspection.safetensors import HeaderError, parse_header, read_headers
from shared.inspection.sources import LocalFolderSource
from shared.inspection.sources.base import FileEntry


def header_of(n: int) -> tuple[bytes, int]:
    parts = []
    for i in range(n):
        a = 2 * i
        parts.append(
            f'"model.layers.{i // 100}.mlp.experts.{i % 100}.w":'
            f'{{"dtype":"BF16","shape":[1],"data_offsets":[{a},{a + 2}]}}'
        )
    raw = ("{" + ",".join(parts) + "}").encode()
    return raw, 8 + len(raw) + 2 * n


def test_parse_holds_far_less_than_json_loads_would() -> None:
    raw, size = header_of(20_000)
    tracemalloc.start()
    try:
        header = parse_header(raw, size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert header.tensors == 20_000
    # json.loads of the whole header alone allocates ~6x its bytes; the member-by-member parse
    # holds the text, the kept per-tensor facts and one entry at a time.
    assert peak < 3.5 * len(raw), (peak, len(raw))


@settings(max_examples=60, deadline=None)
@given(
    doc=st.dictionaries(
        st.text(max_size=8),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=5),
            lambda inner: (
                st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
            ),
            max_leaves=8,
        ),
        max_size=6,
    ),
    spaces=st.sampled_from(["", " ", "\n  ", "\t"]),
)
def test_member_parse_reads_what_json_loads_reads(doc: dict[str, object], spaces: str) -> None:
    text = json.dumps(doc, indent=spaces or None)
    assert dict(safetensors._members(spaces + text + spaces)) == json.loads(text)


@pytest.mark.parametrize(
    "text", ["[]", "{", '{"a":1,}', '{"a" 1}', '{"a":1} x', '{"a":1', "", '{"a":' + "9" * 4301 + "}"]
)
def test_member_parse_refuses_what_is_not_one_object(text: str) -> None:
    with pytest.raises((HeaderError, ValueError)):
        dict(safetensors._members(text))
    with pytest.raises(HeaderError):
        parse_header(text.encode(), 10**9)


def write_shard(path: Path, n: int) -> FileEntry:
    raw, _ = header_of(n)
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"\0" * (2 * n))
    return FileEntry(path.name, path.stat().st_size)


def test_the_headers_of_one_model_are_capped_in_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entries = [write_shard(tmp_path / f"model-{i}.safetensors", 2_000) for i in range(4)]
    one = entries[0].size - 8 - 2 * 2_000
    monkeypatch.setattr(safetensors, "MAX_MODEL_HEADER_BYTES", 3 * one)  # room for three of the four
    results = read_headers(LocalFolderSource(tmp_path), entries, concurrent=False)
    assert [r.header is not None for r in results] == [True, True, True, False]
    assert "in all" in (results[3].error or "")


def test_a_header_over_the_cap_is_refused_unread() -> None:
    with pytest.raises(HeaderError, match="exceeds the cap"):
        safetensors.header_length(struct.pack("<Q", safetensors.MAX_HEADER_BYTES + 1), 10**12)
    assert safetensors.MAX_HEADER_BYTES <= 16_000_000 and safetensors.MAX_MODEL_HEADER_BYTES <= 40_000_000
