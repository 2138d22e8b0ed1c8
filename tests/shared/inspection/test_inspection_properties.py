"""Hostile input never crashes the inspector and always yields findings."""

from __future__ import annotations

import json
import struct
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.findings import CATALOGUE
from shared.inspection import inspect_artifacts
from tests.shared.inspection.builders import TINY_LLAMA_CONFIG, MemorySource, header_bytes, tiny_llama_tensors

TOKENIZER = {"tokenizer.json": b"{}", "tokenizer_config.json": b'{"chat_template": "x"}'}
_HEAD, _DATA_LEN = header_bytes(tiny_llama_tensors())
GOOD_SHARD = _HEAD + bytes(_DATA_LEN)
GOOD_CONFIG = json.dumps(TINY_LLAMA_CONFIG).encode()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=5),
    max_leaves=20,
)
config_keys = st.sampled_from(
    [
        "architectures",
        "model_type",
        "hidden_size",
        "num_hidden_layers",
        "num_attention_heads",
        "vocab_size",
        "num_key_value_heads",
        "head_dim",
        "intermediate_size",
        "text_config",
        "vision_config",
        "layer_types",
        "sliding_window",
        "quantization_config",
        "num_local_experts",
        "kv_lora_rank",
        "tie_word_embeddings",
        "torch_dtype",
        "max_position_embeddings",
        "auto_map",
        "id2label",
        "num_labels",
    ]
)
fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_as_config(raw: bytes) -> None:
    report = inspect_artifacts(
        MemorySource({"config.json": raw, "model.safetensors": GOOD_SHARD, **TOKENIZER})
    )
    assert not report.ok
    assert any(f.severity == "error" and f.subject.startswith("config.json") for f in report.findings)
    assert all(f.code in CATALOGUE for f in report.findings)
    json.dumps(report.to_json_dict())


@fast
@given(st.dictionaries(config_keys, json_values, max_size=12))
def test_arbitrary_json_objects_as_config(doc: dict[str, Any]) -> None:
    raw = json.dumps(doc, allow_nan=True).encode()
    report = inspect_artifacts(
        MemorySource({"config.json": raw, "model.safetensors": GOOD_SHARD, **TOKENIZER})
    )
    json.dumps(report.to_json_dict())
    if not doc.get("architectures") and not doc.get("model_type"):
        assert "ARCHITECTURE_MISSING" in report.codes()


@fast
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_as_a_safetensors_file(raw: bytes) -> None:
    files = {"config.json": GOOD_CONFIG, "model.safetensors": raw, **TOKENIZER}
    report = inspect_artifacts(MemorySource(files))
    assert "SAFETENSORS_HEADER_INVALID" in report.codes()


@fast
@given(
    st.dictionaries(st.text(max_size=30), json_values, max_size=8), st.integers(min_value=0, max_value=10**6)
)
def test_arbitrary_json_as_a_safetensors_header(doc: dict[str, Any], data_len: int) -> None:
    header = json.dumps(doc, allow_nan=True).encode()
    shard = struct.pack("<Q", len(header)) + header + bytes(min(data_len, 4096))
    report = inspect_artifacts(
        MemorySource({"config.json": GOOD_CONFIG, "model.safetensors": shard, **TOKENIZER})
    )
    assert report.findings  # PRICE_UNSET at least; an invalid header is named
    if report.parameters_source == "safetensors":
        assert "SAFETENSORS_HEADER_INVALID" not in report.codes()
    else:
        assert "SAFETENSORS_HEADER_INVALID" in report.codes()
