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

import bisect
import heapq
import io
import itertools
import json
import re
import struct
import threading
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from shared.inspection.header_plan import HeaderPredictor, tensor_pattern
from shared.inspection.sources.base import ArtifactSource, FileEntry, SourceError

# What real models need, inside the function's 256 MB (a function container's baseline is
# ~85 MB with the SDK loaded; through the function, bench/memory.py --function: three 13.3 MB
# headers of long names peak at ~209 MB, 399k tensors in 40 MB of headers at ~195 MB).
# Real shard headers are small: a GLM-5 NVFP4 shard of 852 tensors has a 100,000-byte header
# (huggingface/huggingface_hub issue 4602);
# the largest real model, Kimi-K2 (~140k tensors, the 13.5 MB index of huggingface.js PR
# 1790), has about 16 MB of headers over all its 62 shards. OME, the engine OCI serves
# imported models with, caps one header at 10 MB (sgl-project/ome safetensors.go, see
# reference/peers-and-anchors.md 2.4); the Hub's own cap is 25 MB. One header: 16 MB; all
# headers of one model together: 40 MB (2.5x Kimi-K2). Beyond, SAFETENSORS_HEADER_INVALID.
MAX_HEADER_BYTES = 16_000_000
MAX_MODEL_HEADER_BYTES = 40_000_000
# Tensors of one model, all shards together. What bounds memory is the number of tensors, not the
# header bytes: 40 MB of the shortest entries (`"s0_1":{"dtype":"BF16","shape":[1],...}`) are
# ~660k tensors, and one Python object per tensor took a worker past 256 MB. The largest real
# checkpoints, counted from their configs (routed experts x projections x tensors a projection):
# DeepSeek-V3/R1 FP8 ~92k tensors over 163 shards (58 MoE layers x 256 experts x 3 x weight and
# weight_scale_inv); nvidia's DeepSeek-R1 NVFP4 ~180k (four tensors a projection: weight,
# weight_scale, weight_scale_2, input_scale); Kimi-K2 FP8 ~140k over 62 shards (60 x 384 x 3 x 2),
# Kimi-K2-Thinking INT4 ~208k (weight_packed, weight_scale, weight_shape), a Kimi-K2 NVFP4 ~277k;
# Qwen3-235B-A22B ~37k (94 x 128 x 3), Llama-3.1-405B ~1.1k over 191 shards, gpt-oss-120b under 1k
# (fused MXFP4 experts). 400k is 1.4x the largest of them; beyond, SAFETENSORS_HEADERS_TOO_LARGE.
MAX_MODEL_TENSORS = 400_000
# A tensor's dimensions (real ones have at most 5: a 3-D convolution's weight) and the distinct
# (dtype, shape) pairs of one shard (a few hundred at most even where every layer has its own width):
# bound what is kept per tensor whatever a header claims.
MAX_TENSOR_DIMS = 16
MAX_TENSOR_KINDS = 16_384
# Header bytes held in memory at once across concurrent reads; bounds RSS whatever the shards claim.
IN_FLIGHT_BUDGET = 64 * 1024 * 1024
# What one header costs in memory per byte of it while it is read and parsed: its text, the
# names of one shard while they are sorted, and the compact table kept (`TensorTable`), measured
# by bench/memory.py at under 4x. The budget counts this, so a header near the cap is parsed alone,
# never beside another (three 24.9 MB headers at once took a worker to 570 MB; the function has
# 256 MB).
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

    code = "SAFETENSORS_HEADER_INVALID"


class HeadersTooLarge(HeaderError):
    """Valid or not, more header bytes or tensors than any real model has: refused unparsed."""

    code = "SAFETENSORS_HEADERS_TOO_LARGE"


Kind = tuple[str, tuple[int, ...]]


class _Names(Sequence[str]):
    """The i-th name of a table, sliced from its text on demand (for bisect)."""

    __slots__ = ("_table",)

    def __init__(self, table: TensorTable) -> None:
        self._table = table

    def __len__(self) -> int:
        return len(self._table._kind_ids)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        t = self._table
        return t._text[t._ends[i - 1] if i else 0 : t._ends[i]]


class TensorTable(Mapping[str, Kind]):
    """name -> (dtype, shape) of many tensors, in a few flat arrays sorted by name.

    A dict of one str and one tuple a tensor costs ~150 bytes a tensor beyond the name; this
    keeps the names as one text with their end offsets (4 bytes) and an index into the distinct
    (dtype, shape) pairs (4 bytes), about 8 bytes a tensor beyond the name. Lookups bisect.
    A name given twice keeps its last (dtype, shape), as dict.update would.
    """

    __slots__ = ("_ends", "_kind_ids", "_kinds", "_text")

    def __init__(self, text: str, ends: array[int], kind_ids: array[int], kinds: list[Kind]) -> None:
        self._text, self._ends, self._kind_ids, self._kinds = text, ends, kind_ids, kinds

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, Kind]]) -> TensorTable:
        """From (name, kind) pairs sorted by name (a name's last pair wins)."""
        out = io.StringIO()
        ends, kind_ids = array("I"), array("I")
        kinds: list[Kind] = []
        ids: dict[Kind, int] = {}
        size = 0
        last: str | None = None
        for name, kind in pairs:
            k = ids.get(kind)
            if k is None:
                k = ids[kind] = len(kinds)
                kinds.append(kind)
            if name == last:
                kind_ids[-1] = k
                continue
            out.write(name)
            size += len(name)
            ends.append(size)
            kind_ids.append(k)
            last = name
        return cls(out.getvalue(), ends, kind_ids, kinds)

    @classmethod
    def merge(cls, tables: Sequence[TensorTable]) -> TensorTable:
        """One table of all: a name in several keeps the last table's (dtype, shape)."""
        if len(tables) == 1:
            return tables[0]
        return cls.build(heapq.merge(*(t.items() for t in tables), key=lambda p: p[0]))

    def items(self) -> Iterator[tuple[str, Kind]]:  # type: ignore[override]
        text, ends, kinds = self._text, self._ends, self._kinds
        start = 0
        for end, k in zip(ends, self._kind_ids, strict=True):
            yield text[start:end], kinds[k]
            start = end

    def __iter__(self) -> Iterator[str]:
        text = self._text
        start = 0
        for end in self._ends:
            yield text[start:end]
            start = end

    def __len__(self) -> int:
        return len(self._kind_ids)

    def __getitem__(self, name: str) -> Kind:
        names = _Names(self)
        i = bisect.bisect_left(names, name)
        if i < len(names) and names[i] == name:
            return self._kinds[self._kind_ids[i]]
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:
            self[name]
        except KeyError:
            return False
        return True


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
    by_name: Mapping[str, Kind] = field(default_factory=dict, compare=False, repr=False)

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


def parse_header(
    raw: bytes | bytearray | memoryview, object_size: int, max_tensors: int | None = None
) -> SafetensorsHeader:
    """Validate the JSON header (without the 8-byte prefix) against the safetensors rules.

    `max_tensors`: refuse (HeadersTooLarge) once the header holds more, before keeping them."""
    try:
        text = str(raw, "utf-8")
    except UnicodeDecodeError as exc:
        raise HeaderError(f"header is not UTF-8 JSON ({type(exc).__name__})") from None
    return parse_text(text, len(raw), object_size, MAX_MODEL_TENSORS if max_tensors is None else max_tensors)


def parse_text(text: str, length: int, object_size: int, max_tensors: int) -> SafetensorsHeader:
    """`parse_header` of the header already decoded (its bytes need not be held meanwhile)."""
    try:
        compact = '": ' not in text[:4096]
        return _summarise(_members(text), length, compact, object_size, max_tensors)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, HeaderError):
            raise
        raise HeaderError(f"header is not UTF-8 JSON ({type(exc).__name__})") from None


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


def _summarise(
    members: Iterator[tuple[str, object]], length: int, compact: bool, object_size: int, max_tensors: int
) -> SafetensorsHeader:
    data_start = 8 + length
    params_by_dtype: dict[str, int] = {}
    bytes_by_dtype: dict[str, int] = {}
    # Per tensor only flat arrays and its name (the names until the table is built): the spans as
    # two arrays of 8-byte offsets, the (dtype, shape) as an index into the distinct pairs.
    starts, stops, kind_ids = array("Q"), array("Q"), array("I")
    names: list[str] = []
    kinds: dict[Kind, int] = {}
    kind_list: list[Kind] = []
    shapes: dict[str, Kind] = {}
    packed = 0  # bytes of packed 4-bit blocks: each holds a second parameter
    in_order = True  # every span starts at or after the end of the one before: no sort needed
    prev_end = 0
    for name, info in members:
        if name == "__metadata__":
            if not isinstance(info, dict) or not all(isinstance(v, str) for v in info.values()):
                raise HeaderError("__metadata__ must map strings to strings")
            continue
        if len(names) >= max_tensors:
            raise HeadersTooLarge(
                f"the model's headers hold more than {MAX_MODEL_TENSORS} tensors in all with this "
                "shard; the largest real checkpoints have about 280,000"
            )
        numel, nbytes, dtype, span = _tensor(name, info)
        if data_start + span[1] > object_size:
            raise HeaderError(
                f"tensor {_short(name)} ends at byte {data_start + span[1]}, "
                f"past the {object_size}-byte object"
            )
        kind = (dtype, tuple(info["shape"]))  # type: ignore[index]
        k = kinds.get(kind)
        if k is None:
            if len(kind_list) >= MAX_TENSOR_KINDS:
                raise HeaderError(
                    f"more than {MAX_TENSOR_KINDS} distinct dtypes and shapes in one shard; "
                    "real models have a few hundred at most"
                )
            k = kinds[kind] = len(kind_list)
            kind_list.append(kind)
        names.append(name)
        kind_ids.append(k)
        if len(shapes) < 4096:
            shapes.setdefault(tensor_pattern(name), kind_list[k])
        params_by_dtype[dtype] = params_by_dtype.get(dtype, 0) + numel
        if dtype == "U8" and name.endswith(MXFP4_BLOCKS_SUFFIX):
            packed += numel
        bytes_by_dtype[dtype] = bytes_by_dtype.get(dtype, 0) + nbytes
        if span[0] < prev_end:
            in_order = False
        prev_end = span[1]
        starts.append(span[0])
        stops.append(span[1])
    if not in_order:
        _check_overlaps(starts, stops)
    del starts, stops, kinds
    order: Iterable[int] = range(len(names))
    if any(a > b for a, b in itertools.pairwise(names)):
        order = sorted(order, key=names.__getitem__)  # stable: a repeated name keeps its last kind
    table = TensorTable.build((names[i], kind_list[kind_ids[i]]) for i in order)
    return SafetensorsHeader(
        tensors=len(names),
        parameters=sum(params_by_dtype.values()) + packed,
        data_bytes=sum(bytes_by_dtype.values()),
        params_by_dtype=params_by_dtype,
        bytes_by_dtype=bytes_by_dtype,
        header_length=length,
        shapes=shapes,
        compact=compact,
        by_name=table,
    )


def _check_overlaps(starts: array[int], stops: array[int]) -> None:
    order = sorted(range(len(starts)), key=lambda i: starts[i] << 64 | stops[i])
    for prev, this in itertools.pairwise(order):
        if starts[this] < stops[prev]:
            raise HeaderError("tensor data ranges overlap")


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
    if len(shape) > MAX_TENSOR_DIMS:
        raise HeaderError(
            f"tensor {_short(name)} has {len(shape)} dimensions; "
            f"no model tensor has more than {MAX_TENSOR_DIMS}"
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
    #: the finding code of `error`: SAFETENSORS_HEADER_INVALID, or SAFETENSORS_HEADERS_TOO_LARGE
    #: for more header bytes or tensors than any real model has
    error_code: str = HeaderError.code


@dataclass
class _Budget:
    """Caps the header bytes held at once by concurrent reads, and read in all for one model."""

    limit: int
    used: int = 0
    cond: threading.Condition = field(default_factory=threading.Condition)
    total_limit: int = MAX_MODEL_HEADER_BYTES
    total: int = 0
    tensors: int = 0

    def charge(self, length: int) -> None:
        """Count one header against the model's total; refuse it (unread) once the total is spent."""
        with self.cond:
            if self.total + length > self.total_limit:
                raise HeadersTooLarge(
                    f"the model's headers pass {self.total_limit} bytes in all with this one "
                    f"({length} bytes); the largest real models have about 16 MB of headers"
                )
            self.total += length

    def tensors_left(self) -> int:
        with self.cond:
            return max(0, MAX_MODEL_TENSORS - self.tensors)

    def count(self, tensors: int) -> None:
        """Count one header's tensors against the model's total (parsed concurrently: checked again)."""
        with self.cond:
            if self.tensors + tensors > MAX_MODEL_TENSORS:
                raise HeadersTooLarge(
                    f"the model's headers hold more than {MAX_MODEL_TENSORS} tensors in all with this "
                    "shard; the largest real checkpoints have about 280,000"
                )
            self.tensors += tensors

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
        # `body[skip : skip + length]` is the header: never copied out of what was read, and the
        # bytes are dropped as soon as they are decoded (the text is what the parse needs).
        if window is None:
            prefix = source.read_range(entry.name, 0, min(8, entry.size))
            length = header_length(prefix, entry.size)
            budget.charge(length)
            held = budget.acquire(PARSE_COST * length)
            body, skip = source.read_range(entry.name, 8, length), 0
        else:
            window = max(0, min(window, entry.size))  # the predictor keeps it valid; this is the guard
            held = budget.acquire(PARSE_COST * window)
            body, skip = source.read_range(entry.name, 0, window), 8
            length = header_length(body, entry.size)
            budget.charge(length)
            if len(body) - 8 < length:
                budget.release(held)
                held = 0
                held = budget.acquire(PARSE_COST * length)
                rest = source.read_range(entry.name, len(body), length - (len(body) - 8))
                body, skip = body[8:] + rest, 0
                del rest
        if len(body) - skip < length:
            raise HeaderError(f"object ended after {8 + len(body) - skip} bytes, inside the header")
        with memoryview(body) as view:
            try:
                text = str(view[skip : skip + length], "utf-8")
            except UnicodeDecodeError as exc:
                raise HeaderError(f"header is not UTF-8 JSON ({type(exc).__name__})") from None
        del body
        header = parse_text(text, length, entry.size, budget.tensors_left())
        del text
        budget.count(header.tensors)
        result.header = header
    except HeaderError as exc:
        result.error = str(exc)
        result.error_code = exc.code
    except SourceError as exc:
        result.source_error = exc
    finally:
        if held:
            budget.release(held)
    return result
