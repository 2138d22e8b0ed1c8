"""Stage decisions that need no cloud: intake, deadlines, failure policy, what counts as live."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pipeline_states import make_state
from stage_context import NOW, make_ctx

from functions.common import StageContext, fail, keep_waiting, stage_deadline
from functions.intake import SourceDoc, new_import
from functions.reconcile import expected_message, holds_something, settle
from shared.contract.paths import ObjectKind
from shared.contract.state import LastError, Resources, Stage
from shared.settings import FailurePolicy


def test_manifest_becomes_a_validating_import(ctx: StageContext) -> None:
    doc = SourceDoc(ObjectKind.MANIFEST, "models/tiny/import.json", "etag-1")
    step = new_import(ctx, "tiny", doc, b'{"display_name": "Tiny", "deploy": false}', None)
    state = step.state
    assert state is not None and step.notify is None
    assert (
        state.stage is Stage.VALIDATING and state.options.display_name == "Tiny" and not state.options.deploy
    )
    assert state.source.prefix == "models/tiny/" and state.source.etag == "etag-1"
    assert state.stage_deadline == NOW + timedelta(minutes=30)
    again = new_import(ctx, "tiny", doc, b"{}", None).state
    assert again is not None and again.import_id == state.import_id  # same upload, same import
    other = new_import(
        ctx, "tiny", SourceDoc(ObjectKind.MANIFEST, doc.object_name, "etag-2"), b"{}", None
    ).state
    assert other is not None and other.import_id != state.import_id


def test_bad_manifest_is_rejected_with_findings_and_a_message(ctx: StageContext) -> None:
    doc = SourceDoc(ObjectKind.MANIFEST, "models/tiny/import.json", "e")
    step = new_import(ctx, "tiny", doc, b'{"deploy": "maybe", "colour": 1}', None)
    assert step.state is not None and step.state.stage is Stage.REJECTED
    assert sorted(f.code for f in step.state.findings) == ["MANIFEST_INVALID", "MANIFEST_UNKNOWN_KEY"]
    assert step.notify is not None and step.notify.key == "rejected"


def test_request_carries_model_and_revision(ctx: StageContext) -> None:
    doc = SourceDoc(ObjectKind.REQUEST, "requests/llama.json", "e")
    step = new_import(
        ctx, "llama", doc, b'{"model_id": "meta/llama", "revision": "v2", "keep_model": true}', None
    )
    state = step.state
    assert state is not None and state.stage is Stage.VALIDATING
    assert (state.source.kind.value, state.source.model_id, state.source.revision) == (
        "hugging_face",
        "meta/llama",
        "v2",
    )
    assert state.source.prefix is None and state.options.keep_model


def test_config_trigger_waits_for_files(ctx: StageContext) -> None:
    step = new_import(ctx, "tiny", SourceDoc(ObjectKind.CONFIG, "models/tiny/config.json", "e"), b"", None)
    assert step.state is not None and step.state.stage is Stage.WAITING_FOR_FILES


def test_every_waiting_stage_has_a_deadline(ctx: StageContext) -> None:
    for stage in Stage:
        deadline = stage_deadline(ctx.settings, stage)
        assert (deadline is None) == stage.is_terminal, stage


@pytest.mark.parametrize(
    ("policy", "resources", "expected"),
    [
        ("delete", Resources(cluster_id="c"), Stage.TEARING_DOWN),
        ("keep", Resources(cluster_id="c"), Stage.FAILED),
        ("delete", Resources(), Stage.TEARING_DOWN),  # IMPORTING: a create may be in flight, look by tag
    ],
)
def test_failure_policy_decides_cleanup(policy: str, resources: Resources, expected: Stage) -> None:
    ctx = make_ctx(failure_policy=policy)
    state = make_state(stage=Stage.IMPORTING).model_copy(update={"resources": resources})
    step = fail(state, ctx, "WORK_REQUEST_FAILED", "boom", ["E: x"])
    assert step.state is not None and step.state.stage is expected
    assert step.state.last_error == LastError(
        stage=Stage.IMPORTING, code="WORK_REQUEST_FAILED", message="boom", details=["E: x"]
    )
    assert step.notify is not None and step.notify.key == "failed:IMPORTING"


def test_failure_before_anything_exists_ends_failed(ctx: StageContext) -> None:
    step = fail(make_state(stage=Stage.VALIDATING), ctx, "OCI_API_ERROR", "x")
    assert step.state is not None and step.state.stage is Stage.FAILED


def test_waiting_rewrites_until_the_deadline(ctx: StageContext) -> None:
    state = make_state(stage=Stage.PROVISIONING).model_copy(
        update={"stage_deadline": NOW + timedelta(seconds=1)}
    )
    waiting = keep_waiting(state, ctx, "the cluster")
    assert waiting.state is not None and waiting.state.attempt == state.attempt + 1
    late = state.model_copy(update={"stage_deadline": NOW - timedelta(seconds=1)})
    over = keep_waiting(late, ctx, "the cluster")
    assert over.state is not None and over.state.last_error is not None
    assert over.state.last_error.code == "STAGE_DEADLINE_EXCEEDED"


def test_what_holds_something_and_needs_a_teardown() -> None:
    assert holds_something(make_state(stage=Stage.DONE))
    assert holds_something(make_state(stage=Stage.VALIDATING))
    assert not holds_something(make_state(stage=Stage.REJECTED))
    assert not holds_something(make_state(stage=Stage.TORN_DOWN))
    assert not holds_something(make_state(stage=Stage.FAILED))
    kept = make_state(stage=Stage.FAILED).model_copy(update={"resources": Resources(imported_model_id="m")})
    assert holds_something(kept)


def test_a_lost_notification_is_published_once_more(ctx: StageContext) -> None:
    rejected = make_state(stage=Stage.REJECTED)
    step = settle(rejected, ctx)
    assert step is not None and step.notify is not None and step.notify.key == "rejected"
    told = rejected.model_copy(update={"notified": ["rejected"]})
    assert settle(told, ctx).state is None  # type: ignore[union-attr]
    # TORN_DOWN owes its message too, built from the state alone (issue 13): a later round its own
    torn = make_state(stage=Stage.TORN_DOWN)
    torn = torn.model_copy(
        update={"teardown": torn.teardown.model_copy(update={"deleted": ["cluster c1"], "rounds": 1})}
    )
    owed = expected_message(torn, ctx)
    assert owed is not None and owed.key == "torn_down" and "deleted cluster c1" in owed.body
    assert settle(torn.model_copy(update={"notified": ["torn_down"]}), ctx).state is None  # type: ignore[union-attr]
    again = torn.model_copy(update={"teardown": torn.teardown.model_copy(update={"rounds": 2})})
    assert expected_message(again, ctx).key == "torn_down.2"  # type: ignore[union-attr]
    failed = make_state(stage=Stage.FAILED).model_copy(
        update={"last_error": LastError(stage=Stage.DEPLOYING, code="RESOURCE_FAILED", message="m")}
    )
    msg = expected_message(failed, ctx)
    assert msg is not None and msg.key == "failed:DEPLOYING"
    assert FailurePolicy(ctx.settings.failure_policy) is FailurePolicy.DELETE


def test_a_cluster_the_ledger_cannot_count_is_never_created(ctx: StageContext) -> None:
    from functions.provision_cluster import provision_cluster

    state = make_state(stage=Stage.PROVISIONING)
    state = state.model_copy(
        update={
            # a shape the unit table does not know: its AI units cannot be counted (plan.ai_units is
            # never trusted for that: it is data in a document)
            "plan": state.plan.model_copy(update={"unit_shape": "Z99_X1", "ai_units": 1.0}),  # type: ignore[union-attr]
            "resources": Resources(imported_model_id="ocid1.model"),
        }
    )
    step = provision_cluster(state, ctx)  # fails before any client is touched
    assert step.state is not None and step.state.last_error is not None
    assert step.state.last_error.code == "SHAPE_UNKNOWN" and step.created == []


def test_validation_past_its_deadline_fails_before_running_again(
    ctx: StageContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A worker stopped over its memory raises nothing, so only the deadline can end the import;
    # the stage must not run again (it could stop this worker too) and the import must not hang.
    from functions import reconcile

    ran: list[Stage] = []

    def record(state: Any, ctx: Any) -> Any:
        ran.append(state.stage)
        return keep_waiting(state, ctx, "the headers")

    monkeypatch.setitem(reconcile.STAGES, Stage.VALIDATING, record)
    # Past its deadline by more than an invocation's life (300 s): nothing can still be running it.
    past = NOW - timedelta(minutes=6)
    late = make_state(stage=Stage.VALIDATING).model_copy(update={"stage_deadline": past})
    step = reconcile.step_stage(late, ctx)
    assert ran == []
    assert step is not None and step.state is not None and step.state.stage is Stage.FAILED
    assert step.state.last_error is not None and step.state.last_error.code == "STAGE_DEADLINE_EXCEEDED"
    # Just past it, a redelivery still runs the stage, so an error keeps its own message.
    just_past = late.model_copy(update={"stage_deadline": NOW - timedelta(minutes=1)})
    reconcile.step_stage(just_past, ctx)
    assert ran == [Stage.VALIDATING]
