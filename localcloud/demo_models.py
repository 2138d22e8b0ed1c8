"""Tiny but real Hugging Face model folders for the demo and the end-to-end tests.

Weights are written in the safetensors format by hand (8-byte little-endian header length,
the JSON header, then the raw tensor bytes), with no torch. The tokenizer is a real
`tokenizers` WordLevel tokenizer.json; tokenizer_config.json carries a chat template.

    write_model(folder, "chat")        # LlamaForCausalLM, TEXT_TO_TEXT
    write_model(folder, "embedding")   # LlamaModel (bare decoder: embeddings)
    write_model(folder, "rerank")      # Qwen2ForSequenceClassification with one label
    write_model(folder, "chat", shards=2)   # sharded, with model.safetensors.index.json
    write_broken(folder, "no-config" | "pickle-only" | "remote-code" | "ambiguous")
"""

from __future__ import annotations

import json
import random
import struct
from pathlib import Path
from typing import Any

HIDDEN = 64
INTERMEDIATE = 128
LAYERS = 2
HEADS = 4
KV_HEADS = 2
WORDS = ["the", "capital", "of", "france", "is", "paris", "hello", "world", "model", "answer", "yes", "no"]
SPECIALS = ["<unk>", "<s>", "</s>", "<|user|>", "<|assistant|>", "<|system|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)

ARCHITECTURES = {
    "chat": ("LlamaForCausalLM", "llama"),
    "embedding": ("LlamaModel", "llama"),
    "rerank": ("Qwen2ForSequenceClassification", "qwen2"),
}


def vocab() -> dict[str, int]:
    words = SPECIALS + WORDS + [f"w{i}" for i in range(256 - len(SPECIALS) - len(WORDS))]
    return {w: i for i, w in enumerate(words)}


def tensors(kind: str) -> dict[str, list[int]]:
    v = len(vocab())
    kv = HIDDEN // HEADS * KV_HEADS
    out: dict[str, list[int]] = {"model.embed_tokens.weight": [v, HIDDEN]}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        out |= {
            p + "self_attn.q_proj.weight": [HIDDEN, HIDDEN],
            p + "self_attn.k_proj.weight": [kv, HIDDEN],
            p + "self_attn.v_proj.weight": [kv, HIDDEN],
            p + "self_attn.o_proj.weight": [HIDDEN, HIDDEN],
            p + "mlp.gate_proj.weight": [INTERMEDIATE, HIDDEN],
            p + "mlp.up_proj.weight": [INTERMEDIATE, HIDDEN],
            p + "mlp.down_proj.weight": [HIDDEN, INTERMEDIATE],
            p + "input_layernorm.weight": [HIDDEN],
            p + "post_attention_layernorm.weight": [HIDDEN],
        }
        if kind == "rerank":  # qwen2 has q/k/v biases
            out |= {
                p + "self_attn.q_proj.bias": [HIDDEN],
                p + "self_attn.k_proj.bias": [kv],
                p + "self_attn.v_proj.bias": [kv],
            }
    out["model.norm.weight"] = [HIDDEN]
    if kind == "chat":
        out["lm_head.weight"] = [v, HIDDEN]
    elif kind == "rerank":
        out["score.weight"] = [1, HIDDEN]
    return out


def write_safetensors(path: Path, shapes: dict[str, list[int]], seed: int = 0) -> int:
    """BF16 tensors of small pseudo-random values; returns the file size."""
    rng = random.Random(seed)
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape in shapes.items():
        n = 1
        for d in shape:
            n *= d
        header[name] = {"dtype": "BF16", "shape": shape, "data_offsets": [offset, offset + 2 * n]}
        offset += 2 * n
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # the format pads the header to 8 bytes with spaces
    with path.open("wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for name in shapes:
            n = header[name]["data_offsets"][1] - header[name]["data_offsets"][0]
            # bf16 = the top half of a float32: values in about [-0.06, 0.06]
            f.write(b"".join(struct.pack("<f", rng.uniform(-0.06, 0.06))[2:] for _ in range(n // 2)))
    return path.stat().st_size


def config(kind: str) -> dict[str, Any]:
    arch, model_type = ARCHITECTURES[kind]
    doc: dict[str, Any] = {
        "architectures": [arch],
        "model_type": model_type,
        "hidden_size": HIDDEN,
        "intermediate_size": INTERMEDIATE,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
        "num_key_value_heads": KV_HEADS,
        "vocab_size": len(vocab()),
        "max_position_embeddings": 2048,
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "torch_dtype": "bfloat16",
        "tie_word_embeddings": False,
        "bos_token_id": 1,
        "eos_token_id": 2,
    }
    if kind == "rerank":
        doc |= {"num_labels": 1, "id2label": {"0": "LABEL_0"}, "label2id": {"LABEL_0": 0}}
    return doc


def tokenizer_json() -> dict[str, Any]:
    v = vocab()
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {
                "id": v[t],
                "content": t,
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
            for t in SPECIALS
        ],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": v, "unk_token": "<unk>"},
    }


def write_model(folder: Path, kind: str = "chat", shards: int = 1, seed: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config(kind), indent=2))
    (folder / "tokenizer.json").write_text(json.dumps(tokenizer_json()))
    tok_config: dict[str, Any] = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "model_max_length": 2048,
    }
    if kind == "chat":
        tok_config["chat_template"] = CHAT_TEMPLATE
        (folder / "generation_config.json").write_text(json.dumps({"bos_token_id": 1, "eos_token_id": 2}))
    (folder / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2))
    shapes = tensors(kind)
    if shards <= 1:
        write_safetensors(folder / "model.safetensors", shapes, seed)
        return folder
    names = list(shapes)
    weight_map: dict[str, str] = {}
    total = 0
    for i in range(shards):
        part = {n: shapes[n] for n in names[i::shards]}
        fname = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        total += write_safetensors(folder / fname, part, seed + i)
        weight_map |= dict.fromkeys(part, fname)
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))
    return folder


def write_broken(folder: Path, flaw: str) -> Path:
    """A model folder with exactly one flaw that validation must reject."""
    if flaw == "ambiguous":
        write_model(folder, "chat")
        doc = config("chat") | {
            "architectures": ["Qwen2VLForConditionalGeneration"],
            "model_type": "qwen2_vl",
            "vision_config": {"depth": 2, "embed_dim": 32, "hidden_size": HIDDEN},
        }
        (folder / "config.json").write_text(json.dumps(doc, indent=2))
        (folder / "modules.json").write_text(
            json.dumps(
                [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}]
            )
        )
        return folder
    write_model(folder, "chat")
    if flaw == "no-config":
        (folder / "config.json").unlink()
    elif flaw == "pickle-only":
        (folder / "model.safetensors").unlink()
        (folder / "pytorch_model.bin").write_bytes(b"\x80\x02}q\x00." + b"\0" * 64)  # a pickle header
    elif flaw == "remote-code":
        # A model_type transformers does not ship: its config loads only with the remote code.
        # (An auto_map beside a built-in architecture and model type is not used, so not a flaw.)
        doc = config("chat") | {
            "model_type": "tiny_custom",
            "auto_map": {
                "AutoConfig": "configuration_tiny.TinyConfig",
                "AutoModelForCausalLM": "modeling_tiny.TinyForCausalLM",
            },
        }
        (folder / "config.json").write_text(json.dumps(doc, indent=2))
    else:
        raise ValueError(f"unknown flaw {flaw!r}")
    return folder
