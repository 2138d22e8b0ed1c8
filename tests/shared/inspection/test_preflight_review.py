"""Defects a review found in the pre-flight, each tested as a kind on real configs.

Never refuse what vLLM/SGLang load; refuse what they cannot: the family's MLP shape and MoE
layer placement in the config-only estimate, shards without an index, null sizes, and the
messages that name what could not be read.
"""

from __future__ import annotations

from shared.inspection.checks.quantization import check_quantization

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
