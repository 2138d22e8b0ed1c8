"""One module per group of checks; each returns findings from the catalogue and never raises."""

from shared.inspection.checks.chat_template import check_template
from shared.inspection.checks.config_rules import check_config
from shared.inspection.checks.index import IndexCheck, check_index
from shared.inspection.checks.layouts import LayoutCheck, check_layout
from shared.inspection.checks.names import check_names, unsafe_reason
from shared.inspection.checks.quantization import bytes_per_weight, check_quantization, needs_hopper
from shared.inspection.checks.tensors import check_tensors
from shared.inspection.checks.token_ids import (
    TEKKEN_HEAD_BYTES,
    check_tekken_ids,
    check_token_ids,
    ids_from_sentencepiece,
    ids_from_tekken,
    ids_from_tokenizer_config,
    ids_from_tokenizer_json,
)
from shared.inspection.checks.tokenizer import check_chat_template, check_tokenizer, has_chat_template
from shared.inspection.checks.weights import INDEX_NAME, WeightFiles, check_weights, weight_files

__all__ = [
    "INDEX_NAME",
    "TEKKEN_HEAD_BYTES",
    "IndexCheck",
    "LayoutCheck",
    "WeightFiles",
    "bytes_per_weight",
    "check_chat_template",
    "check_config",
    "check_index",
    "check_layout",
    "check_names",
    "check_quantization",
    "check_tekken_ids",
    "check_template",
    "check_tensors",
    "check_token_ids",
    "check_tokenizer",
    "check_weights",
    "has_chat_template",
    "ids_from_sentencepiece",
    "ids_from_tekken",
    "ids_from_tokenizer_config",
    "ids_from_tokenizer_json",
    "needs_hopper",
    "unsafe_reason",
    "weight_files",
]
