from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.contract.manifest import Manifest
from shared.contract.paths import SourceKind
from shared.contract.state import (
    HISTORY_LIMIT,
    SCHEMA_VERSION,
    ImportState,
    Source,
    Stage,
    make_import_id,
    retry_token,
)

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def new_state() -> ImportState:
    return ImportState(
        name="tiny",
        import_id=make_import_id("tiny", "models/tiny/import.json", "etag-1"),
        source=Source(
            kind=SourceKind.OBJECT_STORAGE,
            namespace="ns",
            bucket="b",
            object_name="models/tiny/import.json",
            etag="etag-1",
            prefix="models/tiny/",
        ),
        options=Manifest(),
        stage=Stage.VALIDATING,
        stage_started_at=T0,
        created_at=T0,
        updated_at=T0,
    )


def test_import_id_is_unique_per_upload_and_stable() -> None:
    a = make_import_id("tiny", "models/tiny/import.json", "etag-1")
    assert a == make_import_id("tiny", "models/tiny/import.json", "etag-1")
    assert a != make_import_id("tiny", "models/tiny/import.json", "etag-2")
    assert a.startswith("tiny-")


def test_retry_tokens_differ_by_step_and_import_and_fit_oci() -> None:
    t = retry_token("tiny-abc", "cluster")
    assert t == retry_token("tiny-abc", "cluster")
    assert t != retry_token("tiny-abc", "endpoint") != retry_token("tiny-abd", "cluster")
    assert len(t) <= 64


def test_round_trip_and_schema_version() -> None:
    state = new_state()
    again = ImportState.from_json(state.to_json())
    assert again == state
    assert again.schema_version == SCHEMA_VERSION


def test_move_to_records_history_and_deadline() -> None:
    state = new_state().next_attempt(now=T0).next_attempt(now=T0)
    assert state.attempt == 2
    moved = state.move_to(
        Stage.IMPORTING, now=T0 + timedelta(minutes=1), deadline=timedelta(hours=1), note="x"
    )
    assert moved.stage is Stage.IMPORTING and moved.attempt == 0
    assert moved.stage_deadline == T0 + timedelta(minutes=1, hours=1)
    assert moved.history[-1].stage is Stage.IMPORTING and moved.history[-1].note == "x"
    assert state.stage is Stage.VALIDATING  # the original is unchanged


def test_history_is_bounded() -> None:
    state = new_state()
    for i in range(HISTORY_LIMIT + 20):
        state = state.move_to(Stage.IMPORTING if i % 2 else Stage.PROVISIONING, now=T0)
    assert len(state.history) == HISTORY_LIMIT


def test_terminal_stages() -> None:
    assert {s for s in Stage if s.is_terminal} == {Stage.DONE, Stage.REJECTED, Stage.FAILED, Stage.TORN_DOWN}
