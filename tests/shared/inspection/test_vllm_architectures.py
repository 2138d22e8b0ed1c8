"""Architectures vLLM registers but the family table does not know are served, not refused.

The configs below are the published `config.json` of each model, key for key (microsoft/phi-2's
as the onnx-diagnostic test suite quotes it from huggingface.co/microsoft/phi-2, code index ids
32193779230 and 4881146369; falcon-7b's sizes as Cerebras' converter defaults and
intel-extension tests give them, ids 32188321267 and 62458169228; bigcode/starcoder's
`transformers_version` and runner keys as Cerebras' converter writes them, id 11117433255).
Before vLLM's registry table every one of them was ARCHITECTURE_UNSUPPORTED.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts.vllm_architectures import _Unsupported, registries
from shared.contract.manifest import Capability
from shared.inspection import InspectionReport, LocalFolderSource, inspect_artifacts
from shared.inspection.capability import Signals, detect
from shared.inspection.capability.vllm_registry import vllm_kinds, vllm_version
from shared.inspection.checks import check_config, check_quantization, check_tensors
from tests.shared.inspection.builders import TINY_LLAMA_CONFIG, Tensors, fixture_config, write_model

GPT2 = {
    "activation_function": "gelu_new",
    "architectures": ["GPT2LMHeadModel"],
    "attn_pdrop": 0.1,
    "bos_token_id": 50256,
    "embd_pdrop": 0.1,
    "eos_token_id": 50256,
    "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05,
    "model_type": "gpt2",
    "n_ctx": 1024,
    "n_embd": 768,
    "n_head": 12,
    "n_layer": 12,
    "n_positions": 1024,
    "resid_pdrop": 0.1,
    "summary_activation": None,
    "summary_first_dropout": 0.1,
    "summary_proj_to_labels": True,
    "summary_type": "cls_index",
    "summary_use_proj": True,
    "task_specific_params": {"text-generation": {"do_sample": True, "max_length": 50}},
    "vocab_size": 50257,
}
STARCODER = {
    "_name_or_path": "bigcode/starcoder",
    "activation_function": "gelu_pytorch_tanh",
    "architectures": ["GPTBigCodeForCausalLM"],
    "attention_softmax_in_fp32": True,
    "attn_pdrop": 0.1,
    "bos_token_id": 0,
    "embd_pdrop": 0.1,
    "eos_token_id": 0,
    "inference_runner": 0,
    "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05,
    "max_batch_size": None,
    "max_sequence_length": None,
    "model_type": "gpt_bigcode",
    "multi_query": True,
    "n_embd": 6144,
    "n_head": 48,
    "n_inner": 24576,
    "n_layer": 40,
    "n_positions": 8192,
    "pad_key_length": True,
    "pre_allocate_kv_cache": False,
    "resid_pdrop": 0.1,
    "scale_attention_softmax_in_fp32": True,
    "scale_attn_weights": True,
    "summary_activation": None,
    "summary_first_dropout": 0.1,
    "summary_proj_to_labels": True,
    "summary_type": "cls_index",
    "summary_use_proj": True,
    "torch_dtype": "float32",
    "transformers_version": "4.28.1",
    "use_cache": True,
    "validate_runner_input": True,
    "vocab_size": 49152,
}
FALCON_7B = {
    "alibi": False,
    "apply_residual_connection_post_layernorm": False,
    "architectures": ["FalconForCausalLM"],
    "attention_dropout": 0.0,
    "bias": False,
    "bos_token_id": 11,
    "eos_token_id": 11,
    "hidden_dropout": 0.0,
    "hidden_size": 4544,
    "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05,
    "model_type": "falcon",
    "multi_query": True,
    "new_decoder_architecture": False,
    "num_attention_heads": 71,
    "num_hidden_layers": 32,
    "parallel_attn": True,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.27.4",
    "use_cache": True,
    "vocab_size": 65024,
}
PHI_2 = {
    "_name_or_path": "microsoft/phi-2",
    "architectures": ["PhiForCausalLM"],
    "attention_dropout": 0.0,
    "bos_token_id": 50256,
    "embd_pdrop": 0.0,
    "eos_token_id": 50256,
    "hidden_act": "gelu_new",
    "hidden_size": 2560,
    "initializer_range": 0.02,
    "intermediate_size": 10240,
    "layer_norm_eps": 1e-05,
    "max_position_embeddings": 2048,
    "model_type": "phi",
    "num_attention_heads": 32,
    "num_hidden_layers": 32,
    "num_key_value_heads": 32,
    "partial_rotary_factor": 0.4,
    "qk_layernorm": False,
    "resid_pdrop": 0.1,
    "rope_scaling": None,
    "rope_theta": 10000.0,
    "tie_word_embeddings": False,
    "torch_dtype": "float16",
    "transformers_version": "4.37.0",
    "use_cache": True,
    "vocab_size": 51200,
}
PYTHIA_160M = {
    "architectures": ["GPTNeoXForCausalLM"],
    "bos_token_id": 0,
    "eos_token_id": 0,
    "hidden_act": "gelu",
    "hidden_size": 768,
    "initializer_range": 0.02,
    "intermediate_size": 3072,
    "layer_norm_eps": 1e-05,
    "max_position_embeddings": 2048,
    "model_type": "gpt_neox",
    "num_attention_heads": 12,
    "num_hidden_layers": 12,
    "rotary_emb_base": 10000,
    "rotary_pct": 0.25,
    "tie_word_embeddings": False,
    "torch_dtype": "float16",
    "transformers_version": "4.24.0",
    "use_cache": True,
    "use_parallel_residual": True,
    "vocab_size": 50304,
}
OPT_125M = {
    "_name_or_path": "facebook/opt-125m",
    "activation_dropout": 0.0,
    "activation_function": "relu",
    "architectures": ["OPTForCausalLM"],
    "attention_dropout": 0.0,
    "bos_token_id": 2,
    "do_layer_norm_before": True,
    "dropout": 0.1,
    "eos_token_id": 2,
    "ffn_dim": 3072,
    "hidden_size": 768,
    "init_std": 0.02,
    "layerdrop": 0.0,
    "max_position_embeddings": 2048,
    "model_type": "opt",
    "num_attention_heads": 12,
    "num_hidden_layers": 12,
    "pad_token_id": 1,
    "prefix": "</s>",
    "torch_dtype": "float16",
    "transformers_version": "4.21.0.dev0",
    "use_cache": True,
    "vocab_size": 50272,
    "word_embed_proj_dim": 768,
}


def gpt2_tensors(n_layer: int = 12, d: int = 768, vocab: int = 50257, ctx: int = 1024) -> Tensors:
    """openai-community/gpt2's model.safetensors: Conv1D weights stored [in, out], no prefix."""
    t: Tensors = {"wte.weight": ("F32", [vocab, d]), "wpe.weight": ("F32", [ctx, d])}
    for i in range(n_layer):
        p = f"h.{i}."
        for ln in ("ln_1", "ln_2"):
            t[p + ln + ".weight"] = ("F32", [d])
            t[p + ln + ".bias"] = ("F32", [d])
        t[p + "attn.c_attn.weight"] = ("F32", [d, 3 * d])
        t[p + "attn.c_attn.bias"] = ("F32", [3 * d])
        t[p + "attn.c_proj.weight"] = ("F32", [d, d])
        t[p + "attn.c_proj.bias"] = ("F32", [d])
        t[p + "mlp.c_fc.weight"] = ("F32", [d, 4 * d])
        t[p + "mlp.c_fc.bias"] = ("F32", [4 * d])
        t[p + "mlp.c_proj.weight"] = ("F32", [4 * d, d])
        t[p + "mlp.c_proj.bias"] = ("F32", [d])
    t["ln_f.weight"] = ("F32", [d])
    t["ln_f.bias"] = ("F32", [d])
    return t


def first_layer(prefix: str, vocab: int, hidden: int, embedding: str) -> Tensors:
    """The embedding and one decoder tensor under the model's own names (the count never refuses
    for a family the table does not model, so a partial set stands for the verdict)."""
    return {
        f"{prefix}{embedding}": ("F16", [vocab, hidden]),
        f"{prefix}layers.0.input_layernorm.weight": ("F16", [hidden]),
    }


def run(root: Path, **kwargs: Any) -> InspectionReport:
    return inspect_artifacts(LocalFolderSource(root), **kwargs)


REAL: dict[str, tuple[dict[str, Any], Tensors]] = {
    "gpt2": (GPT2, gpt2_tensors()),
    "bigcode/starcoder": (STARCODER, {"transformer.wte.weight": ("F32", [49152, 6144])}),
    "tiiuae/falcon-7b": (FALCON_7B, {"transformer.word_embeddings.weight": ("BF16", [65024, 4544])}),
    "microsoft/phi-2": (PHI_2, first_layer("model.", 51200, 2560, "embed_tokens.weight")),
    "EleutherAI/pythia-160m": (PYTHIA_160M, {"gpt_neox.embed_in.weight": ("F16", [50304, 768])}),
    "facebook/opt-125m": (OPT_125M, {"model.decoder.embed_tokens.weight": ("F16", [50272, 768])}),
}


@pytest.mark.parametrize("hf_id", sorted(REAL))
def test_an_architecture_vllm_registers_is_served_with_a_warning(hf_id: str, tmp_path: Path) -> None:
    config, tensors = REAL[hf_id]
    write_model(tmp_path, config, {"model.safetensors": tensors}, sparse=True)
    report = run(tmp_path)
    assert report.ok, [(f.code, f.message) for f in report.findings if f.severity == "error"]
    assert report.capability is Capability.TEXT_TO_TEXT
    assert "ARCHITECTURE_UNSUPPORTED" not in report.codes()
    warning = next(f for f in report.findings if f.code == "ARCHITECTURE_NO_FAMILY")
    assert warning.severity == "warning"
    assert config["architectures"][0] in warning.message and f"vLLM {vllm_version()}" in warning.message
    assert "text generation" in warning.message and "family module" in warning.message
    if hf_id == "microsoft/phi-2":
        assert report.listing is not None and report.listing.status == "unknown"  # Microsoft Phi page
    else:  # OCI has no page for these families: unlisted, on top of the family warning
        assert "MODEL_UNLISTED" in report.codes()
    assert report.parameters is not None and report.recommended_shape is not None


def test_gpt2_is_sized_from_its_headers_and_never_refused_on_the_count(tmp_path: Path) -> None:
    write_model(tmp_path, GPT2, {"model.safetensors": gpt2_tensors()}, sparse=True)
    report = run(tmp_path)
    assert report.parameters == 124_439_808  # the Hub's count for openai-community/gpt2
    lopsided = gpt2_tensors(n_layer=3)  # far from what config.json describes
    assert check_tensors(GPT2, {k: (d, tuple(s)) for k, (d, s) in lopsided.items()}, 30_000_000) == []


def test_the_vllm_table_names_its_release_and_each_kind() -> None:
    table = json.loads(
        (Path(__file__).resolve().parents[3] / "shared/data/vllm_architectures.json").read_text()
    )
    assert table["vllm_version"] == vllm_version() == "0.11.0"
    assert "pip download vllm==0.11.0" in table["regenerate"]
    for config, _ in REAL.values():
        assert vllm_kinds(config["architectures"][0]) == ("text_generation",)
    assert vllm_kinds("BloomForCausalLM") == ("text_generation",)
    assert vllm_kinds("InternVLChatModel") == ("multimodal",)
    assert vllm_kinds("GteModel") == ("embedding",)
    assert vllm_kinds("JinaVLForRanking") == ("cross_encoder",)
    assert vllm_kinds("Qwen2ForCausalLM") == ("text_generation", "embedding")
    # the dict comprehension that adds every LlamaForCausalLM alias to the embedding models
    assert vllm_kinds("XverseForCausalLM") == ("text_generation", "embedding")
    assert vllm_kinds("FancyNetForCausalLM") == ()


def test_the_registry_reader_evaluates_only_literal_dicts() -> None:
    source = """
_TEXT_GENERATION_MODELS = {"AForCausalLM": ("a", "LlamaForCausalLM"), "BForCausalLM": ("b", "B")}
_EMBEDDING_MODELS = {
    "AModel": ("a", "A"),
    **{k: (m, c) for k, (m, c) in _TEXT_GENERATION_MODELS.items() if c == "LlamaForCausalLM"},
}
_CROSS_ENCODER_MODELS = {}
_MULTIMODAL_MODELS = {"CForConditionalGeneration": ("c", "C")}
_TRANSFORMERS_SUPPORTED_MODELS = {"DForCausalLM": ("transformers", "TransformersForCausalLM")}
"""
    found = registries(source)
    assert set(found["_EMBEDDING_MODELS"]) == {"AModel", "AForCausalLM"}
    with pytest.raises(_Unsupported):
        registries(source.replace("_CROSS_ENCODER_MODELS = {}", '_CROSS_ENCODER_MODELS = {"X": f()}'))


def test_capability_follows_the_kind_vllm_registers() -> None:
    def cap(arch: str, declared: Capability | None = None, **kw: Any) -> Capability | None:
        return detect(Signals(architectures=(arch,), **kw), declared).capability

    # a bare `*Model` suffix would say EMBEDDING; vLLM serves these as generators
    assert cap("InternVLChatModel") is Capability.IMAGE_TEXT_TO_TEXT
    assert cap("ChatGLMModel") is Capability.TEXT_TO_TEXT
    assert cap("FuyuForCausalLM") is Capability.IMAGE_TEXT_TO_TEXT  # multimodal without vision_config
    assert cap("JinaVLForRanking") is Capability.RERANK
    assert cap("GteModel") is Capability.EMBEDDING
    # several kinds: the declaration picks among them, a generator's pooling is not counted
    assert cap("Phi3VForCausalLM") is Capability.IMAGE_TEXT_TO_TEXT
    assert cap("Phi3VForCausalLM", Capability.TEXT_TO_TEXT) is Capability.TEXT_TO_TEXT
    mismatch = detect(Signals(architectures=("GPT2LMHeadModel",)), Capability.EMBEDDING)
    assert mismatch.capability is None and [f.code for f in mismatch.findings] == ["CAPABILITY_MISMATCH"]
    # sentence-transformers files still make a registered generator an embedder
    assert cap("GPT2LMHeadModel", sentence_transformers=True) is Capability.EMBEDDING


def test_only_an_architecture_no_engine_loads_is_refused() -> None:
    unknown = check_config({**GPT2, "architectures": ["FancyNetForCausalLM"], "model_type": "fancynet"})
    refused = next(f for f in unknown if f.code == "ARCHITECTURE_UNSUPPORTED")
    assert "FancyNetForCausalLM" in refused.message and "vLLM 0.11.0" in refused.message
    assert "transformers 4.57.1" in refused.message
    # custom code decides instead: REMOTE_CODE, not ARCHITECTURE_UNSUPPORTED
    mapped = check_config(
        {**GPT2, "architectures": ["FancyNetForCausalLM"], "auto_map": {"AutoModelForCausalLM": "m.FancyNet"}}
    )
    assert [f.code for f in mapped if f.severity == "error"] == ["REMOTE_CODE"]
    # built into transformers but not registered by vLLM: its Transformers backend, a warning
    codegen = check_config({**GPT2, "architectures": ["CodeGenForCausalLM"], "model_type": "codegen"})
    assert [f.code for f in codegen] == ["ARCHITECTURE_NO_FAMILY"]
    assert "Transformers backend" in codegen[0].message
    # the first loadable of several architectures is what vLLM takes
    both = check_config({**GPT2, "architectures": ["FancyNetForCausalLM", "GPT2LMHeadModel"]})
    assert [f.code for f in both] == ["ARCHITECTURE_NO_FAMILY"]
    assert check_config(TINY_LLAMA_CONFIG) == []  # a family the table knows: nothing to say


GPTQ = {  # TheBloke/Llama-2-7B-Chat-GPTQ's quantization_config
    "bits": 4,
    "group_size": 128,
    "damp_percent": 0.01,
    "desc_act": False,
    "sym": True,
    "true_sequential": True,
    "model_name_or_path": None,
    "model_file_base_name": "model",
    "quant_method": "gptq",
}


def test_a_gptq_bit_width_of_the_wrong_type_names_the_key() -> None:
    llama = fixture_config("meta-llama/Llama-2-7b-chat-hf")
    assert check_quantization({**llama, "quantization_config": GPTQ}) == []
    found = check_quantization({**llama, "quantization_config": {**GPTQ, "bits": "four"}})
    assert [(f.code, f.subject) for f in found] == [
        ("CONFIG_INVALID", "config.json: quantization_config.bits")
    ]
    assert "'four'" in found[0].message
    found = check_quantization({**llama, "quantization_config": {**GPTQ, "bits": 5}})
    assert [f.code for f in found] == ["QUANTIZATION_UNSUPPORTED"]
    awq = {"quant_method": "awq", "w_bit": True, "q_group_size": "128", "zero_point": True, "version": "gemm"}
    assert [f.subject for f in check_quantization({**llama, "quantization_config": awq})] == [
        "config.json: quantization_config.w_bit",
        "config.json: quantization_config.q_group_size",
    ]


@pytest.mark.parametrize("method", ["gptq", "awq"])
def test_a_gptq_or_awq_config_over_plain_weights_is_refused(method: str, tmp_path: Path) -> None:
    section = (
        {**GPTQ, "quant_method": method}
        if method == "gptq"
        else {"quant_method": "awq", "bits": 4, "group_size": 128, "zero_point": True, "version": "gemm"}
    )
    write_model(tmp_path, {**TINY_LLAMA_CONFIG, "quantization_config": section})
    report = run(tmp_path)
    assert not report.ok
    missing = next(f for f in report.findings if f.code == "WEIGHTS_TENSOR_MISSING")
    assert missing.subject == "*.qweight"
    assert all(p in missing.message for p in ("qweight", "qzeros", "scales"))
    assert "model.layers.0." in missing.message  # names a plain tensor found instead
