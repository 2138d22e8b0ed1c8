"""Notifications and Vault through the SDK; restart persistence; staging without copying."""

from __future__ import annotations

import base64
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import oci
import pytest
from oci.ons.models import MessageDetails

from events.models import parse_event


def test_publish_and_list_messages(localcloud) -> None:  # type: ignore[no-untyped-def]
    ons = localcloud.factory.notifications()
    result = ons.publish_message(
        localcloud.info.topic_id, MessageDetails(title="Import done", body="endpoint x")
    )
    assert result.data.message_id
    with urllib.request.urlopen(localcloud.info.admin + "/messages", timeout=10) as resp:
        items = json.loads(resp.read())["items"]
    assert [(m["title"], m["body"]) for m in items] == [("Import done", "endpoint x")]
    assert localcloud.messages(localcloud.info.topic_id)[0]["message_id"] == result.data.message_id
    with pytest.raises(oci.exceptions.ServiceError) as err:
        ons.publish_message("ocid1.onstopic.oc1..unknown", MessageDetails(body="x"))
    assert err.value.status == 404
    with pytest.raises(oci.exceptions.ServiceError) as err:
        ons.publish_message(localcloud.info.topic_id, MessageDetails(body="x" * 70000))
    assert err.value.status == 400


def test_messages_forwarded_to_a_loopback_subscriber(make_localcloud) -> None:  # type: ignore[no-untyped-def]
    received: list[dict] = []
    got = threading.Event()

    class Sink(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(204)
            self.end_headers()
            got.set()

        def log_message(self, *args: object) -> None:
            pass

    sink = HTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    try:
        cloud = make_localcloud(subscriber_url=f"http://127.0.0.1:{sink.server_address[1]}/hook")
        cloud.factory.notifications().publish_message(cloud.info.topic_id, MessageDetails(body="hi"))
        assert got.wait(10)
        assert received[0]["body"] == "hi" and received[0]["topic_id"] == cloud.info.topic_id
    finally:
        sink.shutdown()


def test_subscriber_must_be_loopback(make_localcloud) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="loopback"):
        make_localcloud(subscriber_url="http://example.com/hook")


def test_hf_token_secret_bundle(make_localcloud) -> None:  # type: ignore[no-untyped-def]
    cloud = make_localcloud(hf_token="hf_abc")
    bundle = cloud.factory.secrets().get_secret_bundle(cloud.info.hf_token_secret_id).data
    assert bundle.secret_bundle_content.content_type == "BASE64"
    assert base64.b64decode(bundle.secret_bundle_content.content) == b"hf_abc"
    with pytest.raises(oci.exceptions.ServiceError) as err:
        cloud.factory.secrets().get_secret_bundle("ocid1.vaultsecret.oc1..nope")
    assert err.value.status == 404
    assert not any(b"hf_abc" in p.read_bytes() for p in cloud.state_dir.rglob("*") if p.is_file())


def test_state_survives_a_restart(make_localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state = tmp_path / "state"
    first = make_localcloud(state_dir=state)
    ns, bucket = first.info.namespace, first.info.bucket
    client = first.factory.object_storage()
    etag = client.put_object(ns, bucket, "models/keep/config.json", b'{"a": 1}').headers["etag"]
    upload = client.create_multipart_upload(
        ns, bucket, oci.object_storage.models.CreateMultipartUploadDetails(object="half.bin")
    ).data
    client.upload_part(ns, bucket, "half.bin", upload.upload_id, 1, b"part one")
    first.factory.notifications().publish_message(first.info.topic_id, MessageDetails(body="kept"))
    first.cloud.stop()

    second = make_localcloud(state_dir=state)
    client = second.factory.object_storage()  # the same key and config file still work
    got = client.get_object(ns, bucket, "models/keep/config.json")
    assert got.data.content == b'{"a": 1}' and got.headers["etag"] == etag
    parts = client.list_multipart_upload_parts(ns, bucket, "half.bin", upload.upload_id).data
    assert [p.size for p in parts] == [8]
    assert [m["body"] for m in second.messages()] == ["kept"]
    assert second.info.config_file == first.info.config_file


def test_stage_folder_links_without_copying(localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = tmp_path / "tiny"
    (model / "sub").mkdir(parents=True)
    (model / "import.json").write_text("{}")
    (model / "config.json").write_text('{"model_type": "llama"}')
    weights = model / "model.safetensors"
    with open(weights, "wb") as f:
        f.truncate(256 * 1024 * 1024)  # sparse: staging must not read or copy it
    (model / "sub" / "tokenizer.json").write_text("{}")

    result = localcloud.stage(model, "models/tiny")
    assert result.bytes_copied == 0
    assert {o.how for o in result.objects} == {"hardlink"}
    assert weights.stat().st_nlink == 2
    names = [o.name for o in result.objects]
    assert names[-1] == "models/tiny/import.json"  # the manifest last
    assert sorted(names) == sorted(
        [
            "models/tiny/import.json",
            "models/tiny/config.json",
            "models/tiny/model.safetensors",
            "models/tiny/sub/tokenizer.json",
        ]
    )
    blob = localcloud.cloud.store.blob_path(
        localcloud.cloud.store.find(localcloud.info.bucket, "models/tiny/model.safetensors").blob
    )
    assert blob.stat().st_ino == weights.stat().st_ino

    client = localcloud.factory.object_storage()
    head = client.head_object(
        localcloud.info.namespace, localcloud.info.bucket, "models/tiny/model.safetensors"
    )
    assert int(head.headers["content-length"]) == 256 * 1024 * 1024
    part = client.get_object(localcloud.info.namespace, localcloud.info.bucket, "models/tiny/config.json")
    assert part.data.content == b'{"model_type": "llama"}'
    events = [parse_event(json.dumps(e).encode()) for e in localcloud.events()]
    assert [e.data.resource_name for e in events] == names
    assert localcloud.cloud.router.history()[-1]["rules"] == ["manifest-written"]

    # deleting the object removes only the link, never the user's file
    client.delete_object(localcloud.info.namespace, localcloud.info.bucket, "models/tiny/model.safetensors")
    assert weights.exists() and weights.stat().st_nlink == 1


def test_stage_through_the_admin_path(localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = tmp_path / "m"
    model.mkdir()
    (model / "config.json").write_text("{}")
    req = urllib.request.Request(
        localcloud.info.admin + "/stage",
        method="POST",
        data=json.dumps({"folder": str(model), "prefix": "models/m/"}).encode(),
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        doc = json.loads(resp.read())
    assert [o["name"] for o in doc["objects"]] == ["models/m/config.json"] and doc["bytes_copied"] == 0


def test_one_local_cloud_per_state_directory(make_localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state = tmp_path / "shared-state"
    first = make_localcloud(state_dir=state)
    with pytest.raises(ValueError, match="in use by pid"):
        make_localcloud(state_dir=state)
    first.cloud.stop()
    make_localcloud(state_dir=state)  # free again once the first has stopped


def test_admin_paths_answer_bad_queries_with_400(localcloud) -> None:  # type: ignore[no-untyped-def]
    import urllib.error

    for path in ("/messages?since=abc", "/events?since=-1"):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(localcloud.info.admin + path, timeout=10)
        assert err.value.code == 400 and json.loads(err.value.read())["code"] == "InvalidParameter"
    with urllib.request.urlopen(localcloud.info.admin + "/messages?since=0", timeout=10) as resp:
        assert json.loads(resp.read()) == {"items": []}
