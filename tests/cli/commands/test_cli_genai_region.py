"""Generative AI in another region than the bucket: every Generative AI client of the CLI follows
--genai-region (env MODEL_IMPORT_GENAI_REGION, else the local cloud's), Object Storage stays home,
and a region that finds none of what a state records stops `teardown` and `sweep` with one line."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from shared.clients import ClientFactory
from shared.contract.state import Stage
from shared.pipeline.genai_ops import GenAiOps, Kind
from shared.pipeline.ledger import Ledger

FUNCTION = Path(__file__).resolve().parents[3] / "functions" / "func.py"
FAST_ENV = {"POLL_SECONDS": "2", "POLL_INTERVAL_SECONDS": "0.05", "SWEEP_EVERY_SECONDS": "3600"}
HOME, GENAI = "us-ashburn-1", "eu-frankfurt-1"


def _wait_terminal(cli: Any, name: str, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = cli.store.get(name)
        if found is not None and found[0].stage.is_terminal:
            return found[0]
        assert time.monotonic() < deadline, found[0] if found else "no state"
        time.sleep(0.1)


@pytest.mark.slow
def test_split_region_status_list_teardown(make_localcloud: Any, make_cli: Any, tiny_model: Any) -> None:
    handle = make_localcloud(function_path=FUNCTION, function_env=FAST_ENV, region=HOME, genai_region=GENAI)
    cli = make_cli(handle)
    assert handle.info.genai_region == GENAI  # what the CLI reads from localcloud.json
    up = cli("upload", str(tiny_model("abroad")), "--part-size", "1", "--no-progress")
    assert up.code == 0, up.err
    state = _wait_terminal(cli, "abroad")
    assert state.stage is Stage.DONE, (state.findings, state.last_error)
    genai = GenAiOps(ClientFactory(env=handle.env, genai_region=GENAI).generative_ai(), cli.compartment_id)
    r = state.resources

    status = cli("status", "abroad", "--genai-region", GENAI, "--json")
    assert status.code == 0, status.err
    assert status.json()["stage"] == "DONE"

    for region in ([], ["--genai-region", GENAI]):  # localcloud.json's region, then the option
        listed = cli("list", "--json", *region)
        assert listed.code == 0, listed.err
        assert [m["id"] for m in listed.json() if m["import_name"] == "abroad"] == [r.imported_model_id]

    # The home region (what the CLI used before): refused in one line, nothing touched. (The local
    # cloud answers 404 to the listing; OCI lists nothing there, which the test below refuses.)
    wrong = cli("teardown", "abroad", "--yes", "--genai-region", HOME)
    assert wrong.code == 1 and wrong.err.count("\n") == 1, wrong.err
    assert wrong.err.startswith("error: 404 NotAuthorizedOrNotFound on list_"), wrong.err
    after, _ = cli.store.get("abroad")
    assert after.stage is Stage.DONE and after.desired != "absent"
    endpoint = genai.get(Kind.ENDPOINT, r.endpoint_id)
    assert endpoint is not None and endpoint.lifecycle_state == "ACTIVE"

    res = cli(
        "teardown", "abroad", "--yes", "--genai-region", GENAI, "--json", "--poll", "0.05", "--timeout", "120"
    )
    assert res.code == 0, res.err
    [doc] = res.json()
    assert {x["id"] for x in doc["deleted"]} == {r.endpoint_id, r.cluster_id, r.imported_model_id}
    assert _wait_terminal(cli, "abroad").stage is Stage.TORN_DOWN
    for kind, rid in ((Kind.ENDPOINT, r.endpoint_id), (Kind.CLUSTER, r.cluster_id)):
        gone = genai.get(kind, rid)
        assert gone is None or gone.is_gone


def test_the_env_variable_moves_generative_ai_and_leaves_object_storage_home(
    make_localcloud: Any, make_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = make_localcloud(region=HOME, genai_region=GENAI)
    cli = make_cli(handle)
    monkeypatch.setenv("MODEL_IMPORT_GENAI_REGION", HOME)
    wrong = cli("list")
    assert wrong.code == 1 and "404" in wrong.err and "--genai-region" in wrong.err, wrong.err
    monkeypatch.setenv("MODEL_IMPORT_GENAI_REGION", GENAI)
    assert cli("list", "--json").json() == []  # Generative AI in Frankfurt answers
    assert cli("status", "--json").json() == []  # the buckets are read at home
    unserved = cli("list", "--genai-region", "ap-tokyo-1")
    assert unserved.code == 2 and "ap-tokyo-1" in unserved.err, unserved.err


def _foreign_state(cli: Any, name: str, stage: Stage) -> Any:
    """A state recording resources of another region, which this one has never seen."""
    ids = {
        "imported_model_id": f"ocid1.generativeaiimportedmodel.oc1.{GENAI}.amaaaaaa{name}",
        "cluster_id": f"ocid1.generativeaidedicatedaicluster.oc1.{GENAI}.amaaaaaa{name}",
        "endpoint_id": f"ocid1.generativeaiendpoint.oc1.{GENAI}.amaaaaaa{name}",
    }
    resources = cli.new_state(name).resources.model_copy(update=ids)
    return cli.put_state(name, stage, resources=resources)


def test_teardown_refuses_when_the_region_finds_none_of_what_the_state_records(cli: Any) -> None:
    """As OCI answers a client of the wrong region: it lists nothing, and 404 to each OCID."""
    _foreign_state(cli, "abroad", Stage.DONE)
    dry = cli("teardown", "abroad", "--dry-run")
    assert dry.code == 0 and "finds none of them" in dry.err, dry.err

    res = cli("teardown", "abroad", "--yes")
    assert res.code == 1 and res.err.count("\n") == 1, res.err
    assert "finds none of them" in res.err and "--genai-region" in res.err and "cancel abroad" in res.err
    state, _ = cli.store.get("abroad")
    assert state.stage is Stage.DONE and state.desired != "absent"  # not declared gone


def test_sweep_leaves_holds_alone_when_the_region_finds_none_of_what_the_states_record(cli: Any) -> None:
    state = _foreign_state(cli, "abroad", Stage.FAILED)
    ledger = Ledger(cli.os, cli.namespace, cli.state_bucket)
    assert ledger.reserve(state.import_id, "abroad", 1.77, max_per_import=10, max_total=10).granted
    res = cli("sweep", "--fix", "--json")
    assert res.code == 1, res.err
    doc = res.json()
    assert "finds none of them" in doc["errors"][0] and doc["holds_released"] == []
    assert state.import_id in ledger.holds()  # its cluster may be billing in the other region
