"""Predicting a safetensors header's length before reading it, so one request usually suffices.

The index (`model.safetensors.index.json`) names the tensors of every shard. A header
is those names plus, per tensor, its dtype, shape and data offsets, in JSON. What a
header already read teaches: the dtype and shape of each tensor *pattern* (the name
with its layer numbers replaced, `model.layers.#.mlp.down_proj.weight`), whether the
JSON is compact, and the bytes not explained by tensor entries (braces, `__metadata__`,
padding to 8 bytes). With those, a shard's header is rebuilt on paper: tensors in name
order (the order safetensors writes them), offsets accumulated from their sizes, each
entry measured as JSON. Patterns not seen yet borrow the average entry. The window read
is that prediction plus a small margin; a longer header costs one more exact request.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from shared.inspection.sources.base import FileEntry

if TYPE_CHECKING:
    from shared.inspection.safetensors import SafetensorsHeader

_DIGITS = re.compile(r"\d+")
#: the 8-byte length and the smallest header, `{}`: a shorter window could not even hold the length
MIN_WINDOW = 10
_BITS = {"F4": 4, "F6_E2M3": 6, "F6_E3M2": 6}


def tensor_pattern(name: str) -> str:
    return _DIGITS.sub("#", name)


def _bits(dtype: str) -> int:
    if dtype in _BITS:
        return _BITS[dtype]
    digits = "".join(c for c in dtype if c.isdigit())
    return int(digits[:2]) if digits else 8


class HeaderPredictor:
    """Learns from headers read so far; predicts the read window of the next shards."""

    def __init__(
        self, names: Mapping[str, Sequence[str]], margin: float, slack: int, max_header: int = 25_000_000
    ) -> None:
        self.names = names
        self.max_header = max_header
        self.margin = margin
        self.slack = slack
        self.shapes: dict[str, tuple[str, tuple[int, ...]]] = {}
        self.compact = True
        self.residuals: list[float] = []  # header bytes beyond the tensor entries, per shard learned from
        self.lengths: list[int] = []

    def learn(self, entry: FileEntry, header: SafetensorsHeader | None) -> None:
        if header is None:
            return
        self.lengths.append(header.header_length)
        self.compact = header.compact
        for pattern, spec in header.shapes.items():
            if len(self.shapes) < 4096:
                self.shapes.setdefault(pattern, spec)
        names = self.names.get(entry.name)
        # Only a shard whose index entry agrees with its header teaches the bytes beyond the tensor
        # entries: an index that names tensors the shard does not hold (or misses some) would teach
        # a wrong, even negative, residual, and every later window would inherit it.
        if names and len(names) == header.tensors and len(self.residuals) < 10_000:
            entries = self._entries(names, entry.size)
            if entries is not None:
                self.residuals.append(max(0.0, header.header_length - entries))

    def window(self, entry: FileEntry) -> int | None:
        """Bytes to read for `entry` in one request (8-byte length included), or None: read exactly.

        Whatever the index and the headers so far claim, a window is a valid range: at least the
        8-byte length plus the smallest header (`{}`), at most the object and the header cap. A
        window that turns out short costs one exact second read, never a wrong answer."""
        predicted: float | None = None
        names = self.names.get(entry.name)
        if names and self.residuals:
            entries = self._entries(names, entry.size)
            if entries is not None:
                predicted = entries + _quantile(self.residuals, 0.9)
        if predicted is None and self.lengths:
            predicted = max(self.lengths)
        if predicted is None:
            return None
        wanted = 8 + math.ceil(max(0.0, predicted) * (1 + self.margin)) + self.slack
        return max(MIN_WINDOW, min(wanted, entry.size, 8 + self.max_header))

    def _entries(self, names: Sequence[str], object_size: int) -> float | None:
        """Bytes of the tensor entries of a shard holding `names` (None when nothing is known yet)."""
        if not self.shapes:
            return None
        sep = (",", ":") if self.compact else (", ", ": ")
        known = [(n, self.shapes.get(tensor_pattern(n))) for n in sorted(names)]
        sizes = [(math.prod(s[1]) * _bits(s[0]) + 7) // 8 if s else None for _, s in known]
        known_sizes = [z for z in sizes if z is not None]
        unknown_size = (
            max(0, object_size - sum(known_sizes)) // max(1, sizes.count(None)) if None in sizes else 0
        )
        total = 0.0
        offset = 0
        measured: list[int] = []
        pending = 0
        for (name, spec), size in zip(known, sizes, strict=True):
            size = unknown_size if size is None else size
            name_len = len(json.dumps(name)) + 2  # the name, its colon and the comma after the entry
            if spec is None:
                total += name_len
                pending += 1
            else:
                body = {"dtype": spec[0], "shape": list(spec[1]), "data_offsets": [offset, offset + size]}
                length = len(json.dumps(body, separators=sep))
                measured.append(length)
                total += name_len + length
            offset += size
        if pending:
            if not measured:  # borrow the average of every pattern known so far
                middle = object_size // 2
                measured = [
                    len(
                        json.dumps(
                            {"dtype": d, "shape": list(sh), "data_offsets": [middle, middle]}, separators=sep
                        )
                    )
                    for d, sh in self.shapes.values()
                ]
            total += pending * (sum(measured) / len(measured))
        return total


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
