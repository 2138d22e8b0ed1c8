"""What a person can ask of an import: retry it, or cancel it. Both are state rewrites.

Every write of a state document fires the state rule, so rewriting is how the CLI talks to
the pipeline: `put` the returned state with the ETag you read (StateStore.put), and the
function picks it up. A ConflictError means the pipeline moved meanwhile: read and ask again.

    state, etag = store.get(name)
    store.put(retry(state, now=utcnow()), etag)      # model-import retry <name>
    store.put(cancel(state, now=utcnow()), etag)     # model-import cancel <name>
"""

from __future__ import annotations

from datetime import datetime

from shared.contract.state import ImportState, Stage, Transition

# The resource each creating stage makes: a retry forgets the failed one so the stage makes a
# new one (GenAiOps.find never adopts a FAILED resource); the failed one stays tagged with the
# import id, so teardown (which deletes by tag, FAILED included) and the sweep still find it.
_STAGE_FIELDS = {
    Stage.IMPORTING: ("imported_model_id", "imported_model_work_request_id"),
    Stage.PROVISIONING: ("cluster_id", "cluster_work_request_id"),
    Stage.DEPLOYING: ("endpoint_id", "endpoint_work_request_id"),
}


class NotRetryable(ValueError):
    pass


def retry(state: ImportState, *, now: datetime, deadline_minutes: int = 60) -> ImportState:
    """FAILED: back to the stage that failed (attempt 0, retries + 1, last_error cleared).

    The failed stage's resource id and work request id are cleared: that stage looks its
    resource up by tag again, reuses it if it is still usable (e.g. only slow) and otherwise
    creates a new one.

    Stages whose prerequisites were deleted by the failure policy step back on their own
    (no cluster: PROVISIONING; no model: IMPORTING). `retries` is part of the retry tokens,
    so what is created again is created anew. A stalled import (not terminal) is nudged:
    same stage, attempt + 1, a fresh deadline. REJECTED needs new files and a new upload;
    DONE and TORN_DOWN have nothing to retry.
    """
    from datetime import timedelta

    if state.stage is Stage.FAILED:
        stage = state.last_error.stage if state.last_error else Stage.VALIDATING
        if stage in (Stage.FAILED, Stage.TEARING_DOWN) or stage.is_terminal:
            stage = Stage.TEARING_DOWN if state.desired == "absent" else Stage.VALIDATING
        moved = state.move_to(
            stage, now=now, deadline=timedelta(minutes=deadline_minutes), note="retry requested"
        )
        resources = state.resources
        if stage in _STAGE_FIELDS:
            resources = resources.model_copy(update=dict.fromkeys(_STAGE_FIELDS[stage]))
        return moved.model_copy(
            update={
                "retries": state.retries + 1,
                "last_error": None,
                "notified": [],
                "resources": resources,
            }
        )
    if not state.stage.is_terminal:
        history = [
            *state.history,
            Transition(at=now, stage=state.stage, attempt=state.attempt + 1, note="nudged"),
        ]
        return state.model_copy(
            update={
                "attempt": state.attempt + 1,
                "updated_at": now,
                "stage_deadline": now + timedelta(minutes=deadline_minutes),
                "history": history[-100:],
            }
        )
    raise NotRetryable(
        f"{state.name} is {state.stage.value}: "
        + (
            "upload fixed files and the manifest again"
            if state.stage is Stage.REJECTED
            else "nothing to retry"
        )
    )


def cancel(state: ImportState, *, now: datetime) -> ImportState:
    """Ask for teardown: desired = absent. The pipeline deletes endpoint, cluster, then model."""
    history = [
        *state.history,
        Transition(at=now, stage=state.stage, attempt=state.attempt, note="cancel requested"),
    ]
    return state.model_copy(update={"desired": "absent", "updated_at": now, "history": history[-100:]})
