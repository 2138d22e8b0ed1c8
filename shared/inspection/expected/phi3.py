"""Phi-3 and Phi-4 (`Phi3ForCausalLM`): fused qkv_proj and gate_up_proj."""

from __future__ import annotations

from collections.abc import Iterator

from shared.inspection.expected.base import Decoder, Expected, norms
from shared.inspection.sizing import TextDims


class Phi3(Decoder):
    def layer(self, d: TextDims, i: int) -> Iterator[Expected]:
        q, kv = d.heads * d.head_dim, d.kv_heads * d.head_dim
        yield "self_attn.qkv_proj.weight", (q + 2 * kv, d.hidden)
        yield "self_attn.o_proj.weight", (d.hidden, q)
        yield "mlp.gate_up_proj.weight", (2 * d.intermediate, d.hidden)
        yield "mlp.down_proj.weight", (d.hidden, d.intermediate)
        yield from norms(d)
