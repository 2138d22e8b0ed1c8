"""GenAiOps against the local cloud's Generative AI control plane, through the real SDK."""

from __future__ import annotations

from dataclasses import replace

import oci
import pytest
from pipeline_states import make_state

from shared.contract.manifest import Capability
from shared.contract.state import Resources
from shared.pipeline.genai_ops import (
    MANAGED_BY,
    GenAiOps,
    Kind,
    ResourceBusy,
    endpoint_display_name,
    resolve_revision,
)
from shared.pipeline.teardown import teardown_step


@pytest.fixture
def ops(localcloud) -> GenAiOps:  # type: ignore[no-untyped-def]
    return GenAiOps(localcloud.factory.generative_ai(), localcloud.info.compartment_id)


def test_create_is_tagged_and_idempotent(ops: GenAiOps, staged_model: str) -> None:
    state = make_state(freeform_tags={"team": "ml"})
    first = ops.create_imported_model(state, Capability.TEXT_TO_TEXT)
    again = ops.create_imported_model(state, Capability.TEXT_TO_TEXT)  # same retry token
    assert again.id == first.id
    found = ops.find(Kind.IMPORTED_MODEL, state.import_id)
    assert found is not None and found.id == first.id
    assert found.tags == {
        "team": "ml",
        "import-id": state.import_id,
        "import-name": "tiny-chat",
        "step": "import-model",
        "managed-by": MANAGED_BY,
        "import-bucket": "model-drop",
    }
    assert ops.find(Kind.IMPORTED_MODEL, "someone-else-000000000000") is None
    assert len(ops.list_managed(Kind.IMPORTED_MODEL)) == 1


def test_a_retry_gets_a_new_token_and_a_new_resource(ops: GenAiOps, staged_model: str) -> None:
    state = make_state()
    first = ops.create_imported_model(state, Capability.TEXT_TO_TEXT)
    second = ops.create_imported_model(state.model_copy(update={"retries": 1}), Capability.TEXT_TO_TEXT)
    assert second.id != first.id


def test_full_lifecycle_then_teardown_in_order(ops: GenAiOps, staged_model: str, localcloud) -> None:  # type: ignore[no-untyped-def]
    state = make_state()
    model = ops.create_imported_model(state, Capability.TEXT_TO_TEXT)
    assert ops.wait(Kind.IMPORTED_MODEL, model.id, model.work_request_id, 10, 0.05).status == "ACTIVE"
    # A cluster that stays CREATING until the clock moves, so the refused delete is not timing.
    localcloud.cloud.timings = replace(localcloud.cloud.timings, cluster_seconds=600)
    cluster = ops.create_cluster(state, "A10_X1")
    with pytest.raises(ResourceBusy):
        ops.delete(Kind.CLUSTER, cluster.id, import_id=state.import_id)  # still CREATING: the service refuses
    localcloud.advance_clock(601)
    assert ops.wait(Kind.CLUSTER, cluster.id, cluster.work_request_id, 10, 0.05).status == "ACTIVE"
    endpoint = ops.create_endpoint(state, model.id, cluster.id)
    assert ops.wait(Kind.ENDPOINT, endpoint.id, endpoint.work_request_id, 10, 0.05).status == "ACTIVE"

    tracked = state.model_copy(
        update={
            "resources": state.resources.model_copy(
                update={"imported_model_id": model.id, "cluster_id": cluster.id}
            )
        }
    )  # the endpoint id never reached the state: teardown must find it by tag
    progress = teardown_step(ops, tracked, budget_seconds=15, interval=0.05)
    assert progress.done
    assert [d.split()[0] for d in progress.deleted] == ["endpoint", "cluster", "import-model"]
    assert progress.resources.cluster_id is None and progress.resources.imported_model_id is None
    for kind in Kind:
        assert ops.list_managed(kind) == []


def test_keep_model_keeps_the_imported_model_and_marks_it_kept(ops: GenAiOps, staged_model: str) -> None:
    state = make_state(keep_model=True)
    model = ops.create_imported_model(state, Capability.TEXT_TO_TEXT)
    ops.wait(Kind.IMPORTED_MODEL, model.id, model.work_request_id, 10, 0.05)
    progress = teardown_step(ops, state, budget_seconds=5, interval=0.05)
    assert progress.done and progress.deleted == [] and progress.kept == model.id
    assert progress.resources.imported_model_id == model.id
    # Kept: it belongs to no import any more, so the listings the sweep and teardown use skip it.
    assert ops.list_managed(Kind.IMPORTED_MODEL) == []
    kept = ops.list_managed(Kind.IMPORTED_MODEL, include_kept=True)
    assert [r.id for r in kept] == [model.id] and kept[0].is_kept
    assert kept[0].import_id == state.import_id  # its other tags stay
    # A later teardown of the same import (or a new import of the name) leaves it alone.
    again = teardown_step(
        ops, state.model_copy(update={"options": make_state().options}), budget_seconds=5, interval=0.05
    )
    assert again.done and again.deleted == []
    live = ops.get(Kind.IMPORTED_MODEL, model.id)
    assert live is not None and not live.is_gone


def test_keep_model_waits_until_the_model_can_be_tagged(ops: GenAiOps, staged_model: str) -> None:
    state = make_state(keep_model=True)
    model = ops.create_imported_model(state, Capability.TEXT_TO_TEXT)  # still CREATING (2 s)
    progress = teardown_step(ops, state, budget_seconds=0.1, interval=0.05)
    assert not progress.done and progress.waiting_on is not None and model.id in progress.waiting_on
    done = teardown_step(ops, state, budget_seconds=15, interval=0.05)
    assert done.done and done.kept == model.id


def test_keep_model_does_not_keep_a_failed_model(ops: GenAiOps, staged_model: str, localcloud) -> None:  # type: ignore[no-untyped-def]
    localcloud.fail_work_request("tiny-chat", "CREATE_IMPORTED_MODEL", "bad weights")
    state = make_state(keep_model=True)
    model = ops.create_imported_model(state, Capability.TEXT_TO_TEXT)
    assert ops.wait(Kind.IMPORTED_MODEL, model.id, model.work_request_id, 10, 0.05).status == "FAILED"
    recorded = state.model_copy(update={"resources": Resources(imported_model_id=model.id)})
    progress = teardown_step(ops, recorded, budget_seconds=10, interval=0.05)
    assert progress.done and progress.kept is None and progress.deleted == [f"import-model {model.id}"]
    assert ops.list_managed(Kind.IMPORTED_MODEL, include_kept=True) == []


def test_find_never_reuses_a_failed_resource(ops: GenAiOps, staged_model: str, localcloud) -> None:  # type: ignore[no-untyped-def]
    localcloud.fail_work_request("tiny-chat", "CREATE_IMPORTED_MODEL", "artifact bucket unreachable")
    state = make_state()
    model = ops.create_imported_model(state, Capability.TEXT_TO_TEXT)
    assert ops.wait(Kind.IMPORTED_MODEL, model.id, model.work_request_id, 10, 0.05).status == "FAILED"
    assert ops.find(Kind.IMPORTED_MODEL, state.import_id) is None  # a retry creates a new one
    tagged = ops.list_managed(Kind.IMPORTED_MODEL)
    assert [r.id for r in tagged] == [model.id] and tagged[0].is_failed  # teardown still finds it
    progress = teardown_step(ops, state, budget_seconds=10, interval=0.05)
    assert progress.done and progress.deleted == [f"import-model {model.id}"]


def test_teardown_is_not_done_while_a_tagged_resource_is_still_creating(
    ops: GenAiOps, staged_model: str
) -> None:
    state = make_state()  # nothing recorded: the cluster is known only by its tag
    model = ops.create_imported_model(state, Capability.TEXT_TO_TEXT)
    ops.wait(Kind.IMPORTED_MODEL, model.id, model.work_request_id, 10, 0.05)
    cluster = ops.create_cluster(state, "A10_X1")  # CREATING for 2 s: deletes are refused
    progress = teardown_step(ops, state, budget_seconds=0.3, interval=0.05)
    assert not progress.done
    assert progress.left == [f"cluster {cluster.id} (CREATING)", f"import-model {model.id} (ACTIVE)"]
    assert progress.deleted == []  # kinds go in order: the model waits for the cluster
    done = teardown_step(ops, state, budget_seconds=15, interval=0.05)
    assert done.done and [d.split()[0] for d in done.deleted] == ["cluster", "import-model"]
    for kind in Kind:
        assert ops.list_managed(kind) == []


def test_failed_work_request_reports_its_errors(ops: GenAiOps, staged_model: str, localcloud) -> None:  # type: ignore[no-untyped-def]
    localcloud.fail_work_request("tiny-chat", "CREATE_IMPORTED_MODEL", "artifact bucket unreachable")
    state = make_state()
    model = ops.create_imported_model(state, Capability.TEXT_TO_TEXT)
    progress = ops.wait(Kind.IMPORTED_MODEL, model.id, model.work_request_id, 10, 0.05)
    assert progress.status == "FAILED"
    assert any("artifact bucket unreachable" in e for e in progress.errors)


def test_endpoint_names_follow_the_service_rule() -> None:
    assert endpoint_display_name("tiny.chat-1") == "tiny-chat-1"
    assert endpoint_display_name("7b-model") == "_7b-model"


def test_listing_sends_no_limit_and_follows_every_page(
    ops: GenAiOps, staged_model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No document states a maximum page size: the pager sends none (the local cloud refuses more
    than 100) and follows `opc-next-page` through the service's default pages."""
    import localcloud.genai

    monkeypatch.setattr(localcloud.genai, "DEFAULT_LIMIT", 1)  # one item per page
    created = {
        ops.create_imported_model(make_state(name=f"m{i}"), Capability.TEXT_TO_TEXT).id for i in range(3)
    }
    assert {item.id for item in ops.list_all(Kind.IMPORTED_MODEL)} == created
    with pytest.raises(oci.exceptions.ServiceError) as refused:
        ops.client.list_imported_models(ops.compartment_id, limit=1000)
    assert refused.value.status == 400


def test_a_short_commit_resolves_to_the_hubs_full_commit_or_is_refused() -> None:
    full = "0123456789abcdef0123456789abcdef01234567"
    assert resolve_revision("0123456", full) == full  # a short hash: the full commit is imported
    assert resolve_revision("main", full) == "main"
    assert resolve_revision(full, full) == full
    assert resolve_revision("deadbeef", full) == "deadbeef"  # a branch with a hex-looking name
    assert resolve_revision("0123456", None) is None  # unresolved: refuse, never send it as a branch
