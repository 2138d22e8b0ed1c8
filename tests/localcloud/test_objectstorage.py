"""Object Storage through the real OCI SDK against the local cloud."""

from __future__ import annotations

import hashlib
import io
import os
import threading
from pathlib import Path
from typing import Any

import oci
import pytest
from oci.object_storage import UploadManager
from oci.object_storage.models import (
    CommitMultipartUploadDetails,
    CommitMultipartUploadPartDetails,
    CreateBucketDetails,
    CreateMultipartUploadDetails,
    RenameObjectDetails,
)


@pytest.fixture
def os_client(localcloud):  # type: ignore[no-untyped-def]
    return localcloud.factory.object_storage()


def _ns_bucket(localcloud):  # type: ignore[no-untyped-def]
    return localcloud.info.namespace, localcloud.info.bucket


def test_namespace_and_bucket(localcloud, os_client) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = _ns_bucket(localcloud)
    assert os_client.get_namespace().data == ns
    got = os_client.get_bucket(ns, bucket).data
    assert got.name == bucket and got.object_events_enabled is True
    assert got.compartment_id == localcloud.info.compartment_id
    names = [b.name for b in os_client.list_buckets(ns, localcloud.info.compartment_id).data]
    assert bucket in names
    with pytest.raises(oci.exceptions.ServiceError) as err:
        os_client.get_bucket(ns, "no-such-bucket")
    assert err.value.status == 404 and err.value.code == "BucketNotFound"


def test_create_bucket_without_events(localcloud, os_client) -> None:  # type: ignore[no-untyped-def]
    ns = localcloud.info.namespace
    details = CreateBucketDetails(name="quiet", compartment_id=localcloud.info.compartment_id)
    assert os_client.create_bucket(ns, details).data.object_events_enabled is False
    os_client.put_object(ns, "quiet", "models/x/import.json", b"{}")
    assert [e for e in localcloud.events() if e["data"]["additionalDetails"]["bucketName"] == "quiet"] == []


def test_put_get_head_range(localcloud, os_client) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = _ns_bucket(localcloud)
    data = bytes(range(256)) * 40
    put = os_client.put_object(ns, bucket, "models/m/model.safetensors", data, opc_meta={"origin": "test"})
    etag = put.headers["etag"]
    assert (
        put.headers["opc-content-md5"] == __import__("base64").b64encode(hashlib.md5(data).digest()).decode()
    )

    whole = os_client.get_object(ns, bucket, "models/m/model.safetensors")
    assert whole.data.content == data and whole.headers["etag"] == etag
    assert whole.headers["opc-meta-origin"] == "test"

    part = os_client.get_object(ns, bucket, "models/m/model.safetensors", range="bytes=8-15")
    assert part.status == 206 and part.data.content == data[8:16]
    assert part.headers["content-range"] == f"bytes 8-15/{len(data)}"
    tail = os_client.get_object(ns, bucket, "models/m/model.safetensors", range="bytes=-5")
    assert tail.data.content == data[-5:]
    open_end = os_client.get_object(ns, bucket, "models/m/model.safetensors", range=f"bytes={len(data) - 3}-")
    assert open_end.data.content == data[-3:]
    with pytest.raises(oci.exceptions.ServiceError) as err:
        os_client.get_object(ns, bucket, "models/m/model.safetensors", range=f"bytes={len(data)}-")
    assert err.value.status == 416

    head = os_client.head_object(ns, bucket, "models/m/model.safetensors")
    assert int(head.headers["content-length"]) == len(data) and head.headers["etag"] == etag
    with pytest.raises(oci.exceptions.ServiceError) as err:
        os_client.head_object(ns, bucket, "models/m/absent")
    assert err.value.status == 404


def test_object_names_with_odd_characters(localcloud, os_client) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = _ns_bucket(localcloud)
    for name in ("models/a b/c%2Fd.json", "models/ünï/x?.json", "models/./dots/.."):
        os_client.put_object(ns, bucket, name, name.encode())
        assert os_client.get_object(ns, bucket, name).data.content == name.encode()
    listed = {o.name for o in os_client.list_objects(ns, bucket, prefix="models/").data.objects}
    assert {"models/a b/c%2Fd.json", "models/ünï/x?.json", "models/./dots/.."} <= listed


def test_conditional_writes(localcloud, os_client) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = _ns_bucket(localcloud)
    first = os_client.put_object(ns, bucket, "_imports/ledger.json", b"v1", if_none_match="*")
    with pytest.raises(oci.exceptions.ServiceError) as err:
        os_client.put_object(ns, bucket, "_imports/ledger.json", b"again", if_none_match="*")
    assert err.value.status == 412 and err.value.code == "IfNoneMatchFailed"
    second = os_client.put_object(ns, bucket, "_imports/ledger.json", b"v2", if_match=first.headers["etag"])
    with pytest.raises(oci.exceptions.ServiceError) as err:
        os_client.put_object(ns, bucket, "_imports/ledger.json", b"v3", if_match=first.headers["etag"])
    assert err.value.status == 412 and err.value.code == "IfMatchFailed"
    assert os_client.get_object(ns, bucket, "_imports/ledger.json").data.content == b"v2"
    with pytest.raises(oci.exceptions.ServiceError) as err:
        os_client.delete_object(ns, bucket, "_imports/ledger.json", if_match=first.headers["etag"])
    assert err.value.status == 412
    os_client.delete_object(ns, bucket, "_imports/ledger.json", if_match=second.headers["etag"])
    with pytest.raises(oci.exceptions.ServiceError):
        os_client.get_object(ns, bucket, "_imports/ledger.json")


def test_racing_if_match_exactly_one_wins(localcloud) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = _ns_bucket(localcloud)
    setup = localcloud.factory.object_storage()
    etag = setup.put_object(ns, bucket, "_imports/state/race.json", b"start").headers["etag"]
    clients = [localcloud.factory.object_storage() for _ in range(8)]
    barrier = threading.Barrier(len(clients))
    outcomes: list[Any] = [None] * len(clients)

    def writer(i: int) -> None:
        barrier.wait()
        try:
            clients[i].put_object(
                ns, bucket, "_imports/state/race.json", f"writer {i}".encode(), if_match=etag
            )
            outcomes[i] = "won"
        except oci.exceptions.ServiceError as exc:
            outcomes[i] = exc.status

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1
    assert sorted(o for o in outcomes if o != "won") == [412] * (len(clients) - 1)
    winner = outcomes.index("won")
    assert (
        setup.get_object(ns, bucket, "_imports/state/race.json").data.content == f"writer {winner}".encode()
    )


def test_get_if_none_match_not_modified(localcloud, os_client) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = _ns_bucket(localcloud)
    etag = os_client.put_object(ns, bucket, "a.txt", b"a").headers["etag"]
    with pytest.raises(oci.exceptions.ServiceError) as err:
        os_client.get_object(ns, bucket, "a.txt", if_none_match=etag)
    assert err.value.status == 304


def test_list_pagination_prefix_fields(localcloud, os_client) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = _ns_bucket(localcloud)
    names = [f"models/p/shard-{i:03d}.safetensors" for i in range(25)] + ["models/q/config.json", "other.txt"]
    for name in names:
        os_client.put_object(ns, bucket, name, name.encode())
    seen: list[str] = []
    start = None
    pages = 0
    while True:
        kwargs = {"prefix": "models/p/", "limit": 10, "fields": "name,size,etag,timeCreated"}
        if start:
            kwargs["start"] = start
        page = os_client.list_objects(ns, bucket, **kwargs).data
        pages += 1
        for o in page.objects:
            assert o.size == len(o.name.encode()) and o.etag and o.time_created is not None
        seen += [o.name for o in page.objects]
        start = page.next_start_with
        if not start:
            break
    assert pages == 3 and seen == sorted(n for n in names if n.startswith("models/p/"))

    everything = oci.pagination.list_call_get_all_results(os_client.list_objects, ns, bucket, limit=4).data
    assert [o.name for o in everything.objects] == sorted(names)
    only_names = os_client.list_objects(ns, bucket, prefix="models/q/").data.objects
    assert only_names[0].size is None  # fields default to name only, as on OCI
    grouped = os_client.list_objects(ns, bucket, prefix="models/", delimiter="/").data
    assert grouped.prefixes == ["models/p/", "models/q/"] and grouped.objects == []
    after = os_client.list_objects(
        ns, bucket, prefix="models/p/", start_after="models/p/shard-023.safetensors"
    ).data
    assert [o.name for o in after.objects] == ["models/p/shard-024.safetensors"]


def test_rename(localcloud, os_client) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = _ns_bucket(localcloud)
    os_client.put_object(ns, bucket, "tmp/upload.part", b"payload")
    os_client.rename_object(
        ns, bucket, RenameObjectDetails(source_name="tmp/upload.part", new_name="final.bin")
    )
    assert os_client.get_object(ns, bucket, "final.bin").data.content == b"payload"
    with pytest.raises(oci.exceptions.ServiceError) as err:
        os_client.head_object(ns, bucket, "tmp/upload.part")
    assert err.value.status == 404
    os_client.put_object(ns, bucket, "other.bin", b"x")
    with pytest.raises(oci.exceptions.ServiceError) as err:
        os_client.rename_object(
            ns,
            bucket,
            RenameObjectDetails(
                source_name="other.bin", new_name="final.bin", new_obj_if_none_match_e_tag="*"
            ),
        )
    assert err.value.status == 412


def test_upload_manager_multipart(localcloud, os_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = _ns_bucket(localcloud)
    path = tmp_path / "weights.bin"
    data = os.urandom(3 * 1024 * 1024 + 12345)
    path.write_bytes(data)
    manager = UploadManager(os_client, allow_parallel_uploads=True, parallel_process_count=3)
    response = manager.upload_file(
        ns, bucket, "models/big/model.safetensors", str(path), part_size=1024 * 1024
    )
    assert response.status == 200 and response.headers["opc-multipart-md5"].endswith("-4")
    got = os_client.get_object(ns, bucket, "models/big/model.safetensors")
    assert hashlib.sha256(got.data.content).digest() == hashlib.sha256(data).digest()
    assert os_client.list_multipart_uploads(ns, bucket).data == []

    stream = UploadManager(os_client).upload_stream(
        ns, bucket, "models/big/stream.bin", io.BytesIO(data), part_size=1024 * 1024
    )
    assert stream.status == 200
    assert os_client.get_object(ns, bucket, "models/big/stream.bin").data.content == data


def test_multipart_by_hand_list_parts_and_abort(localcloud, os_client) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = _ns_bucket(localcloud)
    upload = os_client.create_multipart_upload(ns, bucket, CreateMultipartUploadDetails(object="mp.bin")).data
    etags = {}
    for num, chunk in ((1, b"a" * 10), (2, b"b" * 5), (3, b"c")):
        etags[num] = os_client.upload_part(ns, bucket, "mp.bin", upload.upload_id, num, chunk).headers["etag"]
    parts = os_client.list_multipart_upload_parts(ns, bucket, "mp.bin", upload.upload_id).data
    assert [(p.part_number, p.size) for p in parts] == [(1, 10), (2, 5), (3, 1)]
    with pytest.raises(oci.exceptions.ServiceError) as err:
        os_client.commit_multipart_upload(
            ns,
            bucket,
            "mp.bin",
            upload.upload_id,
            CommitMultipartUploadDetails(
                parts_to_commit=[CommitMultipartUploadPartDetails(part_num=1, etag="wrong")]
            ),
        )
    assert err.value.status == 400
    os_client.commit_multipart_upload(
        ns,
        bucket,
        "mp.bin",
        upload.upload_id,
        CommitMultipartUploadDetails(
            parts_to_commit=[CommitMultipartUploadPartDetails(part_num=n, etag=etags[n]) for n in (1, 3)]
        ),
    )
    assert os_client.get_object(ns, bucket, "mp.bin").data.content == b"a" * 10 + b"c"

    second = os_client.create_multipart_upload(
        ns, bucket, CreateMultipartUploadDetails(object="gone.bin")
    ).data
    os_client.upload_part(ns, bucket, "gone.bin", second.upload_id, 1, b"zzz")
    os_client.abort_multipart_upload(ns, bucket, "gone.bin", second.upload_id)
    with pytest.raises(oci.exceptions.ServiceError) as err:
        os_client.list_multipart_upload_parts(ns, bucket, "gone.bin", second.upload_id)
    assert err.value.status == 404


def test_large_object_is_streamed_not_buffered(localcloud, os_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A 64 MiB PUT/GET must pass through without the server's memory growing by its size."""
    psutil = pytest.importorskip("psutil")
    ns, bucket = _ns_bucket(localcloud)
    size = 64 * 1024 * 1024
    path = tmp_path / "big.bin"
    with open(path, "wb") as f:
        f.truncate(size)
    proc = psutil.Process()
    before = proc.memory_info().rss
    with open(path, "rb") as f:
        os_client.put_object(ns, bucket, "big.bin", f)
    got = os_client.get_object(ns, bucket, "big.bin")
    total = 0
    for chunk in got.data.raw.stream(1024 * 1024, decode_content=False):
        total += len(chunk)
    assert total == size
    # client and server share this process: growth well under the object size means neither buffered it
    assert proc.memory_info().rss - before < size // 2


def test_reads_racing_overwrites_see_whole_versions(localcloud) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = _ns_bucket(localcloud)
    versions = [bytes([i]) * (100_000 + i) for i in range(5)]
    writer_client = localcloud.factory.object_storage()
    reader_client = localcloud.factory.object_storage()
    writer_client.put_object(ns, bucket, "hot.bin", versions[0])
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            writer_client.put_object(ns, bucket, "hot.bin", versions[i % len(versions)])

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(60):
            got = reader_client.get_object(ns, bucket, "hot.bin")
            assert got.data.content in versions
            assert int(got.headers["content-length"]) == len(got.data.content)
    finally:
        stop.set()
        thread.join()
