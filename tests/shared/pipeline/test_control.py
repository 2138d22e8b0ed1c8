"""Retry and cancel: the state rewrites the CLI sends to the pipeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pipeline_states import make_state

from shared.contract.state import LastError, Resources, Stage
from shared.pipeline.control import NotRetryable, cancel, retry

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def failed_at(stage: Stage):  # type: ignore[no-untyped-def]
    err = LastError(stage=stage, code="WORK_REQUEST_FAILED", message="m")
    return make_state(stage=Stage.FAILED).model_copy(
        update={"last_error": err, "notified": ["failed:" + stage.value], "attempt": 4}
    )


def test_retry_goes_back_to_the_failed_stage_with_new_tokens() -> None:
    again = retry(failed_at(Stage.PROVISIONING), now=NOW)
    assert again.stage is Stage.PROVISIONING and again.attempt == 0
    assert again.retries == 1 and again.last_error is None and again.notified == []
    assert again.stage_deadline == NOW + timedelta(minutes=60)
    assert again.history[-1].note == "retry requested"
    assert (
        retry(
            again.model_copy(
                update={"stage": Stage.FAILED, "last_error": failed_at(Stage.DEPLOYING).last_error}
            ),
            now=NOW,
        ).retries
        == 2
    )


@pytest.mark.parametrize(
    ("stage", "cleared"),
    [
        (Stage.IMPORTING, ("imported_model_id", "imported_model_work_request_id")),
        (Stage.PROVISIONING, ("cluster_id", "cluster_work_request_id")),
        (Stage.DEPLOYING, ("endpoint_id", "endpoint_work_request_id")),
    ],
)
def test_retry_forgets_the_failed_resource_of_its_stage(stage: Stage, cleared: tuple[str, str]) -> None:
    every = {f: f"ocid-{f}" for f in Resources.model_fields}
    failed = failed_at(stage).model_copy(update={"resources": Resources(**every)})
    again = retry(failed, now=NOW).resources.model_dump()
    assert {f for f, v in again.items() if v is None} == set(cleared)  # the other stages' ids stay


def test_retry_of_a_stuck_teardown_or_unknown_failure() -> None:
    stuck = failed_at(Stage.TEARING_DOWN).model_copy(update={"desired": "absent"})
    assert retry(stuck, now=NOW).stage is Stage.TEARING_DOWN
    unknown = make_state(stage=Stage.FAILED)
    assert retry(unknown, now=NOW).stage is Stage.VALIDATING


def test_retry_nudges_a_stalled_import() -> None:
    stalled = make_state(stage=Stage.IMPORTING).model_copy(update={"attempt": 3})
    nudged = retry(stalled, now=NOW)
    assert (nudged.stage, nudged.attempt, nudged.retries) == (Stage.IMPORTING, 4, 0)
    assert nudged.stage_deadline == NOW + timedelta(minutes=60)


@pytest.mark.parametrize("stage", [Stage.REJECTED, Stage.DONE, Stage.TORN_DOWN])
def test_nothing_to_retry(stage: Stage) -> None:
    with pytest.raises(NotRetryable, match=stage.value):
        retry(make_state(stage=stage), now=NOW)


def test_cancel_asks_for_absence_and_keeps_the_stage() -> None:
    live = make_state(stage=Stage.DONE)
    cancelled = cancel(live, now=NOW)
    assert cancelled.desired == "absent" and cancelled.stage is Stage.DONE
    assert cancelled.history[-1].note == "cancel requested" and cancelled.updated_at == NOW
