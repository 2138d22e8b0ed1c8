"""Races and outages (issue 13): a late create is never left running untracked, a lost notice is sent again.

Every test here runs with no scheduled sweep and checks that no sweep acted: what is proved is
what the pipeline does by itself. Races are ordered by a hold fault (the create request waits at
the local cloud's door until the test releases it), never by timing.
"""

from __future__ import annotations

import json
from typing import Any

from e2e_pipeline import Pipeline

from localcloud.context import Timings
from localcloud.server import CloudConfig
from shared.contract.paths import create_object, manifest_object, orphan_object
from shared.contract.state import ImportState, Stage
from shared.contract.tags import IMPORT_ID
from shared.pipeline.genai_ops import Kind
from shared.pipeline.ledger import Ledger
from shared.pipeline.store import head_object

# No scheduled sweep (the field exists once the schedule does); the ride-along sweep is checked
# not to have acted (`assert_no_sweep_acted`).
NO_SCHEDULE: dict[str, Any] = (
    {"schedule_seconds": None} if "schedule_seconds" in CloudConfig.__dataclass_fields__ else {}
)
PATHS = {Kind.CLUSTER: "dedicatedAiClusters", Kind.IMPORTED_MODEL: "importedModels"}


def quiet(make_pipeline: Any, **options: Any) -> Pipeline:
    return make_pipeline(pool_size=3, **{**NO_SCHEDULE, **options})  # type: ignore[no-any-return]


def holds(p: Pipeline) -> dict[str, float]:
    ledger = Ledger(p.os, p.cloud.info.namespace, p.state_bucket)
    return {k: h.ai_units for k, h in ledger.holds().items()}


def tagged(p: Pipeline, kind: Kind, import_id: str) -> list[Any]:
    """Every resource of `kind` tagged with the import id, in any lifecycle state."""
    return [r for r in p.ops.list_all(kind) if (r.freeform_tags or {}).get(IMPORT_ID) == import_id]


def state_object_exists(p: Pipeline, name: str) -> bool:
    return head_object(p.os, p.cloud.info.namespace, p.state_bucket, name) is not None


def assert_no_sweep_acted(p: Pipeline) -> None:
    assert '"sweep acted"' not in p.function_log()


def replace_while_held(p: Pipeline, kind: Kind, stage: str) -> tuple[ImportState, str]:
    """Import m; hold its first create of `kind`; upload a new manifest; wait until the new import
    has replaced the old one's state (the old teardown found nothing: the create is still held)."""
    hold = p.cloud.set_fault(service="generativeai", method="POST", resource=PATHS[kind], hold=True, count=1)
    p.upload_model("m", "chat")
    first = p.wait_stage("m", stage)
    p.cloud.wait_held(hold)
    p.put(manifest_object("m"), json.dumps({"display_name": "m two"}).encode())
    p.cloud.wait_for(lambda: (s := p.state("m")) is not None and s.import_id != first.import_id, timeout=60)
    assert tagged(p, kind, first.import_id) == []  # nothing existed for the teardown to find
    return first, hold


def test_a_cluster_create_returning_after_a_replacement_is_deleted_and_its_units_held(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    p = quiet(make_pipeline)
    first, hold = replace_while_held(p, Kind.CLUSTER, "PROVISIONING")
    units = holds(p).get(first.import_id)
    # The create in flight keeps the old import's units held although its teardown ended.
    assert units, f"the old import's AI units were released while its cluster create is in flight: {holds(p)}"
    assert state_object_exists(p, create_object(f"{first.import_id}.cluster"))

    p.cloud.release_fault(hold)
    p.cloud.wait_passed(hold)
    # From now until the late cluster is DELETED, its units are held at every look (hold read first).
    while True:
        held = first.import_id in holds(p)
        clusters = tagged(p, Kind.CLUSTER, first.import_id)
        if clusters and all(c.lifecycle_state == "DELETED" for c in clusters):
            break
        assert held, f"cluster {[(c.id, c.lifecycle_state) for c in clusters]} alive with no hold"
    assert len(clusters) == 1

    p.cloud.wait_for(lambda: first.import_id not in holds(p), timeout=10)
    key = f"{first.import_id}.cluster"
    p.cloud.wait_for(lambda: not state_object_exists(p, orphan_object(key)), timeout=10)
    assert not state_object_exists(p, create_object(key))
    told = p.cloud.wait_for(lambda: [m for m in p.messages() if "late create deleted" in m["title"]])
    assert clusters[0].id in told[0]["body"] and "AI units are released" in told[0]["body"]
    second = p.wait_stage("m", "DONE", "FAILED", timeout=90)
    p.idle()
    assert second.stage is Stage.DONE, second.last_error
    assert [c.id for c in p.live(Kind.CLUSTER)] == [second.resources.cluster_id]
    assert list(holds(p)) == [second.import_id]
    assert_no_sweep_acted(p)


def test_an_imported_model_create_returning_after_a_replacement_is_deleted(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    p = quiet(make_pipeline)
    first, hold = replace_while_held(p, Kind.IMPORTED_MODEL, "IMPORTING")
    p.cloud.release_fault(hold)
    p.cloud.wait_passed(hold)
    # The late model is recorded (an orphan record) and deleted by the pipeline, 409s and all.
    p.cloud.wait_for(
        lambda: (m := tagged(p, Kind.IMPORTED_MODEL, first.import_id)) and m[0].lifecycle_state == "DELETED",
        timeout=30,
    )
    key = f"{first.import_id}.import-model"
    p.cloud.wait_for(lambda: not state_object_exists(p, orphan_object(key)), timeout=10)
    assert not state_object_exists(p, create_object(key))
    second = p.wait_stage("m", "DONE", "FAILED", timeout=90)
    p.idle()
    assert second.stage is Stage.DONE, second.last_error
    assert [m.id for m in p.live(Kind.IMPORTED_MODEL)] == [second.resources.imported_model_id]
    assert first.import_id not in holds(p)
    assert_no_sweep_acted(p)


def test_a_torn_down_notice_whose_publish_failed_is_sent_again(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    p = quiet(make_pipeline)
    p.upload_model("m", "chat", {"deploy": False})
    p.wait_stage("m", "DONE")
    p.cloud.wait_for(lambda: len(p.messages()) == 1)
    p.idle()
    p.cloud.set_fault(service="ons", method="POST", status=500, count=3)  # one publish, all its attempts
    p.delete(manifest_object("m"))
    p.wait_stage("m", "TORN_DOWN")
    told = p.cloud.wait_for(lambda: [m for m in p.messages() if "torn down" in m["title"]], timeout=30)
    p.idle()
    assert len([m for m in p.messages() if "torn down" in m["title"]]) == 1
    state = p.state("m")
    assert state is not None and "torn_down" in state.notified
    assert any(n.note.startswith("notification torn_down failed") for n in state.history)
    assert "deleted import-model" in told[0]["body"]
    assert_no_sweep_acted(p)


def test_every_event_three_times_and_slow_deletes_the_notice_says_the_whole_teardown(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    # Deletes outlast one invocation's wait (POLL_SECONDS=1): each teardown invocation sees part of
    # the work, and three copies of every event make several of them run at once.
    slow = Timings(import_seconds=0.3, cluster_seconds=0.3, endpoint_seconds=0.3, delete_seconds=1.5)
    p = quiet(make_pipeline, timings=slow, env={"POLL_SECONDS": "1"}, event_faults=[{"copies": 3}])
    p.upload_model("m", "chat")
    done = p.wait_stage("m", "DONE", "FAILED", timeout=90)
    assert done.stage is Stage.DONE, done.last_error
    p.delete(manifest_object("m"))
    p.wait_stage("m", "TORN_DOWN", timeout=90)
    p.idle()
    torn = [m for m in p.messages() if "torn down" in m["title"]]
    assert len(torn) == 1, [m["title"] for m in p.messages()]
    r = done.resources
    for what in (
        f"endpoint {r.endpoint_id}",
        f"cluster {r.cluster_id}",
        f"import-model {r.imported_model_id}",
    ):
        assert f"deleted {what}" in torn[0]["body"], torn[0]["body"]
    assert "Nothing of it was running" not in torn[0]["body"]
    assert len([m for m in p.messages() if "is live" in m["title"]]) == 1
    for kind in Kind:  # one of each, ever, and none left
        assert len(tagged(p, kind, done.import_id)) == 1
        assert p.live(kind) == []
    assert holds(p) == {}
    delivered = p.cloud.deliveries()
    assert len(delivered) >= 3 * len({d["event_id"] for d in delivered}) - 3  # every event thrice
    assert_no_sweep_acted(p)


def test_a_cluster_create_returning_after_the_teardown_is_deleted_and_told(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    """No replacement this time: the manifest is deleted while the create is held. The import is
    TORN_DOWN (saying a create is in flight, its units held); the late cluster brings it back to
    TEARING_DOWN, and the second TORN_DOWN tells the subscribers what it deleted."""
    p = quiet(make_pipeline)
    hold = p.cloud.set_fault(
        service="generativeai", method="POST", resource=PATHS[Kind.CLUSTER], hold=True, count=1
    )
    p.upload_model("m", "chat")
    first = p.wait_stage("m", "PROVISIONING")
    p.cloud.wait_held(hold)
    p.delete(manifest_object("m"))
    p.wait_stage("m", "TORN_DOWN")
    told = p.cloud.wait_for(lambda: [m for m in p.messages() if "torn down" in m["title"]])
    assert "Still in flight" in told[0]["body"] and "cluster create" in told[0]["body"]
    assert first.import_id in holds(p)

    p.cloud.release_fault(hold)
    p.cloud.wait_passed(hold)
    again = p.cloud.wait_for(lambda: [m for m in p.messages() if "again" in m["title"]], timeout=30)
    p.idle()
    clusters = tagged(p, Kind.CLUSTER, first.import_id)
    assert len(clusters) == 1 and clusters[0].lifecycle_state == "DELETED"
    assert f"deleted cluster {clusters[0].id}" in again[0]["body"]
    assert "Its AI units are released" in again[0]["body"]
    final = p.state("m")
    assert final is not None and final.stage is Stage.TORN_DOWN and final.teardown.rounds == 2
    assert holds(p) == {}
    assert not state_object_exists(p, create_object(f"{first.import_id}.cluster"))
    assert_no_sweep_acted(p)
