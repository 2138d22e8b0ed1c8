"""Gemma (two norms a layer), Gemma 2 and Gemma 3 (a norm before and after both blocks; Gemma 3
adds per-head q/k norms)."""

from __future__ import annotations

from collections.abc import Iterator

from shared.inspection.expected.base import Decoder, Expected, attention, gated_mlp, norms
from shared.inspection.sizing import TextDims

_FOUR = (
    "input_layernorm",
    "post_attention_layernorm",
    "pre_feedforward_layernorm",
    "post_feedforward_layernorm",
)


class Gemma(Decoder):
    def layer(self, d: TextDims, i: int) -> Iterator[Expected]:
        yield from attention(d, bias=d.attention_bias)
        yield from gated_mlp(d)
        yield from norms(d)


class Gemma2(Decoder):
    def __init__(self, qk_norm: bool = False) -> None:
        self.qk_norm = qk_norm

    def layer(self, d: TextDims, i: int) -> Iterator[Expected]:
        yield from attention(d, bias=d.attention_bias, qk_norm=self.qk_norm)
        yield from gated_mlp(d)
        yield from norms(d, *_FOUR)
