"""Rejected uploads publish their finding codes and create nothing."""

from __future__ import annotations

import pytest
from e2e_pipeline import Pipeline

from shared.contract.state import Stage
from shared.pipeline.genai_ops import Kind


@pytest.mark.parametrize(
    ("flaw", "code"),
    [
        ("no-config", "CONFIG_MISSING"),
        ("pickle-only", "WEIGHTS_PICKLE_ONLY"),
        ("remote-code", "REMOTE_CODE"),
        ("ambiguous", "CAPABILITY_AMBIGUOUS"),
    ],
)
def test_flawed_model_is_rejected_with_its_code(pipeline: Pipeline, flaw: str, code: str) -> None:
    pipeline.upload_broken("bad-model", flaw)
    state = pipeline.wait_stage("bad-model", "REJECTED", "DONE", "FAILED")
    pipeline.idle()
    assert state.stage is Stage.REJECTED
    assert code in {f.code for f in state.findings}
    messages = pipeline.messages()
    assert len(messages) == 1
    assert code in messages[0]["title"] and code in messages[0]["body"]
    for kind in Kind:
        assert pipeline.live(kind) == []


def test_invalid_manifest_is_rejected_before_inspection(pipeline: Pipeline) -> None:
    pipeline.upload_model("typo", "chat", {"deploy": True, "unit_shape": "A10_X1", "keep_on_delet": True})
    state = pipeline.wait_stage("typo", "REJECTED", "DONE", "FAILED")
    pipeline.idle()
    assert [f.code for f in state.findings] == ["MANIFEST_UNKNOWN_KEY"]
    assert "keep_on_delet" in pipeline.messages()[0]["body"]
    assert pipeline.live(Kind.IMPORTED_MODEL) == []


def test_fixed_upload_after_a_rejection_starts_a_new_import(pipeline: Pipeline) -> None:
    pipeline.upload_broken("fixme", "remote-code")
    rejected = pipeline.wait_stage("fixme", "REJECTED")
    pipeline.idle()
    pipeline.upload_model("fixme", "chat")  # same name, good files, new manifest upload
    done = pipeline.wait_stage("fixme", "DONE", "FAILED")
    pipeline.idle()
    assert done.stage is Stage.DONE and done.import_id != rejected.import_id
    assert any("replaces import" in t.note for t in done.history)
    assert len(pipeline.live(Kind.ENDPOINT)) == 1
