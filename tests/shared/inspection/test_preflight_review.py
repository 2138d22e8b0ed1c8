"""Defects a review found in the pre-flight, each tested as a kind on real configs.

Never refuse what vLLM/SGLang load; refuse what they cannot: the family's MLP shape and MoE
layer placement in the config-only estimate, shards without an index, null sizes, and the
messages that name what could not be read.
"""

from __future__ import annotations

from pathlib import Path

from shared.inspection import LocalFolderSource, inspect_artifacts
from shared.inspection.checks.quantization import check_quantization
from tests.shared.inspection.builders import fixture_config, split_shards, tiny_llama_tensors, write_model

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
