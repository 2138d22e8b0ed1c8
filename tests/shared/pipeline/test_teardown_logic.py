"""Handing a create that lost its state write to the teardown loop: pure decisions on states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline_states import make_state

from shared.contract.state import Stage
from shared.pipeline.teardown import reopen_for_lost_create

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_a_torn_down_import_tears_down_again() -> None:
    torn = make_state(stage=Stage.TORN_DOWN).model_copy(update={"desired": "absent", "notified": ["x"]})
    again = reopen_for_lost_create(torn, torn.import_id, now=NOW, deadline=HOUR, note="late cluster")
    assert again is not None and again.stage is Stage.TEARING_DOWN and again.desired == "absent"
    assert again.stage_deadline == NOW + HOUR and again.history[-1].note == "late cluster"
    assert again.notified == ["x"]  # the torn-down notification is not sent twice


def test_a_running_teardown_is_fired_again() -> None:
    running = make_state(stage=Stage.TEARING_DOWN).model_copy(update={"attempt": 3})
    again = reopen_for_lost_create(running, running.import_id, now=NOW, deadline=HOUR, note="n")
    assert again is not None and again.stage is Stage.TEARING_DOWN and again.attempt == 4


def test_other_imports_and_kept_failures_are_left_to_the_sweep() -> None:
    torn = make_state(stage=Stage.TORN_DOWN)
    assert reopen_for_lost_create(torn, "tiny-chat-ffffffffffff", now=NOW, deadline=HOUR, note="n") is None
    for stage in (Stage.FAILED, Stage.DONE, Stage.PROVISIONING):
        state = make_state(stage=stage)
        assert reopen_for_lost_create(state, state.import_id, now=NOW, deadline=HOUR, note="n") is None
