"""`status --watch` prints each stage with the time it happened (the state's history), not when it
polled, and ends a rejected or failed import with its reason and the work request's errors (issue 16)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from shared.contract.state import LastError, Stage, Transition
from shared.findings import Finding, Severity

T0 = datetime(2026, 11, 25, 20, 9, 21, tzinfo=UTC)


def at(minute: int, second: int = 0) -> datetime:
    return T0.replace(minute=minute, second=second)


def test_watch_prints_the_times_stages_happened(cli: Any) -> None:
    history = [
        Transition(at=at(10), stage=Stage.VALIDATING),
        Transition(at=at(11, 5), stage=Stage.IMPORTING),
        Transition(at=at(14, 30), stage=Stage.FAILED),
    ]
    error = LastError(
        stage=Stage.IMPORTING,
        code="IMPORT_FAILED",
        message="the import work request failed",
        details=["InvalidParameter: config.json: unsupported architecture", "retry budget exhausted"],
    )
    cli.put_state("late", Stage.FAILED, history=history, last_error=error)
    res = cli("status", "late", "--watch", "--interval", "0.05", "--timeout", "10")
    assert res.code == 1
    lines = res.out.splitlines()
    assert lines[:5] == [
        "2026-11-25T20:10:00Z  late  VALIDATING  attempt 0",
        "2026-11-25T20:11:05Z  late  IMPORTING  attempt 0",
        "2026-11-25T20:14:30Z  late  FAILED  attempt 0  IMPORT_FAILED: the import work request failed",
        "    work request: InvalidParameter: config.json: unsupported architecture",
        "    work request: retry budget exhausted",
    ]


def test_watch_shows_why_an_import_was_rejected(cli: Any) -> None:
    findings = [
        Finding(
            code="PICKLE_WEIGHTS",
            severity=Severity.ERROR,
            subject="pytorch_model.bin",
            message="pickle weights can run code when loaded",
            hint="convert to safetensors",
        ),
        Finding(
            code="MODEL_UNLISTED", severity=Severity.WARNING, subject="config.json", message="m", hint=""
        ),
    ]
    history = [Transition(at=at(20), stage=Stage.VALIDATING), Transition(at=at(20, 3), stage=Stage.REJECTED)]
    cli.put_state("bad", Stage.REJECTED, history=history, findings=findings)
    res = cli("status", "bad", "--watch", "--interval", "0.05", "--timeout", "10", "--json")
    assert res.code == 1
    assert res.json()["stage"] == "REJECTED"  # stdout stays the final JSON; the lines go to stderr
    assert "2026-11-25T20:20:03Z  bad  REJECTED  attempt 0  rejected: PICKLE_WEIGHTS" in res.err
    assert re.search(
        r"^    PICKLE_WEIGHTS pytorch_model.bin: pickle weights can run code when loaded — convert",
        res.err,
        re.M,
    )
    assert "MODEL_UNLISTED" not in res.err  # a warning is not a reason
