"""Mixture-of-experts decoders: Mixtral (block_sparse_moe, w1/w2/w3) and Qwen3-MoE (mlp.experts)."""

from __future__ import annotations

from collections.abc import Iterator

from shared.inspection.expected.base import Tensor, attention, gated_mlp, norms
from shared.inspection.sizing import TextDims


class Mixtral:
    def layer(self, d: TextDims, i: int) -> Iterator[Tensor]:
        yield from attention(d)
        inter = d.moe_intermediate or d.intermediate
        yield "block_sparse_moe.gate.weight", (d.experts, d.hidden)
        for e in range(d.experts):
            p = f"block_sparse_moe.experts.{e}."
            yield p + "w1.weight", (inter, d.hidden)
            yield p + "w2.weight", (d.hidden, inter)
            yield p + "w3.weight", (inter, d.hidden)
        yield from norms(d)


class Qwen3Moe:
    def layer(self, d: TextDims, i: int) -> Iterator[Tensor]:
        yield from attention(d, bias=d.attention_bias, qk_norm=True)
        moe = d.experts and i >= d.dense_layers and (i + 1) % d.moe_step == 0
        if moe:
            yield "mlp.gate.weight", (d.experts, d.hidden)
            for e in range(d.experts):
                yield from gated_mlp(d, d.moe_intermediate, prefix=f"mlp.experts.{e}.")
        else:
            yield from gated_mlp(d)
        yield from norms(d)
