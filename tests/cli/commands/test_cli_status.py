"""`status`, `retry`, `cancel`, `sweep` on state documents in the local bucket, and on a live pipeline."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.contract.manifest import Capability
from shared.contract.state import LastError, Stage, Transition, utcnow
from shared.pipeline.genai_ops import Kind

FUNCTION = Path(__file__).resolve().parents[3] / "functions" / "func.py"
FAST_ENV = {"POLL_SECONDS": "2", "POLL_INTERVAL_SECONDS": "0.05", "SWEEP_EVERY_SECONDS": "3600"}


def put_state(cli: Any, name: str, stage: Stage, **update: Any) -> Any:
    state = cli.new_state(name).move_to(stage)
    state = state.model_copy(update=update)
    cli.store.put(state, None)
    return state


def test_status_lists_every_import_in_both_outputs(cli: Any) -> None:
    now = utcnow()
    live = cli.deploy("live")
    # the cluster of `live` has been up for two hours
    hist = [Transition(at=now - timedelta(hours=2, minutes=5), stage=Stage.VALIDATING)]
    hist += [Transition(at=now - timedelta(hours=2), stage=Stage.PROVISIONING)]
    hist += [Transition(at=now - timedelta(hours=1), stage=Stage.DONE)]
    state, etag = cli.store.get("live")
    cli.store.put(state.model_copy(update={"history": hist, "created_at": now - timedelta(hours=2)}), etag)
    put_state(
        cli,
        "broken",
        Stage.FAILED,
        last_error=LastError(stage=Stage.IMPORTING, code="IMPORT_FAILED", message="work request failed"),
    )
    put_state(cli, "stuck", Stage.PROVISIONING, stage_deadline=now - timedelta(minutes=1))

    res = cli("status", "--price", "10", "--json")
    assert res.code == 0, res.err
    docs = {d["name"]: d for d in res.json()}
    assert set(docs) == {"live", "broken", "stuck"}
    assert docs["live"]["stage"] == "DONE" and docs["live"]["endpoint_id"] == live.endpoint_id
    assert docs["live"]["unit_shape"] == "A10_X1" and docs["live"]["ai_units"] == 1.77
    assert docs["live"]["cost_per_hour"] == 17.7 and docs["live"]["cluster_live"] is True
    assert 35.3 < docs["live"]["cost_so_far"] < 35.6  # 2 h at 17.70 per hour
    assert docs["stuck"]["stalled"] is True and "deadline" in docs["stuck"]["stall_reason"]
    assert docs["broken"]["stalled"] is False
    assert docs["broken"]["last_error"]["code"] == "IMPORT_FAILED"

    table = cli("status", "--price", "10")
    assert table.code == 0
    lines = table.out.splitlines()
    assert lines[0].split() == [
        "NAME",
        "STAGE",
        "AGE",
        "SHAPE",
        "AI",
        "UNITS",
        "PER",
        "HOUR",
        "SO",
        "FAR",
        "ENDPOINT",
    ]
    row = next(line for line in lines if line.startswith("live"))
    assert "A10_X1" in row and "17.70" in row and live.endpoint_id in row and "2h00m" in row
    assert any(line.startswith("stuck") and "PROVISIONING STALLED" in line for line in lines)


def test_status_of_nothing_and_of_an_unknown_import(cli: Any) -> None:
    empty = cli("status")
    assert empty.code == 0 and "no imports yet" in empty.out
    assert cli("status", "--json").json() == []
    unknown = cli("status", "ghost")
    assert unknown.code == 1 and "no import named 'ghost'" in unknown.err


def test_status_of_one_import_shows_its_history(cli: Any) -> None:
    d = cli.deploy("detail")
    res = cli("status", "detail")
    assert res.code == 0, res.err
    assert "import id" in res.out and d.state.import_id in res.out
    assert d.endpoint_id in res.out and d.cluster_id in res.out
    history = res.out[res.out.index("AT ") :]
    for stage in ("IMPORTING", "PROVISIONING", "DEPLOYING", "SMOKE_TESTING", "DONE"):
        assert stage in history
    doc = cli("status", "detail", "--json").json()
    assert doc["stage"] == "DONE" and doc["state"]["import_id"] == d.state.import_id
    assert [t["stage"] for t in doc["state"]["history"]][-1] == "DONE"


def test_retry_resumes_a_failed_import_from_the_stage_that_failed(cli: Any) -> None:
    put_state(
        cli,
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
    before = put_state(cli, "slow", Stage.IMPORTING, stage_deadline=utcnow() - timedelta(seconds=1))
    res = cli("retry", "slow")
    assert res.code == 0, res.err
    assert "nudged slow: IMPORTING -> IMPORTING" in res.out
    state, _ = cli.store.get("slow")
    assert state.attempt == before.attempt + 1 and state.stage_deadline > utcnow()

    put_state(cli, "fine", Stage.DONE)
    done = cli("retry", "fine")
    assert done.code == 1 and "nothing to retry" in done.err
    put_state(cli, "bad", Stage.REJECTED)
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

    put_state(cli, "over", Stage.TORN_DOWN)
    assert cli("cancel", "over").code == 1


def test_sweep_lists_then_fixes_stalled_imports_and_orphans(cli: Any) -> None:
    put_state(cli, "lost", Stage.DEPLOYING, stage_deadline=utcnow() - timedelta(minutes=5))
    put_state(cli, "fresh", Stage.IMPORTING)
    orphan = cli.deploy("orphan", endpoint=False)
    cli.store.delete("orphan", cli.store.get("orphan")[1])  # its import is gone: the model is an orphan

    dry = cli("sweep", "--json")
    assert dry.code == 0, dry.err
    doc = dry.json()
    assert doc["fixed"] is False
    assert [n.split(":")[0] for n in doc["nudged"]] == ["lost"]
    assert any(orphan.model_id in o for o in doc["orphans_deleted"])
    assert cli.store.get("lost")[0].attempt == 0  # a dry run changes nothing
    assert cli.genai.get_imported_model(orphan.model_id).data.lifecycle_state == "ACTIVE"
    table = cli("sweep")
    assert "would nudge" in table.out and "sweep --fix" in table.err

    fixed = cli("sweep", "--fix")
    assert fixed.code == 0, fixed.err
    assert cli.store.get("lost")[0].attempt == 1
    assert cli.genai.get_imported_model(orphan.model_id).data.lifecycle_state in ("DELETING", "DELETED")
    assert cli("sweep", "--json").json()["orphans_deleted"] == []


@pytest.mark.slow
def test_status_follows_a_running_pipeline_to_done_then_cancel_tears_it_down(
    make_localcloud: Any, make_cli: Any, tiny_model: Any
) -> None:
    handle = make_localcloud(function_path=FUNCTION, function_env=FAST_ENV)
    cli = make_cli(handle)
    folder = tiny_model("live-model")
    up = cli("upload", str(folder), "--part-size", "1", "--unit-shape", "A10_X2", "--no-progress")
    assert up.code == 0, up.err

    watched = cli("status", "live-model", "--watch", "--interval", "0.2", "--timeout", "120", "--price", "1")
    assert watched.code == 0, watched.out + watched.err
    seen = re.findall(r"^\S+Z  live-model  (\S+)  attempt", watched.out, re.M)
    assert seen[-1] == "DONE" and "PROVISIONING" in seen
    state, _ = cli.store.get("live-model")
    assert state.stage is Stage.DONE and state.options.unit_shape == "A10_X2", (state.plan, state.findings)
    assert state.plan is not None and state.plan.unit_shape == "A10_X2" and state.plan.ai_units == 3.54
    assert state.plan.capability is Capability.TEXT_TO_TEXT
    live = cli("status", "--json").json()[0]
    assert live["endpoint_id"] == state.resources.endpoint_id and live["cluster_live"] is True

    gone = cli("cancel", "live-model", "--watch", "--interval", "0.2", "--timeout", "120")
    assert gone.code == 0, gone.out + gone.err
    assert cli.store.get("live-model")[0].stage is Stage.TORN_DOWN
    for kind in (Kind.ENDPOINT, Kind.CLUSTER):
        assert cli.ops.list_managed(kind) == []


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


def test_watch_of_every_import_ends_when_all_have_ended(cli: Any) -> None:
    put_state(cli, "ok", Stage.DONE)
    put_state(cli, "ko", Stage.FAILED, last_error=LastError(stage=Stage.IMPORTING, code="X", message="m"))
    res = cli("status", "--watch", "--interval", "0.05", "--timeout", "10")
    assert res.code == 1  # one of them FAILED
    assert re.search(r"^\S+Z  ko  FAILED  attempt 0  X: m$", res.out, re.M)
    assert re.search(r"^ok\s+DONE", res.out, re.M)
    put_state(cli, "running", Stage.IMPORTING)
    slow = cli("status", "--watch", "--interval", "0.05", "--timeout", "0.3")
    assert slow.code == 1 and "still running after" in slow.err and "running IMPORTING" in slow.err


def test_a_manifest_the_pipeline_never_picked_up_is_shown_and_can_be_resent(cli: Any) -> None:
    put = cli.os.put_object(cli.namespace, cli.bucket, "models/lost/import.json", b"{}")
    cli.os.put_object(cli.namespace, cli.bucket, "models/lost/config.json", b"{}")
    put_state(cli, "known", Stage.DONE)

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


def test_sweep_resends_a_lost_manifest(cli: Any) -> None:
    put = cli.os.put_object(cli.namespace, cli.bucket, "requests/lost-hf.json", b'{"model_id": "acme/x"}')
    dry = cli("sweep", "--stall-after", "0", "--json").json()
    assert dry["resent"] == ["lost-hf"] and dry["fixed"] is False
    etag = cli.os.head_object(cli.namespace, cli.bucket, "requests/lost-hf.json").headers["etag"]
    assert etag == put.headers["etag"]
    table = cli("sweep", "--stall-after", "0")
    assert "would resend  requests/lost-hf.json" in table.out
    fixed = cli("sweep", "--stall-after", "0", "--fix", "--json")
    assert fixed.code == 0 and fixed.json()["resent"] == ["lost-hf"]
    assert cli.os.head_object(cli.namespace, cli.bucket, "requests/lost-hf.json").headers["etag"] != etag
