"""What the sweep calls stalled, orphaned or stale: pure decisions on states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline_states import make_state

from shared.contract.state import Resources, Stage
from shared.pipeline.creates import IN_FLIGHT_SECONDS, PendingCreate
from shared.pipeline.genai_ops import Kind, Resource
from shared.pipeline.sweep import holds_units, resolved_creates, stall_reason, wants

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


def res(kind: Kind, rid: str, state: str = "ACTIVE") -> Resource:
    return Resource(kind, rid, state, {"import-id": "tiny-chat-0123456789ab"})


def test_in_flight_imports_want_everything_tagged_with_them() -> None:
    for stage in (Stage.IMPORTING, Stage.PROVISIONING, Stage.DEPLOYING, Stage.TEARING_DOWN):
        for kind in Kind:
            assert wants(make_state(stage=stage), res(kind, "untracked"))


def test_done_and_failed_imports_want_only_what_they_recorded() -> None:
    recorded = Resources(imported_model_id="m", cluster_id="c", endpoint_id="e")
    done = make_state(stage=Stage.DONE).model_copy(update={"resources": recorded})
    assert all(wants(done, res(k, i)) for k, i in ((Kind.IMPORTED_MODEL, "m"), (Kind.CLUSTER, "c")))
    assert not wants(done, res(Kind.CLUSTER, "duplicate"))  # a lost write's second cluster
    # Failure policy keep: a FAILED import that recorded only its cluster keeps that cluster,
    # not every resource that happens to carry its id.
    failed = make_state(stage=Stage.FAILED).model_copy(update={"resources": Resources(cluster_id="c")})
    assert wants(failed, res(Kind.CLUSTER, "c", "FAILED"))
    assert not wants(failed, res(Kind.CLUSTER, "never-recorded"))
    assert not wants(failed, res(Kind.ENDPOINT, "e"))
    assert not wants(make_state(stage=Stage.FAILED), res(Kind.IMPORTED_MODEL, "m"))  # cleaned up


def test_ended_imports_want_nothing_but_a_kept_model() -> None:
    assert not wants(make_state(stage=Stage.REJECTED), res(Kind.IMPORTED_MODEL, "m"))
    gone = make_state(stage=Stage.TORN_DOWN).model_copy(
        update={"resources": Resources(imported_model_id="m")}
    )
    assert not wants(gone, res(Kind.IMPORTED_MODEL, "m"))
    kept = make_state(stage=Stage.TORN_DOWN, keep_model=True).model_copy(
        update={"resources": Resources(imported_model_id="m")}
    )
    assert wants(kept, res(Kind.IMPORTED_MODEL, "m"))
    assert not wants(kept, res(Kind.IMPORTED_MODEL, "another"))
    assert not wants(kept, res(Kind.CLUSTER, "c"))


def test_who_holds_ai_units() -> None:
    assert holds_units(make_state(stage=Stage.PROVISIONING), has_live_cluster=False)
    assert not holds_units(make_state(stage=Stage.TORN_DOWN), has_live_cluster=False)
    assert not holds_units(make_state(stage=Stage.FAILED), has_live_cluster=False)
    assert not holds_units(None, has_live_cluster=False)  # state gone, no cluster: a stale hold
    # A live cluster tagged with the import is money spent, whatever its state or recorded ids say.
    for state in (make_state(stage=Stage.FAILED), make_state(stage=Stage.TORN_DOWN), None):
        assert holds_units(state, has_live_cluster=True)
    recorded = make_state(stage=Stage.DONE).model_copy(update={"resources": Resources(cluster_id="c")})
    assert holds_units(recorded, has_live_cluster=False)
    assert not holds_units(make_state(stage=Stage.DONE), has_live_cluster=False)  # deploy: false


def pending(kind: Kind, ago: float, **more: object) -> PendingCreate:
    return PendingCreate(
        import_id="tiny-chat-0123456789ab",
        name="tiny-chat",
        kind=kind,
        retry_token="t",
        at=NOW - timedelta(seconds=ago),
        **more,  # type: ignore[arg-type]
    )


def test_pending_creates_that_are_over_and_left_nothing_alive_are_resolved() -> None:
    expired = pending(Kind.CLUSTER, IN_FLIGHT_SECONDS + 1)
    flying = pending(Kind.CLUSTER, 5)
    returned = pending(Kind.ENDPOINT, 5, returned=True)
    assert resolved_creates([expired, flying, returned], [], NOW) == [expired, returned]
    # Something of its kind still lives, tagged with its import: kept until it is deleted.
    live = [res(Kind.CLUSTER, "late")]
    assert resolved_creates([expired], live, NOW) == []
    assert resolved_creates([pending(Kind.CLUSTER, 5, resource_id="late")], live, NOW) == []
