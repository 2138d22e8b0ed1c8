"""Races and outages (issue 13): a late create is never left running untracked, a lost notice is sent again.

Every test here runs with no scheduled sweep and checks that no sweep acted: what is proved is
what the pipeline does by itself. Races are ordered by a hold fault (the create request waits at
the local cloud's door until the test releases it), never by timing.
"""

from __future__ import annotations

import json
import os
import signal
import time
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
    return make_pipeline(**{"pool_size": 3, **NO_SCHEDULE, **options})  # type: ignore[no-any-return]


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


def replace_while_held(p: Pipeline, kind: Kind, stage: str, kill: bool = False) -> tuple[ImportState, str]:
    """Import m; hold its first create of `kind` (and, with `kill`, stop the worker blocked in it);
    upload a new manifest; wait until the old import's teardown has looked again while the create is
    held: it stays TEARING_DOWN, waiting for the create in flight, its units held."""
    hold = p.cloud.set_fault(service="generativeai", method="POST", resource=PATHS[kind], hold=True, count=1)
    p.upload_model("m", "chat")
    first = p.wait_stage("m", stage)
    p.cloud.wait_held(hold)
    if kill:
        kill_busy_workers(p)
    p.put(manifest_object("m"), json.dumps({"display_name": "m two"}).encode())
    waiting = p.cloud.wait_for(
        lambda: (s := p.state("m")) is not None and s.stage is Stage.TEARING_DOWN and s.attempt >= 2 and s,
        timeout=60,
    )
    assert waiting.import_id == first.import_id  # the new import waits for the old teardown
    assert "create" in waiting.history[-1].note or waiting.attempt >= 2
    assert tagged(p, kind, first.import_id) == []  # nothing existed for the teardown to find
    assert state_object_exists(p, create_object(f"{first.import_id}.{kind.value}"))
    return first, hold


def kill_busy_workers(p: Pipeline) -> None:
    """SIGKILL the function workers (with pool_size=1: the one blocked in the held create), as OCI
    stops an invocation over its memory or time: nothing after the call runs."""
    for worker in p.cloud.cloud.runner.workers:
        if worker.proc is not None and worker.proc.poll() is None:
            os.kill(worker.proc.pid, signal.SIGKILL)
            worker.proc.wait(10)


def held_until_gone(p: Pipeline, import_id: str, timeout: float = 60.0) -> list[Any]:
    """Until every cluster of `import_id` is DELETED, check its units are held at each look (hold read
    first); the clusters at the end."""
    ends = time.monotonic() + timeout
    while True:
        held = import_id in holds(p)
        clusters = tagged(p, Kind.CLUSTER, import_id)
        if clusters and all(c.lifecycle_state == "DELETED" for c in clusters):
            return clusters
        assert held, f"cluster {[(c.id, c.lifecycle_state) for c in clusters]} alive with no hold"
        assert time.monotonic() < ends, (
            f"cluster {[(c.id, c.lifecycle_state) for c in clusters]} never deleted"
        )


def test_a_cluster_create_returning_after_a_replacement_is_deleted_and_its_units_held(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    p = quiet(make_pipeline)
    first, hold = replace_while_held(p, Kind.CLUSTER, "PROVISIONING")
    # The create in flight keeps the old import's units held and its teardown open.
    assert first.import_id in holds(p), f"the old import's AI units were released: {holds(p)}"

    p.cloud.release_fault(hold)
    p.cloud.wait_passed(hold)
    clusters = held_until_gone(p, first.import_id)
    assert len(clusters) == 1
    second = p.wait_stage("m", "DONE", "FAILED", timeout=90)
    p.idle()
    assert second.stage is Stage.DONE, second.last_error
    torn = [m for m in p.messages() if "torn down" in m["title"]]
    assert len(torn) == 1 and f"deleted cluster {clusters[0].id}" in torn[0]["body"], torn
    assert "Its AI units are released" in torn[0]["body"]
    assert [c.id for c in p.live(Kind.CLUSTER)] == [second.resources.cluster_id]
    assert list(holds(p)) == [second.import_id]
    key = f"{first.import_id}.cluster"
    assert not state_object_exists(p, create_object(key)) and not state_object_exists(p, orphan_object(key))
    assert_no_sweep_acted(p)


def test_an_imported_model_create_returning_after_a_replacement_is_deleted(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    p = quiet(make_pipeline)
    first, hold = replace_while_held(p, Kind.IMPORTED_MODEL, "IMPORTING")
    p.cloud.release_fault(hold)
    p.cloud.wait_passed(hold)
    # The old teardown finds the late model by tag and deletes it, 409s and all.
    p.cloud.wait_for(
        lambda: (m := tagged(p, Kind.IMPORTED_MODEL, first.import_id)) and m[0].lifecycle_state == "DELETED",
        timeout=30,
    )
    second = p.wait_stage("m", "DONE", "FAILED", timeout=90)
    p.idle()
    assert second.stage is Stage.DONE, second.last_error
    key = f"{first.import_id}.import-model"
    assert not state_object_exists(p, create_object(key)) and not state_object_exists(p, orphan_object(key))
    assert [m.id for m in p.live(Kind.IMPORTED_MODEL)] == [second.resources.imported_model_id]
    assert first.import_id not in holds(p)
    assert_no_sweep_acted(p)


def test_a_killed_worker_s_cluster_create_landing_after_a_replacement_is_deleted(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    """The worker blocked in the cluster create is killed (no redelivery, no schedule): nothing of that
    invocation runs after the call, so its pending record never learns the cluster's id. The old
    teardown waits for the create in flight and finds what it created by tag."""
    p = quiet(make_pipeline, pool_size=1, redeliver=False)
    first, hold = replace_while_held(p, Kind.CLUSTER, "PROVISIONING", kill=True)
    assert first.import_id in holds(p)
    p.cloud.release_fault(hold)
    p.cloud.wait_passed(hold)
    clusters = held_until_gone(p, first.import_id)
    assert len(clusters) == 1
    second = p.wait_stage("m", "DONE", "FAILED", timeout=90)
    p.idle()
    assert second.stage is Stage.DONE, second.last_error
    assert [c.id for c in p.live(Kind.CLUSTER)] == [second.resources.cluster_id]
    assert list(holds(p)) == [second.import_id]
    assert not state_object_exists(p, create_object(f"{first.import_id}.cluster"))
    assert_no_sweep_acted(p)


def test_a_killed_worker_s_cluster_create_is_adopted_by_its_import(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    """The same kill without a replacement: the state was rewritten before the create, so the import
    keeps looking (no redelivery, no schedule) and adopts the cluster found by tag once it lands."""
    p = quiet(make_pipeline, pool_size=1, redeliver=False)
    hold = p.cloud.set_fault(
        service="generativeai", method="POST", resource=PATHS[Kind.CLUSTER], hold=True, count=1
    )
    p.upload_model("m", "chat")
    first = p.wait_stage("m", "PROVISIONING")
    p.cloud.wait_held(hold)
    kill_busy_workers(p)
    p.cloud.wait_for(lambda: (s := p.state("m")) is not None and s.attempt >= first.attempt + 2, timeout=30)
    p.cloud.release_fault(hold)
    p.cloud.wait_passed(hold)
    done = p.wait_stage("m", "DONE", "FAILED", timeout=90)
    p.idle()
    assert done.stage is Stage.DONE, done.last_error
    clusters = tagged(p, Kind.CLUSTER, first.import_id)
    assert [c.id for c in clusters] == [done.resources.cluster_id]
    assert list(holds(p)) == [first.import_id]
    assert not state_object_exists(p, create_object(f"{first.import_id}.cluster"))
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
    """No replacement this time: the manifest is deleted while the create is held. The import stays
    TEARING_DOWN (its units held) until the create lands; then the cluster is deleted and the one
    "torn down" message names it."""
    p = quiet(make_pipeline)
    hold = p.cloud.set_fault(
        service="generativeai", method="POST", resource=PATHS[Kind.CLUSTER], hold=True, count=1
    )
    p.upload_model("m", "chat")
    first = p.wait_stage("m", "PROVISIONING")
    p.cloud.wait_held(hold)
    p.delete(manifest_object("m"))
    p.cloud.wait_for(
        lambda: (s := p.state("m")) is not None and s.stage is Stage.TEARING_DOWN and s.attempt >= 2,
        timeout=30,
    )
    assert first.import_id in holds(p)
    assert not [m for m in p.messages() if "torn down" in m["title"]]

    p.cloud.release_fault(hold)
    p.cloud.wait_passed(hold)
    clusters = held_until_gone(p, first.import_id)
    p.wait_stage("m", "TORN_DOWN", timeout=30)
    p.idle()
    told = [m for m in p.messages() if "torn down" in m["title"]]
    assert len(told) == 1 and f"deleted cluster {clusters[0].id}" in told[0]["body"], told
    assert "Its AI units are released" in told[0]["body"]
    final = p.state("m")
    assert final is not None and final.stage is Stage.TORN_DOWN and final.teardown.rounds == 1
    assert holds(p) == {}
    assert not state_object_exists(p, create_object(f"{first.import_id}.cluster"))
    assert_no_sweep_acted(p)


def lose_the_state_while_held(p: Pipeline) -> tuple[ImportState, str]:
    """Import m; hold its cluster create; an operator deletes the state document meanwhile: when the
    create returns, nobody wants the cluster, so it must become an orphan record."""
    hold = p.cloud.set_fault(
        service="generativeai", method="POST", resource=PATHS[Kind.CLUSTER], hold=True, count=1
    )
    p.upload_model("m", "chat")
    first = p.wait_stage("m", "PROVISIONING")
    p.cloud.wait_held(hold)
    p.os.delete_object(p.cloud.info.namespace, p.state_bucket, "state/m.json")
    p.cloud.wait_for(lambda: p.state("m") is None)
    return first, hold


def test_an_orphan_record_whose_write_fails_is_written_again(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    """The orphan record's PUT answers 500 (all the SDK's tries), then the cluster's DELETE a 409:
    the record is written again (with backoff), its loop deletes the cluster and releases the hold."""
    p = quiet(make_pipeline)
    first, hold = lose_the_state_while_held(p)
    p.cloud.set_fault(service="objectstorage", method="PUT", resource="_orphan.", status=500, count=3)
    p.cloud.set_fault(
        service="generativeai",
        method="DELETE",
        resource=PATHS[Kind.CLUSTER],
        status=409,
        code="Conflict",
        count=1,
    )
    p.cloud.release_fault(hold)
    p.cloud.wait_passed(hold)
    clusters = held_until_gone(p, first.import_id)
    assert len(clusters) == 1
    p.cloud.wait_for(lambda: first.import_id not in holds(p), timeout=10)
    told = p.cloud.wait_for(lambda: [m for m in p.messages() if "late create deleted" in m["title"]])
    assert clusters[0].id in told[0]["body"]
    p.idle()
    key = f"{first.import_id}.cluster"
    assert not state_object_exists(p, create_object(key)) and not state_object_exists(p, orphan_object(key))
    assert_no_sweep_acted(p)


def test_a_late_cluster_with_no_orphan_record_is_deleted_and_its_hold_released(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    """No orphan record can be written at all: the cluster is deleted there and then, and once it is
    confirmed gone its units are released and its pending record dropped."""
    p = quiet(make_pipeline)
    first, hold = lose_the_state_while_held(p)
    p.cloud.set_fault(service="objectstorage", method="PUT", resource="_orphan.", status=500)
    p.cloud.release_fault(hold)
    p.cloud.wait_passed(hold)
    clusters = held_until_gone(p, first.import_id)
    assert len(clusters) == 1
    p.cloud.wait_for(lambda: first.import_id not in holds(p), timeout=30)
    p.cloud.wait_for(lambda: not state_object_exists(p, create_object(f"{first.import_id}.cluster")))
    p.idle()
    assert_no_sweep_acted(p)


def test_a_torn_down_notice_is_owed_through_a_longer_outage(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    """Six publishes in a row fail (three POSTs each): the message stays owed, is tried again with
    backoff by later invocations, and is listed in `notified` only once published."""
    p = quiet(make_pipeline)
    p.upload_model("m", "chat", {"deploy": False})
    p.wait_stage("m", "DONE")
    p.cloud.wait_for(lambda: len(p.messages()) == 1)
    p.idle()
    p.cloud.set_fault(service="ons", method="POST", status=500, count=18)
    p.delete(manifest_object("m"))
    p.wait_stage("m", "TORN_DOWN")
    told = p.cloud.wait_for(lambda: [m for m in p.messages() if "torn down" in m["title"]], timeout=60)
    p.idle()
    assert len([m for m in p.messages() if "torn down" in m["title"]]) == 1
    assert "deleted import-model" in told[0]["body"]
    state = p.state("m")
    assert state is not None and "torn_down" in state.notified
    failed = state.publish_failures["torn_down"]
    assert failed.failures >= 5 and not failed.gave_up, failed
    assert_no_sweep_acted(p)


def test_a_late_create_deleted_notice_is_owed_through_a_longer_outage(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    p = quiet(make_pipeline)
    first, hold = lose_the_state_while_held(p)
    p.cloud.set_fault(service="ons", method="POST", status=500, count=18)
    p.cloud.release_fault(hold)
    p.cloud.wait_passed(hold)
    clusters = held_until_gone(p, first.import_id)
    told = p.cloud.wait_for(
        lambda: [m for m in p.messages() if "late create deleted" in m["title"]], timeout=60
    )
    p.idle()
    assert len(told) == 1 and clusters[0].id in told[0]["body"]
    assert "AI units are released" in told[0]["body"]
    assert holds(p) == {}
    assert not state_object_exists(p, orphan_object(f"{first.import_id}.cluster"))
    assert_no_sweep_acted(p)
