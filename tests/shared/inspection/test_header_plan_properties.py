"""The header-read planner over random shard layouts: every range valid, every header exact.

Layouts vary what the planner learns from: tensor names with layer numbers, dtypes, shapes
whose offsets grow the JSON, compact or spaced JSON, metadata and padding, shards of one
tensor or many, and an index that lies (names a shard's tensors wrongly, adds some, drops
some). Whatever it predicts, each shard costs one request or, when the guess was short, one
more for exactly the rest; and it reads exactly the header bytes the file holds.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.inspection.safetensors import DTYPE_BITS, parse_header, read_headers
from shared.inspection.sources.base import ArtifactSource, FileEntry

_DTYPES = ["BF16", "F32", "U8", "F8_E4M3", "I64", "F4"]
_PARTS = ["self_attn.q_proj.weight", "mlp.experts.gate_up_proj_blocks", "mlp.down_proj.weight", "norm.weight"]


@dataclass(frozen=True)
class _Tensor:
    name: str
    dtype: str
    shape: tuple[int, ...]


def _tensor_strategy() -> st.SearchStrategy[_Tensor]:
    return st.builds(
        lambda layer, part, dtype, shape: _Tensor(f"model.layers.{layer}.{part}", dtype, tuple(shape)),
        st.integers(0, 200),
        st.sampled_from(_PARTS),
        st.sampled_from(_DTYPES),
        # offsets must stay below 2**64 (as the format says): keep each tensor under 2**50 bytes
        st.lists(st.sampled_from([1, 2, 7, 64, 2880, 70_000]), min_size=0, max_size=4).filter(
            lambda shape: math.prod(shape) < 2**46
        ),
    )


def _file(tensors: list[_Tensor], compact: bool, metadata: str, pad: bool) -> tuple[bytes, int]:
    """The 8-byte length and the header, and the length of the data after it."""
    doc: dict[str, object] = {"__metadata__": {"format": "pt", "note": metadata}}
    offset = 0
    for t in sorted({t.name: t for t in tensors}.values(), key=lambda t: t.name):
        size = (math.prod(t.shape) * DTYPE_BITS[t.dtype] + 7) // 8
        doc[t.name] = {"dtype": t.dtype, "shape": list(t.shape), "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(doc, separators=(",", ":") if compact else (", ", ": ")).encode()
    if pad:
        raw += b" " * (-len(raw) % 8)
    # The data is never read: a short tail stands for it, the size below says how long it is.
    return struct.pack("<Q", len(raw)) + raw, offset


class _Recorder(ArtifactSource):
    """An in-memory source that records every range asked for."""

    def __init__(self, files: dict[str, tuple[bytes, int]]) -> None:
        super().__init__()
        self.files = files
        self.ranges: list[tuple[str, int, int]] = []

    @property
    def description(self) -> str:
        return "memory"

    def _list(self) -> list[FileEntry]:
        return [FileEntry(n, len(head) + data) for n, (head, data) in self.files.items()]

    def _read(self, name: str, start: int, length: int) -> bytes:
        self.ranges.append((name, start, length))
        head, data = self.files[name]
        return (head + bytes(min(data, start + length)))[start : start + length]


@st.composite
def _layouts(draw: st.DrawFn) -> tuple[_Recorder, dict[str, list[str]]]:
    shard_count = draw(st.integers(1, 8))
    compact = draw(st.booleans())
    files: dict[str, tuple[bytes, int]] = {}
    names: dict[str, list[str]] = {}
    for i in range(shard_count):
        tensors = draw(st.lists(_tensor_strategy(), min_size=1, max_size=12))
        metadata = draw(st.text(max_size=300))
        name = f"model-{i + 1:05d}-of-{shard_count:05d}.safetensors"
        files[name] = _file(tensors, compact, metadata, draw(st.booleans()))
        listed = sorted({t.name for t in tensors})
        lie = draw(st.sampled_from(["true", "extra", "missing", "other", "absent"]))
        if lie == "extra":  # the index names a tensor the shard does not hold
            listed += [f"model.layers.{j}.a_tensor_this_shard_does_not_hold.weight" for j in range(3)]
        elif lie == "missing":
            listed = listed[: len(listed) // 2]
        elif lie == "other":  # the names of another shard
            listed = [f"model.layers.{j}.mlp.down_proj.weight" for j in range(draw(st.integers(1, 40)))]
        if lie != "absent":
            names[name] = listed
    return _Recorder(files), names


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=_layouts(), concurrent=st.booleans())
def test_every_range_is_valid_and_every_header_exact(
    layout: tuple[_Recorder, dict[str, list[str]]], concurrent: bool
) -> None:
    src, names = layout
    entries = src.list_files()
    results = read_headers(src, entries, names, concurrent=concurrent)
    sizes = {e.name: e.size for e in entries}
    for name, start, length in src.ranges:
        assert start >= 0 and length > 0 and start + length <= sizes[name], (name, start, length)
    for result in results:
        head, _ = src.files[result.entry.name]
        assert result.error is None and result.header is not None
        assert result.header == parse_header(head[8:], result.entry.size)
        reads = [(s, n) for f, s, n in src.ranges if f == result.entry.name]
        assert len(reads) <= 2
        if len(reads) == 2:  # the second read is exactly the rest of the header, nothing more
            (s1, n1), (s2, n2) = reads
            assert s2 == s1 + n1 and s2 + n2 == len(head)
        assert sum(n for _, n in reads) <= max(len(head), reads[0][1])


def test_an_index_naming_two_tensors_for_a_shard_that_holds_one_reads_every_header() -> None:
    """Issue 12: the learned residual went negative and the next window with it (a negative range)."""
    one, _ = _file([_Tensor("model.layers.0.mlp.down_proj.weight", "BF16", (4, 4))], True, "", True)
    small, _ = _file([_Tensor("model.layers.1.norm.weight", "BF16", (4,))], True, "", True)
    files = {"a.safetensors": (one, 32), **{f"{c}.safetensors": (small, 8) for c in "bcd"}}
    names = {
        "a.safetensors": ["model.layers.0.mlp.down_proj.weight", "model.layers.0.a_long_name_" + "x" * 300],
        **{f"{c}.safetensors": ["model.layers.1.norm.weight"] for c in "bcd"},
    }
    src = _Recorder(files)
    results = read_headers(src, src.list_files(), names)
    assert [r.header.parameters for r in results if r.header] == [16, 4, 4, 4]
    assert all(length > 0 for _, _, length in src.ranges)
