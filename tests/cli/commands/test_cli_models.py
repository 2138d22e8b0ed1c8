"""`list`, `get`, `update`, `move`, `delete`, `teardown`, `cost` against the local cloud's Generative AI."""

from __future__ import annotations

import re
from typing import Any

from shared.contract.state import Stage
from shared.pipeline.genai_ops import Kind

OTHER_COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaaclitestsother"


def test_list_shows_models_in_both_outputs(cli: Any) -> None:
    a = cli.deploy("alpha", endpoint=False, vendor="acme", version="1")
    cli.deploy("beta", endpoint=False)

    res = cli("list", "--json")
    assert res.code == 0, res.err
    docs = res.json()
    by_name = {d["display_name"]: d for d in docs}
    assert set(by_name) == {"alpha", "beta"}
    alpha = by_name["alpha"]
    assert alpha["id"] == a.model_id
    assert alpha["lifecycle_state"] == "ACTIVE"
    assert alpha["capabilities"] == ["TEXT_TO_TEXT"]
    assert alpha["vendor"] == "acme" and alpha["version"] == "1"
    assert alpha["import_name"] == "alpha" and alpha["managed"] is True
    assert alpha["data_source"]["source_type"] == "OBJECT_STORAGE_OBJECT"

    table = cli("list")
    assert table.code == 0
    lines = table.out.splitlines()
    assert lines[0].split()[:4] == ["NAME", "STATE", "CAPABILITY", "VENDOR"]
    # OCIDs shortened as the console lists them (the full ones are in --json and `get`): 80 columns
    short = "..." + a.model_id[-6:]
    assert any(line.startswith("alpha") and line.endswith(short) and "acme" in line for line in lines[1:])
    assert a.model_id not in table.out and max(len(line) for line in lines) <= 80
    assert len(lines) == 3


def test_get_by_name_lists_its_endpoints(cli: Any) -> None:
    d = cli.deploy("served")
    res = cli("get", "served", "--json")
    assert res.code == 0, res.err
    doc = res.json()
    assert doc["id"] == d.model_id
    assert [e["id"] for e in doc["endpoints"]] == [d.endpoint_id]
    assert doc["endpoints"][0]["dedicated_ai_cluster_id"] == d.cluster_id

    by_id = cli("get", d.model_id)
    assert by_id.code == 0
    assert d.endpoint_id in by_id.out and "served" in by_id.out


def test_get_unknown_name_is_one_line_with_the_way_out(cli: Any) -> None:
    res = cli("get", "nope")
    assert res.code == 1
    assert res.err.count("\n") == 1
    assert "no imported model named 'nope'" in res.err and "model-import list" in res.err


def test_get_unknown_ocid_explains_the_service_error(cli: Any) -> None:
    res = cli("get", "ocid1.generativeaiimportedmodel.oc1..doesnotexist")
    assert res.code == 1
    assert res.err.startswith("error: 404 NotAuthorizedOrNotFound on get_imported_model")
    assert "check the OCID" in res.err and "Traceback" not in res.err
    debug = cli("get", "ocid1.generativeaiimportedmodel.oc1..doesnotexist", "--debug")
    assert "Traceback" in debug.err


def test_update_changes_metadata_and_tags_but_not_reserved_ones(cli: Any) -> None:
    d = cli.deploy("upd", endpoint=False, freeform_tags={"team": "a", "old": "x"})
    res = cli(
        "update",
        "upd",
        "--display-name",
        "upd-renamed",
        "--description",
        "a small model",
        "--vendor",
        "acme",
        "--model-version",
        "2",
        "--tag",
        "team=b",
        "--remove-tag",
        "old",
        "--json",
    )
    assert res.code == 0, res.err
    model = cli.genai.get_imported_model(d.model_id).data
    assert model.display_name == "upd-renamed"
    assert model.description == "a small model"
    assert (model.vendor, model.version) == ("acme", "2")
    assert model.freeform_tags["team"] == "b" and "old" not in model.freeform_tags
    assert model.freeform_tags["managed-by"] == "oci-model-import"  # the pipeline's tags survive
    assert res.json()["display_name"] == "upd-renamed"

    table = cli("update", "upd-renamed", "--vendor", "acme2")
    assert table.code == 0, table.err
    assert re.search(r"^vendor\s+acme2$", table.out, re.M) and re.search(
        r"^name\s+upd-renamed$", table.out, re.M
    )

    refused = cli("update", "upd-renamed", "--tag", "managed-by=me")
    assert refused.code == 2 and "pipeline's" in refused.err
    nothing = cli("update", "upd-renamed")
    assert nothing.code == 2 and "nothing to change" in nothing.err


def test_move_changes_the_compartment(cli: Any) -> None:
    d = cli.deploy("mover", endpoint=False)
    res = cli("move", "mover", "--to-compartment-id", OTHER_COMPARTMENT, "--json")
    assert res.code == 0, res.err
    assert res.json()["compartment_id"] == OTHER_COMPARTMENT
    assert cli.genai.get_imported_model(d.model_id).data.compartment_id == OTHER_COMPARTMENT
    back = cli("move", d.model_id, "--to-compartment-id", cli.compartment_id)
    assert back.code == 0 and back.out.strip() == f"moved mover ({d.model_id}) to {cli.compartment_id}"
    assert "teardown" in back.err  # a managed model: where the pipeline will still find it
    cli("move", d.model_id, "--to-compartment-id", OTHER_COMPARTMENT)
    again = cli("move", d.model_id, "--to-compartment-id", OTHER_COMPARTMENT)
    assert again.code == 2 and "already in" in again.err


def test_delete_refuses_while_served_and_names_the_way_out(cli: Any) -> None:
    d = cli.deploy("busy")
    res = cli("delete", "busy", "--yes")
    assert res.code == 1
    assert d.endpoint_id in res.err and "model-import teardown busy" in res.err
    assert cli.genai.get_imported_model(d.model_id).data.lifecycle_state == "ACTIVE"


class _Terminal:
    """stdin of a person at a terminal who types `answer`."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        return self.answer


def _kept(cli: Any, name: str) -> str:
    """A model the pipeline made and a keep_model teardown let go: no import owns it any more."""
    d = cli.deploy(name, endpoint=False)
    assert cli("teardown", name, "--keep-model", "--yes", "--poll", "0.05").code == 0
    return d.model_id


def test_delete_of_an_unowned_model_asks_and_waits_until_deleted(cli: Any, monkeypatch: Any) -> None:
    model_id = _kept(cli, "lonely")
    refused = cli("delete", "lonely")  # stdin is not a terminal: no question, no deletion
    assert refused.code == 2
    assert refused.err == "error: lonely not deleted: pass --yes to delete it without a question\n"
    monkeypatch.setattr("sys.stdin", _Terminal("n\n"))
    declined = cli("delete", "lonely")  # answering no is no usage error: exit 1, the words of every question
    assert declined.code == 1 and "delete imported model lonely" in declined.err
    assert declined.err.endswith("error: you answered no: lonely is left as it was\n")
    other = _kept(cli, "lonely-too")
    table = cli("delete", "lonely-too", "--force")  # --force: the older name of --yes
    assert table.code == 0 and table.out.strip() == f"deleting lonely-too ({other})"
    res = cli("delete", "lonely", "--yes", "--wait", "--poll", "0.05", "--json")
    assert res.code == 0, res.err
    assert res.json()["lifecycle_state"] == "DELETED"
    assert cli.genai.get_imported_model(model_id).data.lifecycle_state == "DELETED"


def test_delete_refuses_a_model_its_import_owns_and_names_teardown(cli: Any) -> None:
    """Deleting it would leave `status` showing the import DONE with its model gone."""
    d = cli.deploy("emb-nd", endpoint=False)
    res = cli("delete", "emb-nd", "--yes", "--wait", "--poll", "0.05")
    assert res.code == 1
    assert res.err.count("\n") == 1 and "belongs to import emb-nd" in res.err
    assert f"`model-import teardown emb-nd --bucket {cli.bucket}`" in res.err
    assert cli.genai.get_imported_model(d.model_id).data.lifecycle_state == "ACTIVE"
    assert cli("status", "emb-nd", "--json").json()["stage"] == "DONE"


def test_teardown_removes_endpoint_cluster_model_and_records_it(cli: Any) -> None:
    d = cli.deploy("gone")
    keep = cli.deploy("stays")
    res = cli("teardown", "gone", "--yes", "--poll", "0.05", "--json")
    assert res.code == 0, res.err
    [result] = res.json()
    assert [x["kind"] for x in result["deleted"]] == ["endpoint", "cluster", "imported_model"]
    assert result["state_updated"] is True
    assert cli.genai.get_endpoint(d.endpoint_id).data.lifecycle_state == "DELETED"
    assert cli.genai.get_dedicated_ai_cluster(d.cluster_id).data.lifecycle_state == "DELETED"
    assert cli.genai.get_imported_model(d.model_id).data.lifecycle_state == "DELETED"
    state, _ = cli.store.get("gone")
    assert state.stage is Stage.TORN_DOWN and state.desired == "absent"
    assert (state.resources.endpoint_id, state.resources.cluster_id, state.resources.imported_model_id) == (
        None,
        None,
        None,
    )
    # the other import is untouched
    assert cli.genai.get_endpoint(keep.endpoint_id).data.lifecycle_state == "ACTIVE"
    # a second teardown finds nothing left
    again = cli("teardown", "gone", "--yes", "--poll", "0.05")
    assert again.code == 0 and "nothing left" in again.out


def test_teardown_keep_model_and_untracked_resources(cli: Any) -> None:
    d = cli.deploy("kept")
    cli.store.delete("kept", cli.store.get("kept")[1])  # state lost: the tags still find everything
    dry = cli("teardown", "kept", "--keep-model", "--dry-run", "--json")
    assert dry.code == 0
    [plan] = dry.json()
    assert [x["id"] for x in plan["deleted"]] == [d.endpoint_id, d.cluster_id]
    assert plan["kept"] == [{"kind": "imported_model", "id": d.model_id}]
    assert cli.genai.get_endpoint(d.endpoint_id).data.lifecycle_state == "ACTIVE"

    res = cli("teardown", "kept", "--keep-model", "--yes", "--poll", "0.05")
    assert res.code == 0, res.err
    assert "kept" in res.out and "..." + d.model_id[-6:] in res.out  # tables shorten OCIDs
    assert cli.genai.get_dedicated_ai_cluster(d.cluster_id).data.lifecycle_state == "DELETED"
    cli.wait_ready(Kind.IMPORTED_MODEL, d.model_id, None)  # tagging it kept is an update: back to ACTIVE
    assert cli.genai.get_imported_model(d.model_id).data.freeform_tags.get("kept") == "true"


def test_teardown_keep_model_is_recorded_so_the_sweep_keeps_it(cli: Any) -> None:
    d = cli.deploy("keeper")
    assert cli("teardown", "keeper", "--keep-model", "--yes", "--poll", "0.05").code == 0
    state, _ = cli.store.get("keeper")
    assert state.stage is Stage.TORN_DOWN and state.options.keep_model is True
    assert state.resources.imported_model_id == d.model_id and state.resources.endpoint_id is None
    swept = cli("sweep", "--fix", "--json")
    assert swept.code == 0, swept.err
    assert swept.json()["orphans_deleted"] == []
    cli.wait_ready(Kind.IMPORTED_MODEL, d.model_id, None)


def test_teardown_all_needs_confirmation_then_removes_everything(cli: Any) -> None:
    a = cli.deploy("one")
    b = cli.deploy("two", endpoint=False)
    refused = cli("teardown", "--all")
    assert refused.code == 2 and "--yes" in refused.err
    assert cli("teardown").code == 2
    res = cli("teardown", "--all", "--yes", "--poll", "0.05", "--json")
    assert res.code == 0, res.err
    assert sorted(r["name"] for r in res.json()) == ["one", "two"]
    assert cli.ops.list_managed(Kind.ENDPOINT) == []
    assert cli.ops.list_managed(Kind.CLUSTER) == []
    assert cli.ops.list_managed(Kind.IMPORTED_MODEL) == []
    for name in ("one", "two"):
        assert cli.store.get(name)[0].stage is Stage.TORN_DOWN
    assert a.model_id != b.model_id


def test_cost_shows_live_clusters_and_hourly_cost(cli: Any) -> None:
    cli.deploy("small", shape="A10_X1")
    cli.deploy("big", shape="A100_80G_X2")
    res = cli("cost", "--price", "10", "--json")
    assert res.code == 0, res.err
    doc = res.json()
    by_import = {c["import_name"]: c for c in doc["clusters"]}
    assert by_import["small"]["ai_units"] == 1.77 and by_import["small"]["cost_per_hour"] == 17.7
    assert by_import["big"]["ai_units"] == 6.48 and by_import["big"]["cost_per_hour"] == 64.8
    assert doc["total_ai_units"] == 8.25 and doc["total_cost_per_hour"] == 82.5
    assert doc["price_per_ai_unit_hour"] == 10.0

    table = cli("cost")  # no price: units, no money
    assert table.code == 0
    assert "total: 2 cluster(s), 8.25 AI units, - per hour" in table.out
    assert "AI_UNIT_PRICE_PER_HOUR" in table.err

    cli.monkeypatch.setenv("AI_UNIT_PRICE_PER_HOUR", "2")
    env_priced = cli("cost", "--json").json()
    assert env_priced["total_cost_per_hour"] == 16.5


def test_cost_shows_the_dedicated_unit_limits(cli: Any) -> None:
    """The Limits API's view: limit, used (live clusters' units) and available, per unit family."""
    cli.deploy("pair", shape="A100_80G_X2")
    doc = cli("cost", "--json").json()
    limits = {u["limit_name"]: u for u in doc["unit_limits"]}
    assert set(limits) >= {
        "dedicated-unit-a10-count",
        "dedicated-unit-a100-80g-count",
        "dedicated-unit-h100-count",
    }
    assert (
        limits["dedicated-unit-a100-80g-count"]["used"],
        limits["dedicated-unit-a100-80g-count"]["limit"],
    ) == (
        2,
        64,
    )
    assert limits["dedicated-unit-a100-80g-count"]["used_in_compartment"].startswith("ocid1.compartment.")
    table = cli("cost")
    assert "dedicated-unit-a100-80g-count" in table.out and "AVAILABLE" in table.out
    # the limit is the tenancy's, the usage the compartment's: both say so
    assert "TENANCY LIMIT" in table.out and "USED IN COMPARTMENT" in table.out
    assert "used: in compartment ocid1.compartment." in table.out
