"""Late, duplicated and same-second events about the manifest and the request of one name.

Which of the two source objects is newer is decided by Object Storage's own Last-Modified
times, compared with each other, never with the function's clock.
"""

from __future__ import annotations

import json

from e2e_pipeline import Pipeline

from localcloud.context import Timings
from localcloud.demo_models import write_model
from shared.contract.paths import manifest_object, request_object
from shared.contract.state import ImportState, Stage
from shared.pipeline.genai_ops import Kind


def deliver_again(pipeline: Pipeline, object_name: str, invocation: str) -> int:
    """Deliver the first event recorded for `object_name` once more, straight to a function worker."""
    ev = next(e for e in pipeline.cloud.events() if e["data"]["resourceName"] == object_name)
    worker = pipeline.cloud.cloud.runner.workers[0]
    status, _ = worker.call(json.dumps(ev).encode(), invocation, 60)
    return int(status)


def replace_manifest_import_with_request(pipeline: Pipeline, name: str) -> tuple[ImportState, ImportState]:
    pipeline.upload_model(name, "chat")
    first = pipeline.wait_stage(name, "DONE", "FAILED")
    assert first.stage is Stage.DONE
    pipeline.idle()
    write_model(pipeline.cloud.state_dir / "hub" / f"acme/{name}", "chat")
    pipeline.put(request_object(name), json.dumps({"model_id": f"acme/{name}"}).encode())

    def replaced() -> ImportState | None:
        s = pipeline.state(name)
        return s if s is not None and s.import_id != first.import_id and s.stage.is_terminal else None

    second: ImportState = pipeline.cloud.wait_for(replaced, timeout=90)
    pipeline.idle()
    return first, second


def test_late_duplicates_of_the_replaced_manifest_event_change_nothing(pipeline: Pipeline) -> None:
    _first, second = replace_manifest_import_with_request(pipeline, "swap")
    assert second.stage is Stage.DONE and second.source.object_name == request_object("swap")
    assert second.source.last_modified is not None
    endpoints = [e.id for e in pipeline.live(Kind.ENDPOINT)]
    assert len(endpoints) == 1

    for n in range(2):  # a duplicate, then another: no flip-flop between the two sources
        assert deliver_again(pipeline, manifest_object("swap"), f"dup-{n}") == 200
        pipeline.idle()
    final = pipeline.state("swap")
    assert final is not None
    assert (final.import_id, final.stage) == (second.import_id, Stage.DONE)
    assert [e.id for e in pipeline.live(Kind.ENDPOINT)] == endpoints
    assert not any(t.stage is Stage.TEARING_DOWN for t in final.history[len(second.history) :])


def test_a_request_replaces_a_manifest_import_although_object_storage_clock_lags(
    pipeline: Pipeline,
) -> None:
    # Object Storage's clock two minutes behind the function's: every Last-Modified is earlier
    # than the function's created_at of the import it replaces.
    pipeline.cloud.cloud.clock_offset -= 120
    _first, second = replace_manifest_import_with_request(pipeline, "skew")
    assert second.source.object_name == request_object("skew"), [t.note for t in second.history]
    assert second.stage is Stage.DONE
    assert second.source.last_modified is not None and second.source.last_modified < second.created_at
    assert len(pipeline.live(Kind.ENDPOINT)) == 1


def test_a_cluster_created_while_the_teardown_won_is_recorded_and_deleted(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    # The create call is slow (3 s): the manifest is deleted meanwhile, the teardown writes first,
    # and the create's state write loses. The new cluster stays CREATING for a minute, so it
    # cannot be deleted at once: it must not be left running untracked behind a TORN_DOWN state.
    slow = Timings(import_seconds=0.2, cluster_seconds=60, endpoint_seconds=0.3, delete_seconds=0.1)
    pipeline: Pipeline = make_pipeline(timings=slow, pool_size=3)
    pipeline.cloud.set_fault(
        action="latency",
        latency_seconds=3.0,
        service="generativeai",
        method="POST",
        resource="/dedicatedAiClusters",
        count=1,
    )
    # A CREATING cluster refuses deletion (409) for a while: a single delete attempt fails.
    pipeline.cloud.set_fault(
        service="generativeai",
        method="DELETE",
        resource="/dedicatedAiClusters",
        status=409,
        code="IncorrectState",
        count=3,
    )
    pipeline.upload_model("race", "chat")
    pipeline.wait_stage("race", "PROVISIONING")
    pipeline.delete(manifest_object("race"))
    pipeline.cloud.wait_for(lambda: "lost the write" in pipeline.function_log(), timeout=30)
    # The teardown waits for the create in flight and deletes what lands, retrying the 409s
    # itself (issue 13): whether the cluster is already gone at this instant is timing. While it
    # lives, its units stay held.
    if pipeline.live(Kind.CLUSTER):
        assert "race-" in pipeline.ledger_text()
    pipeline.cloud.advance_clock(61)  # a cluster still CREATING is now ACTIVE

    def settled() -> ImportState | None:
        s = pipeline.state("race")
        done = s is not None and s.stage in (Stage.TORN_DOWN, Stage.FAILED)
        return s if done and not pipeline.live(Kind.CLUSTER) else None

    final: ImportState = pipeline.cloud.wait_for(settled, timeout=90, interval=0.5)
    pipeline.idle()
    assert final.stage is Stage.TORN_DOWN, [t.note for t in final.history]
    assert pipeline.live(Kind.CLUSTER) == []
    assert final.import_id not in pipeline.ledger_text()
