"""Small inputs answered early and in their own words, through the local cloud and the real fdk function.

Each failed before: a Vault token longer than any token passed the early check and failed at
IMPORTING with OCI_API_ERROR; a zero-byte manifest imported the folder with every default; a
request's unknown key was reported as MANIFEST_UNKNOWN_KEY; a blank display_name was accepted.
"""

from __future__ import annotations

import json

from e2e_pipeline import Pipeline

from localcloud.demo_models import write_model
from shared.contract.paths import manifest_object, request_object
from shared.contract.state import Stage
from shared.pipeline.genai_ops import Kind

LONG_TOKEN = "hf_" + "a" * 5000


def test_a_token_longer_than_any_is_refused_before_anything_is_created(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline: Pipeline = make_pipeline(hf_token=LONG_TOKEN)
    write_model(pipeline.cloud.state_dir / "hub" / "acme/tiny-chat", "chat")
    pipeline.put(request_object("long-token"), json.dumps({"model_id": "acme/tiny-chat"}).encode())
    state = pipeline.wait_stage("long-token", "REJECTED", "FAILED", "DONE", timeout=120)
    pipeline.idle()
    assert state.stage is Stage.REJECTED, (state.findings, state.last_error)
    assert [f.code for f in state.findings] == ["HF_TOKEN_MALFORMED"]
    assert "5003 characters" in state.findings[0].message and "aaaa" not in state.findings[0].message
    assert pipeline.ops.list_all(Kind.IMPORTED_MODEL) == []


def test_zero_bytes_blank_names_and_requests_are_answered_in_their_words(pipeline: Pipeline) -> None:
    folder = write_model(pipeline.tmp / "src", "chat")
    pipeline.cloud.stage(folder, "models/empty/")
    pipeline.put(manifest_object("empty"), b"")  # an upload cut short
    pipeline.put(manifest_object("blank"), json.dumps({"display_name": "   "}).encode())
    pipeline.put(request_object("colour"), json.dumps({"model_id": "acme/x", "colour": "red"}).encode())
    found = {}
    for name in ("empty", "blank", "colour"):
        found[name] = pipeline.wait_stage(name, "REJECTED", "DONE", "FAILED", "PROVISIONING", timeout=120)
    pipeline.idle()
    assert {n: [f.code for f in s.findings] for n, s in found.items()} == {
        "empty": ["MANIFEST_INVALID"],
        "blank": ["MANIFEST_INVALID"],
        "colour": ["REQUEST_UNKNOWN_KEY"],
    }
    assert "interrupted upload" in found["empty"].findings[0].message
    titles = [m["title"] for m in pipeline.messages()]
    assert len(titles) == 3 and any("REQUEST_UNKNOWN_KEY" in t for t in titles)
    colour_body = next(m["body"] for m in pipeline.messages() if "REQUEST_UNKNOWN_KEY" in m["title"])
    assert "MANIFEST_" not in colour_body and "requests/colour.json" in colour_body
    assert pipeline.ops.list_all(Kind.IMPORTED_MODEL) == []


def test_a_manifest_named_otherwise_fires_no_rule(pipeline: Pipeline) -> None:
    """`models/x/IMPORT.json` and `models/x/import.json ` (trailing space) match no Events rule
    (`models/*/import.json` is matched exactly, with case), so the function never hears of them;
    docs/contract.md says so."""
    for name in ("models/x/IMPORT.json", "models/x/import.json ", "models/x/Import.JSON"):
        pipeline.put(name, b"{}")
    pipeline.idle()
    assert pipeline.cloud.cloud.runner.history() == []
    assert pipeline.state("x") is None
