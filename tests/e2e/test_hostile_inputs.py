"""Hostile uploads and event bodies through the real fdk server: never a 502, never silent.

Before issue 12: badly named uploads were ignored without a word, a manifest holding a
4,301-digit integer crashed the function (502 with a traceback, never notified), and
`"deploy": "off"` passed as false.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_pipeline import Pipeline

from shared.contract.state import Stage
from shared.pipeline.genai_ops import Kind

SAMPLES = Path(__file__).resolve().parents[2] / "events" / "samples"
MISNAMED = [
    "models/My Model/import.json",
    "models/../import.json",
    "models/a..b/import.json",
    "models/org%2Fname/import.json",
    "models/org/name/import.json",
    "models/" + "a" * 64 + "/import.json",
    "requests/bad name.json",
]


def test_badly_named_uploads_are_notified_name_invalid(pipeline: Pipeline) -> None:
    for object_name in MISNAMED:
        pipeline.put(object_name, b"{}")
    pipeline.idle()
    messages = pipeline.messages()
    assert len(messages) == len(MISNAMED)
    assert all("NAME_INVALID" in m["title"] and "NAME_INVALID" in m["body"] for m in messages)
    for object_name in MISNAMED:
        assert any(object_name in m["body"] for m in messages), object_name
    assert pipeline.live(Kind.IMPORTED_MODEL) == []
    failed = [d for d in pipeline.cloud.cloud.runner.history() if d["status"] != 200]
    assert failed == []


def test_a_name_ending_in_a_newline_is_not_processed(pipeline: Pipeline) -> None:
    """Object Storage refuses such a name; a forged event carrying one is answered NAME_INVALID."""
    sample = json.loads((SAMPLES / "manifest-created.json").read_text())
    sample["data"]["resourceName"] = "models/nl\n/import.json"
    sample["data"]["additionalDetails"]["bucketName"] = pipeline.cloud.info.bucket
    delivery = pipeline.cloud.cloud.runner.deliver("manifest-written", sample).result(timeout=60)
    assert delivery.status == 200 and "NAME_INVALID" in (delivery.response or "")
    assert pipeline.state("nl") is None
    (message,) = pipeline.messages()
    assert "\n/import.json" not in message["body"] and "nl\\n" in message["body"]


@pytest.mark.parametrize(
    ("manifest", "code"),
    [
        (b'{"display_name": ' + b"7" * 4301 + b"}", "MANIFEST_INVALID"),
        (b'{"deploy": "off"}', "MANIFEST_INVALID"),
        (b'{"display_name": "x\\r\\nModel other-model is live"}', "MANIFEST_INVALID"),
    ],
)
def test_hostile_manifest_is_rejected_and_notified(pipeline: Pipeline, manifest: bytes, code: str) -> None:
    pipeline.put("models/hostile/import.json", manifest)  # rejected before any file is read
    state = pipeline.wait_stage("hostile", "REJECTED", "DONE", "FAILED")
    pipeline.idle()
    assert state.stage is Stage.REJECTED
    assert [f.code for f in state.findings] == [code]
    rejected = [m for m in pipeline.messages() if code in m["title"]]
    assert len(rejected) == 1
    assert not any(line.startswith("Model other-model") for line in rejected[0]["body"].splitlines())
