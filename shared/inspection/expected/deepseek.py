"""DeepSeek-V2 and V3 (`DeepseekV2ForCausalLM`, `DeepseekV3ForCausalLM`): multi-head latent
attention and fine-grained experts with shared experts.

Attention (transformers models/deepseek_v3/modeling_deepseek_v3.py `DeepseekV3Attention`; vLLM
deepseek_v2.py `DeepseekV2MLAAttention`), with qk = qk_nope_head_dim + qk_rope_head_dim:
with `q_lora_rank` set, `q_a_proj` [q_lora_rank, hidden], `q_a_layernorm` [q_lora_rank] and
`q_b_proj` [heads x qk, q_lora_rank]; without (DeepSeek-V2-Lite), `q_proj` [heads x qk, hidden];
then `kv_a_proj_with_mqa` [kv_lora_rank + qk_rope_head_dim, hidden], `kv_a_layernorm`
[kv_lora_rank], `kv_b_proj` [heads x (qk_nope_head_dim + v_head_dim), kv_lora_rank] and `o_proj`
[hidden, heads x v_head_dim].

MLP: layer i is sparse when i >= first_k_dense_replace and i % moe_layer_freq == 0, else a dense
gate/up/down of `intermediate_size`. A sparse layer has `gate` [n_routed_experts, hidden]
(plus `gate.e_score_correction_bias` [n_routed_experts] when `topk_method` is `noaux_tc`, V3's
routing: vLLM creates the parameter only then), `experts.N.{gate,up,down}_proj` of
`moe_intermediate_size` and `shared_experts.{gate,up,down}_proj` of n_shared_experts x
moe_intermediate_size. V3's multi-token-prediction layer (`layers.{num_hidden_layers}`) is extra
and not required: vLLM skips it when serving without speculative decoding.
"""

from __future__ import annotations

from collections.abc import Iterator

from shared.inspection.config import as_int
from shared.inspection.expected.base import Decoder, Expected, gated_mlp, norms
from shared.inspection.expected.moe import experts
from shared.inspection.sizing import TextDims


class Deepseek(Decoder):
    def layer(self, d: TextDims, i: int) -> Iterator[Expected]:
        yield from mla(d)
        freq = as_int(d.section.get("moe_layer_freq")) or 1
        if d.experts and i >= d.dense_layers and i % freq == 0:
            yield "mlp.gate.weight", (d.experts, d.hidden)
            if d.section.get("topk_method") == "noaux_tc":
                yield "mlp.gate.e_score_correction_bias", (d.experts,)
            yield from experts(d)
            if d.shared_intermediate:
                yield from gated_mlp(d, d.shared_intermediate, prefix="mlp.shared_experts.")
        else:
            yield from gated_mlp(d)
        yield from norms(d)


def mla(d: TextDims) -> Iterator[Expected]:
    h, qk = d.hidden, d.qk_nope + d.qk_rope
    if d.q_lora_rank:
        yield "self_attn.q_a_proj.weight", (d.q_lora_rank, h)
        yield "self_attn.q_a_layernorm.weight", (d.q_lora_rank,)
        yield "self_attn.q_b_proj.weight", (d.heads * qk, d.q_lora_rank)
    else:
        yield "self_attn.q_proj.weight", (d.heads * qk, h)
    yield "self_attn.kv_a_proj_with_mqa.weight", (d.kv_lora_rank + d.qk_rope, h)
    yield "self_attn.kv_a_layernorm.weight", (d.kv_lora_rank,)
    yield "self_attn.kv_b_proj.weight", (d.heads * (d.qk_nope + d.v_head_dim), d.kv_lora_rank)
    yield "self_attn.o_proj.weight", (h, d.heads * d.v_head_dim)
