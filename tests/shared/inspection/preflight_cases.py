"""The project's own builds of the pre-flight cases of ../shared/cases/preflight (issue 11).

Each builder makes the folder of one publicly reported import or serving failure with
sparse safetensors (real headers, no data), so that CI on a clean clone, where ../shared may be
absent, tests every case. Configs carry the published hyper-parameters of the model named;
tensor names and shapes are those of the Hugging Face checkpoints of each family. `EXPECTED`
is the verdict a correct pre-flight gives (the same keys as the shared cases.json).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.shared.inspection.builders import Tensors, write_safetensors

Config = dict[str, Any]
TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}</s>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def _json(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1))


def _blob(path: Path, size: int, head: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)


def tokenizer(root: Path, template: str | None = TEMPLATE) -> None:
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, "a": 3, "b": 4, "ab": 5}
    added = [{"id": i, "content": t, "special": True} for t, i in list(vocab.items())[:3]]
    _json(
        root / "tokenizer.json",
        {"added_tokens": added, "model": {"type": "BPE", "vocab": vocab, "merges": ["a b"]}},
    )
    cfg: dict[str, Any] = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
    if template is not None:
        cfg["chat_template"] = template
    _json(root / "tokenizer_config.json", cfg)


def decoder(
    c: Config,
    dtype: str = "BF16",
    prefix: str = "model.",
    head: str | None = "lm_head.weight",
    fused: bool = False,
    qk_norm: bool = False,
) -> Tensors:
    """A Llama-style decoder's tensors as transformers saves them, from a config."""
    h, n, heads = c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"]
    kv, inter, vocab = c.get("num_key_value_heads", heads), c["intermediate_size"], c["vocab_size"]
    hd = c.get("head_dim") or h // heads
    t: Tensors = {prefix + "embed_tokens.weight": (dtype, [vocab, h]), prefix + "norm.weight": (dtype, [h])}
    for i in range(n):
        p = f"{prefix}layers.{i}."
        if fused:
            t[p + "self_attn.qkv_proj.weight"] = (dtype, [(heads + 2 * kv) * hd, h])
            t[p + "mlp.gate_up_proj.weight"] = (dtype, [2 * inter, h])
        else:
            for name, rows in (("q", heads * hd), ("k", kv * hd), ("v", kv * hd)):
                t[p + f"self_attn.{name}_proj.weight"] = (dtype, [rows, h])
            t[p + "mlp.gate_proj.weight"] = (dtype, [inter, h])
            t[p + "mlp.up_proj.weight"] = (dtype, [inter, h])
        t[p + "self_attn.o_proj.weight"] = (dtype, [h, heads * hd])
        t[p + "mlp.down_proj.weight"] = (dtype, [h, inter])
        t[p + "input_layernorm.weight"] = (dtype, [h])
        t[p + "post_attention_layernorm.weight"] = (dtype, [h])
        if qk_norm:
            t[p + "self_attn.q_norm.weight"] = (dtype, [hd])
            t[p + "self_attn.k_norm.weight"] = (dtype, [hd])
    if head is not None:
        t[head] = (dtype, [vocab, h])
    return t


def sharded(root: Path, tensors: Tensors, count: int, listed: int | None = None) -> int:
    """`count` shards and an index; `listed` names a different shard count in the index (stale)."""
    names = list(tensors)
    per = math.ceil(len(names) / count)
    total = 0
    for i in range(count):
        part = {n: tensors[n] for n in names[i * per : (i + 1) * per]}
        total += write_safetensors(root / f"model-{i + 1:05d}-of-{count:05d}.safetensors", part, sparse=True)
    k = listed or count
    per_listed = math.ceil(len(names) / k)
    weight_map = {n: f"model-{j // per_listed + 1:05d}-of-{k:05d}.safetensors" for j, n in enumerate(names)}
    _json(root / "model.safetensors.index.json", {"metadata": {}, "weight_map": weight_map})
    return total


LLAMA31_8B: Config = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 4096,
    "intermediate_size": 14336,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "vocab_size": 128256,
    "max_position_embeddings": 131072,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
}
MISTRAL_7B: Config = {
    **LLAMA31_8B,
    "architectures": ["MistralForCausalLM"],
    "model_type": "mistral",
    "vocab_size": 32000,
    "max_position_embeddings": 32768,
}
LLAMA2_7B: Config = {
    **LLAMA31_8B,
    "intermediate_size": 11008,
    "num_key_value_heads": 32,
    "vocab_size": 32000,
    "max_position_embeddings": 4096,
    "torch_dtype": "float16",
}
PHI4: Config = {
    "architectures": ["Phi3ForCausalLM"],
    "model_type": "phi3",
    "auto_map": {},
    "hidden_size": 5120,
    "intermediate_size": 17920,
    "num_hidden_layers": 40,
    "num_attention_heads": 40,
    "num_key_value_heads": 10,
    "vocab_size": 100352,
    "max_position_embeddings": 16384,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
}
VICUNA_13B: Config = {
    **LLAMA2_7B,
    "hidden_size": 5120,
    "intermediate_size": 13824,
    "num_hidden_layers": 40,
    "num_attention_heads": 40,
    "num_key_value_heads": 40,
}
LLAMA32_1B_W8A8: Config = {
    **LLAMA31_8B,
    "hidden_size": 2048,
    "intermediate_size": 8192,
    "num_hidden_layers": 16,
    "head_dim": 64,
    "tie_word_embeddings": True,
    "quantization_config": {
        "quant_method": "compressed-tensors",
        "format": "int-quantized",
        "config_groups": {"group_0": {"targets": ["Linear"], "weights": {"type": "int", "num_bits": 8}}},
    },
}
QWEN3_06B: Config = {
    "architectures": ["Qwen3ForCausalLM"],
    "model_type": "qwen3",
    "hidden_size": 1024,
    "intermediate_size": 3072,
    "num_hidden_layers": 28,
    "num_attention_heads": 16,
    "num_key_value_heads": 8,
    "head_dim": 128,
    "vocab_size": 151669,
    "max_position_embeddings": 40960,
    "tie_word_embeddings": True,
    "torch_dtype": "float32",
}
MISTRAL_SMALL_31: Config = {
    "architectures": ["Mistral3ForConditionalGeneration"],
    "model_type": "mistral3",
    "spatial_merge_size": 2,
    "torch_dtype": "bfloat16",
    "text_config": {
        "model_type": "mistral",
        "hidden_size": 5120,
        "intermediate_size": 32768,
        "num_hidden_layers": 40,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "head_dim": 128,
        "vocab_size": 131072,
        "max_position_embeddings": 131072,
        "tie_word_embeddings": False,
    },
    "vision_config": {
        "model_type": "pixtral",
        "hidden_size": 1024,
        "intermediate_size": 4096,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
        "head_dim": 64,
        "image_size": 1540,
        "patch_size": 14,
    },
}


def mistral_native(dim: int, layers: int, hidden: int, vocab: int, heads: int = 32, kv: int = 8) -> Tensors:
    """mistral-inference's names (consolidated.safetensors)."""
    t: Tensors = {"tok_embeddings.weight": ("BF16", [vocab, dim]), "norm.weight": ("BF16", [dim])}
    for i in range(layers):
        p = f"layers.{i}."
        t[p + "attention.wq.weight"] = ("BF16", [heads * 128, dim])
        t[p + "attention.wk.weight"] = ("BF16", [kv * 128, dim])
        t[p + "attention.wv.weight"] = ("BF16", [kv * 128, dim])
        t[p + "attention.wo.weight"] = ("BF16", [dim, heads * 128])
        t[p + "feed_forward.w1.weight"] = ("BF16", [hidden, dim])
        t[p + "feed_forward.w2.weight"] = ("BF16", [dim, hidden])
        t[p + "feed_forward.w3.weight"] = ("BF16", [hidden, dim])
    return t


def _lora_adapter(root: Path) -> None:
    adapter = {"peft_type": "LORA", "base_model_name_or_path": "org/base-7b", "r": 16}
    _json(root / "adapter_config.json", adapter)
    lora: Tensors = {}
    for i in range(32):
        for m, out in (("q_proj", 4096), ("k_proj", 1024), ("v_proj", 1024), ("o_proj", 4096)):
            p = f"base_model.model.model.layers.{i}.self_attn.{m}."
            lora[p + "lora_A.weight"] = ("F32", [16, 4096])
            lora[p + "lora_B.weight"] = ("F32", [out, 16])
    write_safetensors(root / "adapter_model.safetensors", lora, sparse=True)
    tokenizer(root)
    _blob(root / "training_args.bin", 4920, b"PK\x03\x04")
    for step in (8, 16):
        _json(root / f"checkpoint-{step}" / "adapter_config.json", {"peft_type": "LORA"})
        write_safetensors(root / f"checkpoint-{step}" / "adapter_model.safetensors", lora, sparse=True)
        _blob(root / f"checkpoint-{step}" / "optimizer.pt", 54_000_000, b"PK\x03\x04")


def rw01(root: Path) -> None:
    _lora_adapter(root)


def rw01b(root: Path) -> None:
    _lora_adapter(root)
    _json(root / "config.json", MISTRAL_7B)


def rw02(root: Path) -> None:
    _json(root / "params.json", {"dim": 3072, "n_layers": 26, "hidden_dim": 9216, "vocab_size": 131072})
    write_safetensors(root / "consolidated.safetensors", mistral_native(3072, 26, 9216, 131072), sparse=True)
    _json(root / "tekken.json", {"config": {"version": "v13"}, "vocab": []})


def rw04(root: Path) -> None:
    _blob(root / "model-q4_k_m-00001-of-00002.gguf", 3_900_000_000, b"GGUF\x03\x00\x00\x00")
    _blob(root / "model-q4_k_m-00002-of-00002.gguf", 1_020_000_000, b"GGUF\x03\x00\x00\x00")


def rw05(root: Path) -> None:
    sub = root / "model"
    _json(sub / "config.json", LLAMA31_8B)
    sharded(sub, decoder(LLAMA31_8B), 4)
    tokenizer(sub)


def rw06(root: Path) -> None:
    _json(root / "config.json", PHI4)
    sharded(root, decoder(PHI4, fused=True), 6)
    tokenizer(root)


def rw08(root: Path) -> None:
    _json(root / "config.json", LLAMA31_8B)
    sharded(root, decoder(LLAMA31_8B), 3, listed=6)
    tokenizer(root)


def rw09(root: Path) -> None:
    _json(root / "config.json", LLAMA31_8B)
    tensors = decoder(LLAMA31_8B)
    sharded(root, tensors, 4)
    packed = {n: ("U8", [math.prod(s) // 2, 1]) if "proj" in n else (d, s) for n, (d, s) in tensors.items()}
    write_safetensors(root / "model.safetensors", packed, sparse=True)
    tokenizer(root)


def rw10(root: Path) -> None:
    config = {**LLAMA31_8B, "torch_dtype": "float32", "max_position_embeddings": 8192}
    _json(root / "config.json", config)
    sharded(root, decoder(config, dtype="F32"), 7)
    tokenizer(root)


def rw11(root: Path) -> None:
    _json(root / "config.json", VICUNA_13B)
    sharded(root, decoder(VICUNA_13B, dtype="F16"), 3)
    tokenizer(root, template=None)


def rw12(root: Path) -> None:
    _json(root / "config.json", LLAMA2_7B)
    sharded(root, decoder(LLAMA2_7B, dtype="F16", head=None), 2)
    tokenizer(root)


def rw14(root: Path) -> None:
    tensors: Tensors = {}
    for name, (dtype, shape) in decoder(LLAMA32_1B_W8A8).items():
        if "_proj.weight" in name:
            tensors[name] = ("I8", shape)
            tensors[name.replace(".weight", ".weight_scale")] = ("BF16", [shape[0], 1])
        else:
            tensors[name] = (dtype, shape)
    _json(root / "config.json", LLAMA32_1B_W8A8)
    write_safetensors(root / "model.safetensors", tensors, sparse=True)
    tokenizer(root)


def rw16(root: Path) -> None:
    config = {**QWEN3_06B, "architectures": ["Qwen3ForSequenceClassification"], "num_labels": 1}
    tensors = decoder(QWEN3_06B, dtype="F32", head=None, qk_norm=True)
    tensors["score.weight"] = ("F32", [1, QWEN3_06B["hidden_size"]])
    _json(root / "config.json", config)
    write_safetensors(root / "model.safetensors", tensors, sparse=True)
    tokenizer(root)


def rw17(root: Path) -> None:
    config = {**LLAMA31_8B, "quantization_config": {"quant_method": "quanto", "weights": "int8"}}
    tensors: Tensors = {}
    for name, (dtype, shape) in decoder(LLAMA31_8B).items():
        if "_proj.weight" in name:
            tensors[name.replace(".weight", ".weight._data")] = ("I8", shape)
            tensors[name.replace(".weight", ".weight._scale")] = ("BF16", [shape[0], 1])
        else:
            tensors[name] = (dtype, shape)
    _json(root / "config.json", config)
    sharded(root, tensors, 2)
    tokenizer(root)


def rw18(root: Path) -> None:
    c = MISTRAL_SMALL_31
    t = decoder(c["text_config"], prefix="language_model.model.", head="language_model.lm_head.weight")
    vh, vi, h = 1024, 4096, c["text_config"]["hidden_size"]
    t["vision_tower.patch_conv.weight"] = ("BF16", [vh, 3, 14, 14])
    t["vision_tower.ln_pre.weight"] = ("BF16", [vh])
    for i in range(24):
        p = f"vision_tower.transformer.layers.{i}."
        for x in "qkvo":
            t[p + f"attention.{x}_proj.weight"] = ("BF16", [vh, vh])
        t[p + "attention_norm.weight"] = ("BF16", [vh])
        t[p + "ffn_norm.weight"] = ("BF16", [vh])
        t[p + "feed_forward.gate_proj.weight"] = ("BF16", [vi, vh])
        t[p + "feed_forward.up_proj.weight"] = ("BF16", [vi, vh])
        t[p + "feed_forward.down_proj.weight"] = ("BF16", [vh, vi])
    t["multi_modal_projector.norm.weight"] = ("BF16", [vh])
    t["multi_modal_projector.patch_merger.merging_layer.weight"] = ("BF16", [vh, vh * 4])
    t["multi_modal_projector.linear_1.weight"] = ("BF16", [h, vh])
    t["multi_modal_projector.linear_2.weight"] = ("BF16", [h, h])
    _json(root / "config.json", c)
    sharded(root, t, 10)
    _json(root / "params.json", {"dim": 5120, "n_layers": 40, "hidden_dim": 32768, "vocab_size": 131072})
    write_safetensors(root / "consolidated.safetensors", mistral_native(5120, 40, 32768, 131072), sparse=True)
    _json(root / "tekken.json", {"config": {"version": "v7"}, "vocab": []})
    tokenizer(root, "{{ bos_token }}{% for m in messages %}[INST]{{ m['content'] }}[/INST]{% endfor %}")


_X1 = ["A100_80G_X1", "H100_X1", "H200_X1"]
#: id -> (builder, expectation); keys as in ../shared/cases/preflight/cases.json
CASES: dict[str, tuple[Callable[[Path], None], dict[str, Any]]] = {
    "RW01": (
        rw01,
        {"importable": False, "codes_any": ["CONFIG_MISSING"], "capability": None, "no_sizing": True},
    ),
    "RW01b": (rw01b, {"importable": False, "capability": "any"}),
    "RW02": (rw02, {"importable": False, "codes_any": ["CONFIG_MISSING"], "capability": None}),
    "RW04": (
        rw04,
        {"importable": False, "codes_any": ["CONFIG_MISSING", "WEIGHTS_MISSING"], "capability": None},
    ),
    "RW05": (rw05, {"importable": False, "codes_any": ["CONFIG_MISSING"], "capability": None}),
    "RW06": (
        rw06,
        {
            "importable": True,
            "codes_forbid": ["REMOTE_CODE"],
            "capability": "TEXT_TO_TEXT",
            "parameters": 14659507200,
            "shape_in": _X1,
        },
    ),
    "RW08": (
        rw08,
        {
            "importable": False,
            "codes_any": ["INDEX_SHARD_MISSING", "INDEX_SHARD_UNLISTED"],
            "capability": "TEXT_TO_TEXT",
        },
    ),
    "RW09": (
        rw09,
        {"importable": True, "capability": "TEXT_TO_TEXT", "parameters": 8030261248, "shape_in": _X1},
    ),
    "RW10": (
        rw10,
        {
            "importable": True,
            "capability": "TEXT_TO_TEXT",
            "parameters": 8030261248,
            "weights_gib_max": 16.0,
            "shape_in": _X1,
        },
    ),
    "RW11": (
        rw11,
        {
            "importable": False,
            "codes_any": ["CHAT_TEMPLATE_MISSING"],
            "capability": "TEXT_TO_TEXT",
            "parameters": 13015864320,
        },
    ),
    "RW12": (rw12, {"importable": False, "capability": "TEXT_TO_TEXT"}),
    "RW14": (
        rw14,
        {"importable": True, "capability": "TEXT_TO_TEXT", "parameters": 1498859520, "shape_in": _X1},
    ),
    "RW16": (
        rw16,
        {
            "importable": True,
            "capability": "RERANK",
            "parameters": 595777536,
            "shape_in": ["A10_X1", "A100_40G_X1", "A100_80G_X1"],
        },
    ),
    "RW17": (rw17, {"importable": False, "capability": "TEXT_TO_TEXT"}),
    "RW18": (
        rw18,
        {
            "importable": True,
            "capability": "IMAGE_TEXT_TO_TEXT",
            "parameters": 24011361280,
            "shape_in": ["A100_80G_X1", "A100_80G_X2", "H100_X1", "H100_X2", "H200_X1"],
        },
    ),
}


def mismatches(doc: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """What in `inspect --json` output differs from an expectation (empty: the verdict is right)."""
    why = []
    codes = {f["code"] for f in doc.get("findings", [])}
    if bool(doc.get("ok")) != expected["importable"]:
        why.append(f"ok={doc.get('ok')}, expected {expected['importable']}")
    if expected.get("codes_any") and not codes & set(expected["codes_any"]):
        why.append(f"none of {expected['codes_any']} in {sorted(codes)}")
    if codes & set(expected.get("codes_forbid", [])):
        why.append(f"forbidden {sorted(codes & set(expected['codes_forbid']))}")
    if expected.get("capability", "any") != "any" and doc.get("capability") != expected["capability"]:
        why.append(f"capability {doc.get('capability')}, expected {expected['capability']}")
    if isinstance(expected.get("parameters"), int) and doc.get("parameters") != expected["parameters"]:
        why.append(f"parameters {doc.get('parameters')}, expected {expected['parameters']}")
    if expected.get("no_sizing") and (doc.get("parameters") is not None or doc.get("recommended_shape")):
        why.append("a folder that is not a model was sized")
    if expected.get("shape_in") and doc.get("recommended_shape") not in expected["shape_in"]:
        why.append(f"shape {doc.get('recommended_shape')} not in {expected['shape_in']}")
    limit = expected.get("weights_gib_max")
    if limit is not None and ((doc.get("memory") or {}).get("weights_gib") or 1e9) > limit:
        why.append(f"weights_gib {(doc.get('memory') or {}).get('weights_gib')} > {limit}")
    return why
