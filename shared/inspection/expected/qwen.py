"""Qwen2 (biased q/k/v) and Qwen3 (per-head RMSNorm on q and k, no bias), dense decoders."""

from __future__ import annotations

from collections.abc import Iterator

from shared.inspection.expected.base import Decoder, Expected, attention, gated_mlp, norms
from shared.inspection.sizing import TextDims


class Qwen2(Decoder):
    def layer(self, d: TextDims, i: int) -> Iterator[Expected]:
        yield from attention(d, bias=True)
        yield from gated_mlp(d)
        yield from norms(d)


class Qwen3(Decoder):
    def layer(self, d: TextDims, i: int) -> Iterator[Expected]:
        yield from attention(d, bias=d.attention_bias, qk_norm=True)
        yield from gated_mlp(d)
        yield from norms(d)
