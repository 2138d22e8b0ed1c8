"""Config-only estimates against the Hub's published parameter counts, KV cache, memory need."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.inspection import LocalFolderSource, inspect_artifacts
from shared.inspection.sizing import (
    GIB,
    estimate_parameters,
    estimate_weight_bytes,
    kv_cache_bytes,
    memory_need,
    quantization,
    text_dims,
)
from tests.shared.inspection.builders import TINY_LLAMA_CONFIG, fixture_config, write_model

# The Hub's safetensors parameter totals (model pages / get_safetensors_metadata).
HUB_PARAMETERS = {
    "google/gemma-3-270m-it": 268_098_176,
    "google/gemma-3-1b-it": 999_885_952,
    "google/gemma-3-4b-it": 4_300_079_472,
    "google/gemma-3-12b-it": 12_187_325_040,
    "google/gemma-3-27b-it": 27_432_406_640,
    "google/gemma-2-2b-it": 2_614_341_888,
    "google/gemma-2-9b-it": 9_241_705_984,
    "google/gemma-2-27b-it": 27_227_128_320,
    "mistralai/Mistral-7B-Instruct-v0.3": 7_248_023_552,
    "mistralai/Mistral-Nemo-Instruct-2407": 12_247_782_400,
    "mistralai/Mixtral-8x7B-Instruct-v0.1": 46_702_792_704,
    "intfloat/e5-mistral-7b-instruct": 7_110_660_096,
    "Qwen/Qwen2.5-VL-7B-Instruct": 8_292_166_656,
    # the model page's count: packed MXFP4 `*_blocks` bytes count two parameters, scales one each
    # (huggingface_hub.get_safetensors_metadata counts one per byte; see test_parameter_counts.py)
    "openai/gpt-oss-20b": 21_511_953_984,
    # a nested text_config naming only vocab and context (LlamaConfig defaults fill the rest)
    "llava-hf/llava-1.5-7b-hf": 7_063_427_072,
}


@pytest.mark.parametrize("hf_id", sorted(HUB_PARAMETERS))
def test_config_estimate_is_within_3_percent(hf_id: str) -> None:
    estimate = estimate_parameters(fixture_config(hf_id))
    assert estimate is not None
    assert abs(estimate.total - HUB_PARAMETERS[hf_id]) / HUB_PARAMETERS[hf_id] < 0.03


def test_encoder_estimate_matches_bert_base() -> None:
    # bert-base-uncased's published config; BertModel with its pooler has 109,482,240 parameters.
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": 768,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "intermediate_size": 3072,
        "vocab_size": 30522,
        "max_position_embeddings": 512,
        "type_vocab_size": 2,
    }
    estimate = estimate_parameters(config)
    assert estimate is not None and estimate.total == 109_482_240


def test_moe_with_shared_experts_and_mla() -> None:
    # Qwen2-57B-A14B (published config; the Hub's safetensors total is 57,408,658,944) exercises
    # shared experts.
    qwen_moe = {
        "architectures": ["Qwen2MoeForCausalLM"],
        "model_type": "qwen2_moe",
        "hidden_size": 3584,
        "intermediate_size": 18944,
        "moe_intermediate_size": 2560,
        "num_experts": 64,
        "num_attention_heads": 28,
        "num_hidden_layers": 28,
        "num_key_value_heads": 4,
        "shared_expert_intermediate_size": 20480,
        "tie_word_embeddings": False,
        "vocab_size": 151936,
        "max_position_embeddings": 131072,
    }
    estimate = estimate_parameters(qwen_moe)
    assert estimate is not None and abs(estimate.total - 57_408_658_944) / 57_408_658_944 < 0.03
    # DeepSeek-V3 (MLA + 256 routed experts, 3 dense layers): 671 B without the MTP layer.
    deepseek = {
        "architectures": ["DeepseekV3ForCausalLM"],
        "model_type": "deepseek_v3",
        "hidden_size": 7168,
        "intermediate_size": 18432,
        "moe_intermediate_size": 2048,
        "n_routed_experts": 256,
        "n_shared_experts": 1,
        "first_k_dense_replace": 3,
        "num_attention_heads": 128,
        "num_hidden_layers": 61,
        "num_key_value_heads": 128,
        "q_lora_rank": 1536,
        "kv_lora_rank": 512,
        "qk_nope_head_dim": 128,
        "qk_rope_head_dim": 64,
        "v_head_dim": 128,
        "vocab_size": 129280,
        "max_position_embeddings": 163840,
        "tie_word_embeddings": False,
    }
    estimate = estimate_parameters(deepseek)
    assert estimate is not None and abs(estimate.total - 671e9) / 671e9 < 0.03
    dims = text_dims(deepseek)
    assert dims is not None
    # MLA caches one latent of kv_lora_rank + rope dims per layer and token, not 2 x heads x head_dim.
    assert kv_cache_bytes(dims, 1000, 1) == 61 * (512 + 64) * 2 * 1000


def test_kv_cache_keeps_only_the_window_on_sliding_layers() -> None:
    dims = text_dims(fixture_config("google/gemma-3-27b-it"))
    assert dims is not None
    assert dims.layer_kinds.count("full") == 10 and dims.layer_kinds.count("sliding") == 52
    per_layer_token = 2 * 16 * 128 * 2
    assert kv_cache_bytes(dims, 8192, 1) == per_layer_token * (10 * 8192 + 52 * 1024)


def test_gqa_kv_cache_uses_kv_heads() -> None:
    dims = text_dims(fixture_config("mistralai/Mistral-7B-Instruct-v0.3"))
    assert dims is not None and dims.kv_heads == 8
    assert kv_cache_bytes(dims, 4096, 2) == 32 * 2 * 8 * 128 * 2 * 4096 * 2


def test_float32_checkpoints_are_sized_in_16_bit_for_serving() -> None:
    config = fixture_config("google/gemma-2-9b-it")
    estimate = estimate_parameters(config)
    assert estimate is not None
    assert estimate_weight_bytes(estimate, config, serving=False) == 4 * estimate.total
    assert estimate_weight_bytes(estimate, config, serving=True) == 2 * estimate.total


def test_mxfp4_experts_need_hopper_and_take_about_half_a_byte() -> None:
    config = fixture_config("openai/gpt-oss-20b")
    q = quantization(config)
    assert q.needs_hopper and q.experts_only
    estimate = estimate_parameters(config)
    assert estimate is not None and estimate.experts > 0.9 * estimate.total
    assert estimate_weight_bytes(estimate, config, serving=True) < 0.7 * estimate.total


def test_fp8_quantization_needs_hopper_and_halves_linear_bytes() -> None:
    config = fixture_config("mistralai/Devstral-2-123B-Instruct-2512")
    q = quantization(config)
    assert q.needs_hopper and q.method == "fp8"
    estimate = estimate_parameters(config)
    assert estimate is not None
    stored = estimate_weight_bytes(estimate, config, serving=True)
    assert estimate.total < stored < 1.1 * estimate.total  # ~1 byte per weight, embeddings in BF16


def test_memory_need_states_context_and_concurrency_and_skips_kv_for_pooling() -> None:
    dims = text_dims(fixture_config("mistralai/Mistral-Nemo-Instruct-2407"))
    chat = memory_need(20 * GIB, dims, True, None, None)
    assert (chat.context_tokens, chat.concurrency) == (8192, 8)
    assert chat.kv_cache_gib == pytest.approx(40 * 2 * 8 * 128 * 2 * 8192 * 8 / GIB)
    assert chat.overhead_gib == pytest.approx(4.0)
    pooling = memory_need(20 * GIB, dims, False, 512, 4)
    assert pooling.kv_cache_gib == 0 and pooling.context_tokens == 512


def test_hostile_dimensions_give_no_estimate() -> None:
    assert (
        estimate_parameters(
            {"hidden_size": 10**9, "num_hidden_layers": 2, "num_attention_heads": 1, "vocab_size": 10}
        )
        is None
    )
    assert estimate_parameters({"model_type": "llama"}) is None


@pytest.mark.parametrize(
    "key", ["head_dim", "intermediate_size", "num_key_value_heads", "moe_intermediate_size"]
)
@pytest.mark.parametrize("with_weights", [False, True])
def test_a_size_of_ten_to_the_400_is_not_a_model_and_not_a_crash(
    key: str, with_weights: bool, tmp_path: Path
) -> None:
    """Issue 12: 10**400 in a size key raised OverflowError turning the KV cache into GiB (`inspect`
    and the function alike). Such a config gives no estimate; headers still size the weights."""
    config = {**TINY_LLAMA_CONFIG, key: 10**400, "num_local_experts": 4}
    assert text_dims(config) is None and estimate_parameters(config) is None
    tower = {"hidden_size": 8, "num_hidden_layers": 2, "intermediate_size": 10**400}
    vision = {**TINY_LLAMA_CONFIG, "vision_config": tower}
    assert estimate_parameters(vision) == estimate_parameters(TINY_LLAMA_CONFIG)
    write_model(tmp_path, config, None if with_weights else {})
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    assert (report.parameters is not None) == with_weights


def test_quantized_weights_use_the_methods_real_bytes_per_weight() -> None:
    """GPTQ 4-bit in groups of 128 carries a 16-bit scale and a 4-bit zero point per group:
    (4 + 16/128 + 4/128) / 8 bytes a weight (the quantization table's figure), not 4/8 x 1.03."""
    config = {
        **TINY_LLAMA_CONFIG,
        "quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 128},
    }
    assert quantization(config).linear_bytes == pytest.approx((4 + 16 / 128 + 4 / 128) / 8)
    awq = {**TINY_LLAMA_CONFIG, "quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 64}}
    assert quantization(awq).linear_bytes == pytest.approx((4 + 16 / 64 + 4 / 64) / 8)
