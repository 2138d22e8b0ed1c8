"""`teardown`: scoped to this bucket's import, honours keep_model, and agrees with a running pipeline."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from oci.generative_ai import models as gm

from localcloud.context import Timings
from shared.contract import tags
from shared.contract.state import Stage
from shared.pipeline.finish import finish_teardown
from shared.pipeline.genai_ops import Kind
from shared.pipeline.ledger import Ledger

FUNCTION = Path(__file__).resolve().parents[3] / "functions" / "func.py"
FAST_ENV = {"POLL_SECONDS": "2", "POLL_INTERVAL_SECONDS": "0.05", "SWEEP_EVERY_SECONDS": "3600"}
OTHER_BUCKET = "someone-elses-drop"


def other_stack_deployment(cli: Any, name: str) -> tuple[str, str]:
    """A model and a cluster of another stack's pipeline (same compartment, same import name),
    created with the plain Generative AI SDK: only the import-bucket tag differs."""
    other_tags = {
        tags.IMPORT_ID: f"other-{name}-0001",
        tags.IMPORT_NAME: name,
        tags.MANAGED_BY: tags.MANAGED_BY_VALUE,
        tags.IMPORT_BUCKET: OTHER_BUCKET,
    }
    cli.os.put_object(cli.namespace, cli.bucket, f"models/{name}/config.json", b"{}")
    model = cli.genai.create_imported_model(
        gm.CreateImportedModelDetails(
            compartment_id=cli.compartment_id,
            display_name=name,
            capabilities=["TEXT_TO_TEXT"],
            data_source=gm.ObjectStorageObject(
                source_type="OBJECT_STORAGE_OBJECT",
                namespace_name=cli.namespace,
                bucket_name=cli.bucket,  # the local cloud imports from a bucket it has
                prefix_name=f"models/{name}/",
            ),
            freeform_tags={**other_tags, tags.STEP: Kind.IMPORTED_MODEL.value},
        )
    )
    cluster = cli.genai.create_dedicated_ai_cluster(
        gm.CreateDedicatedAiClusterDetails(
            compartment_id=cli.compartment_id,
            type="HOSTING",
            unit_shape="A10_X1",
            unit_count=1,
            display_name=name,
            freeform_tags={**other_tags, tags.STEP: Kind.CLUSTER.value},
        )
    )
    cli.wait_ready(Kind.IMPORTED_MODEL, model.data.id, model.headers.get("opc-work-request-id"))
    cli.wait_ready(Kind.CLUSTER, cluster.data.id, cluster.headers.get("opc-work-request-id"))
    return model.data.id, cluster.data.id


def assert_alive(cli: Any, model_id: str, cluster_id: str) -> None:
    assert cli.genai.get_imported_model(model_id).data.lifecycle_state == "ACTIVE"
    assert cli.genai.get_dedicated_ai_cluster(cluster_id).data.lifecycle_state == "ACTIVE"


def test_teardown_leaves_another_buckets_deployment_of_the_same_name_alone(cli: Any) -> None:
    ours = cli.deploy("twin")
    their_model, their_cluster = other_stack_deployment(cli, "twin")

    res = cli("teardown", "twin", "--yes", "--poll", "0.05", "--json")
    assert res.code == 0, res.err
    [result] = res.json()
    assert {d["id"] for d in result["deleted"]} == {ours.endpoint_id, ours.cluster_id, ours.model_id}
    assert cli.genai.get_imported_model(ours.model_id).data.lifecycle_state == "DELETED"
    assert_alive(cli, their_model, their_cluster)

    # the state lost: only tags are left to go by, and only this bucket's count
    second = cli.deploy("twin2")
    other_model, other_cluster = other_stack_deployment(cli, "twin2")
    cli.store.delete("twin2", cli.store.get("twin2")[1])
    dry = cli("teardown", "twin2", "--dry-run", "--json")
    assert {d["id"] for d in dry.json()[0]["deleted"]} == {
        second.endpoint_id,
        second.cluster_id,
        second.model_id,
    }
    lost = cli("teardown", "twin2", "--yes", "--poll", "0.05", "--json")
    assert lost.code == 0, lost.err
    assert cli.genai.get_dedicated_ai_cluster(second.cluster_id).data.lifecycle_state == "DELETED"
    assert_alive(cli, other_model, other_cluster)

    # --all: every import of this bucket, never the other stack's
    cli.deploy("third")
    everything = cli("teardown", "--all", "--yes", "--poll", "0.05", "--json")
    assert everything.code == 0, everything.err
    assert "third" in {r["name"] for r in everything.json()}
    left = {r.id for kind in Kind for r in cli.ops.list_managed(kind)}
    assert left == {their_model, their_cluster, other_model, other_cluster}

    # nothing of this bucket is named `twin3`: the other stack's resources are not a target
    other_stack_deployment(cli, "twin3")
    refused = cli("teardown", "twin3", "--yes", "--poll", "0.05")
    assert refused.code == 1 and "nothing to tear down" in refused.err


def test_teardown_honours_keep_model_from_the_state(cli: Any) -> None:
    d = cli.deploy("keeps", keep_model=True)
    ledger = Ledger(cli.os, cli.namespace, cli.state_bucket)
    ledger.reserve(d.state.import_id, "keeps", 1.77, max_per_import=10, max_total=10)

    # no --keep-model: the state says so
    res = cli("teardown", "keeps", "--yes", "--poll", "0.05", "--json")
    assert res.code == 0, res.err
    [result] = res.json()
    assert result["kept"] == [{"kind": "imported_model", "id": d.model_id}]
    assert {x["id"] for x in result["deleted"]} == {d.endpoint_id, d.cluster_id}
    assert cli.genai.get_endpoint(d.endpoint_id).data.lifecycle_state == "DELETED"
    assert cli.genai.get_dedicated_ai_cluster(d.cluster_id).data.lifecycle_state == "DELETED"
    cli.wait_ready(Kind.IMPORTED_MODEL, d.model_id, None)
    assert cli.genai.get_imported_model(d.model_id).data.freeform_tags.get("kept") == "true"
    state, _ = cli.store.get("keeps")
    assert state.stage is Stage.TORN_DOWN and state.resources.imported_model_id == d.model_id
    assert d.state.import_id not in ledger.holds()  # the hold is released with the teardown

    # a second teardown (e.g. --all) still keeps it
    again = cli("teardown", "--all", "--yes", "--poll", "0.05", "--json")
    assert again.code == 0, again.err
    cli.wait_ready(Kind.IMPORTED_MODEL, d.model_id, None)


def test_teardown_of_an_earlier_import_leaves_the_current_one_and_kept_models(cli: Any) -> None:
    old = cli.deploy("again", keep_model=True)
    assert cli("teardown", "again", "--yes", "--poll", "0.05").code == 0
    cli.wait_ready(Kind.IMPORTED_MODEL, old.model_id, None)
    # a new upload of the same name: a new import id, a new state document
    cli.store.delete("again", cli.store.get("again")[1])
    new = cli.deploy("again")
    res = cli("teardown", "again", "--yes", "--poll", "0.05", "--json")
    assert res.code == 0, res.err
    assert {x["id"] for x in res.json()[0]["deleted"]} == {new.endpoint_id, new.cluster_id, new.model_id}
    cli.wait_ready(Kind.IMPORTED_MODEL, old.model_id, None)  # the earlier import's kept model stays


@pytest.mark.slow
def test_teardown_while_the_pipeline_creates_ends_with_nothing_live(
    make_localcloud: Any, make_cli: Any, tiny_model: Any
) -> None:
    slow_cluster = Timings(import_seconds=0.3, cluster_seconds=3.0, endpoint_seconds=0.3, delete_seconds=0.2)
    handle = make_localcloud(function_path=FUNCTION, function_env=FAST_ENV, timings=slow_cluster)
    cli = make_cli(handle)
    up = cli("upload", str(tiny_model("racing")), "--part-size", "1", "--no-progress")
    assert up.code == 0, up.err

    deadline = time.monotonic() + 120
    while True:  # wait until the pipeline is creating the cluster
        found = cli.store.get("racing")
        creating = [r for r in cli.ops.list_managed(Kind.CLUSTER) if r.lifecycle_state == "CREATING"]
        if found is not None and found[0].stage is Stage.PROVISIONING and creating:
            break
        assert time.monotonic() < deadline, found[0] if found else "no state"
        time.sleep(0.05)
    import_id = found[0].import_id

    res = cli("teardown", "racing", "--yes", "--poll", "0.05", "--timeout", "120", "--json")
    assert res.code == 0, res.err
    [result] = res.json()
    assert creating[0].id in {x["id"] for x in result["deleted"]}
    state, _ = cli.store.get("racing")
    assert state.stage is Stage.TORN_DOWN and state.desired == "absent" and state.import_id == import_id

    def live() -> list[Any]:
        return [r for kind in Kind for r in cli.ops.list_managed(kind) if r.import_id == import_id]

    assert live() == []
    assert import_id not in Ledger(cli.os, cli.namespace, cli.state_bucket).holds()
    # the pipeline, woken by these writes, creates nothing afterwards
    for _ in range(20):
        time.sleep(0.1)
        assert live() == []
    assert cli.store.get("racing")[0].stage is Stage.TORN_DOWN


def test_finish_teardown_never_finishes_a_live_or_newer_import(cli: Any) -> None:
    d = cli.deploy("fin")
    ledger = Ledger(cli.os, cli.namespace, cli.state_bucket)
    ledger.reserve(d.state.import_id, "fin", 1.77, max_per_import=10, max_total=10)

    alive = finish_teardown(cli.store, ledger, cli.ops, "fin", d.state.import_id, note="test")
    assert alive.status == "alive" and not alive.finished
    assert {r.id for r in alive.alive} == {d.endpoint_id, d.cluster_id, d.model_id}
    assert cli.store.get("fin")[0].stage is Stage.DONE  # nothing written
    assert d.state.import_id in ledger.holds()  # the hold stays while its cluster lives

    # a newer upload replaced the import: finishing the old one leaves the new one as it is
    cli.store.delete("fin", cli.store.get("fin")[1])
    newer = cli.deploy("fin", endpoint=False)
    replaced = finish_teardown(cli.store, ledger, cli.ops, "fin", d.state.import_id, note="test")
    assert replaced.status == "replaced" and replaced.hold_released  # the old import holds nothing
    current, _ = cli.store.get("fin")
    assert current.import_id == newer.state.import_id and current.stage is Stage.DONE
    assert current.resources.imported_model_id == newer.model_id

    # the newer one, once its model is gone, is finished exactly once
    cli.ops.delete(Kind.IMPORTED_MODEL, newer.model_id, import_id=newer.state.import_id)
    deadline = time.monotonic() + 30
    while cli.ops.get(Kind.IMPORTED_MODEL, newer.model_id).lifecycle_state != "DELETED":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    done = finish_teardown(cli.store, ledger, cli.ops, "fin", newer.state.import_id, note="test")
    assert done.status == "torn_down" and done.state is not None and done.state.desired == "absent"
    assert cli.store.get("fin")[0].stage is Stage.TORN_DOWN
    again = finish_teardown(cli.store, ledger, cli.ops, "fin", newer.state.import_id, note="test")
    assert again.status == "already"


class _Terminal:
    """stdin of a person at a terminal who types `answer`."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        return self.answer


def test_teardown_of_one_name_asks_as_delete_does(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    d = cli.deploy("asked")
    refused = cli("teardown", "asked", "--poll", "0.05")  # no terminal, no --yes
    assert refused.code == 2
    assert refused.err.strip().splitlines()[-1] == (
        "error: asked not torn down: pass --yes to tear it down without a question "
        "(--dry-run shows what it deletes)"
    )
    monkeypatch.setattr("sys.stdin", _Terminal("n\n"))
    declined = cli("teardown", "asked", "--poll", "0.05")
    assert declined.code == 1 and "tear down asked? [y/N]" in declined.err  # no is no usage error
    assert f"deletes endpoint {d.endpoint_id}" in declined.err and "you answered no" in declined.err
    assert cli.genai.get_dedicated_ai_cluster(d.cluster_id).data.lifecycle_state == "ACTIVE"
    monkeypatch.setattr("sys.stdin", _Terminal("y\n"))
    done = cli("teardown", "asked", "--poll", "0.05", "--json")
    assert done.code == 0, done.err
    assert cli.genai.get_dedicated_ai_cluster(d.cluster_id).data.lifecycle_state == "DELETED"
