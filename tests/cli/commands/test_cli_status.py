"""`status` on state documents in the local bucket, and `status --watch` on a live pipeline."""

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


def test_status_lists_every_import_in_both_outputs(cli: Any) -> None:
    now = utcnow()
    live = cli.deploy("live")
    # the cluster of `live` has been up for two hours
    hist = [Transition(at=now - timedelta(hours=2, minutes=5), stage=Stage.VALIDATING)]
    hist += [Transition(at=now - timedelta(hours=2), stage=Stage.PROVISIONING)]
    hist += [Transition(at=now - timedelta(hours=1), stage=Stage.DONE)]
    state, etag = cli.store.get("live")
    cli.store.put(state.model_copy(update={"history": hist, "created_at": now - timedelta(hours=2)}), etag)
    cli.put_state(
        "broken",
        Stage.FAILED,
        last_error=LastError(stage=Stage.IMPORTING, code="IMPORT_FAILED", message="work request failed"),
    )
    cli.put_state("stuck", Stage.PROVISIONING, stage_deadline=now - timedelta(minutes=1))

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
    assert "A10_X1" in row and "17.70" in row and "2h00m" in row
    assert row.endswith("..." + live.endpoint_id[-6:])
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


def test_watch_of_every_import_ends_when_all_have_ended(cli: Any) -> None:
    cli.put_state("ok", Stage.DONE)
    cli.put_state("ko", Stage.FAILED, last_error=LastError(stage=Stage.IMPORTING, code="X", message="m"))
    res = cli("status", "--watch", "--interval", "0.05", "--timeout", "10")
    assert res.code == 1  # one of them FAILED
    assert re.search(r"^\S+Z  ko  FAILED  attempt 0  X: m$", res.out, re.M)
    assert re.search(r"^ok\s+DONE", res.out, re.M)
    cli.put_state("running", Stage.IMPORTING)
    slow = cli("status", "--watch", "--interval", "0.05", "--timeout", "0.3")
    assert slow.code == 1 and "still running after" in slow.err and "running IMPORTING" in slow.err


def test_cost_of_a_replaced_import_counts_only_its_own_history(cli: Any) -> None:
    """A new upload carries the earlier import's history forward: its PROVISIONING and TORN_DOWN
    must not make the new import's live cluster look stopped (PER HOUR '-', SO FAR frozen)."""
    now = utcnow()
    cli.deploy("again")
    earlier = [
        Transition(at=now - timedelta(hours=5), stage=Stage.VALIDATING),
        Transition(at=now - timedelta(hours=5), stage=Stage.PROVISIONING),
        Transition(at=now - timedelta(hours=4), stage=Stage.DONE),
        Transition(at=now - timedelta(hours=3, minutes=30), stage=Stage.TEARING_DOWN),
        Transition(at=now - timedelta(hours=3), stage=Stage.TORN_DOWN),
    ]
    this = [
        Transition(at=now - timedelta(hours=1, minutes=5), stage=Stage.VALIDATING),
        Transition(at=now - timedelta(hours=1), stage=Stage.PROVISIONING),
        Transition(at=now - timedelta(minutes=30), stage=Stage.DONE),
    ]
    state, etag = cli.store.get("again")
    update = {"history": earlier + this, "created_at": now - timedelta(hours=1, minutes=5)}
    cli.store.put(state.model_copy(update=update), etag)

    doc = cli("status", "again", "--price", "10", "--json").json()
    assert doc["cluster_live"] is True and doc["cost_per_hour"] == 17.7
    assert 17.6 < doc["cost_so_far"] < 17.9  # 1 h at 17.70, not the earlier import's 1 h 5 min window
    row = next(line for line in cli("status", "--price", "10").out.splitlines() if line.startswith("again"))
    assert "17.70" in row
