"""Every state-changing command says what will really happen, or refuses with the way out (issue 16):
`retry` after `cancel` would be torn down again; `cancel` of a cleaned-up FAILED import would leave it
FAILED with desired=absent for ever."""

from __future__ import annotations

from typing import Any

from shared.contract.state import LastError, Resources, Stage


def test_retry_after_cancel_refuses_with_the_way_out(cli: Any) -> None:
    cli.put_state(
        "undone",
        Stage.FAILED,
        desired="absent",
        last_error=LastError(stage=Stage.DEPLOYING, code="ENDPOINT_FAILED", message="no capacity"),
        resources=Resources(cluster_id="ocid1.generativeaidedicatedaicluster.oc1..c"),
    )
    before = cli.store.get("undone")[1]
    res = cli("retry", "undone")
    assert res.code == 1
    assert res.err.strip().splitlines()[-1] == (
        "error: undone was cancelled (desired: absent), so the pipeline would tear down whatever a retry "
        "builds; nothing was retried — to import it again, write its source again: "
        "`model-import upload FOLDER --name undone --again`"
    )
    assert "resumed" not in res.out
    assert cli.store.get("undone")[1] == before  # nothing written


def test_retry_of_a_failed_teardown_is_allowed_and_says_so(cli: Any) -> None:
    cli.put_state(
        "stuck",
        Stage.FAILED,
        desired="absent",
        last_error=LastError(stage=Stage.TEARING_DOWN, code="TEARDOWN_FAILED", message="busy"),
        resources=Resources(cluster_id="ocid1.generativeaidedicatedaicluster.oc1..c"),
    )
    res = cli("retry", "stuck")
    assert res.code == 0, res.err
    assert res.out.strip() == "resumed stuck: FAILED -> TEARING_DOWN (retry 1): the teardown goes on"


def test_cancel_of_a_cleaned_up_failed_import_refuses(cli: Any) -> None:
    cli.put_state(
        "cleaned",
        Stage.FAILED,
        last_error=LastError(stage=Stage.PROVISIONING, code="CLUSTER_FAILED", message="out of capacity"),
    )
    before = cli.store.get("cleaned")[1]
    res = cli("cancel", "cleaned")
    assert res.code == 1
    last = res.err.strip().splitlines()[-1]
    assert last.startswith("error: cleaned is FAILED and holds nothing")
    assert "`model-import retry cleaned`" in last
    state, etag = cli.store.get("cleaned")
    assert etag == before and state.desired == "present"


def test_cancel_names_what_will_be_torn_down(cli: Any) -> None:
    cli.deploy("named", keep_model=True)
    res = cli("cancel", "named")
    assert res.code == 0, res.err
    assert res.out.splitlines()[0] == (
        "named cancel requested: the pipeline tears down its endpoint, cluster; "
        "the model is kept (keep_model)"
    )
