"""`retry` and `cancel` rewrite state documents; `retry` of an import with no state resends its source."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.contract.state import LastError, Stage, utcnow

FUNCTION = Path(__file__).resolve().parents[3] / "functions" / "func.py"
FAST_ENV = {"POLL_SECONDS": "2", "POLL_INTERVAL_SECONDS": "0.05", "SWEEP_EVERY_SECONDS": "3600"}


def test_retry_resumes_a_failed_import_from_the_stage_that_failed(cli: Any) -> None:
    cli.put_state(
        "again",
        Stage.FAILED,
        last_error=LastError(stage=Stage.PROVISIONING, code="CLUSTER_FAILED", message="out of capacity"),
    )
    res = cli("retry", "again", "--json")
    assert res.code == 0, res.err
    doc = res.json()
    assert doc["action"] == "resumed" and doc["from_stage"] == "FAILED"
    state, _ = cli.store.get("again")
    assert state.stage is Stage.PROVISIONING and state.retries == 1 and state.last_error is None
    assert doc["stage"] == "PROVISIONING" and doc["retries"] == 1
    # the deadline is the cluster stage's (120 minutes by default)
    assert timedelta(minutes=119) < state.stage_deadline - state.updated_at <= timedelta(minutes=120)

    moving = cli("retry", "again")  # it is moving now: nothing to retry
    assert moving.code == 1 and "nothing to retry" in moving.err


def test_retry_nudges_a_stalled_import_and_refuses_finished_ones(cli: Any) -> None:
    before = cli.put_state("slow", Stage.IMPORTING, stage_deadline=utcnow() - timedelta(seconds=1))
    res = cli("retry", "slow")
    assert res.code == 0, res.err
    assert "nudged slow: IMPORTING -> IMPORTING" in res.out
    state, _ = cli.store.get("slow")
    assert state.attempt == before.attempt + 1 and state.stage_deadline > utcnow()

    cli.put_state("fine", Stage.DONE)
    done = cli("retry", "fine")
    assert done.code == 1 and "nothing to retry" in done.err
    cli.put_state("bad", Stage.REJECTED)
    rejected = cli("retry", "bad")
    assert rejected.code == 1 and "upload fixed files" in rejected.err


def test_cancel_asks_the_pipeline_to_tear_down(cli: Any) -> None:
    cli.deploy("stopme")
    res = cli("cancel", "stopme", "--json")
    assert res.code == 0, res.err
    assert res.json() == {"name": "stopme", "stage": "DONE", "desired": "absent", "already_cancelled": False}
    state, etag = cli.store.get("stopme")
    assert state.desired == "absent"
    twice = cli("cancel", "stopme")
    assert twice.code == 0 and "already cancelled" in twice.out
    assert cli.store.get("stopme")[1] == etag  # asking twice wrote nothing: no second event

    cli.put_state("over", Stage.TORN_DOWN)
    assert cli("cancel", "over").code == 1


@pytest.mark.slow
def test_retry_brings_a_failed_live_import_to_done(
    make_localcloud: Any, make_cli: Any, tiny_model: Any
) -> None:
    handle = make_localcloud(function_path=FUNCTION, function_env=FAST_ENV)
    cli = make_cli(handle)
    handle.fail_work_request("retry-me", operation="CREATE_DEDICATED_AI_CLUSTER", message="out of capacity")
    assert cli("upload", str(tiny_model("retry-me")), "--part-size", "1", "--no-progress").code == 0

    failed = cli("status", "retry-me", "--watch", "--interval", "0.2", "--timeout", "120", "--json")
    assert failed.code == 1, failed.err
    doc = failed.json()
    assert doc["stage"] == "FAILED" and doc["last_error"]["stage"] == "PROVISIONING"
    table = cli("status")
    assert "FAILED" in table.out

    handle.clear_faults()  # capacity is back
    res = cli("retry", "retry-me", "--watch", "--interval", "0.2", "--timeout", "120")
    assert res.code == 0, res.out + res.err
    assert res.out.startswith("resumed retry-me: FAILED -> ")
    state, _ = cli.store.get("retry-me")
    assert state.stage is Stage.DONE and state.retries == 1 and state.resources.endpoint_id


def test_a_manifest_the_pipeline_never_picked_up_is_shown_and_can_be_resent(cli: Any) -> None:
    put = cli.os.put_object(cli.namespace, cli.bucket, "models/lost/import.json", b"{}")
    cli.os.put_object(cli.namespace, cli.bucket, "models/lost/config.json", b"{}")
    cli.put_state("known", Stage.DONE)

    fresh = cli("status", "--json").json()
    lost = next(d for d in fresh if d["name"] == "lost")
    assert lost["stage"] == "NOT_STARTED" and lost["stalled"] is False
    assert lost["source"] == "models/lost/import.json"
    assert [d["name"] for d in fresh] == ["known", "lost"]
    too_soon = cli("retry", "lost")
    assert too_soon.code == 1 and "give the pipeline a moment" in too_soon.err

    stalled = cli("status", "--stall-after", "0")
    assert re.search(r"^lost\s+NOT_STARTED STALLED", stalled.out, re.M)
    one = cli("status", "lost", "--stall-after", "0")
    assert "no state yet" in one.out and "model-import retry lost" in one.err

    events_before = len(cli.handle.events())
    res = cli("retry", "lost", "--stall-after", "0", "--json")
    assert res.code == 0, res.err
    assert res.json()["action"] == "resent"
    head = cli.os.head_object(cli.namespace, cli.bucket, "models/lost/import.json")
    assert head.headers["etag"] != put.headers["etag"]  # a new upload of the same bytes: a new event
    assert (
        bytes(cli.os.get_object(cli.namespace, cli.bucket, "models/lost/import.json").data.content) == b"{}"
    )
    new_events = [e["data"]["resourceName"] for e in cli.handle.events()[events_before:]]
    assert new_events == ["models/lost/import.json"]
