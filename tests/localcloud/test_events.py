"""Object events: OCI's envelope, only for buckets with events on, routed by the rules in events/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from oci.object_storage.models import CreateBucketDetails, RenameObjectDetails

from events.models import parse_event

SAMPLE = Path(__file__).resolve().parents[2] / "events" / "samples" / "manifest-created.json"


def _shape(doc: Any) -> Any:
    """The key structure of a JSON document (values replaced by their type)."""
    if isinstance(doc, dict):
        return {k: _shape(v) for k, v in doc.items()}
    return type(doc).__name__


def test_envelope_matches_the_sample_exactly(localcloud) -> None:  # type: ignore[no-untyped-def]
    client = localcloud.factory.object_storage()
    ns, bucket = localcloud.info.namespace, localcloud.info.bucket
    put = client.put_object(ns, bucket, "models/tiny-chat/import.json", b"{}")
    (raw,) = localcloud.events()
    assert _shape(raw) == _shape(json.loads(SAMPLE.read_text()))
    event = parse_event(json.dumps(raw).encode())
    assert event.event_type == "com.oraclecloud.objectstorage.createobject"
    assert event.data.resource_name == "models/tiny-chat/import.json"
    assert event.data.resource_id == f"/n/{ns}/b/{bucket}/o/models/tiny-chat/import.json"
    assert event.data.additional_details.bucket_name == bucket
    assert event.data.additional_details.namespace == ns
    assert event.data.additional_details.etag == put.headers["etag"]
    assert event.extensions.compartment_id == localcloud.info.compartment_id
    bucket_id = client.get_bucket(ns, bucket).data.id
    assert event.data.additional_details.bucket_id == bucket_id


def test_create_update_delete_and_rename_event_types(localcloud) -> None:  # type: ignore[no-untyped-def]
    client = localcloud.factory.object_storage()
    ns, bucket = localcloud.info.namespace, localcloud.info.bucket
    client.put_object(ns, bucket, "requests/a.json", b"1")
    second = client.put_object(ns, bucket, "requests/a.json", b"2")
    client.delete_object(ns, bucket, "requests/a.json")
    client.put_object(ns, bucket, "tmp/x", b"3")
    client.rename_object(ns, bucket, RenameObjectDetails(source_name="tmp/x", new_name="requests/b.json"))
    kinds = [(e["eventType"].rsplit(".", 1)[1], e["data"]["resourceName"]) for e in localcloud.events()]
    assert kinds == [
        ("createobject", "requests/a.json"),
        ("updateobject", "requests/a.json"),
        ("deleteobject", "requests/a.json"),
        ("createobject", "tmp/x"),
        ("createobject", "requests/b.json"),
        ("deleteobject", "tmp/x"),
    ]
    delete = localcloud.events()[2]
    assert delete["data"]["additionalDetails"]["eTag"] == second.headers["etag"]
    assert len({e["eventID"] for e in localcloud.events()}) == 6


def test_no_events_for_buckets_without_object_events(localcloud) -> None:  # type: ignore[no-untyped-def]
    client = localcloud.factory.object_storage()
    ns = localcloud.info.namespace
    client.create_bucket(ns, CreateBucketDetails(name="quiet", compartment_id=localcloud.info.compartment_id))
    client.put_object(ns, "quiet", "models/a/import.json", b"{}")
    assert localcloud.events() == []


def test_multipart_commit_emits_one_event(localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from oci.object_storage import UploadManager

    path = tmp_path / "w.bin"
    path.write_bytes(b"x" * (2 * 1024 * 1024 + 1))
    client = localcloud.factory.object_storage()
    UploadManager(client).upload_file(
        localcloud.info.namespace, localcloud.info.bucket, "models/m/w.bin", str(path), part_size=1024 * 1024
    )
    assert [e["data"]["resourceName"] for e in localcloud.events()] == ["models/m/w.bin"]


def test_router_applies_the_rules(make_localcloud) -> None:  # type: ignore[no-untyped-def]
    cloud = make_localcloud()
    client = cloud.factory.object_storage()
    ns, bucket, state_bucket = cloud.info.namespace, cloud.info.bucket, cloud.info.state_bucket
    for name in (
        "models/a/config.json",
        "models/a/import.json",
        "requests/r.json",
        "state/a.json",  # in the watched bucket: an uploader's forgery fires nothing
        "elsewhere/import.json",
    ):
        client.put_object(ns, bucket, name, b"{}")
    for name in ("state/a.json", "ledger.json", "notices/a"):
        client.put_object(ns, state_bucket, name, b"{}")
    client.delete_object(ns, bucket, "models/a/import.json")
    client.delete_object(ns, bucket, "models/a/config.json")
    routed = [
        (r["resourceName"], r["eventType"].rsplit(".", 1)[1], r["rules"])
        for r in cloud.cloud.router.history()
    ]
    assert routed == [
        ("models/a/config.json", "createobject", []),
        ("models/a/import.json", "createobject", ["manifest-written"]),
        ("requests/r.json", "createobject", ["request-written"]),
        ("state/a.json", "createobject", []),
        ("elsewhere/import.json", "createobject", []),
        ("state/a.json", "createobject", ["state-written"]),
        ("ledger.json", "createobject", []),
        ("notices/a", "createobject", []),
        ("models/a/import.json", "deleteobject", ["source-deleted"]),
        ("models/a/config.json", "deleteobject", []),
    ]


def test_optional_config_rule_only_when_configured(make_localcloud) -> None:  # type: ignore[no-untyped-def]
    cloud = make_localcloud(optional_rules=("TRIGGER_ON_CONFIG",))
    assert "config-written" in [r.name for r in cloud.cloud.router.rules]
    cloud.factory.object_storage().put_object(
        cloud.info.namespace, cloud.info.bucket, "models/a/config.json", b"{}"
    )
    assert cloud.cloud.router.history()[-1]["rules"] == ["config-written"]
    assert cloud.cloud.function_env()["TRIGGER_ON_CONFIG"] == "true"
