"""AI-unit ceilings: two imports racing for the last units; a cluster that would break one is never made."""

from __future__ import annotations

import threading

from e2e_pipeline import Pipeline

from shared.contract.state import Stage
from shared.pipeline.genai_ops import Kind


def test_two_imports_race_for_the_last_units_and_one_wins(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    # A tiny chat model lands on A100_80G_X1 (3.24 AI units): a ceiling of 5 fits one, not two.
    pipeline: Pipeline = make_pipeline(env={"MAX_AI_UNITS_TOTAL": "5"}, pool_size=3)
    threads = [
        threading.Thread(target=pipeline.upload_model, args=(name, "chat")) for name in ("left", "right")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ends = {name: pipeline.wait_stage(name, "DONE", "FAILED", "REJECTED") for name in ("left", "right")}
    pipeline.idle()
    ends = {name: pipeline.state(name) for name in ends}  # type: ignore[misc]
    assert sorted(s.stage.value for s in ends.values()) == ["DONE", "FAILED"]
    loser = next(s for s in ends.values() if s.stage is Stage.FAILED)
    winner = next(s for s in ends.values() if s.stage is Stage.DONE)
    assert loser.last_error is not None and loser.last_error.code == "AI_UNITS_CEILING_TOTAL"
    assert loser.last_error.stage is Stage.PROVISIONING

    assert len(pipeline.ops.list_all(Kind.CLUSTER)) == 1  # the loser's cluster was never created
    assert [c.id for c in pipeline.live(Kind.CLUSTER)] == [winner.resources.cluster_id]
    assert [m.id for m in pipeline.live(Kind.IMPORTED_MODEL)] == [winner.resources.imported_model_id]
    failure = [m for m in pipeline.messages() if "FAILED" in m["title"]]
    assert len(failure) == 1 and loser.name in failure[0]["title"]
    assert "was not created" in failure[0]["body"] and "$8.10 per hour" in failure[0]["body"]
    ledger = pipeline.ledger_text()
    assert winner.import_id in ledger and loser.import_id not in ledger


def test_per_import_ceiling_rejects_before_anything_is_created(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline: Pipeline = make_pipeline(env={"MAX_AI_UNITS_PER_IMPORT": "2"})
    pipeline.upload_model("too-big", "chat")
    state = pipeline.wait_stage("too-big", "REJECTED", "DONE", "FAILED")
    pipeline.idle()
    assert state.stage is Stage.REJECTED
    assert [f.code for f in state.findings if f.severity == "error"] == ["AI_UNITS_CEILING_IMPORT"]
    assert "3.24 AI units" in pipeline.messages()[0]["body"]
    for kind in Kind:
        assert pipeline.ops.list_all(kind) == []


def test_deploy_false_stops_after_the_import(pipeline: Pipeline) -> None:
    pipeline.upload_model("only-import", "embedding", {"deploy": False})
    state = pipeline.wait_stage("only-import", "DONE", "FAILED", "REJECTED")
    pipeline.idle()
    assert state.stage is Stage.DONE and state.resources.cluster_id is None
    assert [m.id for m in pipeline.live(Kind.IMPORTED_MODEL)] == [state.resources.imported_model_id]
    assert pipeline.ops.list_all(Kind.CLUSTER) == [] and pipeline.ops.list_all(Kind.ENDPOINT) == []
    assert "not deployed" in pipeline.messages()[0]["title"]
    assert pipeline.ledger_text() == ""


def test_the_manifest_shape_is_the_one_created_and_counted(pipeline: Pipeline) -> None:
    pipeline.upload_model("small", "chat", {"unit_shape": "A10_X1"})
    state = pipeline.wait_stage("small", "DONE", "FAILED", "REJECTED")
    pipeline.idle()
    assert state.plan is not None and (state.plan.unit_shape, state.plan.ai_units) == ("A10_X1", 1.77)
    assert state.plan.shape_reason.startswith("requested A10_X1")
    client = pipeline.cloud.factory.generative_ai()
    cluster = client.get_dedicated_ai_cluster(state.resources.cluster_id).data
    assert (cluster.unit_shape, cluster.type) == ("A10_X1", "HOSTING")
    assert '"ai_units": 1.77' in pipeline.ledger_text()
