"""Writers for real model folders: safetensors files built to the format's specification.

`write_safetensors(..., sparse=True)` writes the header and then extends the file with
`truncate`, so a 100 GB shard costs a few kilobytes of disk.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

from shared.inspection.sources import ArtifactSource, FileEntry

DTYPE_BYTES = {"F32": 4, "F16": 2, "BF16": 2, "F8_E4M3": 1, "U8": 1, "I8": 1, "I32": 4, "I64": 8}

Tensors = dict[str, tuple[str, list[int]]]


def header_bytes(tensors: Tensors, metadata: dict[str, str] | None = None) -> tuple[bytes, int]:
    """The 8-byte length plus the JSON header (space-padded to 8 bytes), and the data length."""
    doc: dict[str, Any] = {}
    if metadata is not None:
        doc["__metadata__"] = metadata
    offset = 0
    for name, (dtype, shape) in tensors.items():
        size = math.prod(shape) * DTYPE_BYTES[dtype]
        doc[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(doc, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw, offset


def write_safetensors(path: Path, tensors: Tensors, sparse: bool = False) -> int:
    """Write a valid safetensors file; returns the parameter count."""
    head, data_len = header_bytes(tensors, {"format": "pt"})
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(head)
        if sparse:
            fh.truncate(len(head) + data_len)
        else:
            fh.write(b"\x00" * data_len)
    return sum(math.prod(shape) for _, shape in tensors.values())


def tiny_llama_tensors(
    layers: int = 2, hidden: int = 16, inter: int = 32, vocab: int = 64, kv: int = 8, dtype: str = "BF16"
) -> Tensors:
    t: Tensors = {"model.embed_tokens.weight": (dtype, [vocab, hidden])}
    for i in range(layers):
        p = f"model.layers.{i}."
        t[p + "self_attn.q_proj.weight"] = (dtype, [hidden, hidden])
        t[p + "self_attn.k_proj.weight"] = (dtype, [kv, hidden])
        t[p + "self_attn.v_proj.weight"] = (dtype, [kv, hidden])
        t[p + "self_attn.o_proj.weight"] = (dtype, [hidden, hidden])
        t[p + "mlp.gate_proj.weight"] = (dtype, [inter, hidden])
        t[p + "mlp.up_proj.weight"] = (dtype, [inter, hidden])
        t[p + "mlp.down_proj.weight"] = (dtype, [hidden, inter])
        t[p + "input_layernorm.weight"] = (dtype, [hidden])
        t[p + "post_attention_layernorm.weight"] = (dtype, [hidden])
    t["model.norm.weight"] = (dtype, [hidden])
    t["lm_head.weight"] = (dtype, [vocab, hidden])
    return t


TINY_LLAMA_CONFIG: dict[str, Any] = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 16,
    "intermediate_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "vocab_size": 64,
    "max_position_embeddings": 2048,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
}

#: the config of `tiny_llama_tensors(layers=4)`: the pre-flight refuses weights with more layers
#: than config.json describes (PARAMETERS_MISMATCH), as vLLM does
FOUR_LAYERS: dict[str, Any] = {**TINY_LLAMA_CONFIG, "num_hidden_layers": 4}

CHAT_TOKENIZER_CONFIG = {"chat_template": "{% for m in messages %}{{ m['content'] }}{% endfor %}"}


def write_model(
    root: Path,
    config: dict[str, Any] | None = None,
    shards: dict[str, Tensors] | None = None,
    index: bool | None = None,
    tokenizer: bool = True,
    chat_template: bool = True,
    sparse: bool = False,
) -> int:
    """A Hugging Face-layout folder; returns the total parameter count written."""
    root.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (root / "config.json").write_text(json.dumps(config))
    total = 0
    shards = {"model.safetensors": tiny_llama_tensors()} if shards is None else shards
    for name, tensors in shards.items():
        total += write_safetensors(root / name, tensors, sparse=sparse)
    if index if index is not None else len(shards) > 1:
        weight_map = {t: name for name, tensors in shards.items() for t in tensors}
        (root / "model.safetensors.index.json").write_text(
            json.dumps({"metadata": {}, "weight_map": weight_map})
        )
    if tokenizer:
        (root / "tokenizer.json").write_text(json.dumps({"version": "1.0", "model": {"type": "BPE"}}))
        (root / "tokenizer_config.json").write_text(
            json.dumps(CHAT_TOKENIZER_CONFIG if chat_template else {})
        )
    return total


def split_shards(tensors: Tensors, count: int) -> dict[str, Tensors]:
    names = list(tensors)
    per = math.ceil(len(names) / count)
    return {
        f"model-{i + 1:05d}-of-{count:05d}.safetensors": {
            n: tensors[n] for n in names[i * per : (i + 1) * per]
        }
        for i in range(count)
    }


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "configs"


def fixture_config(hf_id: str) -> dict[str, Any]:
    return json.loads((FIXTURES / (hf_id.replace("/", "__") + ".json")).read_text())


class MemorySource(ArtifactSource):
    """An in-memory implementation of the source interface, for fast property tests."""

    def __init__(self, files: dict[str, bytes]) -> None:
        super().__init__()
        self.files = files

    @property
    def description(self) -> str:
        return "memory"

    def _list(self) -> list[FileEntry]:
        return [FileEntry(name, len(data)) for name, data in self.files.items()]

    def _read(self, name: str, start: int, length: int) -> bytes:
        return self.files[name][start : start + length]
