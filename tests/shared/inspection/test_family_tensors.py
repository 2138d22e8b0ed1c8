"""Weights against config.json for the families beyond Llama/Qwen/Gemma/Phi/Mixtral (issue 11, kind 2).

Each test takes a real published config (tests/fixtures/configs, sources in its README) and the
tensor names its checkpoint stores, written out here from the family's modeling file (the
sources are in each module of shared/inspection/expected/), independently of the module under
test. A layout that loads passes untouched; a tensor removed or reshaped is named with the
shape expected and the shape found. On the previous tree these families got no tensor check.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from shared.contract.manifest import Capability
from shared.inspection import LocalFolderSource, inspect_artifacts
from shared.inspection.checks.tensors import check_tensors
from shared.inspection.sizing import estimate_parameters
from tests.shared.inspection.builders import fixture_config, write_model
from tests.shared.inspection.test_parameter_counts import gpt_oss_tensors

TensorMap = dict[str, tuple[str, tuple[int, ...]]]


def codes(findings: list[Any]) -> list[str]:
    return [f.code for f in findings]


def total(tensors: TensorMap) -> int:
    return sum(math.prod(s) for _, s in tensors.values())


def put(t: TensorMap, name: str, *shape: int, dtype: str = "BF16") -> None:
    t[name] = (dtype, tuple(shape))


def swiglu(t: TensorMap, p: str, inter: int, h: int, dtype: str = "BF16") -> None:
    put(t, p + "gate_proj.weight", inter, h, dtype=dtype)
    put(t, p + "up_proj.weight", inter, h, dtype=dtype)
    put(t, p + "down_proj.weight", h, inter, dtype=dtype)


def gqa(t: TensorMap, p: str, c: dict[str, Any], bias: bool) -> None:
    h, heads = c["hidden_size"], c["num_attention_heads"]
    kv, hd = c.get("num_key_value_heads", heads), c.get("head_dim") or h // heads
    for proj, rows in (("q", heads * hd), ("k", kv * hd), ("v", kv * hd)):
        put(t, f"{p}self_attn.{proj}_proj.weight", rows, h)
        if bias:
            put(t, f"{p}self_attn.{proj}_proj.bias", rows)
    put(t, p + "self_attn.o_proj.weight", h, heads * hd)


def embeddings(t: TensorMap, c: dict[str, Any], prefix: str = "model.", head: bool = True) -> None:
    put(t, prefix + "embed_tokens.weight", c["vocab_size"], c["hidden_size"])
    put(t, prefix + "norm.weight", c["hidden_size"])
    if head:
        put(t, "lm_head.weight", c["vocab_size"], c["hidden_size"])


def assert_names(found: list[Any], code: str, *needles: str) -> None:
    assert codes(found) == [code], found
    for needle in needles:
        assert needle in found[0].message, found[0].message


# --- gpt-oss ---------------------------------------------------------------------------------


def gpt_oss_20b() -> tuple[dict[str, Any], TensorMap]:
    tensors = {n: (d, tuple(s)) for n, (d, s) in gpt_oss_tensors(24, 32).items()}
    return fixture_config("openai/gpt-oss-20b"), tensors


def test_gpt_oss_mxfp4_layout_matches_its_config() -> None:
    config, tensors = gpt_oss_20b()
    assert check_tensors(config, tensors, total(tensors)) == []


def test_gpt_oss_dequantized_experts_load_too() -> None:
    """A BF16 gpt-oss (GptOssExperts: gate_up_proj [E, hidden, 2I], down_proj [E, I, hidden])."""
    config, tensors = gpt_oss_20b()
    config = {k: v for k, v in config.items() if k != "quantization_config"}
    for i in range(24):
        p = f"model.layers.{i}.mlp.experts."
        for kind in ("gate_up_proj", "down_proj"):
            del tensors[p + kind + "_blocks"], tensors[p + kind + "_scales"]
        put(tensors, p + "gate_up_proj", 32, 2880, 5760)
        put(tensors, p + "down_proj", 32, 2880, 2880)
    assert check_tensors(config, tensors, total(tensors)) == []


def test_gpt_oss_without_sinks_or_router_bias_is_refused() -> None:
    config, tensors = gpt_oss_20b()
    for i in range(24):
        del tensors[f"model.layers.{i}.self_attn.sinks"]
    assert_names(check_tensors(config, tensors, None), "WEIGHTS_TENSOR_MISSING", "self_attn.sinks", "23 more")
    config, tensors = gpt_oss_20b()
    del tensors["model.layers.5.mlp.router.bias"]
    assert_names(check_tensors(config, tensors, None), "WEIGHTS_TENSOR_MISSING", "layers.5.mlp.router.bias")


def test_gpt_oss_blocks_of_another_expert_width_name_both_shapes() -> None:
    """The U8 blocks' shape is MXFP4's layout of the config's sizes, so it is compared too."""
    config, tensors = gpt_oss_20b()
    config = {**config, "intermediate_size": 2 * 2880}
    found = check_tensors(config, tensors, None)
    blocks = [f for f in found if "gate_up_proj_blocks" in f.message]
    assert blocks and blocks[0].code == "WEIGHTS_SHAPE_MISMATCH"
    assert "[32, 11520, 90, 16]" in blocks[0].message and "[32, 5760, 90, 16]" in blocks[0].message


def test_gpt_oss_half_packed_experts_name_what_is_missing() -> None:
    config, tensors = gpt_oss_20b()
    del tensors["model.layers.0.mlp.experts.down_proj_scales"]
    assert_names(check_tensors(config, tensors, None), "WEIGHTS_TENSOR_MISSING", "down_proj_scales")


# --- Qwen2-MoE -------------------------------------------------------------------------------


def qwen2_moe() -> tuple[dict[str, Any], TensorMap]:
    """Qwen/Qwen1.5-MoE-A2.7B-Chat: every layer sparse, 60 experts and a gated shared expert."""
    c = fixture_config("Qwen/Qwen1.5-MoE-A2.7B-Chat")
    h = c["hidden_size"]
    t: TensorMap = {}
    embeddings(t, c)
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        gqa(t, p, c, bias=True)
        put(t, p + "mlp.gate.weight", 60, h)
        for e in range(60):
            swiglu(t, f"{p}mlp.experts.{e}.", 1408, h)
        swiglu(t, p + "mlp.shared_expert.", 5632, h)
        put(t, p + "mlp.shared_expert_gate.weight", 1, h)
        put(t, p + "input_layernorm.weight", h)
        put(t, p + "post_attention_layernorm.weight", h)
    return c, t


def test_qwen2_moe_layout_matches_and_counts_as_configured() -> None:
    config, tensors = qwen2_moe()
    assert check_tensors(config, tensors, total(tensors)) == []
    assert 14.2e9 < total(tensors) < 14.4e9  # the Hub page: 14.3B


def test_qwen2_moe_shared_expert_gate_and_expert_width() -> None:
    config, tensors = qwen2_moe()
    del tensors["model.layers.7.mlp.shared_expert_gate.weight"]
    assert_names(
        check_tensors(config, tensors, None), "WEIGHTS_TENSOR_MISSING", "layers.7.mlp.shared_expert_gate"
    )
    config, tensors = qwen2_moe()
    found = check_tensors({**config, "moe_intermediate_size": 2816}, tensors, None)
    assert "WEIGHTS_SHAPE_MISMATCH" in codes(found)
    assert any("[2816, 2048]" in f.message and "[1408, 2048]" in f.message for f in found)


def test_qwen_moe_mlp_only_layers_are_indices() -> None:
    """`mlp_only_layers: [3]` makes layer 3 dense, not the first layer (transformers reads indices)."""
    config, tensors = qwen2_moe()
    config = {**config, "mlp_only_layers": [3]}
    for name in [n for n in tensors if n.startswith("model.layers.3.mlp.")]:
        del tensors[name]
    swiglu(tensors, "model.layers.3.mlp.", 5632, 2048)
    assert check_tensors(config, tensors, None) == []


# --- DeepSeek V2 / V3 --------------------------------------------------------------------------


def deepseek(hf_id: str, dtype: str = "BF16") -> tuple[dict[str, Any], TensorMap]:
    c = fixture_config(hf_id)
    h, heads = c["hidden_size"], c["num_attention_heads"]
    t: TensorMap = {}
    nope, rope, v, kv_rank = c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"], c["kv_lora_rank"]
    q_rank, experts, inter = c["q_lora_rank"], c["n_routed_experts"], c["moe_intermediate_size"]
    embeddings(t, c)
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        if q_rank:
            put(t, p + "self_attn.q_a_proj.weight", q_rank, h, dtype=dtype)
            put(t, p + "self_attn.q_a_layernorm.weight", q_rank)
            put(t, p + "self_attn.q_b_proj.weight", heads * (nope + rope), q_rank, dtype=dtype)
        else:
            put(t, p + "self_attn.q_proj.weight", heads * (nope + rope), h, dtype=dtype)
        put(t, p + "self_attn.kv_a_proj_with_mqa.weight", kv_rank + rope, h, dtype=dtype)
        put(t, p + "self_attn.kv_a_layernorm.weight", kv_rank)
        put(t, p + "self_attn.kv_b_proj.weight", heads * (nope + v), kv_rank, dtype=dtype)
        put(t, p + "self_attn.o_proj.weight", h, heads * v, dtype=dtype)
        if i < c["first_k_dense_replace"]:
            swiglu(t, p + "mlp.", c["intermediate_size"], h, dtype=dtype)
        else:
            put(t, p + "mlp.gate.weight", experts, h)
            if c["topk_method"] == "noaux_tc":
                put(t, p + "mlp.gate.e_score_correction_bias", experts, dtype="F32")
            for e in range(experts):
                swiglu(t, f"{p}mlp.experts.{e}.", inter, h, dtype=dtype)
            swiglu(t, p + "mlp.shared_experts.", c["n_shared_experts"] * inter, h, dtype=dtype)
        put(t, p + "input_layernorm.weight", h)
        put(t, p + "post_attention_layernorm.weight", h)
    if dtype == "F8_E4M3":  # DeepSeek-V3/R1: a [rows/128, cols/128] F32 scale beside each FP8 weight
        for name, (d, shape) in list(t.items()):
            if d == dtype:
                put(t, name + "_scale_inv", *(math.ceil(x / 128) for x in shape), dtype="F32")
    return c, t


def test_deepseek_v2_lite_mla_without_q_lora_matches() -> None:
    config, tensors = deepseek("deepseek-ai/DeepSeek-V2-Lite-Chat")
    assert check_tensors(config, tensors, total(tensors)) == []
    assert 15.6e9 < total(tensors) < 15.8e9  # the Hub page: 15.7B


def test_deepseek_kv_b_proj_of_another_rank_names_both_shapes() -> None:
    config, tensors = deepseek("deepseek-ai/DeepSeek-V2-Lite-Chat")
    found = check_tensors({**config, "kv_lora_rank": 256}, tensors, None)
    kv_b = [f for f in found if "kv_b_proj" in f.message]
    assert kv_b and kv_b[0].code == "WEIGHTS_SHAPE_MISMATCH"
    assert "[4096, 256]" in kv_b[0].message and "[4096, 512]" in kv_b[0].message


def test_deepseek_first_dense_layer_and_shared_experts() -> None:
    config, tensors = deepseek("deepseek-ai/DeepSeek-V2-Lite-Chat")
    del tensors["model.layers.0.mlp.down_proj.weight"]
    del tensors["model.layers.4.mlp.shared_experts.up_proj.weight"]
    found = check_tensors(config, tensors, None)
    assert codes(found) == ["WEIGHTS_TENSOR_MISSING"] * 2
    assert {f.subject for f in found} == {
        "model.layers.0.mlp.down_proj.weight",
        "model.layers.4.mlp.shared_experts.up_proj.weight",
    }


def test_deepseek_r1_fp8_with_its_next_token_layer_matches() -> None:
    config, tensors = deepseek("deepseek-ai/DeepSeek-R1", dtype="F8_E4M3")
    put(tensors, "model.layers.61.eh_proj.weight", 7168, 2 * 7168, dtype="F8_E4M3")  # MTP: extra, not needed
    put(tensors, "model.layers.61.enorm.weight", 7168)
    assert check_tensors(config, tensors, total(tensors)) == []
    del tensors["model.layers.30.mlp.gate.e_score_correction_bias"]
    assert_names(check_tensors(config, tensors, None), "WEIGHTS_TENSOR_MISSING", "e_score_correction_bias")


# --- Command R, GLM-4.5 -------------------------------------------------------------------------


def command_r() -> tuple[dict[str, Any], TensorMap]:
    """CohereForAI/c4ai-command-r-v01: one LayerNorm a layer, tied head (no lm_head stored)."""
    c = fixture_config("CohereForAI/c4ai-command-r-v01")
    t: TensorMap = {}
    embeddings(t, c, head=False)
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        gqa(t, p, c, bias=False)
        swiglu(t, p + "mlp.", c["intermediate_size"], c["hidden_size"])
        put(t, p + "input_layernorm.weight", c["hidden_size"])
    return c, t


def test_command_r_layout_matches() -> None:
    config, tensors = command_r()
    assert check_tensors(config, tensors, total(tensors)) == []
    found = check_tensors({**config, "num_key_value_heads": 8}, tensors, None)
    assert any(f.code == "WEIGHTS_SHAPE_MISMATCH" and "k_proj" in f.message for f in found)


def test_command_r_plus_qk_norm_is_per_head() -> None:
    config, tensors = command_r()
    config = {**config, "use_qk_norm": True}
    found = check_tensors(config, tensors, None)
    assert codes(found) == ["WEIGHTS_TENSOR_MISSING"] * 2
    assert [f.subject for f in found] == [
        "model.layers.0.self_attn.q_norm.weight",
        "model.layers.0.self_attn.k_norm.weight",
    ]
    for i in range(40):
        put(tensors, f"model.layers.{i}.self_attn.q_norm.weight", 64, 128)
        put(tensors, f"model.layers.{i}.self_attn.k_norm.weight", 64, 128)
    assert check_tensors(config, tensors, None) == []


def glm45_air() -> tuple[dict[str, Any], TensorMap]:
    c = fixture_config("zai-org/GLM-4.5-Air")
    h = c["hidden_size"]
    t: TensorMap = {}
    embeddings(t, c)
    for i in range(c["num_hidden_layers"] + 1):  # + the next-token-prediction layer the checkpoint stores
        p = f"model.layers.{i}."
        gqa(t, p, c, bias=True)
        if i < 1:
            swiglu(t, p + "mlp.", 10944, h)
        else:
            put(t, p + "mlp.gate.weight", 128, h)
            put(t, p + "mlp.gate.e_score_correction_bias", 128, dtype="F32")
            for e in range(128):
                swiglu(t, f"{p}mlp.experts.{e}.", 1408, h)
            swiglu(t, p + "mlp.shared_experts.", 1408, h)
        put(t, p + "input_layernorm.weight", h)
        put(t, p + "post_attention_layernorm.weight", h)
    return c, t


def test_glm45_air_layout_matches() -> None:
    config, tensors = glm45_air()
    assert check_tensors(config, tensors, None) == []
    del tensors["model.layers.9.mlp.gate.e_score_correction_bias"]
    del tensors["model.layers.9.self_attn.k_proj.bias"]
    found = check_tensors(config, tensors, None)
    assert sorted(f.subject for f in found) == [
        "model.layers.9.mlp.gate.e_score_correction_bias",
        "model.layers.9.self_attn.k_proj.bias",
    ]


# --- encoders: embeddings and rerankers ----------------------------------------------------------


def bert(
    hf_id: str, prefix: str, pooler: bool = True, gamma: bool = False
) -> tuple[dict[str, Any], TensorMap]:
    c = fixture_config(hf_id)
    h, inter = c["hidden_size"], c["intermediate_size"]
    t: TensorMap = {}
    w, b = ("gamma", "beta") if gamma else ("weight", "bias")

    def linear(name: str, rows: int, cols: int) -> None:
        put(t, name + ".weight", rows, cols, dtype="F32")
        put(t, name + ".bias", rows, dtype="F32")

    def norm(name: str) -> None:
        put(t, f"{name}.{w}", h, dtype="F32")
        put(t, f"{name}.{b}", h, dtype="F32")

    e = prefix + "embeddings."
    put(t, e + "word_embeddings.weight", c["vocab_size"], h, dtype="F32")
    put(t, e + "position_embeddings.weight", c["max_position_embeddings"], h, dtype="F32")
    put(t, e + "token_type_embeddings.weight", c["type_vocab_size"], h, dtype="F32")
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
    return c, t


def test_a_sentence_transformers_bert_loads_with_or_without_pooler_and_old_norm_names() -> None:
    for pooler in (True, False):
        config, tensors = bert("sentence-transformers/all-MiniLM-L6-v2", "", pooler=pooler)
        assert check_tensors(config, tensors, total(tensors), generates=False) == []
    config, tensors = bert("sentence-transformers/all-MiniLM-L6-v2", "", gamma=True)
    assert check_tensors(config, tensors, total(tensors), generates=False) == []
    assert total(bert("sentence-transformers/all-MiniLM-L6-v2", "")[1]) == 22_713_216  # the Hub's 22.7M


def test_a_bert_missing_a_bias_or_of_another_width_is_refused() -> None:
    config, tensors = bert("sentence-transformers/all-MiniLM-L6-v2", "")
    del tensors["encoder.layer.2.intermediate.dense.bias"]
    assert_names(
        check_tensors(config, tensors, None, generates=False),
        "WEIGHTS_TENSOR_MISSING",
        "encoder.layer.2.intermediate.dense.bias",
    )
    config, tensors = bert("sentence-transformers/all-MiniLM-L6-v2", "")
    found = check_tensors({**config, "max_position_embeddings": 8192}, tensors, None, generates=False)
    assert_names(found, "WEIGHTS_SHAPE_MISMATCH", "position_embeddings", "[8192, 384]", "[512, 384]")


def reranker() -> tuple[dict[str, Any], TensorMap]:
    """BAAI/bge-reranker-base: XLM-RoBERTa under `roberta.`, no pooler, classifier.dense/out_proj."""
    config, t = bert("BAAI/bge-reranker-base", "roberta.", pooler=False)
    for name, rows in (("dense", 768), ("out_proj", 1)):
        put(t, f"classifier.{name}.weight", rows, 768, dtype="F32")
        put(t, f"classifier.{name}.bias", rows, dtype="F32")
    return config, t


def test_an_xlm_roberta_reranker_head_matches() -> None:
    config, tensors = reranker()
    assert check_tensors(config, tensors, total(tensors)) == []
    del tensors["classifier.out_proj.weight"]
    assert_names(check_tensors(config, tensors, None), "WEIGHTS_TENSOR_MISSING", "classifier.out_proj.weight")
    config, tensors = reranker()
    found = check_tensors({**config, "id2label": {"0": "a", "1": "b"}}, tensors, None)
    assert codes(found) == ["WEIGHTS_SHAPE_MISMATCH"] * 2
    assert (
        "classifier.out_proj.weight: expected shape [2, 768] from config.json, found [1, 768]"
        in found[0].message
    )
    assert found[1].subject == "classifier.out_proj.bias"


def test_a_reranker_folder_is_rerank_and_accepted(tmp_path: Path) -> None:
    config, tensors = reranker()
    shards = {"model.safetensors": {n: (d, list(s)) for n, (d, s) in tensors.items()}}
    write_model(tmp_path, config, shards, sparse=True, chat_template=False)
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    assert report.capability is Capability.RERANK
    assert [
        f.code for f in report.findings if f.code.startswith("WEIGHTS") or f.code == "PARAMETERS_MISMATCH"
    ] == []
    estimate = estimate_parameters(config)
    assert estimate is not None and report.parameters == total(tensors)
    assert abs(estimate.total - total(tensors)) / total(tensors) < 0.01


# --- vision-language: the text tower ---------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["model.", "model.language_model."])
def test_qwen25_vl_text_tower_is_checked_under_either_prefix(prefix: str) -> None:
    """Qwen2.5-VL saves its language model as `model.` (transformers < 4.52) or
    `model.language_model.` (after); the vision tower sits beside it and is not the text model."""
    c = fixture_config("Qwen/Qwen2.5-VL-7B-Instruct")
    t: TensorMap = {}
    embeddings(t, c, prefix=prefix)
    for i in range(c["num_hidden_layers"]):
        p = f"{prefix}layers.{i}."
        gqa(t, p, c, bias=True)
        swiglu(t, p + "mlp.", c["intermediate_size"], c["hidden_size"])
        put(t, p + "input_layernorm.weight", c["hidden_size"])
        put(t, p + "post_attention_layernorm.weight", c["hidden_size"])
    visual = "visual." if prefix == "model." else "model.visual."
    put(t, visual + "patch_embed.proj.weight", 1280, 3, 2, 14, 14)
    assert check_tensors(c, t, None) == []
    t[f"{prefix}layers.3.self_attn.k_proj.weight"] = ("BF16", (1024, 3584))
    assert_names(check_tensors(c, t, None), "WEIGHTS_SHAPE_MISMATCH", "[512, 3584]", "[1024, 3584]")


def test_the_fixtures_used_here_are_listed_with_their_source() -> None:
    readme = (Path(__file__).resolve().parents[2] / "fixtures" / "configs" / "README.md").read_text()
    for hf_id in (
        "Qwen/Qwen1.5-MoE-A2.7B-Chat",
        "deepseek-ai/DeepSeek-V2-Lite-Chat",
        "deepseek-ai/DeepSeek-R1",
        "CohereForAI/c4ai-command-r-v01",
        "zai-org/GLM-4.5-Air",
        "sentence-transformers/all-MiniLM-L6-v2",
        "BAAI/bge-reranker-base",
    ):
        name = hf_id.replace("/", "__") + ".json"
        assert f"`{name}`" in readme
        json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "configs" / name).read_text())
