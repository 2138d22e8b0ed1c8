"""The Hugging Face path against the local Hub: the token comes from Vault and goes nowhere else."""

from __future__ import annotations

import json
from pathlib import Path

from e2e_pipeline import Pipeline

from localcloud.demo_models import write_model
from localcloud.hub_repo import gate_repo
from shared.contract.paths import request_object
from shared.contract.state import Stage
from shared.pipeline.genai_ops import Kind

TOKEN = "hf_e2e_secret_token_0123456789"


def hub_repo(pipeline: Pipeline, model_id: str, kind: str = "chat") -> Path:
    return write_model(pipeline.cloud.state_dir / "hub" / model_id, kind)


def everything_written(pipeline: Pipeline) -> str:
    """Every file the local cloud and the function wrote: objects, logs, notifications, events."""
    texts = []
    for path in pipeline.cloud.state_dir.rglob("*"):
        if path.is_file() and "hub" not in path.relative_to(pipeline.cloud.state_dir).parts[:1]:
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


def test_gated_repo_imports_with_the_vault_token_and_leaks_it_nowhere(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline: Pipeline = make_pipeline(hf_token=TOKEN)
    gate_repo(hub_repo(pipeline, "acme/tiny-chat"), [TOKEN])
    pipeline.put(request_object("acme-chat"), json.dumps({"model_id": "acme/tiny-chat"}).encode())
    state = pipeline.wait_stage("acme-chat", "DONE", "FAILED", "REJECTED")
    pipeline.idle()
    assert state.stage is Stage.DONE, (state.findings, state.last_error)
    assert state.source.model_id == "acme/tiny-chat" and state.source.revision == "main"
    assert len(pipeline.live(Kind.ENDPOINT)) == 1
    assert "Hugging Face acme/tiny-chat@main" in pipeline.messages()[0]["body"]
    written = everything_written(pipeline)
    assert "acme/tiny-chat" in written  # the scan does see what the pipeline wrote ...
    assert TOKEN not in written  # ... and the token is in none of it (Vault keeps it encrypted at rest)


def test_wrong_token_is_refused_with_its_code(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline: Pipeline = make_pipeline(hf_token="hf_not_the_right_token_000")
    gate_repo(hub_repo(pipeline, "acme/gated"), [TOKEN])
    pipeline.put(request_object("gated"), json.dumps({"model_id": "acme/gated"}).encode())
    state = pipeline.wait_stage("gated", "REJECTED", "DONE", "FAILED")
    pipeline.idle()
    assert "HF_ACCESS_DENIED" in {f.code for f in state.findings}
    assert "HF_ACCESS_DENIED" in pipeline.messages()[0]["title"]
    assert pipeline.ops.list_all(Kind.IMPORTED_MODEL) == []


def test_missing_repo_and_pinned_commit(pipeline: Pipeline) -> None:
    pipeline.put(request_object("ghost"), json.dumps({"model_id": "acme/does-not-exist"}).encode())
    ghost = pipeline.wait_stage("ghost", "REJECTED", "DONE", "FAILED")
    assert "HF_REPO_NOT_FOUND" in {f.code for f in ghost.findings}

    hub_repo(pipeline, "acme/embedder", "embedding")
    commit = pipeline.cloud.cloud.hub.commit_of("acme/embedder")
    body = {"model_id": "acme/embedder", "revision": commit}
    pipeline.put(request_object("embedder"), json.dumps(body).encode())
    state = pipeline.wait_stage("embedder", "DONE", "FAILED", "REJECTED")
    pipeline.idle()
    assert state.stage is Stage.DONE, (state.findings, state.last_error)
    assert state.plan is not None and state.plan.capability.value == "EMBEDDING"
    assert state.smoke_test is not None and state.smoke_test["route"] == "actions/embedText"


def test_a_request_replaces_a_live_manifest_import_of_the_same_name(pipeline: Pipeline) -> None:
    pipeline.upload_model("swap", "chat")
    first = pipeline.wait_stage("swap", "DONE", "FAILED")
    pipeline.idle()
    hub_repo(pipeline, "acme/swap")
    pipeline.put(request_object("swap"), json.dumps({"model_id": "acme/swap"}).encode())
    pipeline.cloud.wait_for(
        lambda: (
            (s := pipeline.state("swap")) is not None
            and s.import_id != first.import_id
            and s.stage.is_terminal
        ),
        timeout=60,
    )
    pipeline.idle()
    final = pipeline.state("swap")
    assert final is not None and final.stage is Stage.DONE, final.stage if final else None
    assert final.source.model_id == "acme/swap"
    assert [e.id for e in pipeline.live(Kind.ENDPOINT)] == [final.resources.endpoint_id]
    assert first.resources.endpoint_id != final.resources.endpoint_id
    assert "Model swap torn down" in [m["title"] for m in pipeline.messages()]


def test_deleting_the_request_tears_the_deployment_down(pipeline: Pipeline) -> None:
    hub_repo(pipeline, "acme/reranker", "rerank")
    pipeline.put(request_object("reranker"), json.dumps({"model_id": "acme/reranker"}).encode())
    live = pipeline.wait_stage("reranker", "DONE", "FAILED", "REJECTED")
    pipeline.idle()
    assert live.stage is Stage.DONE and live.smoke_test is not None
    assert live.smoke_test["route"] == "actions/rerankText"
    pipeline.delete(request_object("reranker"))
    gone = pipeline.wait_stage("reranker", "TORN_DOWN", "FAILED")
    pipeline.idle()
    assert gone.stage is Stage.TORN_DOWN
    for kind in Kind:
        assert pipeline.live(kind) == []
