"""What the sweep calls stalled, orphaned or stale: pure decisions on states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline_states import make_state

from shared.contract.state import Resources, Stage
from shared.pipeline.genai_ops import Kind
from shared.pipeline.sweep import holds_units, stall_reason, wanted_kinds

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
STALL = timedelta(minutes=5)


def at(stage: Stage, updated_ago: timedelta, deadline_in: timedelta | None = None):  # type: ignore[no-untyped-def]
    state = make_state(stage=stage)
    return state.model_copy(
        update={
            "updated_at": NOW - updated_ago,
            "stage_deadline": NOW + deadline_in if deadline_in is not None else None,
        }
    )


def test_recent_progress_is_not_a_stall() -> None:
    assert stall_reason(at(Stage.PROVISIONING, timedelta(minutes=1), timedelta(hours=1)), NOW, STALL) is None


def test_silence_longer_than_the_threshold_is_a_stall() -> None:
    reason = stall_reason(at(Stage.PROVISIONING, timedelta(minutes=6), timedelta(hours=1)), NOW, STALL)
    assert reason is not None and "no progress in PROVISIONING" in reason


def test_a_passed_deadline_is_a_stall_even_when_recent() -> None:
    reason = stall_reason(at(Stage.IMPORTING, timedelta(seconds=1), timedelta(seconds=-1)), NOW, STALL)
    assert reason is not None and "deadline" in reason


def test_terminal_imports_never_stall() -> None:
    for stage in (Stage.DONE, Stage.FAILED, Stage.REJECTED, Stage.TORN_DOWN):
        assert stall_reason(at(stage, timedelta(days=3), timedelta(days=-2)), NOW, STALL) is None


def test_wanted_resources_follow_the_stage() -> None:
    assert wanted_kinds(make_state(stage=Stage.DEPLOYING)) == frozenset(Kind)
    assert wanted_kinds(make_state(stage=Stage.DONE)) == frozenset(Kind)
    assert wanted_kinds(make_state(stage=Stage.REJECTED)) == frozenset()
    assert wanted_kinds(make_state(stage=Stage.TORN_DOWN)) == frozenset()
    assert wanted_kinds(make_state(stage=Stage.TORN_DOWN, keep_model=True)) == {Kind.IMPORTED_MODEL}
    assert wanted_kinds(make_state(stage=Stage.FAILED)) == frozenset()  # cleaned up: nothing is wanted
    kept = make_state(stage=Stage.FAILED).model_copy(update={"resources": Resources(cluster_id="c")})
    assert wanted_kinds(kept) == frozenset(Kind)  # failure policy keep: kept for inspection


def test_who_holds_ai_units() -> None:
    assert holds_units(make_state(stage=Stage.PROVISIONING))
    assert holds_units(make_state(stage=Stage.DONE))
    assert not holds_units(make_state(stage=Stage.TORN_DOWN))
    assert not holds_units(make_state(stage=Stage.FAILED))
    assert holds_units(
        make_state(stage=Stage.FAILED).model_copy(update={"resources": Resources(cluster_id="c")})
    )
