"""inspect_artifacts end to end on real folders: tiny real safetensors, sparse 100 GB shards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.contract.manifest import Capability
from shared.inspection import InspectionReport, LocalFolderSource, SizingPolicy, inspect_artifacts
from tests.shared.inspection.builders import (
    TINY_LLAMA_CONFIG,
    fixture_config,
    split_shards,
    tiny_llama_tensors,
    write_model,
    write_safetensors,
)


def run(root: Path, **kwargs: object) -> InspectionReport:
    return inspect_artifacts(LocalFolderSource(root), **kwargs)  # type: ignore[arg-type]


def errors(report: InspectionReport) -> list[str]:
    return [f.code for f in report.findings if f.severity == "error"]


def test_a_complete_model_is_importable_with_exact_counts(tmp_path: Path) -> None:
    params = write_model(tmp_path, TINY_LLAMA_CONFIG)
    report = run(tmp_path)
    assert report.ok, report.findings
    assert report.capability is Capability.TEXT_TO_TEXT
    assert (report.parameters, report.parameters_source, report.weights_bytes) == (
        params,
        "safetensors",
        2 * params,
    )
    assert report.recommended_shape == "A100_80G_X1" and report.runner_up_shape == "H100_X1"
    assert report.unit_shape == "A100_80G_X1" and report.ai_units == 3.24
    assert report.cost_per_hour is None and "no price" in (report.cost_note or "")
    # a tiny Llama is no model OCI's Meta page lists: a warning to test it before production
    assert report.codes() == ["MODEL_UNLISTED", "PRICE_UNSET"]
    assert report.listing is not None and report.listing.status == "unlisted"
    assert report.context_tokens == 2048 and report.concurrency == 8  # capped by the model's own context


def test_cost_and_the_one_hour_commitment_at_a_configured_price(tmp_path: Path) -> None:
    write_model(tmp_path, TINY_LLAMA_CONFIG)
    report = run(tmp_path, policy=SizingPolicy(price_per_ai_unit=2.5))
    assert report.cost_per_hour == pytest.approx(3.24 * 2.5)
    assert report.minimum_commitment_cost == pytest.approx(3.24 * 2.5)
    assert "PRICE_UNSET" not in report.codes()


def test_a_config_only_folder_gets_capability_and_estimates(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(fixture_config("google/gemma-3-4b-it")))
    report = run(tmp_path)
    assert not report.ok
    assert report.capability is Capability.IMAGE_TEXT_TO_TEXT
    assert report.parameters_source == "config" and report.parameters and report.parameters > 4e9
    assert {"WEIGHTS_MISSING", "TOKENIZER_MISSING", "PARAMETERS_ESTIMATED"} <= set(report.codes())
    assert report.recommended_shape == "A100_80G_X1"


def test_pickle_weights(tmp_path: Path) -> None:
    write_model(tmp_path, TINY_LLAMA_CONFIG, shards={})
    (tmp_path / "pytorch_model.bin").write_bytes(b"\x80\x02pickle")
    assert "WEIGHTS_PICKLE_ONLY" in errors(run(tmp_path))
    write_safetensors(tmp_path / "model.safetensors", tiny_llama_tensors())
    beside = run(tmp_path)
    assert beside.ok and "WEIGHTS_PICKLE_PRESENT" in beside.codes()


def test_index_and_shards_must_agree(tmp_path: Path) -> None:
    layout = split_shards(tiny_llama_tensors(layers=4), 3)
    write_model(tmp_path, {**TINY_LLAMA_CONFIG, "num_hidden_layers": 4}, layout)
    assert run(tmp_path).ok
    missing = sorted(layout)[1]
    (tmp_path / missing).unlink()
    (tmp_path / "model-00009-of-00009.safetensors").write_bytes((tmp_path / sorted(layout)[0]).read_bytes())
    report = run(tmp_path)
    codes = errors(report)
    assert "INDEX_SHARD_MISSING" in codes and "INDEX_SHARD_UNLISTED" in codes
    assert any(missing in f.subject for f in report.findings if f.code == "INDEX_SHARD_MISSING")
    assert report.parameters_source == "config"  # not every listed shard could be read


def test_shards_without_index_load_and_an_index_that_is_not_json(tmp_path: Path) -> None:
    # vLLM and SGLang load every *.safetensors when the index is absent: a warning, every shard counted
    params = write_model(tmp_path, TINY_LLAMA_CONFIG, split_shards(tiny_llama_tensors(), 2), index=False)
    report = run(tmp_path)
    assert report.ok and errors(report) == []
    assert "INDEX_ABSENT" in [f.code for f in report.findings]
    assert (report.parameters, report.parameters_source) == (params, "safetensors")
    (tmp_path / "model.safetensors.index.json").write_text("{not json")
    assert "INDEX_INVALID" in errors(run(tmp_path))
    (tmp_path / "model.safetensors.index.json").write_text('{"weight_map": []}')
    assert "INDEX_INVALID" in errors(run(tmp_path))


def test_invalid_header_names_the_shard_and_falls_back_to_the_estimate(tmp_path: Path) -> None:
    write_model(tmp_path, TINY_LLAMA_CONFIG)
    shard = tmp_path / "model.safetensors"
    data = bytearray(shard.read_bytes())
    data[20:30] = b"\xff" * 10
    shard.write_bytes(bytes(data))
    report = run(tmp_path)
    finding = next(f for f in report.findings if f.code == "SAFETENSORS_HEADER_INVALID")
    assert finding.subject == "model.safetensors"
    assert report.parameters_source == "config" and "PARAMETERS_ESTIMATED" in report.codes()


def test_tokenizer_and_chat_template(tmp_path: Path) -> None:
    write_model(tmp_path, TINY_LLAMA_CONFIG, tokenizer=False)
    assert "TOKENIZER_MISSING" in errors(run(tmp_path))
    write_model(tmp_path, TINY_LLAMA_CONFIG, chat_template=False)
    assert errors(run(tmp_path)) == ["CHAT_TEMPLATE_MISSING"]
    (tmp_path / "chat_template.jinja").write_text("{{ messages }}")
    assert run(tmp_path).ok


def test_an_embedding_model_needs_no_chat_template(tmp_path: Path) -> None:
    config = {**TINY_LLAMA_CONFIG, "architectures": ["LlamaModel"]}
    tensors = {k.removeprefix("model."): v for k, v in tiny_llama_tensors().items() if k != "lm_head.weight"}
    write_model(tmp_path, config, {"model.safetensors": tensors}, chat_template=False)
    report = run(tmp_path)
    assert report.ok and report.capability is Capability.EMBEDDING
    assert report.memory and report.memory.kv_cache_gib == 0
    assert report.recommended_shape == "A10_X1"


def test_config_rules(tmp_path: Path) -> None:
    custom = {**TINY_LLAMA_CONFIG, "architectures": ["XModelForCausalLM"], "model_type": "xmodel"}
    write_model(tmp_path, {**custom, "auto_map": {"AutoModelForCausalLM": "modeling_x.XModelForCausalLM"}})
    assert "REMOTE_CODE" in errors(run(tmp_path))
    # beside an architecture transformers ships, the map is not used: a warning, importable
    write_model(tmp_path, {**TINY_LLAMA_CONFIG, "auto_map": {"AutoModel": "modeling_x.XModel"}})
    beside = run(tmp_path)
    assert beside.ok and "REMOTE_CODE_UNUSED" in beside.codes()
    write_model(tmp_path, {**TINY_LLAMA_CONFIG, "architectures": ["FancyNetForCausalLM"]})
    report = run(tmp_path)
    finding = next(f for f in report.findings if f.code == "ARCHITECTURE_UNSUPPORTED")
    assert "FancyNetForCausalLM" in finding.message
    write_model(tmp_path, {"hidden_size": 16})
    assert "ARCHITECTURE_MISSING" in errors(run(tmp_path))


def test_config_missing_not_json_and_too_large(tmp_path: Path) -> None:
    write_model(tmp_path, None)
    assert "CONFIG_MISSING" in errors(run(tmp_path))
    (tmp_path / "config.json").write_text('{"architectures": ["LlamaForCausalLM"], "x": NaN, "y": Infinity}')
    assert "CONFIG_NOT_JSON" not in run(tmp_path).codes()
    (tmp_path / "config.json").write_text("{'python': 'dict'}")
    assert "CONFIG_NOT_JSON" in errors(run(tmp_path))
    (tmp_path / "config.json").write_text("{" + " " * (2 * 1024 * 1024) + "}")
    assert "CONFIG_TOO_LARGE" in errors(run(tmp_path))


def test_unsafe_object_names(tmp_path: Path) -> None:
    write_model(tmp_path, TINY_LLAMA_CONFIG)
    (tmp_path / "bad\x07name.json").write_text("{}")
    report = run(tmp_path)
    finding = next(f for f in report.findings if f.code == "OBJECT_NAME_UNSAFE")
    assert "control character" in finding.message and "\x07" not in finding.subject


def test_declared_capability_is_checked(tmp_path: Path) -> None:
    write_model(tmp_path, TINY_LLAMA_CONFIG)
    assert "CAPABILITY_MISMATCH" in errors(run(tmp_path, declared=Capability.IMAGE_TEXT_TO_TEXT))
    # a bare causal LM has no pooling: declaring EMBEDDING does not make it an embedder
    embedding = run(tmp_path, declared=Capability.EMBEDDING)
    assert embedding.capability is None and "CAPABILITY_MISMATCH" in errors(embedding)
    assert run(tmp_path, declared=Capability.TEXT_TO_TEXT).capability is Capability.TEXT_TO_TEXT


def _big_model(root: Path, dtype: str = "BF16", layers: int = 3, width: int = 65536) -> int:
    """Three sparse shards of ~width^2 x 2 bytes each (8.6 GB at 65536): real headers, no data on disk."""
    shards = {
        f"model-{i + 1:05d}-of-{layers:05d}.safetensors": {
            f"model.layers.{i}.mlp.up_proj.weight": (dtype, [width, width])
        }
        for i in range(layers)
    }
    # Only the sizes sizing reads: without hidden size and vocabulary the config implies no tensor
    # set, so these few huge tensors are not a model with missing layers (checks/tensors.py).
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "num_attention_heads": 64,
        "num_key_value_heads": 8,
        "max_position_embeddings": 2048,
    }
    return write_model(root, config, shards, sparse=True)


def test_sparse_100_gb_shards_are_counted_exactly_without_reading_weights(tmp_path: Path) -> None:
    params = _big_model(tmp_path, layers=2, width=262144)  # 2 shards of 137 GB of BF16 each
    src = LocalFolderSource(tmp_path)
    report = inspect_artifacts(src)
    assert report.parameters == params and report.weights_bytes == 2 * params
    assert report.recommended_shape == "A100_80G_X8" and report.runner_up_shape == "H100_X8"
    assert src.stats.bytes_read < 64 * 1024


def test_requested_unit_shapes_are_checked(tmp_path: Path) -> None:
    _big_model(tmp_path)
    assert errors(run(tmp_path, unit_shape="A10_X9")) == ["SHAPE_UNKNOWN"]
    too_small = run(tmp_path, unit_shape="A10_X1")
    assert errors(too_small) == ["SHAPE_TOO_SMALL"] and too_small.recommended_shape == "A100_80G_X1"
    not_allowed = run(tmp_path, unit_shape="H200_X1", policy=SizingPolicy(allowed_shapes=("A100_80G_X1",)))
    assert errors(not_allowed) == ["SHAPE_NOT_ALLOWED"]
    fine = run(tmp_path, unit_shape="H100_X1", policy=SizingPolicy(price_per_ai_unit=1.0))
    assert fine.ok and fine.unit_shape == "H100_X1" and fine.cost_per_hour == pytest.approx(6.01)


def test_fp8_weights_need_hopper(tmp_path: Path) -> None:
    _big_model(tmp_path, dtype="F8_E4M3")
    report = run(tmp_path, unit_shape="A100_80G_X2")
    assert report.needs_hopper and "QUANTIZATION_NEEDS_HOPPER" in errors(report)
    assert run(tmp_path).recommended_shape == "H100_X1"


def test_a_model_larger_than_every_shape(tmp_path: Path) -> None:
    _big_model(tmp_path, layers=4, width=400_000)  # 4 x 320 GB
    report = run(tmp_path)
    assert "MODEL_TOO_LARGE" in errors(report) and report.recommended_shape is None


def test_json_output_has_the_documented_keys(tmp_path: Path) -> None:
    write_model(tmp_path, TINY_LLAMA_CONFIG)
    doc = run(tmp_path).to_json_dict()
    for key in (
        "ok",
        "capability",
        "parameters",
        "parameters_source",
        "weights_bytes",
        "memory_gib",
        "recommended_shape",
        "runner_up_shape",
        "ai_units",
        "cost_per_hour",
        "findings",
        "shape_reason",
        "context_tokens",
        "concurrency",
        "minimum_commitment_hours",
    ):
        assert key in doc
    assert set(doc["findings"][0]) == {"code", "severity", "subject", "message", "hint"}
    json.dumps(doc)


def test_a_missing_folder_is_a_source_finding(tmp_path: Path) -> None:
    report = run(tmp_path / "nope")
    assert not report.ok and report.codes() == ["SOURCE_UNREADABLE"]
