"""The recommendation policy reproduces OCI's published shapes and never goes below the need."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.contract.manifest import Capability
from shared.inspection import LocalFolderSource, inspect_artifacts
from shared.inspection.shape_policy import choose_shape, prefer_published, usable_gib
from shared.inspection.sizing import text_dims
from tests.shared.inspection.builders import CHAT_TOKENIZER_CONFIG, FIXTURES

CALIBRATION = FIXTURES / "calibration-shapes.csv"  # a copy of ../shared/reference/calibration-shapes.csv
META = FIXTURES / "calibration-shapes-meta.csv"  # a copy of ../shared/reference/calibration-shapes-meta.csv
REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "reference"
ROWS = list(csv.DictReader(CALIBRATION.open())) + list(csv.DictReader(META.open()))
WITH_CONFIG = [r for r in ROWS if (FIXTURES / (r["hf_id"].replace("/", "__") + ".json")).exists()]
#: Published rows the need-based rule alone does not give, and why (the listed-model table does):
#: Devstral-2-123B FP8 needs about 165 GiB; four H100 hold it (288 GiB usable) and the rule says
#: H100_X4, as it says A100_80G_X4 for Llama-2-70b (about 164 GiB), which OCI publishes. Two rows
#: of equal need get X4 and X8 from OCI: no need-based rule gives both.
RULE_MISSES = {"mistralai/Devstral-2-123B-Instruct-2512": "H100_X4"}


def test_the_calibration_files_are_there_and_most_rows_have_a_config() -> None:
    for copy in (CALIBRATION, META):
        if (REFERENCE / copy.name).exists():
            assert (REFERENCE / copy.name).read_text() == copy.read_text()
    assert len(ROWS) == 21
    # No public config.json found: Mistral-Medium-3.5-128B, GLM-5.2-FP8, Llama-3.2-11B-Vision-Instruct,
    # Llama-3.2-90B-Vision-Instruct-FP8-dynamic, Llama-4-Maverick-17B-128E-Instruct-FP8.
    assert len(WITH_CONFIG) == 16


@pytest.mark.parametrize("row", WITH_CONFIG, ids=lambda r: r["hf_id"])
def test_reproduces_published_recommendation(row: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "config.json").write_bytes(
        (FIXTURES / (row["hf_id"].replace("/", "__") + ".json")).read_bytes()
    )
    (tmp_path / "tokenizer.json").write_text("{}")
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(CHAT_TOKENIZER_CONFIG))
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    assert report.capability == row["capability"]
    assert report.recommended_shape in row["oci_recommended_shapes"].split("|")
    assert report.parameters_source == "config"
    assert report.listing is not None and report.listing.hf_id is not None
    # the rule alone, without the listed-model table, gives the same shape (except the known misses)
    heads = text_dims(json.loads((tmp_path / "config.json").read_text()))
    assert report.memory_gib is not None and heads is not None
    alone = choose_shape(report.memory_gib, report.capability, report.needs_hopper, heads.heads).recommended
    assert alone is not None
    expected = RULE_MISSES.get(row["hf_id"])
    assert alone.name == expected if expected else alone.name in row["oci_recommended_shapes"].split("|")


@given(
    need=st.floats(min_value=0.1, max_value=1200),
    cap=st.sampled_from(list(Capability)),
    hopper=st.booleans(),
    heads=st.sampled_from([None, 1, 7, 8, 32, 96, 128]),
)
def test_never_recommends_less_than_the_need(
    need: float, cap: Capability, hopper: bool, heads: int | None
) -> None:
    choice = choose_shape(need, cap, hopper, heads)
    for shape in (choice.recommended, choice.runner_up):
        if shape is not None:
            assert usable_gib(shape) >= need
            assert not hopper or shape.is_hopper
            assert not heads or heads % shape.gpus == 0
    if choice.recommended is None:
        assert "needs" in choice.reason


def test_chat_models_skip_a10_and_embeddings_may_use_it() -> None:
    assert choose_shape(5, Capability.TEXT_TO_TEXT, False, 8).recommended.name == "A100_80G_X1"  # type: ignore[union-attr]
    assert choose_shape(5, Capability.EMBEDDING, False, 8).recommended.name == "A10_X1"  # type: ignore[union-attr]


def test_hopper_weights_go_to_h100_first_then_h200() -> None:
    choice = choose_shape(60, Capability.TEXT_TO_TEXT, True, 32)
    assert (choice.recommended.name, choice.runner_up.name) == ("H100_X1", "H200_X1")  # type: ignore[union-attr]


def test_the_smallest_gpu_count_that_holds_the_need_four_included() -> None:
    """OCI publishes A100_80G_X4 (Llama-2-70b) and H100_X4 (Llama-3.2-90B-Vision FP8): four GPUs are
    a step like the others (the old rule skipped from two to eight and gave A100_80G_X8 here)."""
    assert choose_shape(200, Capability.TEXT_TO_TEXT, False, 32).recommended.name == "A100_80G_X4"  # type: ignore[union-attr]
    assert choose_shape(200, Capability.TEXT_TO_TEXT, True, 32).recommended.name == "H100_X4"  # type: ignore[union-attr]
    assert choose_shape(300, Capability.TEXT_TO_TEXT, False, 32).recommended.name == "A100_80G_X8"  # type: ignore[union-attr]


def test_a_listed_model_gets_the_published_shape_never_below_the_need() -> None:
    need_based = choose_shape(160, Capability.TEXT_TO_TEXT, True, 96)
    assert need_based.recommended.name == "H100_X4"  # type: ignore[union-attr]
    published = prefer_published(need_based, ("H100_X8", "H200_X8"), "Devstral-2", 160, True, 96)
    assert published.recommended.name == "H100_X8"  # type: ignore[union-attr]
    assert published.runner_up.name == "H100_X4" and "published" in published.reason  # type: ignore[union-attr]
    # a published shape too small for this artifact's need is passed over (never below the need)
    small = choose_shape(100, Capability.TEXT_TO_TEXT, False, 32)
    kept = prefer_published(small, ("A100_80G_X1",), "a listed model", 100, False, 32)
    assert kept == small


def test_allowed_shapes_restrict_and_nothing_fits_says_why() -> None:
    choice = choose_shape(100, Capability.TEXT_TO_TEXT, False, 32, ("A100_80G_X1", "H100_X1"))
    assert choice.recommended is None and "offers" in choice.reason
