"""One module per group of checks; each returns findings from the catalogue and never raises."""

from shared.inspection.checks.config_rules import check_config
from shared.inspection.checks.index import IndexCheck, check_index
from shared.inspection.checks.names import check_names, unsafe_reason
from shared.inspection.checks.tokenizer import check_chat_template, check_tokenizer, has_chat_template
from shared.inspection.checks.weights import INDEX_NAME, WeightFiles, check_weights, weight_files

__all__ = [
    "INDEX_NAME",
    "IndexCheck",
    "WeightFiles",
    "check_chat_template",
    "check_config",
    "check_index",
    "check_names",
    "check_tokenizer",
    "check_weights",
    "has_chat_template",
    "unsafe_reason",
    "weight_files",
]
