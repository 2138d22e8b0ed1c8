"""gpt-oss (`GptOssForCausalLM`): biased GQA attention with learned sinks, a biased router and
packed experts.

Per layer (transformers models/gpt_oss/modeling_gpt_oss.py; vLLM gpt_oss.py `load_weights`):
q/k/v/o projections all with biases (`attention_bias: true`), `self_attn.sinks` [heads],
`mlp.router.weight` [experts, hidden] and `mlp.router.bias` [experts], and the experts as one
tensor per projection. The published checkpoints store them as MXFP4 (`quant_method: mxfp4`):
`gate_up_proj_blocks` [experts, 2 x intermediate, hidden / 32, 16] and `gate_up_proj_scales`
[experts, 2 x intermediate, hidden / 32], `down_proj_blocks` [experts, hidden, intermediate / 32,
16] and `down_proj_scales` [experts, hidden, intermediate / 32] (U8: two FP4 values a byte, one
E8M0 scale per 32 values); a dequantized checkpoint stores `gate_up_proj` [experts, hidden,
2 x intermediate] and `down_proj` [experts, intermediate, hidden] (`GptOssExperts`). Both load;
the biases `gate_up_proj_bias` [experts, 2 x intermediate] and `down_proj_bias` [experts, hidden]
are in either.
"""

from __future__ import annotations

from collections.abc import Iterator

from shared.inspection.expected.base import Decoder, Expected, OneOf, attention, norms
from shared.inspection.sizing import MXFP4_BLOCK, TextDims


class GptOss(Decoder):
    def layer(self, d: TextDims, i: int) -> Iterator[Expected]:
        yield from attention(d, bias=True)
        yield "self_attn.o_proj.bias", (d.hidden,)
        yield "self_attn.sinks", (d.heads,)
        e, h, inter = d.experts, d.hidden, d.moe_intermediate or d.intermediate
        yield "mlp.router.weight", (e, h)
        yield "mlp.router.bias", (e,)
        p = "mlp.experts."
        mxfp4 = (
            (p + "gate_up_proj_blocks", (e, 2 * inter, h // MXFP4_BLOCK, 16)),
            (p + "gate_up_proj_scales", (e, 2 * inter, h // MXFP4_BLOCK)),
            (p + "down_proj_blocks", (e, h, inter // MXFP4_BLOCK, 16)),
            (p + "down_proj_scales", (e, h, inter // MXFP4_BLOCK)),
        )
        plain = ((p + "gate_up_proj", (e, h, 2 * inter)), (p + "down_proj", (e, inter, h)))
        yield OneOf((mxfp4, plain))
        yield p + "gate_up_proj_bias", (e, 2 * inter)
        yield p + "down_proj_bias", (e, h)
        yield from norms(d)
