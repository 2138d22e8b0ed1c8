"""Hostile event bodies: parse_event returns a CloudEvent or raises EventError, nothing else.

The 4,301-digit integer crashed the function (a bare ValueError from Python's int-string
limit, answered 502 with a traceback) on the code before issue 12.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.models import MAX_EVENT_BYTES, EventError, parse_event

SAMPLE = json.loads(
    (Path(__file__).resolve().parents[2] / "events" / "samples" / "manifest-created.json").read_text()
)
HUGE_INT = "9" * 4301


@pytest.mark.parametrize(
    "body",
    [
        HUGE_INT.encode(),
        json.dumps({**SAMPLE, "eventID": 1}).replace("1}", HUGE_INT + "}").encode(),
        b'{"eventType": "x", "eventID": "e", "data": {"resourceName": ' + HUGE_INT.encode() + b"}}",
    ],
)
def test_integer_over_the_int_string_limit_is_an_event_error(body: bytes) -> None:
    with pytest.raises(EventError):
        parse_event(body)


_scalar = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
_json = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=12,
)
_fields = ["eventType", "eventID", "eventTime", "data", "extensions", "source", "cloudEventsVersion"]
_data_fields = ["resourceName", "resourceId", "additionalDetails", "freeformTags", "definedTags"]


@st.composite
def _mutated_sample(draw: st.DrawFn) -> bytes:
    doc = json.loads(json.dumps(SAMPLE))
    for key in draw(st.lists(st.sampled_from(_fields), max_size=3)):
        doc[key] = draw(_json)
    if isinstance(doc.get("data"), dict):
        for key in draw(st.lists(st.sampled_from(_data_fields), max_size=3)):
            doc["data"][key] = draw(_json)
    return json.dumps(doc).encode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=200) | _mutated_sample() | st.just(HUGE_INT.encode()))
def test_any_body_is_an_event_or_an_event_error(body: bytes) -> None:
    try:
        event = parse_event(body)
    except EventError as exc:
        assert str(exc)
        return
    # The accessors the router uses never raise either.
    _ = (event.is_object_event, event.object_name, event.bucket_name, event.namespace, event.etag)
    _ = (event.object_event_type, event.is_delete)


def test_work_is_bounded_by_the_size_cap() -> None:
    with pytest.raises(EventError, match="exceeds"):
        parse_event(b" " * (MAX_EVENT_BYTES + 1))
