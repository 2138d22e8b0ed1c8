"""Command R and Command R7B/A (`CohereForCausalLM`, `Cohere2ForCausalLM`): attention and MLP in
parallel after one norm.

Per layer (transformers models/cohere/modeling_cohere.py and cohere2/modeling_cohere2.py; vLLM
commandr.py): `input_layernorm` only (a LayerNorm without bias: `CohereLayerNorm` has a weight
alone), q/k/v/o with GQA, the gated MLP, and with `use_qk_norm` (Command R+) per-head norms
`q_norm` [heads, head_dim] and `k_norm` [kv_heads, head_dim]. The head is tied by default.
"""

from __future__ import annotations

from collections.abc import Iterator

from shared.inspection.expected.base import Decoder, Expected, attention, gated_mlp, norms
from shared.inspection.sizing import TextDims


class Cohere(Decoder):
    def layer(self, d: TextDims, i: int) -> Iterator[Expected]:
        yield from attention(d, bias=d.attention_bias)
        if d.section.get("use_qk_norm") is True:
            yield "self_attn.q_norm.weight", (d.heads, d.head_dim)
            yield "self_attn.k_norm.weight", (d.kv_heads, d.head_dim)
        yield from gated_mlp(d)
        yield from norms(d, "input_layernorm")
