"""Deterministic or transient: an unclassified error that repeats ends the import at once.

On the code before issue 12 every error re-raised (a 502) until the stage deadline: about
40 attempts over 20 minutes per bad import, ending STAGE_DEADLINE_EXCEEDED. Now the first
unclassified error records its fingerprint and rewrites the state (one more attempt); the
same error again rejects (before anything exists) or fails, with UNHANDLED_ERROR, notified.
Transient errors (429, 5xx, connection) still raise for the platform to deliver again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import oci
import pytest
import requests
from pipeline_states import make_state

from functions import errors, reconcile
from functions.common import StageContext
from functions.intake import SourceDoc, new_import
from shared.contract.paths import ObjectKind
from shared.contract.state import ImportState, Stage


@pytest.fixture
def raising(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Stage, Callable[[], Exception]], None]]:
    """Make the handler of a stage raise what `make` builds (a stage crashing on its input)."""

    def install(stage: Stage, make: Callable[[], Exception]) -> None:
        def handler(state: ImportState, ctx: StageContext) -> reconcile.Step:
            raise make()

        monkeypatch.setitem(reconcile.STAGES, stage, handler)

    yield install


def overflow() -> Exception:
    return OverflowError("int too large to convert to float")


def test_the_same_error_twice_rejects_a_validating_import(ctx: StageContext, raising) -> None:  # type: ignore[no-untyped-def]
    raising(Stage.VALIDATING, overflow)
    state = make_state(stage=Stage.VALIDATING)
    first = reconcile.step_stage(state, ctx)
    assert first is not None and first.state is not None and first.notify is None
    assert first.state.stage is Stage.VALIDATING and first.state.attempt == state.attempt + 1
    second = reconcile.step_stage(first.state, ctx)
    assert second is not None and second.state is not None
    assert second.state.stage is Stage.REJECTED
    assert [f.code for f in second.state.findings] == ["UNHANDLED_ERROR"]
    assert second.notify is not None and "UNHANDLED_ERROR" in second.notify.title
    assert "OverflowError" in second.notify.body


def test_the_same_error_twice_fails_a_later_stage(ctx: StageContext, raising) -> None:  # type: ignore[no-untyped-def]
    raising(Stage.IMPORTING, lambda: KeyError("capabilities"))
    first = reconcile.step_stage(make_state(stage=Stage.IMPORTING), ctx)
    assert first is not None and first.state is not None
    second = reconcile.step_stage(first.state, ctx)
    assert second is not None and second.state is not None and second.state.last_error is not None
    assert second.state.last_error.code == "UNHANDLED_ERROR"
    assert second.state.stage in (Stage.FAILED, Stage.TEARING_DOWN)


def test_a_different_error_gets_one_more_attempt(ctx: StageContext, raising) -> None:  # type: ignore[no-untyped-def]
    raising(Stage.VALIDATING, overflow)
    first = reconcile.step_stage(make_state(stage=Stage.VALIDATING), ctx)
    assert first is not None and first.state is not None
    raising(Stage.VALIDATING, lambda: ValueError("something else"))
    second = reconcile.step_stage(first.state, ctx)
    assert second is not None and second.state is not None and second.state.stage is Stage.VALIDATING


@pytest.mark.parametrize(
    "make",
    [
        lambda: oci.exceptions.ServiceError(503, "ServiceUnavailable", {}, "busy"),
        lambda: oci.exceptions.ServiceError(429, "TooManyRequests", {}, "slow down"),
        lambda: requests.exceptions.ConnectionError("refused"),
        lambda: ConnectionResetError("reset"),
        lambda: TimeoutError("timed out"),
    ],
)
def test_transient_errors_still_raise_for_redelivery(ctx: StageContext, raising, make) -> None:  # type: ignore[no-untyped-def]
    raising(Stage.VALIDATING, make)
    state = make_state(stage=Stage.VALIDATING)
    for _ in range(3):
        with pytest.raises(Exception):  # noqa: B017 - any: the fdk answers 502
            reconcile.step_stage(state, ctx)


def test_teardown_is_never_ended_by_a_repeated_error(ctx: StageContext, raising) -> None:  # type: ignore[no-untyped-def]
    raising(Stage.TEARING_DOWN, overflow)
    for _ in range(2):
        with pytest.raises(OverflowError):
            reconcile.step_stage(make_state(stage=Stage.TEARING_DOWN), ctx)


def test_transient_is_found_through_the_cause_chain() -> None:
    try:
        try:
            raise requests.exceptions.ConnectionError("refused")
        except requests.exceptions.ConnectionError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as exc:
        assert errors.is_transient(exc)
    assert not errors.is_transient(OverflowError("x"))


def test_fingerprint_ignores_numbers_but_not_the_error() -> None:
    assert errors.fingerprint("VALIDATING", ValueError("bad 12")) == errors.fingerprint(
        "VALIDATING", ValueError("bad 13")
    )
    assert errors.fingerprint("VALIDATING", ValueError("bad")) != errors.fingerprint(
        "VALIDATING", KeyError("bad")
    )


def test_a_manifest_that_crashes_the_parser_is_rejected_and_notified(
    ctx: StageContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever raises while parsing a manifest already read ends REJECTED with a notification."""
    import functions.intake as intake

    def boom(raw: bytes, subject: str) -> None:
        raise OverflowError("the parser met something new")

    monkeypatch.setattr(intake, "parse_manifest", boom)
    step = new_import(
        ctx, "tiny", SourceDoc(ObjectKind.MANIFEST, "models/tiny/import.json", "e"), b"{}", None
    )
    assert step.state is not None and step.state.stage is Stage.REJECTED
    assert step.state.findings[0].code == "MANIFEST_INVALID" and step.notify is not None


def test_a_huge_integer_in_a_manifest_is_rejected_and_notified(ctx: StageContext) -> None:
    raw = b'{"display_name": ' + b"7" * 4301 + b"}"
    step = new_import(ctx, "tiny", SourceDoc(ObjectKind.MANIFEST, "models/tiny/import.json", "e"), raw, None)
    assert step.state is not None and step.state.stage is Stage.REJECTED and step.notify is not None
    req = new_import(ctx, "hf", SourceDoc(ObjectKind.REQUEST, "requests/hf.json", "e"), raw, None)
    assert req.state is not None and req.state.stage is Stage.REJECTED and req.notify is not None
