"""Which model OCI lists an inspected model is: listed, a fine-tune, unlisted, or unknown."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from shared.inspection import LocalFolderSource, inspect_artifacts
from shared.inspection.listed_models import LISTED, PAGES_COVERED, identify, model_dims
from shared.inspection.sizing import architectures, estimate_parameters
from tests.shared.inspection.builders import (
    CHAT_TOKENIZER_CONFIG,
    FIXTURES,
    TINY_LLAMA_CONFIG,
    fixture_config,
    write_model,
)

WITH_FIXTURE = [r for r in LISTED if (FIXTURES / (r.hf_id.replace("/", "__") + ".json")).exists()]


@pytest.mark.parametrize("row", WITH_FIXTURE, ids=lambda r: r.hf_id)
def test_the_table_holds_the_dimensions_of_the_real_configs(row: object) -> None:
    config = fixture_config(row.hf_id)  # type: ignore[attr-defined]
    assert architectures(config)[0] == row.architecture  # type: ignore[attr-defined]
    assert model_dims(config) == row.dims  # type: ignore[attr-defined]
    listing = identify(config, estimate_parameters(config).total)  # type: ignore[union-attr]
    assert listing is not None and listing.status == "listed" and listing.broken_rules == ()
    assert listing.model is not None and listing.model.hf_id == row.hf_id  # type: ignore[attr-defined]


def test_a_fine_tune_keeping_the_base_rules_breaks_none() -> None:
    config = copy.deepcopy(fixture_config("google/gemma-2-9b-it"))
    config["vocab_size"] += 8  # added tokens: same network, another vocabulary
    listing = identify(config, 9_241_705_984 + 8 * 3584)
    assert listing is not None and listing.status == "fine-tune" and listing.broken_rules == ()
    assert listing.model is not None and listing.model.hf_id == "google/gemma-2-9b-it"


def test_a_fine_tune_breaking_both_rules_says_what_oci_does() -> None:
    config = copy.deepcopy(fixture_config("google/gemma-2-9b-it"))
    config["transformers_version"] = "4.57.1"
    listing = identify(config, int(9_241_705_984 * 1.15))
    assert listing is not None and listing.status == "listed"
    assert len(listing.broken_rules) == 2
    assert "4.42.0.dev0" in listing.broken_rules[0] and "+15.0%" in listing.broken_rules[1]
    # a dev build of the same release is the same version
    config["transformers_version"] = "4.42.0"
    assert identify(config, 9_241_705_984).broken_rules == ()  # type: ignore[union-attr]


def test_unlisted_and_unknown_families() -> None:
    unlisted = identify(TINY_LLAMA_CONFIG, 6736)
    assert (
        unlisted is not None
        and unlisted.status == "unlisted"
        and "imported-meta-models" in (unlisted.page or "")
    )
    qwen = {**TINY_LLAMA_CONFIG, "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2"}
    unknown = identify(qwen, 6736)
    assert unknown is not None and unknown.status == "unknown"
    assert all(page in unknown.reason for page in PAGES_COVERED)
    assert identify(None, None) is None


def test_inspect_names_the_listing_and_warns_on_a_broken_rule(tmp_path: Path) -> None:
    config = {**fixture_config("google/gemma-2-9b-it"), "transformers_version": "4.40.0"}
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "tokenizer.json").write_text("{}")
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(CHAT_TOKENIZER_CONFIG))
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    assert report.listing is not None and report.listing.hf_id == "google/gemma-2-9b-it"
    assert "LISTED_FINETUNE_RULE" in report.codes()  # a warning: the verdict is the weights' (missing here)
    assert report.recommended_shape == "A100_80G_X1"


def test_a_tiny_model_is_unlisted_with_a_warning(tmp_path: Path) -> None:
    write_model(tmp_path, TINY_LLAMA_CONFIG)
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    assert report.ok and "MODEL_UNLISTED" in report.codes()
    assert report.to_json_dict()["listing"]["status"] == "unlisted"
