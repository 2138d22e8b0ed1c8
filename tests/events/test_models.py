"""The CloudEvent models parse every real-shaped sample and reject what is not an event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from events.models import CloudEvent, EventError, ObjectEventType, parse_event

SAMPLES = Path(__file__).resolve().parents[2] / "events" / "samples"


def load(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_every_sample_parses(path: Path) -> None:
    event = parse_event(path.read_bytes())
    raw = json.loads(path.read_bytes())
    assert event.event_id == raw["eventID"]
    assert event.event_type == raw["eventType"]


def test_real_2020_capture_exposes_object_fields() -> None:
    event = parse_event(load("objectstorage-createobject-real-2020.json"))
    assert event.is_object_event
    assert event.object_event_type is ObjectEventType.CREATE
    assert event.object_name == "test_file.csv"
    assert event.bucket_name == "jmj-inbound"
    assert event.namespace == "jmjcloud"
    assert event.etag == "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    assert event.extensions.compartment_id == "ocid1.compartment.oc1..xxxxxxxx"


def test_2019_variant_with_capital_f_tags_and_empty_resource_id() -> None:
    event = parse_event(load("objectstorage-createobject-v1-2019.json"))
    assert event.event_type_version == "1.0"
    assert event.schema_url is None
    assert event.object_name == "models/tiny-chat/import.json"
    assert event.data.freeform_tags == {}


def test_freeform_tags_accepts_both_spellings() -> None:
    event = parse_event(load("datascience-createproject-reference.json"))
    assert event.data.freeform_tags == {"Department": "Finance"}
    assert not event.is_object_event
    doc = json.loads(load("manifest-created.json"))
    doc["data"]["freeformTags"] = {"team": "ml"}
    assert parse_event(json.dumps(doc).encode()).data.freeform_tags == {"team": "ml"}


def test_explicit_nulls_in_tags_extensions_and_details_parse() -> None:
    """OCI's serialiser writes `"freeformTags": null`; such an event must not be refused (and lost)."""
    created = parse_event(load("manifest-created-null-tags.json"))
    assert created.data.freeform_tags == {} and created.data.defined_tags == {}
    assert created.object_name == "models/tiny-chat/import.json"
    deleted = parse_event(load("manifest-deleted-nulls.json"))
    assert deleted.is_delete and deleted.extensions.compartment_id is None
    bare = parse_event(load("objectstorage-null-additional-details.json"))
    assert bare.bucket_name == "my_bucket" and bare.namespace == "example_namespace"
    assert bare.etag is None


def test_delete_event_has_no_etag() -> None:
    event = parse_event(load("manifest-deleted.json"))
    assert event.is_delete
    assert event.etag is None
    assert event.object_name == "models/tiny-chat/import.json"


def test_object_name_falls_back_to_resource_id_decoded() -> None:
    doc = json.loads(load("manifest-created.json"))
    del doc["data"]["resourceName"]
    doc["data"]["resourceId"] = "/n/ns/b/model-drop/o/models%2Ftiny-chat%2Fimport.json"
    del doc["data"]["additionalDetails"]["bucketName"]
    event = parse_event(json.dumps(doc).encode())
    assert event.object_name == "models/tiny-chat/import.json"
    assert event.bucket_name == "model-drop"


def test_unknown_fields_are_kept_not_rejected() -> None:
    doc = json.loads(load("manifest-created.json"))
    doc["newField"] = {"x": 1}
    event = parse_event(json.dumps(doc).encode())
    assert isinstance(event, CloudEvent)
    assert event.model_extra == {"newField": {"x": 1}}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"eventID": "x"}', "eventType"),
        (b'{"eventType": "com.oraclecloud.objectstorage.createobject"}', "eventID"),
        (b'{"eventType": "a", "eventID": "b", "data": []}', "data"),
        (b'{"eventType": "a", "eventID": "b", "eventTime": "yesterday"}', "eventTime"),
    ],
)
def test_malformed_envelopes_give_readable_errors(body: bytes, fragment: str) -> None:
    with pytest.raises(EventError) as info:
        parse_event(body)
    assert fragment in str(info.value)


def test_oversized_body_is_refused_before_parsing() -> None:
    with pytest.raises(EventError, match="exceeds"):
        parse_event(b" " * (6 * 1024 * 1024 + 1))


@pytest.mark.parametrize("body", [b"[" * 50000, b'{"a":' * 50000])
def test_deeply_nested_body_is_an_event_error_not_a_crash(body: bytes) -> None:
    with pytest.raises(EventError, match="nested too deeply"):
        parse_event(body)
