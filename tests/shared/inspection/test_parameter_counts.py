"""Parameters as the Hub's model pages count them, from headers and from config.json alone.

gpt-oss stores its experts as MXFP4: `*_blocks` tensors of U8 holding two FP4 values per
byte, `*_scales` of U8 holding one E8M0 scale per 32 values. Its model pages show
21,511,953,984 (openai/gpt-oss-20b) and 120,412,337,472 (openai/gpt-oss-120b) parameters:
every tensor's elements, each `*_blocks` byte counted twice. The fixtures below are sparse
files whose headers carry the real checkpoint's tensor names, dtypes and shapes (names and
shapes as in `model.safetensors.index.json` of openai/gpt-oss-20b and the MXFP4 layout
[experts, rows, blocks, 16] that transformers' mxfp4 integration reads); only the split of
tensors across shards is ours.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from shared.inspection import LocalFolderSource, inspect_artifacts
from shared.inspection.safetensors import parse_header
from shared.inspection.sizing import estimate_parameters
from tests.shared.inspection.builders import Tensors, fixture_config, header_bytes, split_shards, write_model

GPT_OSS_20B_HUB = 21_511_953_984
GPT_OSS_120B_HUB = 120_412_337_472
LLAVA_15_7B_HUB = 7_063_427_072  # llava-hf/llava-1.5-7b-hf (transformers counts 7,063,427,072 too)


def gpt_oss_tensors(layers: int, experts: int) -> Tensors:
    hidden, inter, heads, kv_heads, head_dim, vocab = 2880, 2880, 64, 8, 64, 201088
    t: Tensors = {
        "model.embed_tokens.weight": ("BF16", [vocab, hidden]),
        "lm_head.weight": ("BF16", [vocab, hidden]),
        "model.norm.weight": ("BF16", [hidden]),
    }
    for i in range(layers):
        p = f"model.layers.{i}."
        t[p + "input_layernorm.weight"] = ("BF16", [hidden])
        t[p + "post_attention_layernorm.weight"] = ("BF16", [hidden])
        for proj, rows in (("q", heads * head_dim), ("k", kv_heads * head_dim), ("v", kv_heads * head_dim)):
            t[p + f"self_attn.{proj}_proj.weight"] = ("BF16", [rows, hidden])
            t[p + f"self_attn.{proj}_proj.bias"] = ("BF16", [rows])
        t[p + "self_attn.o_proj.weight"] = ("BF16", [hidden, heads * head_dim])
        t[p + "self_attn.o_proj.bias"] = ("BF16", [hidden])
        t[p + "self_attn.sinks"] = ("BF16", [heads])
        t[p + "mlp.router.weight"] = ("BF16", [experts, hidden])
        t[p + "mlp.router.bias"] = ("BF16", [experts])
        t[p + "mlp.experts.gate_up_proj_blocks"] = ("U8", [experts, 2 * inter, hidden // 32, 16])
        t[p + "mlp.experts.gate_up_proj_scales"] = ("U8", [experts, 2 * inter, hidden // 32])
        t[p + "mlp.experts.gate_up_proj_bias"] = ("BF16", [experts, 2 * inter])
        t[p + "mlp.experts.down_proj_blocks"] = ("U8", [experts, hidden, inter // 32, 16])
        t[p + "mlp.experts.down_proj_scales"] = ("U8", [experts, hidden, inter // 32])
        t[p + "mlp.experts.down_proj_bias"] = ("BF16", [experts, hidden])
    return t


def gpt_oss_120b_config() -> dict[str, object]:
    """gpt-oss-120b differs from the 20b config in depth and expert count only (36 layers of
    alternating sliding/full attention, 128 experts; as OME's and vLLM's test configs give them)."""
    config = copy.deepcopy(fixture_config("openai/gpt-oss-20b"))
    config["num_hidden_layers"] = 36
    config["num_local_experts"] = 128
    config["layer_types"] = ["sliding_attention", "full_attention"] * 18
    return config


@pytest.mark.parametrize(
    ("layers", "experts", "shards", "hub"),
    [(24, 32, 3, GPT_OSS_20B_HUB), (36, 128, 15, GPT_OSS_120B_HUB)],
    ids=["gpt-oss-20b", "gpt-oss-120b"],
)
def test_mxfp4_checkpoints_count_as_the_hub_page(
    layers: int, experts: int, shards: int, hub: int, tmp_path: Path
) -> None:
    config = fixture_config("openai/gpt-oss-20b") if layers == 24 else gpt_oss_120b_config()
    tensors = gpt_oss_tensors(layers, experts)
    write_model(tmp_path, config, split_shards(tensors, shards), sparse=True)
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    assert report.parameters_source == "safetensors"
    assert report.parameters == hub
    bytes_per_element = sum(
        n * (1 if d == "U8" else 2) for d, s in tensors.values() for n in [_numel(s)]
    )  # one per byte, as huggingface_hub.get_safetensors_metadata counts
    assert report.weights_bytes == bytes_per_element
    estimate = estimate_parameters(config)
    assert estimate is not None and abs(estimate.total - hub) / hub < 0.03


def test_packed_blocks_count_two_per_byte_only_when_u8_and_named_blocks() -> None:
    head, data = header_bytes(
        {
            "a.gate_up_proj_blocks": ("U8", [2, 3]),  # 6 bytes, 12 FP4 values
            "a.gate_up_proj_scales": ("U8", [2]),
            "b.blocks_weight": ("U8", [4]),  # not a `*_blocks` tensor
            "c.down_proj_blocks": ("BF16", [5]),  # not packed: two bytes per value
        }
    )
    assert parse_header(head[8:], len(head) + data).parameters == 12 + 2 + 4 + 5


def test_llava_style_config_with_a_sparse_text_config_is_estimated() -> None:
    """llava-1.5's `text_config` names only vocab and context; transformers fills LlamaConfig's
    defaults. The estimate was None (0 parameters); it is now the Hub's count, exactly."""
    estimate = estimate_parameters(fixture_config("llava-hf/llava-1.5-7b-hf"))
    assert estimate is not None and estimate.total == LLAVA_15_7B_HUB
    assert estimate_parameters({"model_type": "llama"}) is None  # a top-level config gets no defaults


def _numel(shape: list[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n
