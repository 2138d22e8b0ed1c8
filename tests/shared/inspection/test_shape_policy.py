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
from shared.inspection.shape_policy import choose_shape, usable_gib
from shared.shapes import unit_shapes
from tests.shared.inspection.builders import CHAT_TOKENIZER_CONFIG, FIXTURES

CALIBRATION = FIXTURES / "calibration-shapes.csv"  # a copy of ../shared/reference/calibration-shapes.csv
REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "reference" / "calibration-shapes.csv"
ROWS = list(csv.DictReader(CALIBRATION.open()))
WITH_CONFIG = [r for r in ROWS if (FIXTURES / (r["hf_id"].replace("/", "__") + ".json")).exists()]


def test_the_calibration_file_is_there_and_most_rows_have_a_config() -> None:
    if REFERENCE.exists():
        assert REFERENCE.read_text() == CALIBRATION.read_text()
    assert len(ROWS) == 15
    assert len(WITH_CONFIG) == 13


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


def test_four_gpus_only_when_eight_are_not_allowed() -> None:
    assert choose_shape(200, Capability.TEXT_TO_TEXT, False, 32).recommended.name == "A100_80G_X8"  # type: ignore[union-attr]
    allowed = tuple(n for n in unit_shapes() if not n.endswith("_X8"))
    restricted = choose_shape(200, Capability.TEXT_TO_TEXT, False, 32, allowed)
    assert restricted.recommended.name == "A100_80G_X4"  # type: ignore[union-attr]


def test_allowed_shapes_restrict_and_nothing_fits_says_why() -> None:
    choice = choose_shape(100, Capability.TEXT_TO_TEXT, False, 32, ("A100_80G_X1", "H100_X1"))
    assert choice.recommended is None and "offers" in choice.reason
