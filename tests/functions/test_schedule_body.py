"""Which invocations sweep (issue 14 review): no OCI page says what body Resource Scheduler sends."""

from __future__ import annotations

import pytest

from functions.func import is_schedule_body


@pytest.mark.parametrize(
    "body",
    [b"", b"  \n", b"{}", b'{"schedule": "sweep"}', b'"sweep"', b"[]", b"null", b'{"data": {}}'],
)
def test_a_body_that_is_no_cloud_event_sweeps(body: bytes) -> None:
    assert is_schedule_body(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"eventType": "com.oraclecloud.objectstorage.createobject"}',  # an event, malformed
        b'{"cloudEventsVersion": "0.1"}',
        b"not json {",  # neither Events nor a schedule sends it
        b"\xff\xfe\x00",
        b"[" * 100_000,  # nested past the recursion limit
        b"1" * 5_000,  # past Python's int-string limit
    ],
)
def test_an_event_or_garbage_does_not_sweep(body: bytes) -> None:
    assert not is_schedule_body(body)
