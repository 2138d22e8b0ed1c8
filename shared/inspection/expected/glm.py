"""GLM-4-0414 (`Glm4ForCausalLM`) and GLM-4.5 (`Glm4MoeForCausalLM`).

GLM-4-0414 (transformers models/glm4/modeling_glm4.py; vLLM glm4.py): q/k/v with biases
(`attention_bias`), o_proj without, a fused `mlp.gate_up_proj` [2 x intermediate, hidden] and
`mlp.down_proj`, and four norms a layer: `input_layernorm`, `post_self_attn_layernorm`,
`post_attention_layernorm`, `post_mlp_layernorm`.

GLM-4.5 (models/glm4_moe/modeling_glm4_moe.py; vLLM glm4_moe.py): q/k/v with biases, per-head
`q_norm`/`k_norm` [head_dim] with `use_qk_norm`, two norms; the first `first_k_dense_replace`
layers a dense gate/up/down, the others `gate` [n_routed_experts, hidden] with
`gate.e_score_correction_bias` [n_routed_experts] (always: vLLM creates it for every GLM-4.5
router), `experts.N.*` of `moe_intermediate_size` and `shared_experts.*` of n_shared_experts x
moe_intermediate_size. The next-token-prediction layer after the last (`num_nextn_predict_layers`)
is extra and not required.
"""

from __future__ import annotations

from collections.abc import Iterator

from shared.inspection.expected.base import Decoder, Expected, attention, gated_mlp, norms
from shared.inspection.expected.moe import experts
from shared.inspection.sizing import TextDims


class Glm4(Decoder):
    """Both GLM-4 decoders share the family's entry; the config's experts say which it is."""

    def layer(self, d: TextDims, i: int) -> Iterator[Expected]:
        if d.experts:
            yield from _moe_layer(d, i)
            return
        yield from attention(d, bias=d.attention_bias)
        yield "mlp.gate_up_proj.weight", (2 * d.intermediate, d.hidden)
        yield "mlp.down_proj.weight", (d.hidden, d.intermediate)
        yield from norms(
            d, "input_layernorm", "post_self_attn_layernorm", "post_attention_layernorm", "post_mlp_layernorm"
        )


def _moe_layer(d: TextDims, i: int) -> Iterator[Expected]:
    yield from attention(d, bias=d.attention_bias, qk_norm=d.section.get("use_qk_norm") is True)
    if i >= d.dense_layers:
        yield "mlp.gate.weight", (d.experts, d.hidden)
        yield "mlp.gate.e_score_correction_bias", (d.experts,)
        yield from experts(d)
        if d.shared_intermediate:
            yield from gated_mlp(d, d.shared_intermediate, prefix="mlp.shared_experts.")
    else:
        yield from gated_mlp(d)
    yield from norms(d)
