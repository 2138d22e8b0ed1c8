"""Safetensors headers: bounded reads, strict validation, exact parameter and byte counts.

A safetensors file is an 8-byte little-endian header length N, N bytes of JSON
(`{name: {dtype, shape, data_offsets}}` plus an optional `__metadata__`), then the
tensor data. Only the first 8 + N bytes are ever read.

Read plan (see `read_headers`): requests cost latency, bytes cost transfer, and a
sharded model has up to hundreds of shards. Reading 8 bytes and then N costs two
requests a shard; reading a fixed window (the Hub client takes 100 kB) wastes bytes
on small headers and still needs a second request on large ones. So the first shard
is read exactly (8 bytes, then N), and every other shard in one request whose window
is the header length predicted by `header_plan.HeaderPredictor` from the index's tensor
names and what the headers read so far taught, plus 0.5 % and 16 bytes. A header that
turns out longer costs a second request for exactly the rest. Shards are read in waves
of concurrent requests, each wave teaching the next. `bench/inspect_headers.py` measures the
result on a 405B-shaped model: about 1.01 requests a shard and 3 % more header bytes
than the minimum.
"""

from __future__ import annotations

import itertools
import json
import re
import struct
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from shared.inspection.header_plan import HeaderPredictor, tensor_pattern
from shared.inspection.sources.base import ArtifactSource, FileEntry, SourceError

# What real models need, inside the function's 256 MB (a function container's baseline is
# ~85 MB with the SDK loaded; the worst accepted input peaks at ~190 MB: bench/memory.py).
# Real shard headers are small: a GLM-5 NVFP4 shard of 852 tensors has a 100,000-byte header
# (huggingface/huggingface_hub issue 4602);
# the largest real model, Kimi-K2 (~140k tensors, the 13.5 MB index of huggingface.js PR
# 1790), has about 16 MB of headers over all its 62 shards. OME, the engine OCI serves
# imported models with, caps one header at 10 MB (sgl-project/ome safetensors.go, see
# reference/peers-and-anchors.md 2.4); the Hub's own cap is 25 MB. One header: 16 MB; all
# headers of one model together: 40 MB (2.5x Kimi-K2). Beyond, SAFETENSORS_HEADER_INVALID.
MAX_HEADER_BYTES = 16_000_000
MAX_MODEL_HEADER_BYTES = 40_000_000
# Header bytes held in memory at once across concurrent reads; bounds RSS whatever the shards claim.
IN_FLIGHT_BUDGET = 64 * 1024 * 1024
# What one header costs in memory per byte of it while it is read and parsed: the bytes, their
# text, and what is kept per tensor (`by_name`, the spans), measured by bench/memory.py at about
# 4x. The budget counts this, so a header near the cap is parsed alone, never beside another
# (three 24.9 MB headers at once took a worker to 570 MB; the function has 256 MB).
PARSE_COST = 4
# Extra room on a predicted window: 0.5 % plus two 8-byte paddings.
WINDOW_MARGIN = 0.005
WINDOW_SLACK = 16

# Bits per element, from the safetensors specification.
DTYPE_BITS: dict[str, int] = {
    "BOOL": 8,
    "U8": 8,
    "I8": 8,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "C64": 64,
    "F64": 64,
    "I64": 64,
    "U64": 64,
}
# MXFP4 checkpoints (gpt-oss) store two FP4 (E2M1) values per byte in U8 tensors named `*_blocks`
# (transformers' mxfp4 integration unpacks the low and high nibble of each byte). The Hub's model
# pages count parameters that way: openai/gpt-oss-20b shows 21,511,953,984, which is the element
# count of every tensor with each `*_blocks` byte counted twice (scales count once each).
# `huggingface_hub.get_safetensors_metadata` counts one per byte; we follow the model page.
MXFP4_BLOCKS_SUFFIX = "_blocks"
FP8_DTYPES = frozenset({"F8_E5M2", "F8_E4M3"})
FLOAT_WIDE = frozenset({"F32", "F64"})


class HeaderError(ValueError):
    """A header that is not valid safetensors; the message says what is wrong."""


@dataclass(frozen=True)
class SafetensorsHeader:
    """What one shard's header says, reduced to the numbers sizing needs."""

    tensors: int
    #: as the Hub's model page counts them: elements, and two per byte of packed MXFP4 blocks
    parameters: int
    data_bytes: int
    params_by_dtype: dict[str, int]
    bytes_by_dtype: dict[str, int]
    header_length: int
    #: (dtype, shape) of the first tensor of each name pattern (digits replaced): teaches the read plan
    shapes: dict[str, tuple[str, tuple[int, ...]]] = field(default_factory=dict, compare=False, repr=False)
    #: whether the header JSON has no spaces after separators (safetensors' Rust writer)
    compact: bool = field(default=True, compare=False, repr=False)
    #: (dtype, shape) of every tensor by name: the pre-flight checks weights against the config
    #: (checks/tensors.py) from the headers already read, never a second read
    by_name: dict[str, tuple[str, tuple[int, ...]]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def serving_bytes(self) -> int:
        """Bytes once loaded for serving: vLLM's `auto` dtype runs F32/F64 checkpoints in 16-bit."""
        wide = sum(self.params_by_dtype.get(d, 0) for d in FLOAT_WIDE)
        wide_bytes = sum(self.bytes_by_dtype.get(d, 0) for d in FLOAT_WIDE)
        return self.data_bytes - wide_bytes + 2 * wide


def header_length(prefix: bytes, object_size: int) -> int:
    """The N of the first 8 bytes, checked against the cap and the object size."""
    if len(prefix) < 8:
        raise HeaderError(f"file is {len(prefix)} bytes, shorter than the 8-byte header length")
    (length,) = struct.unpack("<Q", prefix[:8])
    if length < 2:
        raise HeaderError(f"header length {length} is too small for a JSON object")
    if length > MAX_HEADER_BYTES:
        raise HeaderError(f"header length {length} exceeds the cap of {MAX_HEADER_BYTES} bytes")
    if 8 + length > object_size:
        raise HeaderError(f"header length {length} runs past the end of the {object_size}-byte object")
    return int(length)


def parse_header(raw: bytes, object_size: int) -> SafetensorsHeader:
    """Validate the JSON header (without the 8-byte prefix) against the safetensors rules."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HeaderError(f"header is not UTF-8 JSON ({type(exc).__name__})") from None
    try:
        return _summarise(_members(text), raw, object_size)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, HeaderError):
            raise
        raise HeaderError(f"header is not UTF-8 JSON ({type(exc).__name__})") from None


_LOW64 = (1 << 64) - 1
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _members(text: str) -> Iterator[tuple[str, object]]:
    """The members of the top-level JSON object, each value parsed on its own as it is reached.

    json.loads would hold the whole document as Python objects at once (about seven times the
    header's bytes); this holds one tensor's entry at a time. Same grammar as json.loads
    (NaN and Infinity included), and a repeated name is simply yielded twice (its second span
    then overlaps the first, which the caller refuses, as the safetensors crate does).
    """
    i = _WHITESPACE.match(text, 0).end()  # type: ignore[union-attr]
    if text[i : i + 1] != "{":
        raise HeaderError("header is not a JSON object")
    i = _WHITESPACE.match(text, i + 1).end()  # type: ignore[union-attr]
    if text[i : i + 1] == "}":
        i += 1
    else:
        while True:
            if text[i : i + 1] != '"':
                raise HeaderError(f"header is not UTF-8 JSON (a name expected at character {i})")
            name, i = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
            i = _WHITESPACE.match(text, i).end()  # type: ignore[union-attr]
            if text[i : i + 1] != ":":
                raise HeaderError(f"header is not UTF-8 JSON (':' expected at character {i})")
            value, i = _DECODER.raw_decode(text, _WHITESPACE.match(text, i + 1).end())  # type: ignore[union-attr]
            yield name, value
            i = _WHITESPACE.match(text, i).end()  # type: ignore[union-attr]
            separator = text[i : i + 1]
            i = _WHITESPACE.match(text, i + 1).end()  # type: ignore[union-attr]
            if separator == "}":
                break
            if separator != ",":
                raise HeaderError(f"header is not UTF-8 JSON (',' or '}}' expected at character {i})")
    if _WHITESPACE.match(text, i).end() != len(text):  # type: ignore[union-attr]
        raise HeaderError("header is not UTF-8 JSON (data after the object)")


def _summarise(members: Iterator[tuple[str, object]], raw: bytes, object_size: int) -> SafetensorsHeader:
    data_start = 8 + len(raw)
    params_by_dtype: dict[str, int] = {}
    bytes_by_dtype: dict[str, int] = {}
    # Each span packed in one int (start above bit 64, end below): sorts by start as the pairs
    # would, at a third of the memory of a list of tuples. Offsets are < 2**64 (checked).
    spans: list[int] = []
    kinds: dict[
        tuple[str, tuple[int, ...]], tuple[str, tuple[int, ...]]
    ] = {}  # one object per (dtype, shape)
    shapes: dict[str, tuple[str, tuple[int, ...]]] = {}
    by_name: dict[str, tuple[str, tuple[int, ...]]] = {}
    packed = 0  # bytes of packed 4-bit blocks: each holds a second parameter
    for name, info in members:
        if name == "__metadata__":
            if not isinstance(info, dict) or not all(isinstance(v, str) for v in info.values()):
                raise HeaderError("__metadata__ must map strings to strings")
            continue
        numel, nbytes, dtype, span = _tensor(name, info)
        if data_start + span[1] > object_size:
            raise HeaderError(
                f"tensor {_short(name)} ends at byte {data_start + span[1]}, "
                f"past the {object_size}-byte object"
            )
        kind = (dtype, tuple(info["shape"]))  # type: ignore[index]
        by_name[name] = kinds.setdefault(kind, kind)
        if len(shapes) < 4096:
            shapes.setdefault(tensor_pattern(name), by_name[name])
        params_by_dtype[dtype] = params_by_dtype.get(dtype, 0) + numel
        if dtype == "U8" and name.endswith(MXFP4_BLOCKS_SUFFIX):
            packed += numel
        bytes_by_dtype[dtype] = bytes_by_dtype.get(dtype, 0) + nbytes
        spans.append(span[0] << 64 | span[1])
    spans.sort()
    for prev, this in itertools.pairwise(spans):
        prev_end, start = prev & _LOW64, this >> 64
        if start < prev_end:
            raise HeaderError("tensor data ranges overlap")
    return SafetensorsHeader(
        tensors=len(spans),
        parameters=sum(params_by_dtype.values()) + packed,
        data_bytes=sum(bytes_by_dtype.values()),
        params_by_dtype=params_by_dtype,
        bytes_by_dtype=bytes_by_dtype,
        header_length=len(raw),
        shapes=shapes,
        compact=b'": ' not in raw[:4096],
        by_name=by_name,
    )


def _tensor(name: str, info: object) -> tuple[int, int, str, tuple[int, int]]:
    if not isinstance(info, dict):
        raise HeaderError(f"tensor {_short(name)} is not an object")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if not isinstance(dtype, str) or dtype not in DTYPE_BITS:
        raise HeaderError(f"tensor {_short(name)} has unknown dtype {_short(str(dtype))}")
    if not isinstance(shape, list) or not all(_is_uint(d) for d in shape):
        raise HeaderError(f"tensor {_short(name)} has an invalid shape")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(_is_uint(o) for o in offsets)
        or offsets[0] > offsets[1]
    ):
        raise HeaderError(f"tensor {_short(name)} has invalid data_offsets")
    numel = _element_count(shape)
    if numel is None:
        raise HeaderError(
            f"tensor {_short(name)} has a shape of {len(shape)} dimensions whose element count "
            "overflows 64 bits; no real tensor has one"
        )
    nbytes = (numel * DTYPE_BITS[dtype] + 7) // 8
    if offsets[1] - offsets[0] != nbytes:
        raise HeaderError(
            f"tensor {_short(name)}: data_offsets span {offsets[1] - offsets[0]} bytes, "
            f"its dtype and shape need {nbytes}"
        )
    return numel, nbytes, dtype, (offsets[0], offsets[1])


def _element_count(shape: list[int]) -> int | None:
    """The product of the dimensions, or None once it passes 2**64 (as the safetensors crate refuses
    it: `Metadata::validate` folds the shape with `usize::checked_mul` and fails with
    `ValidationOverflow`). Stopping there keeps the work linear in the number of dimensions: a
    product of 224 dimensions of 2**64-1 would otherwise be a 4,300-digit integer built by
    quadratic multiplications, and too long for Python to turn into a message."""
    if 0 in shape:
        return 0
    count = 1
    for dim in shape:
        count *= dim
        if count >= _U64:
            return None
    return count


_U64 = 2**64


def _is_uint(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _U64


def _short(text: str, limit: int = 80) -> str:
    printable = "".join(c if c.isprintable() else "?" for c in text)
    return printable if len(printable) <= limit else printable[: limit - 3] + "..."


# --- reading many shards ----------------------------------------------------------------


@dataclass
class HeaderResult:
    """One shard: its parsed header, or the reason it could not be read."""

    entry: FileEntry
    header: SafetensorsHeader | None = None
    error: str | None = None
    source_error: SourceError | None = None


@dataclass
class _Budget:
    """Caps the header bytes held at once by concurrent reads, and read in all for one model."""

    limit: int
    used: int = 0
    cond: threading.Condition = field(default_factory=threading.Condition)
    total_limit: int = MAX_MODEL_HEADER_BYTES
    total: int = 0

    def charge(self, length: int) -> None:
        """Count one header against the model's total; refuse it (unread) once the total is spent."""
        with self.cond:
            if self.total + length > self.total_limit:
                raise HeaderError(
                    f"the model's headers pass {self.total_limit} bytes in all with this one "
                    f"({length} bytes); the largest real models have about 16 MB of headers"
                )
            self.total += length

    def acquire(self, n: int) -> int:
        n = min(n, self.limit)
        with self.cond:
            self.cond.wait_for(lambda: self.used + n <= self.limit)
            self.used += n
        return n

    def release(self, n: int) -> None:
        with self.cond:
            self.used -= n
            self.cond.notify_all()


def read_headers(
    source: ArtifactSource,
    shards: Sequence[FileEntry],
    tensor_names: Mapping[str, Sequence[str]] | None = None,
    concurrent: bool = True,
) -> list[HeaderResult]:
    """Read and validate every shard's header (see the module docstring for the read plan).

    `tensor_names` maps a shard name to the tensor names the index assigns to it; it only
    sharpens the window prediction and may be missing or wrong. Shards are read in waves so
    that what each wave's headers teach (shapes per tensor pattern) sharpens the next.
    """
    if not shards:
        return []
    budget = _Budget(IN_FLIGHT_BUDGET, total_limit=MAX_MODEL_HEADER_BYTES)
    predictor = HeaderPredictor(
        tensor_names or {}, margin=WINDOW_MARGIN, slack=WINDOW_SLACK, max_header=MAX_HEADER_BYTES
    )
    results = [_read_one(source, shards[0], None, budget)]
    if results[0].source_error is not None:  # the store refuses us: the other shards would fail alike
        return results + [HeaderResult(e, source_error=results[0].source_error) for e in shards[1:]]
    predictor.learn(shards[0], results[0].header)
    rest = list(shards[1:])
    workers = max(1, source.max_concurrency) if concurrent else 1
    wave = max(workers * 4, 16)

    def work(entry: FileEntry, window: int | None) -> HeaderResult:
        return _read_one(source, entry, window, budget)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(rest), wave):
            batch = rest[start : start + wave]
            windows = [predictor.window(e) for e in batch]
            done = list(pool.map(work, batch, windows))
            for entry, result in zip(batch, done, strict=True):
                predictor.learn(entry, result.header)
            results.extend(done)
    return results


def _read_one(source: ArtifactSource, entry: FileEntry, window: int | None, budget: _Budget) -> HeaderResult:
    result = HeaderResult(entry)
    held = 0
    try:
        if window is None:
            prefix = source.read_range(entry.name, 0, min(8, entry.size))
            length = header_length(prefix, entry.size)
            budget.charge(length)
            held = budget.acquire(PARSE_COST * length)
            raw = source.read_range(entry.name, 8, length)
        else:
            window = max(0, min(window, entry.size))  # the predictor keeps it valid; this is the guard
            held = budget.acquire(PARSE_COST * window)
            first = source.read_range(entry.name, 0, window)
            length = header_length(first, entry.size)
            budget.charge(length)
            raw = first[8 : 8 + length]
            if len(raw) < length:
                budget.release(held)
                held = 0
                held = budget.acquire(PARSE_COST * length)
                raw += source.read_range(entry.name, 8 + len(raw), length - len(raw))
            del first
        if len(raw) < length:
            raise HeaderError(f"object ended after {8 + len(raw)} bytes, inside the header")
        result.header = parse_header(raw, entry.size)
    except HeaderError as exc:
        result.error = str(exc)
    except SourceError as exc:
        result.source_error = exc
    finally:
        if held:
            budget.release(held)
    return result
