"""Llama and the families that share its decoder names (Mistral, Ministral, Granite)."""

from __future__ import annotations

from collections.abc import Iterator

from shared.inspection.expected.base import Decoder, Expected, attention, gated_mlp, norms
from shared.inspection.sizing import TextDims


class Llama(Decoder):
    def layer(self, d: TextDims, i: int) -> Iterator[Expected]:
        yield from attention(d, bias=d.attention_bias)
        yield from gated_mlp(d)
        yield from norms(d)
