"""The model families the OCI serving runtimes (vLLM, SGLang through OME) are known to serve.

One table entry per family, in the spirit of OME's `modelconfig` registry: the
`model_type`s and `architectures` that belong to it, and the transformers defaults
for keys its published configs leave out (Gemma 3 configs omit `vocab_size`, for
example), which the config-only parameter estimate needs. Adding a family is adding
an entry here; capability rules and sizing read nothing else about families.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Family:
    name: str
    model_types: frozenset[str]
    architectures: frozenset[str]
    #: transformers defaults for keys that published configs omit
    defaults: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: RMSNorm weights per decoder layer (Gemma 2 and 3 norm before and after both blocks)
    norms_per_layer: int = 2
    #: per-head RMSNorm on queries and keys (Qwen3, Gemma 3)
    qk_norm: bool = False
    #: q/k/v projections carry biases by default (Qwen2)
    qkv_bias: bool = False
    #: BERT-style encoder: learned positions, token types, biases everywhere, no KV cache
    encoder: bool = False
    #: default of `tie_word_embeddings` when the config omits it
    tied_default: bool = False
    #: a vision-language family even when the config names no vision_config
    vision: bool = False
    #: layer pattern of sliding-window attention when the config has no `layer_types`:
    #: "all" (Mistral v0.1), "alternate" (Gemma 2: even layers slide), "every:N" (Gemma 3: each Nth is full)
    sliding_pattern: str = "all"
    #: the dense MLP's matrices: "gated" (gate, up, down: LlamaMLP and every SiLU-gated family) or
    #: "two" (up and down only: Starcoder2MLP `c_fc`/`c_proj`, GPT-2, Falcon, BERT)
    mlp: str = "gated"
    #: a config key that puts a bias on every linear layer of the decoder, and its transformers
    #: default when the config omits it (Starcoder2Config `use_bias`, default True)
    bias_key: str | None = None
    bias_default: bool = False
    #: norms are LayerNorm with a bias (Starcoder2: `nn.LayerNorm`), not RMSNorm (weight only)
    norm_bias: bool = False
    #: shared experts every MoE layer has whatever the config says, of the experts' width
    #: (Llama 4: Llama4TextMoe.shared_expert = Llama4TextMLP(config), intermediate_size)
    shared_experts: int = 0


def _f(name: str, model_types: set[str], architectures: set[str], **kwargs: Any) -> Family:
    defaults = MappingProxyType(dict(kwargs.pop("defaults", {})))
    return Family(name, frozenset(model_types), frozenset(architectures), defaults, **kwargs)


_GEMMA3_TEXT = {
    "vocab_size": 262208,
    "head_dim": 256,
    "num_attention_heads": 8,
    "num_key_value_heads": 4,
    "max_position_embeddings": 131072,
    "sliding_window": 4096,
    "sliding_window_pattern": 6,
    "hidden_size": 2304,
    "intermediate_size": 9216,
    "num_hidden_layers": 26,
}

FAMILIES: tuple[Family, ...] = (
    _f("llama", {"llama"}, {"LlamaForCausalLM", "LlamaModel", "LlamaForSequenceClassification"}),
    _f("mistral", {"mistral"}, {"MistralForCausalLM", "MistralModel", "MistralForSequenceClassification"}),
    _f("mixtral", {"mixtral"}, {"MixtralForCausalLM"}),
    _f("ministral3", {"ministral3", "ministral"}, {"Ministral3ForCausalLM", "MinistralForCausalLM"}),
    _f("gemma", {"gemma"}, {"GemmaForCausalLM"}, defaults={"head_dim": 256}, tied_default=True),
    _f(
        "gemma2",
        {"gemma2"},
        {"Gemma2ForCausalLM", "Gemma2Model", "Gemma2ForSequenceClassification"},
        defaults={"head_dim": 256, "sliding_window": 4096},
        norms_per_layer=4,
        tied_default=True,
        sliding_pattern="alternate",
    ),
    _f(
        "gemma3_text",
        {"gemma3_text"},
        {"Gemma3ForCausalLM", "Gemma3TextModel"},
        defaults=_GEMMA3_TEXT,
        norms_per_layer=4,
        qk_norm=True,
        tied_default=True,
        sliding_pattern="every:6",
    ),
    _f(
        "gemma3",
        {"gemma3"},
        {"Gemma3ForConditionalGeneration"},
        defaults={"text_model_type": "gemma3_text"},
        tied_default=True,
        vision=True,
    ),
    _f(
        "qwen2",
        {"qwen2"},
        {"Qwen2ForCausalLM", "Qwen2Model", "Qwen2ForSequenceClassification"},
        qkv_bias=True,
    ),
    _f("qwen2_moe", {"qwen2_moe"}, {"Qwen2MoeForCausalLM"}, qkv_bias=True),
    _f(
        "qwen3", {"qwen3"}, {"Qwen3ForCausalLM", "Qwen3Model", "Qwen3ForSequenceClassification"}, qk_norm=True
    ),
    _f("qwen3_moe", {"qwen3_moe"}, {"Qwen3MoeForCausalLM"}, qk_norm=True),
    _f(
        "qwen2_vl",
        {"qwen2_vl", "qwen2_5_vl"},
        {"Qwen2VLForConditionalGeneration", "Qwen2_5_VLForConditionalGeneration"},
        qkv_bias=True,
        vision=True,
    ),
    _f("phi3", {"phi3"}, {"Phi3ForCausalLM"}),
    _f("deepseek", {"deepseek_v2", "deepseek_v3"}, {"DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM"}),
    _f("gpt_oss", {"gpt_oss"}, {"GptOssForCausalLM"}),
    _f("glm4", {"glm4", "glm4_moe"}, {"Glm4ForCausalLM", "Glm4MoeForCausalLM"}),
    _f("cohere", {"cohere", "cohere2"}, {"CohereForCausalLM", "Cohere2ForCausalLM"}, tied_default=True),
    _f("granite", {"granite"}, {"GraniteForCausalLM"}),
    _f("olmo2", {"olmo2"}, {"Olmo2ForCausalLM"}, qk_norm=True),
    # transformers' Starcoder2: c_fc/c_proj MLP and q/k/v/o with bias=config.use_bias (default True),
    # nn.LayerNorm norms, tie_word_embeddings left at PretrainedConfig's default (True)
    _f(
        "starcoder2",
        {"starcoder2"},
        {"Starcoder2ForCausalLM"},
        mlp="two",
        bias_key="use_bias",
        bias_default=True,
        norm_bias=True,
        tied_default=True,
    ),
    _f(
        "llava",
        {"llava", "llava_next"},
        {"LlavaForConditionalGeneration", "LlavaNextForConditionalGeneration"},
        vision=True,
    ),
    _f("mistral3", {"mistral3"}, {"Mistral3ForConditionalGeneration"}, vision=True),
    _f("mllama", {"mllama"}, {"MllamaForConditionalGeneration"}, vision=True),
    _f(
        "llama4",
        {"llama4"},
        {"Llama4ForConditionalGeneration", "Llama4ForCausalLM"},
        vision=True,
        shared_experts=1,
    ),
    _f(
        "bert",
        {"bert"},
        {"BertModel", "BertForSequenceClassification", "BertForMaskedLM"},
        encoder=True,
        mlp="two",
        tied_default=True,
    ),
    _f(
        "roberta",
        {"roberta", "xlm-roberta"},
        {
            "RobertaModel",
            "RobertaForSequenceClassification",
            "XLMRobertaModel",
            "XLMRobertaForSequenceClassification",
        },
        encoder=True,
        mlp="two",
        tied_default=True,
    ),
)

_BY_MODEL_TYPE: dict[str, Family] = {mt: f for f in FAMILIES for mt in f.model_types}
_BY_ARCHITECTURE: dict[str, Family] = {a: f for f in FAMILIES for a in f.architectures}


def family_for_model_type(model_type: str | None) -> Family | None:
    return _BY_MODEL_TYPE.get(model_type or "")


def family_for_architecture(architecture: str) -> Family | None:
    return _BY_ARCHITECTURE.get(architecture)


def supported_architectures() -> list[str]:
    return sorted(_BY_ARCHITECTURE)
