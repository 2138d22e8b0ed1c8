"""Parameters, weight bytes, KV cache and memory need, from config.json alone or with headers.

The config-only estimate counts every weight matrix a transformers implementation
creates from the config (attention including GQA and MLA, dense and MoE MLPs with shared
experts, norms, embeddings, an untied head, a ViT vision tower and its projector, BERT
encoders with their pooler), using the family table for keys a config leaves out. It is
labelled as an estimate wherever it is used; the exact numbers come from safetensors headers.

Memory need = serving weights + KV cache for the sized context and concurrency + overhead
(activations, CUDA graphs, allocator slack): max(20 % of the weights, 2 GiB), the margin
accelerate and SageMaker add to a load-only estimate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from shared.inspection.capability.families import Family, family_for_architecture, family_for_model_type
from shared.inspection.config import as_int, as_str_list

GIB = 2**30
OVERHEAD_FRACTION = 0.20
OVERHEAD_MIN_GIB = 2.0
DEFAULT_CONTEXT_TOKENS = 8192
DEFAULT_CONCURRENCY = 8
KV_BYTES_PER_ELEMENT = 2  # BF16 KV cache: never assume an FP8 cache the runtime may not enable

_NESTED_TEXT_KEYS = ("text_config", "llm_config", "language_config")
_DTYPE_BYTES = {"float32": 4, "float": 4, "float16": 2, "half": 2, "bfloat16": 2, "float64": 8}
MXFP4_BLOCK = 32  # values per shared scale in an MX block (OCP Microscaling Formats spec v1.0)
HOPPER_QUANT = frozenset({"fp8", "fbgemm_fp8", "mxfp4", "modelopt"})


@dataclass(frozen=True)
class TextDims:
    """The language model's shape, with family defaults filled in."""

    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int
    max_positions: int | None
    tied: bool
    family: Family | None
    experts: int = 0
    moe_intermediate: int = 0
    shared_intermediate: int = 0
    shared_gate: bool = False
    dense_layers: int = 0
    moe_step: int = 1
    #: per layer: True where the layer's MLP is the MoE block (`moe_layer(i)`), from every placement
    #: key a family uses; empty for a dense model
    sparse: tuple[bool, ...] = ()
    #: width of the dense MLP layers when it differs from `intermediate` (Llama 4's
    #: `intermediate_size_mlp`; its `intermediate_size` is the experts' width); 0: `intermediate`
    dense_intermediate: int = 0
    kv_lora_rank: int = 0
    q_lora_rank: int = 0
    qk_nope: int = 0
    qk_rope: int = 0
    v_head_dim: int = 0
    layer_kinds: tuple[str, ...] = ()
    sliding_window: int | None = None
    type_vocab: int = 0
    attention_bias: bool = False
    mlp_bias: bool = False
    #: `attention_bias: true` puts a bias on o_proj too (Llama, gpt-oss); a family's q/k/v-only biases
    #: (Qwen2) do not
    output_bias: bool = False
    #: the config section these dimensions come from (read-only), for the keys only one family reads
    #: (`use_qk_norm`, `topk_method`, `mlp_only_layers`, ...): shared/inspection/expected/
    section: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def moe_layer(self, i: int) -> bool:
        """Layer `i` holds the experts (else the dense MLP)."""
        return i < len(self.sparse) and self.sparse[i]


@dataclass(frozen=True)
class ParamEstimate:
    """Parameters by kind; bytes follow from the dtype and quantization of each kind."""

    embedding: int
    dense: int  # attention and dense MLP matrices, norms, head
    experts: int
    vision: int
    head: int

    #: the estimator knows this family's layout (MLP shape, biases, norms, MoE placement), so a
    #: header count far from it means the config does not describe the weights; False for a family
    #: outside capability/families.py, whose count is an approximation only
    layout_known: bool = True

    @property
    def total(self) -> int:
        return self.embedding + self.dense + self.experts + self.vision + self.head


@dataclass(frozen=True)
class Quantization:
    method: str | None
    needs_hopper: bool
    linear_bytes: float  # bytes per weight of quantized linear layers
    experts_only: bool = False


@dataclass(frozen=True)
class MemoryNeed:
    weights_gib: float
    kv_cache_gib: float
    overhead_gib: float
    context_tokens: int
    concurrency: int

    @property
    def total_gib(self) -> float:
        return self.weights_gib + self.kv_cache_gib + self.overhead_gib


# --- reading the config -------------------------------------------------------------------


def architectures(config: dict[str, Any]) -> list[str]:
    return as_str_list(config.get("architectures"))


def top_family(config: dict[str, Any]) -> Family | None:
    archs = architectures(config)
    by_arch = family_for_architecture(archs[0]) if archs else None
    mt = config.get("model_type")
    return by_arch or family_for_model_type(mt if isinstance(mt, str) else None)


#: Defaults of the text config classes a multimodal wrapper instantiates for a nested
#: `text_config` that names only what differs (llava-hf/llava-1.5-7b-hf's names only
#: `vocab_size` and `max_position_embeddings`: the rest is LlamaConfig's 7B defaults).
#: Values: the `__init__` defaults of transformers' `LlamaConfig` (configuration_llama.py) and
#: `MistralConfig` (configuration_mistral.py). Only nested sections get them: a top-level
#: config without its sizes is not a model to estimate.
_NESTED_TEXT_DEFAULTS: dict[str, dict[str, int]] = {
    "llama": {
        "vocab_size": 32000,
        "hidden_size": 4096,
        "intermediate_size": 11008,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "max_position_embeddings": 2048,
    },
    "mistral": {
        "vocab_size": 32000,
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "max_position_embeddings": 4096 * 32,
    },
}


def text_section(config: dict[str, Any]) -> tuple[dict[str, Any], Family | None]:
    """The dict that describes the language model, and the family whose defaults apply to it."""
    top = top_family(config)
    for key in _NESTED_TEXT_KEYS:
        sub = config.get(key)
        if isinstance(sub, dict):
            mt = sub.get("model_type")
            if not isinstance(mt, str) and top is not None:
                mt = top.defaults.get("text_model_type")
            mt = mt if isinstance(mt, str) else None
            section = {**_NESTED_TEXT_DEFAULTS.get(mt or "", {}), **sub}
            return section, family_for_model_type(mt) or top
    return config, top


def has_vision(config: dict[str, Any]) -> bool:
    return any(isinstance(config.get(k), dict) for k in ("vision_config", "vision_tower", "visual"))


#: No real dimension, count or context length comes near this (the longest contexts are ~10**7
#: tokens, the largest vocabularies ~10**6); a larger value makes the config "not a real model"
#: instead of numbers too large for a float (10**400 once crashed the memory need).
MAX_CONFIG_INT = 2**31


class _Implausible(Exception):
    """A size key holds a number no real model has; the estimate gives up instead of overflowing."""


def _pick(section: dict[str, Any], family: Family | None, *keys: str) -> int | None:
    for key in keys:
        value = as_int(section.get(key))
        if value is not None and value > MAX_CONFIG_INT:
            raise _Implausible(key)
        if value is not None and value > 0:
            return value
    if family is not None:
        for key in keys:
            value = as_int(family.defaults.get(key))
            if value is not None and value > 0:
                return value
    return None


def text_dims(config: dict[str, Any]) -> TextDims | None:
    """The language model dimensions, or None when the config lacks the essentials or holds a
    size no real model has."""
    try:
        return _text_dims(config)
    except _Implausible:
        return None


def _text_dims(config: dict[str, Any]) -> TextDims | None:
    section, family = text_section(config)
    hidden = _pick(section, family, "hidden_size", "d_model", "n_embd", "dim")
    layers = _pick(section, family, "num_hidden_layers", "n_layer", "n_layers", "num_layers")
    heads = _pick(section, family, "num_attention_heads", "n_head", "n_heads")
    vocab = _pick(section, family, "vocab_size", "padded_vocab_size")
    if not (hidden and layers and heads and vocab):
        return None
    if hidden > 10**6 or layers > 10**4 or heads > 10**5 or vocab > 10**8:
        return None  # not a real model; keeps arithmetic on hostile configs bounded
    kv_heads = _pick(section, family, "num_key_value_heads", "n_head_kv", "num_kv_heads") or heads
    head_dim = _pick(section, family, "head_dim") or max(1, hidden // heads)
    intermediate = _pick(section, family, "intermediate_size", "ffn_dim", "n_inner") or 4 * hidden
    tied_raw = section.get("tie_word_embeddings", config.get("tie_word_embeddings"))
    tied = tied_raw if isinstance(tied_raw, bool) else bool(family and family.tied_default)
    experts = (
        _pick(section, None, "num_local_experts", "num_experts", "n_routed_experts", "moe_num_experts") or 0
    )
    moe_intermediate = _pick(section, None, "moe_intermediate_size") or intermediate
    n_shared = _pick(section, None, "n_shared_experts", "moe_num_shared_experts") or 0
    if experts and not n_shared and family is not None:
        n_shared = family.shared_experts
    shared_intermediate = (
        _pick(section, None, "shared_expert_intermediate_size") or 0
    ) + n_shared * moe_intermediate
    mlp_only = section.get("mlp_only_layers")
    dense_layers = _pick(section, None, "first_k_dense_replace") or (
        len(mlp_only) if isinstance(mlp_only, list) else 0
    )
    kv_lora = _pick(section, None, "kv_lora_rank") or 0
    # A family's switch for every linear bias (Starcoder2's `use_bias`), at its transformers default.
    bias_raw = section.get(family.bias_key) if family is not None and family.bias_key else None
    all_bias = (
        bias_raw if isinstance(bias_raw, bool) else bool(family and family.bias_key and family.bias_default)
    )
    return TextDims(
        hidden=hidden,
        layers=layers,
        heads=heads,
        kv_heads=kv_heads,
        head_dim=head_dim,
        intermediate=intermediate,
        vocab=vocab,
        max_positions=_pick(
            section, family, "max_position_embeddings", "n_positions", "max_seq_len", "seq_length"
        ),
        tied=tied,
        family=family,
        experts=experts,
        moe_intermediate=moe_intermediate,
        shared_intermediate=shared_intermediate,
        shared_gate=bool(_pick(section, None, "shared_expert_intermediate_size")),
        dense_layers=min(dense_layers, layers),
        moe_step=_pick(section, None, "decoder_sparse_step") or 1,
        sparse=_sparse_layers(section, layers, experts),
        dense_intermediate=_pick(section, None, "intermediate_size_mlp") or 0,
        kv_lora_rank=kv_lora,
        q_lora_rank=_pick(section, None, "q_lora_rank") or 0,
        qk_nope=_pick(section, None, "qk_nope_head_dim") or 0,
        qk_rope=_pick(section, None, "qk_rope_head_dim") or 0,
        v_head_dim=_pick(section, None, "v_head_dim") or head_dim,
        layer_kinds=_layer_kinds(section, family, layers),
        sliding_window=_pick(section, family, "sliding_window", "attention_chunk_size"),
        type_vocab=_pick(section, None, "type_vocab_size") or 0,
        attention_bias=section.get("attention_bias") is True or bool(family and family.qkv_bias) or all_bias,
        mlp_bias=section.get("mlp_bias") is True or all_bias,
        output_bias=section.get("attention_bias") is True or all_bias,
        section=MappingProxyType(section),
    )


def _sparse_layers(section: dict[str, Any], layers: int, experts: int) -> tuple[bool, ...]:
    """Which layers hold the experts, by every placement key the MoE families use (one family
    sets one or two of them; the others keep their neutral values):

    - `moe_layers` (explicit indices) or `interleave_moe_layer_step` (Llama 4:
      Llama4TextConfig.moe_layers = range(step - 1, layers, step); Maverick alternates, step 2);
    - `decoder_sparse_step` and `mlp_only_layers` (Qwen2-MoE, Qwen3-MoE: sparse where
      `i not in mlp_only_layers and (i + 1) % decoder_sparse_step == 0`);
    - `first_k_dense_replace` and `moe_layer_freq` (DeepSeek V2/V3, GLM-4.5, dots1: vLLM's
      deepseek_v2.py builds the MoE where `i >= first_k_dense_replace and i % moe_layer_freq == 0`);
    - `moe_layer_start_index`/`moe_layer_end_index`/`moe_layer_interval` (ERNIE 4.5 MoE:
      `(i + 1) % interval == 0 and start <= i <= end`, end -1 meaning the last layer);
    - `expert_layer_period`/`expert_layer_offset` (Jamba: `i % period == offset`).
    """
    if not experts:
        return ()
    explicit = section.get("moe_layers")
    if isinstance(explicit, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in explicit):
        chosen = set(explicit)
        return tuple(i in chosen for i in range(layers))
    step = _pick(section, None, "interleave_moe_layer_step", "decoder_sparse_step", "moe_layer_interval") or 1
    first = max(
        as_int(section.get("first_k_dense_replace")) or 0, as_int(section.get("moe_layer_start_index")) or 0
    )
    end = as_int(section.get("moe_layer_end_index"))
    last = layers - 1 if end is None or end < 0 else end
    freq = _pick(section, None, "moe_layer_freq") or 1
    only = section.get("mlp_only_layers")
    dense = {i for i in only if isinstance(i, int)} if isinstance(only, list) else set()
    period = _pick(section, None, "expert_layer_period") or 1
    offset = (as_int(section.get("expert_layer_offset")) or 0) % period
    return tuple(
        (i + 1) % step == 0
        and first <= i <= last
        and i % freq == 0
        and i not in dense
        and i % period == offset
        for i in range(layers)
    )


def _layer_kinds(section: dict[str, Any], family: Family | None, layers: int) -> tuple[str, ...]:
    """'full', 'sliding' or 'none' (no KV cache: linear attention, Mamba) for every layer."""
    if family is not None and family.encoder:
        return ("none",) * layers
    types = section.get("layer_types")
    if isinstance(types, list) and len(types) == layers and all(isinstance(t, str) for t in types):
        kinds = []
        for t in types:
            if "sliding" in t or "chunked" in t or "local" in t:
                kinds.append("sliding")
            elif "full" in t or t in ("attention", "global"):
                kinds.append("full")
            else:
                kinds.append("none")
        return tuple(kinds)
    window = as_int(section.get("sliding_window"))
    if family is not None and window is None:
        window = as_int(family.defaults.get("sliding_window"))
    if not window or section.get("use_sliding_window") is False:
        return ("full",) * layers
    pattern = family.sliding_pattern if family else "all"
    if pattern == "alternate":
        return tuple("sliding" if i % 2 == 0 else "full" for i in range(layers))
    if pattern.startswith("every:"):
        n = _pick(section, family, "sliding_window_pattern", "_sliding_window_pattern") or int(pattern[6:])
        return tuple("full" if (i + 1) % n == 0 else "sliding" for i in range(layers))
    return ("sliding",) * layers


# --- parameters --------------------------------------------------------------------------


def estimate_parameters(config: dict[str, Any]) -> ParamEstimate | None:
    dims = text_dims(config)
    if dims is None:
        return None
    d = dims
    h = d.hidden
    encoder = bool(d.family and d.family.encoder)
    arch = (architectures(config) or [""])[0]
    attn = _attention_params(d, encoder)
    # The family's MLP and norms (capability/families.py); outside the table, the model types
    # whose transformers MLP is two biased matrices with LayerNorms (GPT-2, Falcon, ...).
    if d.family is not None:
        two = d.family.mlp == "two"
        norm_bias = encoder or d.family.norm_bias
        mlp_bias = encoder or d.mlp_bias
    else:
        model_type = d.section.get("model_type", config.get("model_type"))
        two = norm_bias = mlp_bias = model_type in TWO_MATRIX_MLP_MODEL_TYPES
    norm = 2 * h if norm_bias else h
    norms = (2 if encoder else d.family.norms_per_layer if d.family else 2) * norm
    dense_mlp = _mlp_params(h, d.dense_intermediate or d.intermediate, two, mlp_bias)
    expert_params = 3 * h * d.moe_intermediate
    if quantization(config).method == "mxfp4":
        # The Hub counts an MXFP4 expert as its FP4 values (two per stored byte) plus one E8M0 scale
        # per block of 32 values (OCP Microscaling spec; gpt-oss `*_scales` tensors are U8).
        expert_params += expert_params // MXFP4_BLOCK
    dense, experts = 0, 0
    for i in range(d.layers):
        dense += attn + norms
        if d.moe_layer(i):
            experts += d.experts * expert_params
            dense += h * d.experts + 3 * h * d.shared_intermediate + (h if d.shared_gate else 0)
        else:
            dense += dense_mlp
    embedding = d.vocab * h
    head = 0
    if encoder:
        positions = d.max_positions or 512
        embedding += positions * h + d.type_vocab * h + 2 * h
        if arch.endswith("ForSequenceClassification"):
            head = h * h + h + (h + 1) * num_labels(config)
        elif not arch.endswith("ForMaskedLM"):
            head = h * h + h  # the pooler BertModel creates
    else:
        dense += norm  # final norm
        if arch.endswith("ForSequenceClassification"):
            head = h * num_labels(config)
        elif not _is_bare_model(arch) and not d.tied:
            head = d.vocab * h
    return ParamEstimate(
        embedding=embedding,
        dense=dense,
        experts=experts,
        vision=_vision_params(config, h),
        head=head,
        layout_known=d.family is not None,
    )


#: Model types outside the family table whose transformers MLP is two matrices with biases
#: (up and down, no gate) and whose norms are LayerNorms: gpt_bigcode and gpt2 (`mlp.c_fc`/`c_proj`),
#: falcon, bloom, gpt_neox and persimmon (`dense_h_to_4h`/`dense_4h_to_h`), phi and opt (`fc1`/`fc2`),
#: gptj and codegen (`fc_in`/`fc_out`), gpt_neo (`c_fc`/`c_proj`), mpt (`up_proj`/`down_proj`),
#: nemotron (`up_proj`/`down_proj`, squared ReLU), distilbert and the BERT-like encoders. Only the
#: config-only size uses it: without their attention and position layouts the count is not checked.
TWO_MATRIX_MLP_MODEL_TYPES = frozenset(
    {
        "gpt_bigcode",
        "gpt2",
        "gpt_neo",
        "gptj",
        "codegen",
        "gpt_neox",
        "falcon",
        "bloom",
        "phi",
        "opt",
        "mpt",
        "persimmon",
        "nemotron",
        "distilbert",
        "electra",
        "deberta",
        "deberta-v2",
        "camembert",
    }
)


def _mlp_params(h: int, inter: int, two: bool, bias: bool) -> int:
    """A dense MLP: gate, up and down (LlamaMLP) or up and down only, with their biases."""
    if two:
        return 2 * h * inter + ((inter + h) if bias else 0)
    return 3 * h * inter + ((2 * inter + h) if bias else 0)


def _attention_params(d: TextDims, encoder: bool) -> int:
    h = d.hidden
    if d.kv_lora_rank:
        qk = d.qk_nope + d.qk_rope
        q = (
            (h * d.q_lora_rank + d.q_lora_rank + d.q_lora_rank * d.heads * qk)
            if d.q_lora_rank
            else h * d.heads * qk
        )
        kv = (
            h * (d.kv_lora_rank + d.qk_rope)
            + d.kv_lora_rank
            + d.kv_lora_rank * d.heads * (d.qk_nope + d.v_head_dim)
        )
        return q + kv + d.heads * d.v_head_dim * h
    q_out, kv_out = d.heads * d.head_dim, d.kv_heads * d.head_dim
    params = h * q_out + 2 * h * kv_out + q_out * h
    if encoder:
        params += q_out + 2 * kv_out + h
    elif d.attention_bias:
        params += q_out + 2 * kv_out + (h if d.output_bias else 0)
    if d.family is not None and d.family.qk_norm:
        params += 2 * d.head_dim
    return params


def _vision_params(config: dict[str, Any], text_hidden: int) -> int:
    """A ViT tower (SigLIP, CLIP, Qwen-VL) and the projector into the language model."""
    try:
        return _vision_tower_params(config, text_hidden)
    except _Implausible:
        return 0


def _vision_tower_params(config: dict[str, Any], text_hidden: int) -> int:
    vision = config.get("vision_config")
    if not isinstance(vision, dict):
        return 0
    hv = _pick(vision, None, "embed_dim", "hidden_size", "width")
    layers = _pick(vision, None, "depth", "num_hidden_layers", "layers")
    if not hv or not layers or hv > 10**5 or layers > 10**3:
        return 0
    ratio = vision.get("mlp_ratio")
    inter = _pick(vision, None, "intermediate_size") or (
        int(hv * ratio) if isinstance(ratio, int | float) and 0 < ratio < 100 else 4 * hv
    )
    # SiLU towers (Qwen2.5-VL) use a gated MLP, three matrices; GELU towers (SigLIP, CLIP) two.
    gated = str(vision.get("hidden_act", "")).lower() in ("silu", "swiglu")
    mlp = (3 * hv * inter + 2 * inter + hv) if gated else (2 * hv * inter + inter + hv)
    per_layer = 4 * (hv * hv + hv) + mlp + 4 * hv
    patch = _pick(vision, None, "patch_size", "spatial_patch_size") or 14
    channels = _pick(vision, None, "num_channels", "in_channels", "in_chans") or 3
    temporal = _pick(vision, None, "temporal_patch_size") or 1
    tower = layers * per_layer + channels * temporal * patch * patch * hv + 2 * hv
    merge = _pick(vision, None, "spatial_merge_size")
    if merge and merge < 16:
        # Qwen-VL: rotary positions; a merger MLP from merge^2 patches to the text width.
        out = (
            _pick(vision, None, "out_hidden_size")
            or (_pick(vision, None, "hidden_size") if "embed_dim" in vision else None)
            or text_hidden
        )
        d = hv * merge * merge
        return tower + hv + d * d + d + d * out + out
    image = _pick(vision, None, "image_size") or 224
    positions = (image // patch) ** 2
    if vision.get("model_type") == "clip_vision_model":
        # CLIP: a class token with its own position, a pre-encoder LayerNorm, no patch bias.
        tower += hv + (positions + 1) * hv + 2 * hv
    else:
        tower += hv + positions * hv  # SigLIP: a patch-embedding bias and learned positions
    if "projector_hidden_act" in config:
        # LLaVA's multi_modal_projector: linear_1 (vision -> text), activation, linear_2 (text -> text),
        # with biases unless `multimodal_projector_bias` is false (Mistral 3).
        bias = 0 if config.get("multimodal_projector_bias") is False else 2 * text_hidden
        return tower + hv * text_hidden + text_hidden * text_hidden + bias
    return tower + hv * text_hidden + hv


def num_labels(config: dict[str, Any]) -> int:
    labels = as_int(config.get("num_labels"))
    id2label = config.get("id2label")
    if labels is None and isinstance(id2label, dict):
        labels = len(id2label)
    return max(1, min(labels or 2, 10**6))


def _is_bare_model(arch: str) -> bool:
    return arch.endswith(("Model", "ForTextEncoding")) and not arch.endswith("LMHeadModel")


# --- bytes -------------------------------------------------------------------------------


def quantization(config: dict[str, Any]) -> Quantization:
    """How the weights are quantized, per `quantization_config` (FP8 and MXFP4 need Hopper)."""
    section, _ = text_section(config)
    qc = config.get("quantization_config", section.get("quantization_config"))
    if not isinstance(qc, dict):
        return Quantization(None, False, _dtype_bytes(config))
    method = qc.get("quant_method")
    method = method.lower() if isinstance(method, str) else "unknown"
    if method in ("fp8", "fbgemm_fp8", "modelopt"):
        return Quantization(method, True, 1.0)
    if method == "mxfp4":
        return Quantization(method, True, 4.25 / 8, experts_only=True)
    if method == "compressed-tensors" and _compressed_fp8(qc):
        return Quantization("compressed-tensors-fp8", True, 1.0)
    # The method's real bytes per weight, scales and zero points included, from the quantization
    # table (imported here: the checks package imports this module).
    from shared.inspection.checks.quantization import bytes_per_weight

    real = bytes_per_weight(config)
    if real is not None:
        return Quantization(method, False, real)
    bits = as_int(qc.get("bits")) or as_int(qc.get("w_bit")) or (4 if qc.get("load_in_4bit") else 8)
    return Quantization(method, False, max(1, min(bits, 16)) / 8 * 1.03)


def _compressed_fp8(qc: dict[str, Any]) -> bool:
    groups = qc.get("config_groups")
    if not isinstance(groups, dict):
        return False
    for group in groups.values():
        weights = group.get("weights") if isinstance(group, dict) else None
        if (
            isinstance(weights, dict)
            and weights.get("type") == "float"
            and as_int(weights.get("num_bits")) == 8
        ):
            return True
    return False


def _dtype_bytes(config: dict[str, Any]) -> float:
    section, _ = text_section(config)
    for raw in (
        config.get("torch_dtype"),
        config.get("dtype"),
        section.get("torch_dtype"),
        section.get("dtype"),
    ):
        if isinstance(raw, str) and raw.replace("torch.", "") in _DTYPE_BYTES:
            return _DTYPE_BYTES[raw.replace("torch.", "")]
    return 2


def estimate_weight_bytes(params: ParamEstimate, config: dict[str, Any], serving: bool) -> int:
    """Stored bytes (`serving=False`) or bytes once loaded (F32 checkpoints are served in 16-bit)."""
    q = quantization(config)
    base = _dtype_bytes(config)
    if serving:
        base = min(base, 2)
    if q.method is None:
        return int(params.total * base)
    plain = (params.embedding + params.head + params.vision) * min(base, 2)
    if q.experts_only:
        return int(plain + params.dense * min(base, 2) + params.experts * q.linear_bytes)
    return int(plain + (params.dense + params.experts) * q.linear_bytes)


# --- KV cache and memory ----------------------------------------------------------------


def kv_cache_bytes(dims: TextDims, context: int, concurrency: int) -> int:
    """KV cache for `concurrency` sequences of `context` tokens (sliding layers keep their window)."""
    if dims.kv_lora_rank:
        per_layer_token = (dims.kv_lora_rank + dims.qk_rope) * KV_BYTES_PER_ELEMENT
    else:
        per_layer_token = 2 * dims.kv_heads * dims.head_dim * KV_BYTES_PER_ELEMENT
    total = 0
    for kind in dims.layer_kinds or ("full",) * dims.layers:
        if kind == "full":
            tokens = context
        elif kind == "sliding":
            tokens = min(context, dims.sliding_window or context)
        else:
            continue
        total += per_layer_token * tokens * concurrency
    return total


def serving_context(dims: TextDims | None, requested: int | None) -> int:
    wanted = requested or DEFAULT_CONTEXT_TOKENS
    if dims is not None and dims.max_positions:
        return max(1, min(wanted, dims.max_positions))
    return wanted


def memory_need(
    serving_weight_bytes: int,
    dims: TextDims | None,
    uses_kv_cache: bool,
    context_tokens: int | None,
    concurrency: int | None,
) -> MemoryNeed:
    """Weights + KV cache + overhead, in GiB; embedding and rerank models keep no KV cache."""
    context = serving_context(dims, context_tokens)
    conc = concurrency or DEFAULT_CONCURRENCY
    weights = serving_weight_bytes / GIB
    kv = kv_cache_bytes(dims, context, conc) / GIB if (dims is not None and uses_kv_cache) else 0.0
    overhead = max(OVERHEAD_FRACTION * weights, OVERHEAD_MIN_GIB)
    return MemoryNeed(
        weights_gib=weights, kv_cache_gib=kv, overhead_gib=overhead, context_tokens=context, concurrency=conc
    )


def round_gib(value: float) -> float:
    return math.ceil(value * 100) / 100
