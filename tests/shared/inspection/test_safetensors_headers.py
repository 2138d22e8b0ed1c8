"""Safetensors header validation and the bounded, low-request read plan."""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import pytest

from shared.inspection.safetensors import (
    MAX_HEADER_BYTES,
    HeaderError,
    header_length,
    parse_header,
    read_headers,
)
from shared.inspection.sources import LocalFolderSource
from tests.shared.inspection.builders import header_bytes, split_shards, tiny_llama_tensors, write_model


def _raw(doc: dict) -> bytes:
    return json.dumps(doc).encode()


def test_valid_header_counts_parameters_and_bytes() -> None:
    head, data_len = header_bytes({"a": ("BF16", [4, 8]), "b": ("F32", [3]), "c": ("F8_E4M3", [10])})
    parsed = parse_header(head[8:], len(head) + data_len)
    assert parsed.parameters == 32 + 3 + 10
    assert parsed.data_bytes == 64 + 12 + 10
    assert parsed.params_by_dtype == {"BF16": 32, "F32": 3, "F8_E4M3": 10}
    assert parsed.serving_bytes == 64 + 6 + 10  # F32 is served in 16-bit


@pytest.mark.parametrize(
    ("doc", "size", "fragment"),
    [
        ({"w": {"dtype": "Q7", "shape": [2], "data_offsets": [0, 2]}}, 10_000, "unknown dtype"),
        ({"w": {"dtype": "F16", "shape": [2, -1], "data_offsets": [0, 4]}}, 10_000, "invalid shape"),
        ({"w": {"dtype": "F16", "shape": [2], "data_offsets": [0, 5]}}, 10_000, "need 4"),
        ({"w": {"dtype": "F16", "shape": [2], "data_offsets": [4, 0]}}, 10_000, "data_offsets"),
        ({"w": {"dtype": "F16", "shape": [10000], "data_offsets": [0, 20000]}}, 10_000, "past the"),
        (
            {
                "w": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]},
                "v": {"dtype": "F16", "shape": [2], "data_offsets": [2, 6]},
            },
            10_000,
            "overlap",
        ),
        ({"__metadata__": {"format": 1}}, 10_000, "__metadata__"),
        ({"w": "not an object"}, 10_000, "not an object"),
    ],
)
def test_invalid_headers_say_why(doc: dict, size: int, fragment: str) -> None:
    with pytest.raises(HeaderError, match=fragment):
        parse_header(_raw(doc), size)


def test_header_that_is_not_json_or_not_an_object() -> None:
    with pytest.raises(HeaderError, match="not UTF-8 JSON"):
        parse_header(b"\xff\xfe{", 100)
    with pytest.raises(HeaderError, match="not a JSON object"):
        parse_header(b"[1, 2]", 100)


def test_header_length_is_checked_against_cap_and_object() -> None:
    with pytest.raises(HeaderError, match="shorter than the 8-byte"):
        header_length(b"\x01\x02", 2)
    with pytest.raises(HeaderError, match="exceeds the cap"):
        header_length(struct.pack("<Q", MAX_HEADER_BYTES + 1), 10**12)
    with pytest.raises(HeaderError, match="past the end"):
        header_length(struct.pack("<Q", 500), 100)
    assert header_length(struct.pack("<Q", 92), 100) == 92


def _model(tmp_path: Path, shards: int) -> tuple[LocalFolderSource, list, dict[str, list[str]]]:
    tensors = tiny_llama_tensors(layers=shards * 2)
    layout = split_shards(tensors, shards)
    write_model(tmp_path, {"architectures": ["LlamaForCausalLM"]}, layout)
    src = LocalFolderSource(tmp_path)
    entries = [e for e in src.list_files() if e.name.endswith(".safetensors")]
    names = {shard: list(t) for shard, t in layout.items()}
    return src, entries, names


def test_many_shards_cost_about_one_request_each_and_few_extra_bytes(tmp_path: Path) -> None:
    src, entries, names = _model(tmp_path, shards=20)
    results = read_headers(src, entries, names)
    assert all(r.header is not None for r in results)
    minimum = sum(8 + r.header.header_length for r in results if r.header)
    assert src.stats.requests <= len(entries) + 1 + 2  # the first shard takes two
    assert src.stats.bytes_read <= 1.05 * minimum
    assert src.stats.bytes_read >= minimum


def test_a_header_longer_than_predicted_gets_a_second_exact_request(tmp_path: Path) -> None:
    small = {"a.weight": ("BF16", [2, 2])}
    big = {f"layer.{i}.with.a.rather.long.tensor.name.weight": ("BF16", [2, 2]) for i in range(40)}
    write_model(
        tmp_path,
        {"architectures": ["LlamaForCausalLM"]},
        {"model-00001-of-00002.safetensors": small, "model-00002-of-00002.safetensors": big},
    )
    src = LocalFolderSource(tmp_path)
    entries = [e for e in src.list_files() if e.name.endswith(".safetensors")]
    results = read_headers(src, entries)  # no index names: the prediction is the first header's length
    assert [r.header.parameters for r in results if r.header] == [4, 160]
    assert src.stats.requests_by_file["model-00002-of-00002.safetensors"] == 2


def test_sequential_and_concurrent_reads_agree(tmp_path: Path) -> None:
    src, entries, names = _model(tmp_path, shards=6)
    concurrent = [r.header for r in read_headers(src, entries, names, concurrent=True)]
    sequential = [
        r.header for r in read_headers(LocalFolderSource(tmp_path), entries, names, concurrent=False)
    ]
    assert concurrent == sequential


def test_a_truncated_shard_is_reported_not_raised(tmp_path: Path) -> None:
    _src, entries, names = _model(tmp_path, shards=3)
    victim = tmp_path / entries[1].name
    victim.write_bytes(victim.read_bytes()[:40])
    fresh = LocalFolderSource(tmp_path)
    shards = [e for e in fresh.list_files() if e.name.endswith(".safetensors")]
    results = read_headers(fresh, shards, names)
    errors = [r.error for r in results if r.error]
    assert len(errors) == 1 and "past the end" in errors[0]


def _spaced_shard(path: Path, tensors: dict[str, tuple[str, list[int]]]) -> None:
    """A header as Python's json.dumps writes it (spaces after separators), tensors unsorted."""
    doc: dict = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name in reversed(list(tensors)):
        dtype, shape = tensors[name]
        size = 2 * math.prod(shape)
        doc[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(doc).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(offset))


def test_the_plan_adapts_to_spaced_unsorted_headers(tmp_path: Path) -> None:
    layout = split_shards(tiny_llama_tensors(layers=30), 15)
    for name, tensors in layout.items():
        _spaced_shard(tmp_path / name, tensors)
    src = LocalFolderSource(tmp_path)
    results = read_headers(src, src.list_files(), {s: list(t) for s, t in layout.items()})
    assert all(r.header is not None and not r.header.compact for r in results)
    minimum = sum(8 + r.header.header_length for r in results if r.header)
    assert src.stats.requests <= len(layout) + 2
    assert minimum <= src.stats.bytes_read <= 1.05 * minimum


def test_a_shape_whose_element_count_overflows_64_bits_is_invalid_not_a_crash() -> None:
    """Issue 12: 224 dimensions of 2**64-1 made a 4,300-digit product that no message could print
    (and cost time quadratic in the dimensions). The safetensors crate refuses an element count
    that overflows usize; so do we, after at most two multiplications here."""
    doc = {"w": {"dtype": "BF16", "shape": [2**64 - 1] * 224, "data_offsets": [0, 2]}}
    with pytest.raises(HeaderError, match="overflows 64 bits"):
        parse_header(_raw(doc), 10_000)
    with pytest.raises(HeaderError, match="invalid shape"):
        parse_header(_raw({"w": {"dtype": "BF16", "shape": [2**64], "data_offsets": [0, 2]}}), 10_000)
    # a zero dimension makes any other dimension harmless: zero elements, as the crate counts them
    empty = parse_header(
        _raw({"w": {"dtype": "BF16", "shape": [0] + [2**64 - 1] * 5, "data_offsets": [0, 0]}}), 1000
    )
    assert empty.parameters == 0
