"""Mixture-of-experts decoders with one weight per expert: Mixtral (block_sparse_moe, w1/w2/w3),
Qwen2-MoE (experts plus a gated shared expert) and Qwen3-MoE (experts, q/k norms).

Qwen-MoE layer `i` is sparse when `i` is not in `mlp_only_layers` and `(i + 1) %
decoder_sparse_step == 0` (transformers models/qwen2_moe/modeling_qwen2_moe.py and
qwen3_moe/modeling_qwen3_moe.py, `Qwen*MoeDecoderLayer.__init__`; vLLM qwen2_moe.py the same).
Qwen2-MoE's sparse block: `gate` [experts, hidden], `experts.N.{gate,up,down}_proj` of
`moe_intermediate_size`, `shared_expert.{gate,up,down}_proj` of `shared_expert_intermediate_size`
and `shared_expert_gate` [1, hidden].
"""

from __future__ import annotations

from collections.abc import Iterator

from shared.inspection.expected.base import Decoder, Expected, attention, gated_mlp, layer_indices, norms
from shared.inspection.sizing import TextDims


class Mixtral(Decoder):
    def layer(self, d: TextDims, i: int) -> Iterator[Expected]:
        yield from attention(d)
        inter = d.moe_intermediate or d.intermediate
        yield "block_sparse_moe.gate.weight", (d.experts, d.hidden)
        for e in range(d.experts):
            p = f"block_sparse_moe.experts.{e}."
            yield p + "w1.weight", (inter, d.hidden)
            yield p + "w2.weight", (d.hidden, inter)
            yield p + "w3.weight", (inter, d.hidden)
        yield from norms(d)


def qwen_sparse(d: TextDims, i: int) -> bool:
    dense = layer_indices(d.section.get("mlp_only_layers"))
    return bool(d.experts) and i not in dense and (i + 1) % (d.moe_step or 1) == 0


def experts(d: TextDims, prefix: str = "mlp.experts.") -> Iterator[Expected]:
    for e in range(d.experts):
        yield from gated_mlp(d, d.moe_intermediate, prefix=f"{prefix}{e}.")


class Qwen2Moe(Decoder):
    def layer(self, d: TextDims, i: int) -> Iterator[Expected]:
        yield from attention(d, bias=True)
        if qwen_sparse(d, i):
            yield "mlp.gate.weight", (d.experts, d.hidden)
            yield from experts(d)
            if d.shared_intermediate:
                yield from gated_mlp(d, d.shared_intermediate, prefix="mlp.shared_expert.")
                yield "mlp.shared_expert_gate.weight", (1, d.hidden)
        else:
            yield from gated_mlp(d)
        yield from norms(d)


class Qwen3Moe(Decoder):
    def layer(self, d: TextDims, i: int) -> Iterator[Expected]:
        yield from attention(d, bias=d.attention_bias, qk_norm=True)
        if qwen_sparse(d, i):
            yield "mlp.gate.weight", (d.experts, d.hidden)
            yield from experts(d)
        else:
            yield from gated_mlp(d)
        yield from norms(d)
