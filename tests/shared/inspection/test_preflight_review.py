"""Defects a review found in the pre-flight, each tested as a kind on real configs.

Never refuse what vLLM/SGLang load; refuse what they cannot: the family's MLP shape and MoE
layer placement in the config-only estimate, shards without an index, null sizes, and the
messages that name what could not be read.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from shared.inspection import LocalFolderSource, inspect_artifacts
from shared.inspection.checks.config_rules import check_config
from shared.inspection.checks.quantization import check_quantization
from shared.inspection.checks.tensors import check_tensors
from shared.inspection.sizing import estimate_parameters, text_dims
from tests.shared.inspection.builders import (
    Tensors,
    fixture_config,
    split_shards,
    tiny_llama_tensors,
    write_model,
)

# --- the HQQ refusal names what it could not read ---------------------------------------------


def test_hqq_without_readable_bits_or_group_says_so() -> None:
    """vLLM's HQQMarlinConfig.from_config reads quant_config.weight_quant_params.nbits and
    .group_size; a config without them is refused, and the message must not print `?`."""
    for qc, said in (
        ({"quant_method": "hqq"}, "bit width and group size could not be read"),
        (
            {"quant_method": "hqq", "quant_config": {"weight_quant_params": {"nbits": 4}}},
            "HQQ with 4 bits whose group size could not be read",
        ),
        (
            {"quant_method": "hqq", "quant_config": {"weight_quant_params": {"nbits": 2, "group_size": 16}}},
            "HQQ with 2 bits in groups of 16",
        ),
    ):
        found = check_quantization({"quantization_config": qc})
        assert [f.code for f in found] == ["QUANTIZATION_UNSUPPORTED"]
        assert said in found[0].message and "?" not in found[0].message


# --- shards without an index load --------------------------------------------------------------


def test_shards_without_an_index_are_loaded_and_counted(tmp_path: Path) -> None:
    """mistralai/Mistral-7B-Instruct-v0.3's config and tensor shapes in three shards, index deleted.
    vLLM's weight_utils.filter_duplicate_safetensors_files returns every *.safetensors when the
    index file is absent, so the engine loads them all: a warning, never INDEX_INVALID."""
    config = fixture_config("mistralai/Mistral-7B-Instruct-v0.3")
    tensors = tiny_llama_tensors(layers=32, hidden=4096, inter=14336, vocab=32768, kv=1024)
    written = write_model(tmp_path, config, split_shards(tensors, 3), index=False, sparse=True)
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    codes = {f.code: f.severity for f in report.findings}
    assert report.ok, report.findings
    assert codes.get("INDEX_ABSENT") == "warning" and "INDEX_INVALID" not in codes
    assert (report.parameters, report.parameters_source) == (written, "safetensors")
    assert written == 7_248_023_552  # 7.25B, as the Hub page of Mistral-7B-Instruct-v0.3 shows


# --- the estimate knows each family's MLP; a count mismatch refuses only where it is trusted -----

#: bigcode/starcoder2-15b's config.json as quoted in full (from /store3/.../starcoder2-15b/config.json)
#: by a public parameter-counting note (code index id 53112043041)
STARCODER2_15B: dict[str, Any] = {
    "architectures": ["Starcoder2ForCausalLM"],
    "attention_dropout": 0.0,
    "bos_token_id": 0,
    "eos_token_id": 0,
    "hidden_act": "gelu_pytorch_tanh",
    "hidden_size": 6144,
    "initializer_range": 0.01275,
    "intermediate_size": 24576,
    "max_position_embeddings": 16384,
    "mlp_type": "default",
    "model_type": "starcoder2",
    "norm_epsilon": 1e-05,
    "norm_type": "layer_norm",
    "num_attention_heads": 48,
    "num_hidden_layers": 40,
    "num_key_value_heads": 4,
    "rms_norm_eps": 1e-05,
    "rope_theta": 100000,
    "sliding_window": 4096,
    "tie_word_embeddings": False,
    "torch_dtype": "float32",
    "transformers_version": "4.37.0.dev0",
    "use_bias": True,
    "use_cache": True,
    "vocab_size": 49152,
}


def starcoder2_tensors(c: dict[str, Any], head: bool) -> Tensors:
    """Names and shapes of transformers' Starcoder2ForCausalLM: q/k/v/o, `mlp.c_fc`/`mlp.c_proj`
    with biases (use_bias), LayerNorm weights and biases."""
    h, inter, kv = c["hidden_size"], c["intermediate_size"], c["num_key_value_heads"] * 128
    t: Tensors = {"model.embed_tokens.weight": ("BF16", [c["vocab_size"], h])}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        for name, rows, cols in (("q", h, h), ("k", kv, h), ("v", kv, h), ("o", h, h)):
            t[p + f"self_attn.{name}_proj.weight"] = ("BF16", [rows, cols])
            t[p + f"self_attn.{name}_proj.bias"] = ("BF16", [rows])
        t[p + "mlp.c_fc.weight"] = ("BF16", [inter, h])
        t[p + "mlp.c_fc.bias"] = ("BF16", [inter])
        t[p + "mlp.c_proj.weight"] = ("BF16", [h, inter])
        t[p + "mlp.c_proj.bias"] = ("BF16", [h])
        for norm in ("input_layernorm", "post_attention_layernorm"):
            t[p + f"{norm}.weight"] = ("BF16", [h])
            t[p + f"{norm}.bias"] = ("BF16", [h])
    t["model.norm.weight"] = ("BF16", [h])
    t["model.norm.bias"] = ("BF16", [h])
    if head:
        t["lm_head.weight"] = ("BF16", [c["vocab_size"], h])
    return t


@pytest.mark.parametrize("tied", [False, True], ids=["published", "tied-copy"])
def test_starcoder2_two_matrix_mlp_is_not_refused(tied: bool, tmp_path: Path) -> None:
    """The published config (untied, lm_head stored) and the reviewer's tied copy without lm_head
    (15,655,899,136 parameters in the headers): the estimate counts c_fc/c_proj, not a gated MLP."""
    config = {**STARCODER2_15B, "tie_word_embeddings": tied}
    tensors = starcoder2_tensors(config, head=not tied)
    written = write_model(tmp_path, config, split_shards(tensors, 4), sparse=True)
    assert written == (15_655_899_136 if tied else 15_655_899_136 + 49152 * 6144)
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    assert "PARAMETERS_MISMATCH" not in [f.code for f in report.findings]
    estimate = estimate_parameters(config)
    assert estimate is not None and estimate.total == written  # every tensor of the family counted


def test_a_family_the_estimator_does_not_model_is_never_refused_on_its_count() -> None:
    """bigcode/starcoderbase (gpt_bigcode: MQA, learned positions, fused c_attn) is outside the
    family table; its estimate is an approximation, so a count far from it is no refusal."""
    config = {
        "architectures": ["GPTBigCodeForCausalLM"],
        "model_type": "gpt_bigcode",
        "n_embd": 6144,
        "n_head": 48,
        "n_inner": 24576,
        "n_layer": 40,
        "n_positions": 8192,
        "vocab_size": 49152,
        "multi_query": True,
    }
    tensors = {"transformer.wte.weight": ("BF16", (49152, 6144))}
    assert check_tensors(config, tensors, 15_500_000_000, generates=True) == []  # its card: 15.5B
    estimate = estimate_parameters(config)
    assert estimate is not None and not estimate.layout_known
    # the MLP counted is two matrices (c_fc, c_proj) with biases, not three
    attention = 4 * 6144 * 6144
    assert estimate.dense == 40 * (attention + 2 * 6144 * 24576 + 24576 + 6144 + 4 * 6144) + 2 * 6144


# --- MoE placement and widths --------------------------------------------------------------------


def maverick_config() -> dict[str, Any]:
    """meta-llama/Llama-4-Maverick-17B-128E-Instruct's config.json as TensorRT-LLM's Llama 4 test
    quotes it (code index id 115210306), with the two edits that test marks undone: 48 text layers
    (it cut them to 2; Maverick has 48), the default no-RoPE interval and 34 vision layers (it set 0)."""
    text = {
        "attention_bias": False,
        "attention_chunk_size": 8192,
        "attention_dropout": 0.0,
        "bos_token_id": 200000,
        "eos_token_id": [200001, 200007, 200008],
        "for_llm_compressor": False,
        "head_dim": 128,
        "hidden_act": "silu",
        "hidden_size": 5120,
        "initializer_range": 0.02,
        "interleave_moe_layer_step": 2,
        "intermediate_size": 8192,
        "intermediate_size_mlp": 16384,
        "max_position_embeddings": 1048576,
        "model_type": "llama4_text",
        "num_attention_heads": 40,
        "num_experts_per_tok": 1,
        "num_hidden_layers": 48,
        "num_key_value_heads": 8,
        "num_local_experts": 128,
        "output_router_logits": False,
        "pad_token_id": 200018,
        "rms_norm_eps": 1e-05,
        "rope_scaling": None,
        "rope_theta": 500000.0,
        "router_aux_loss_coef": 0.001,
        "router_jitter_noise": 0.0,
        "torch_dtype": "bfloat16",
        "use_cache": True,
        "use_qk_norm": False,
        "vocab_size": 202048,
    }
    vision = {
        "attention_dropout": 0.0,
        "hidden_act": "gelu",
        "hidden_size": 1408,
        "image_size": 336,
        "initializer_range": 0.02,
        "intermediate_size": 5632,
        "model_type": "llama4_vision_model",
        "multi_modal_projector_bias": False,
        "norm_eps": 1e-05,
        "num_attention_heads": 16,
        "num_channels": 3,
        "num_hidden_layers": 34,
        "patch_size": 14,
        "pixel_shuffle_ratio": 0.5,
        "projector_dropout": 0.0,
        "projector_input_dim": 4096,
        "projector_output_dim": 4096,
        "rope_theta": 10000,
        "vision_feature_layer": -1,
        "vision_feature_select_strategy": "default",
        "vision_output_dim": 4096,
    }
    return {
        "architectures": ["Llama4ForConditionalGeneration"],
        "boi_token_index": 200080,
        "eoi_token_index": 200081,
        "image_token_index": 200092,
        "model_type": "llama4",
        "text_config": text,
        "torch_dtype": "bfloat16",
        "transformers_version": "4.51.0.dev0",
        "vision_config": vision,
    }


def llama4_tensors(c: dict[str, Any]) -> Tensors:
    """transformers' Llama4ForConditionalGeneration: dense layers `feed_forward.{gate,up,down}_proj`
    of intermediate_size_mlp, MoE layers (Llama4TextConfig.moe_layers) a router, fused experts
    `gate_up_proj` [E, hidden, 2 x intermediate_size] / `down_proj` [E, intermediate_size, hidden] and
    a shared expert of intermediate_size; the vision model (Llama4VisionModel: unfold-conv patch
    linear, class token, positions, LayerNorms with biases, biased attention and fc1/fc2), its
    pixel-shuffle adapter and the projector."""
    t_, v = c["text_config"], c["vision_config"]
    h, e, inter, dense = (
        t_["hidden_size"],
        t_["num_local_experts"],
        t_["intermediate_size"],
        t_["intermediate_size_mlp"],
    )
    kv, step, vocab = (
        t_["num_key_value_heads"] * t_["head_dim"],
        t_["interleave_moe_layer_step"],
        t_["vocab_size"],
    )
    p0 = "language_model.model."
    t: Tensors = {
        p0 + "embed_tokens.weight": ("BF16", [vocab, h]),
        p0 + "norm.weight": ("BF16", [h]),
        "language_model.lm_head.weight": ("BF16", [vocab, h]),
    }
    for i in range(t_["num_hidden_layers"]):
        p = f"{p0}layers.{i}."
        for name, rows, cols in (("q", h, h), ("k", kv, h), ("v", kv, h), ("o", h, h)):
            t[p + f"self_attn.{name}_proj.weight"] = ("BF16", [rows, cols])
        t[p + "input_layernorm.weight"] = ("BF16", [h])
        t[p + "post_attention_layernorm.weight"] = ("BF16", [h])
        if (i + 1) % step == 0:
            t[p + "feed_forward.router.weight"] = ("BF16", [e, h])
            t[p + "feed_forward.experts.gate_up_proj"] = ("BF16", [e, h, 2 * inter])
            t[p + "feed_forward.experts.down_proj"] = ("BF16", [e, inter, h])
            for name, rows, cols in (("gate", inter, h), ("up", inter, h), ("down", h, inter)):
                t[p + f"feed_forward.shared_expert.{name}_proj.weight"] = ("BF16", [rows, cols])
        else:
            for name, rows, cols in (("gate", dense, h), ("up", dense, h), ("down", h, dense)):
                t[p + f"feed_forward.{name}_proj.weight"] = ("BF16", [rows, cols])
    hv, vi, patch = v["hidden_size"], v["intermediate_size"], v["patch_size"]
    positions = (v["image_size"] // patch) ** 2 + 1
    t["vision_model.patch_embedding.linear.weight"] = ("BF16", [hv, 3 * patch * patch])
    t["vision_model.class_embedding"] = ("BF16", [hv])
    t["vision_model.positional_embedding_vlm"] = ("BF16", [positions, hv])
    for norm in ("layernorm_pre", "layernorm_post"):
        t[f"vision_model.{norm}.weight"] = ("BF16", [hv])
        t[f"vision_model.{norm}.bias"] = ("BF16", [hv])
    for i in range(v["num_hidden_layers"]):
        p = f"vision_model.model.layers.{i}."
        for name in ("q", "k", "v", "o"):
            t[p + f"self_attn.{name}_proj.weight"] = ("BF16", [hv, hv])
            t[p + f"self_attn.{name}_proj.bias"] = ("BF16", [hv])
        t[p + "mlp.fc1.weight"] = ("BF16", [vi, hv])
        t[p + "mlp.fc1.bias"] = ("BF16", [vi])
        t[p + "mlp.fc2.weight"] = ("BF16", [hv, vi])
        t[p + "mlp.fc2.bias"] = ("BF16", [hv])
        for norm in ("input_layernorm", "post_attention_layernorm"):
            t[p + f"{norm}.weight"] = ("BF16", [hv])
            t[p + f"{norm}.bias"] = ("BF16", [hv])
    shuffled = int(hv / v["pixel_shuffle_ratio"] ** 2)
    t["vision_model.vision_adapter.mlp.fc1.weight"] = ("BF16", [v["projector_input_dim"], shuffled])
    t["vision_model.vision_adapter.mlp.fc2.weight"] = (
        "BF16",
        [v["projector_output_dim"], v["projector_input_dim"]],
    )
    t["multi_modal_projector.linear_1.weight"] = ("BF16", [h, v["vision_output_dim"]])
    return t


def test_llama4_maverick_interleaved_moe_is_not_refused(tmp_path: Path) -> None:
    """Maverick alternates dense layers (intermediate_size_mlp 16384) and MoE layers (128 experts of
    intermediate_size 8192 plus a shared expert): 401.6B in the headers; the old estimate counted
    every layer as MoE (779B) and refused it."""
    config = maverick_config()
    written = write_model(tmp_path, config, split_shards(llama4_tensors(config), 6), sparse=True)
    assert round(written / 1e9, 1) == 401.6
    estimate = estimate_parameters(config)
    assert estimate is not None and abs(estimate.total - written) / written < 0.03
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    assert "PARAMETERS_MISMATCH" not in [f.code for f in report.findings]
    assert report.parameters == written


def test_every_placement_key_decides_which_layers_hold_experts() -> None:
    """Each family's rule, on its real config: Maverick (interleave step 2: odd layers), DeepSeek-V2-Lite
    (first_k_dense_replace 1, moe_layer_freq 1), GLM-4.5-Air (first_k_dense_replace 1), Qwen1.5-MoE
    (decoder_sparse_step 1), and Qwen-MoE's mlp_only_layers naming dense layers anywhere."""
    maverick = text_dims(maverick_config())
    assert maverick is not None
    assert [i for i in range(48) if maverick.moe_layer(i)] == list(range(1, 48, 2))
    assert maverick.dense_intermediate == 16384 and maverick.shared_intermediate == 8192
    lite = text_dims(fixture_config("deepseek-ai/DeepSeek-V2-Lite-Chat"))
    assert (
        lite is not None and not lite.moe_layer(0) and all(lite.moe_layer(i) for i in range(1, lite.layers))
    )
    air = text_dims(fixture_config("zai-org/GLM-4.5-Air"))
    assert air is not None and [air.moe_layer(i) for i in range(3)] == [False, True, True]
    qwen = fixture_config("Qwen/Qwen1.5-MoE-A2.7B-Chat")
    dims = text_dims(qwen)
    assert dims is not None and all(dims.moe_layer(i) for i in range(dims.layers))
    holes = text_dims({**qwen, "mlp_only_layers": [5, 17]})
    assert holes is not None and [i for i in range(holes.layers) if not holes.moe_layer(i)] == [5, 17]
    # the same count whichever layers are dense, and fewer parameters than all-MoE
    first = estimate_parameters({**qwen, "mlp_only_layers": [0, 1]})
    anywhere = estimate_parameters({**qwen, "mlp_only_layers": [5, 17]})
    every = estimate_parameters(qwen)
    assert first is not None and anywhere is not None and every is not None
    assert first.total == anywhere.total < every.total
    # DeepSeek's moe_layer_freq (vLLM deepseek_v2.py: i >= first_k_dense_replace and i % freq == 0)
    freq = text_dims({**fixture_config("deepseek-ai/DeepSeek-V2-Lite-Chat"), "moe_layer_freq": 2})
    assert freq is not None and [i for i in range(6) if freq.moe_layer(i)] == [2, 4]


# --- null sizes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size"]
)
def test_a_null_size_is_config_invalid_naming_the_key(key: str) -> None:
    """mistralai/Mistral-7B-Instruct-v0.3 with one size null: MistralConfig stores None as given and
    vLLM fails building the layers from it."""
    config = {**fixture_config("mistralai/Mistral-7B-Instruct-v0.3"), key: None}
    found = [f for f in check_config(config) if f.code == "CONFIG_INVALID"]
    assert [f.subject for f in found] == [f"config.json: {key}"] and "null" in found[0].message


def test_a_null_size_in_the_nested_text_config_is_named_there() -> None:
    """llava-hf/llava-1.5-7b-hf: LlavaConfig builds LlamaConfig(**text_config), which keeps the None."""
    config = fixture_config("llava-hf/llava-1.5-7b-hf")
    config["text_config"] = {**config["text_config"], "vocab_size": None}
    assert [f.subject for f in check_config(config) if f.code == "CONFIG_INVALID"] == [
        "config.json: text_config.vocab_size"
    ]
    # ... and the top-level keys of a wrapper are not the language model's
    wrapper = {**fixture_config("llava-hf/llava-1.5-7b-hf"), "vocab_size": None, "hidden_size": None}
    assert [f for f in check_config(wrapper) if f.code == "CONFIG_INVALID"] == []


def test_nulls_transformers_replaces_with_a_default_are_accepted() -> None:
    """LlamaConfig/MistralConfig: num_key_value_heads None -> num_attention_heads, head_dim None ->
    hidden_size // heads; rope_scaling, quantization_config and token ids may be None; a wrapper's
    text_config None is its default text config. A model with them loads and is ok."""
    config = {
        **fixture_config("mistralai/Mistral-7B-Instruct-v0.3"),
        "num_key_value_heads": None,
        "head_dim": None,
        "rope_scaling": None,
        "quantization_config": None,
        "bos_token_id": None,
        "pad_token_id": None,
    }
    assert [f for f in check_config(config) if f.code == "CONFIG_INVALID"] == []
    assert [
        f
        for f in check_config({**fixture_config("llava-hf/llava-1.5-7b-hf"), "text_config": None})
        if f.code == "CONFIG_INVALID"
    ] == []


def test_null_intermediate_size_is_accepted_only_where_no_dense_mlp_is_built() -> None:
    """Qwen/Qwen1.5-MoE-A2.7B-Chat: every layer sparse (decoder_sparse_step 1), experts of
    moe_intermediate_size: vLLM's Qwen2MoeDecoderLayer builds Qwen2MoeMLP(intermediate_size) only
    for a dense layer, so a null intermediate_size is never read; with a dense layer it is."""
    qwen = {**fixture_config("Qwen/Qwen1.5-MoE-A2.7B-Chat"), "intermediate_size": None}
    assert [f for f in check_config(qwen) if f.code == "CONFIG_INVALID"] == []
    dense_first = {**qwen, "mlp_only_layers": [0]}
    assert [f.subject for f in check_config(dense_first) if f.code == "CONFIG_INVALID"] == [
        "config.json: intermediate_size"
    ]
    # Mixtral's experts are intermediate_size wide: a null is read
    mixtral = {**fixture_config("mistralai/Mixtral-8x7B-Instruct-v0.1"), "intermediate_size": None}
    assert [f.subject for f in check_config(mixtral) if f.code == "CONFIG_INVALID"] == [
        "config.json: intermediate_size"
    ]


def test_inspect_refuses_a_model_whose_vocab_size_is_null(tmp_path: Path) -> None:
    config = {**fixture_config("mistralai/Mistral-7B-Instruct-v0.3"), "vocab_size": None}
    tensors = tiny_llama_tensors(layers=32, hidden=4096, inter=14336, vocab=32768, kv=1024)
    write_model(tmp_path, config, split_shards(tensors, 3), sparse=True)
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    assert not report.ok
    assert ("CONFIG_INVALID", "config.json: vocab_size") in [(f.code, f.subject) for f in report.findings]


# --- no traceback path: encoders with sentence-transformers files, quantized folders --------------


def encoder_tensors(c: dict[str, Any], prefix: str, pooler: bool) -> Tensors:
    """transformers' BertModel/XLMRobertaModel names: embeddings, encoder.layer.N.*, pooler."""
    h, inter = c["hidden_size"], c["intermediate_size"]
    t: Tensors = {}

    def linear(name: str, rows: int, cols: int) -> None:
        t[name + ".weight"] = ("F32", [rows, cols])
        t[name + ".bias"] = ("F32", [rows])

    def norm(name: str) -> None:
        t[name + ".weight"] = ("F32", [h])
        t[name + ".bias"] = ("F32", [h])

    e = prefix + "embeddings."
    t[e + "word_embeddings.weight"] = ("F32", [c["vocab_size"], h])
    t[e + "position_embeddings.weight"] = ("F32", [c["max_position_embeddings"], h])
    t[e + "token_type_embeddings.weight"] = ("F32", [c["type_vocab_size"], h])
    norm(e + "LayerNorm")
    for i in range(c["num_hidden_layers"]):
        p = f"{prefix}encoder.layer.{i}."
        for proj in ("query", "key", "value"):
            linear(p + "attention.self." + proj, h, h)
        linear(p + "attention.output.dense", h, h)
        norm(p + "attention.output.LayerNorm")
        linear(p + "intermediate.dense", inter, h)
        linear(p + "output.dense", h, inter)
        norm(p + "output.LayerNorm")
    if pooler:
        linear(prefix + "pooler.dense", h, h)
    return t


def sentence_transformers_folder(root: Path, config: dict[str, Any], tensors: Tensors) -> None:
    write_model(root, config, {"model.safetensors": tensors}, sparse=True, chat_template=False)
    (root / "modules.json").write_text(
        json.dumps(
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            ]
        )
    )
    (root / "config_sentence_transformers.json").write_text(json.dumps({"__version__": {}}))


def quantized_configs() -> dict[str, dict[str, Any]]:
    """Quantization sections as their tools write them (AutoGPTQ, AutoAWQ, llm-compressor, bitsandbytes,
    HQQ), and ones whose fields cannot be read."""
    return {
        "gptq": {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False, "sym": True},
        "awq": {"quant_method": "awq", "bits": 4, "group_size": 128, "zero_point": True, "version": "gemm"},
        "fp8": {"quant_method": "fp8", "activation_scheme": "dynamic"},
        "compressed-tensors": {
            "quant_method": "compressed-tensors",
            "config_groups": {"group_0": {"weights": {"type": "int", "num_bits": 8}, "targets": ["Linear"]}},
        },
        "bitsandbytes": {"load_in_4bit": True, "bnb_4bit_quant_type": "nf4"},
        "hqq-unreadable": {"quant_method": "hqq"},
        "hqq-odd": {"quant_method": "hqq", "quant_config": "4bit"},
        "gptq-odd": {"quant_method": "gptq", "bits": "four", "group_size": None},
        "not-a-dict": {"quant_method": 7},
    }


def cli_json(folder: Path) -> tuple[int, dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["inspect", str(folder), "--json"])
    assert "Traceback" not in err.getvalue(), err.getvalue()
    return code, json.loads(out.getvalue())


def test_inspect_has_no_traceback_on_encoders_and_quantized_folders(tmp_path: Path) -> None:
    """sentence-transformers/all-MiniLM-L6-v2 (BERT) and BAAI/bge-reranker-base's XLM-RoBERTa
    config saved as an XLMRobertaModel embedder, and Mistral-7B-Instruct-v0.3 with every
    quantization section: `inspect --json` answers with a report, never a traceback."""
    minilm = fixture_config("sentence-transformers/all-MiniLM-L6-v2")
    sentence_transformers_folder(tmp_path / "minilm", minilm, encoder_tensors(minilm, "", pooler=True))
    xlmr = {**fixture_config("BAAI/bge-reranker-base"), "architectures": ["XLMRobertaModel"]}
    sentence_transformers_folder(tmp_path / "xlmr", xlmr, encoder_tensors(xlmr, "", pooler=True))
    for name in ("minilm", "xlmr"):
        code, report = cli_json(tmp_path / name)
        assert code == 0 and report["ok"] and report["capability"] == "EMBEDDING", report["findings"]
    mistral = fixture_config("mistralai/Mistral-7B-Instruct-v0.3")
    for name, qc in quantized_configs().items():
        for weights in (True, False):  # headers read, or sized from config.json alone
            folder = tmp_path / f"{name}-{weights}"
            write_model(
                folder,
                {**mistral, "quantization_config": qc},
                {"model.safetensors": {}} if not weights else None,
                sparse=True,
            )
            if not weights:
                (folder / "model.safetensors").unlink()
            code, report = cli_json(folder)
            assert code in (0, 1) and isinstance(report["findings"], list)
