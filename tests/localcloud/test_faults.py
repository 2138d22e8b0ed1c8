"""Fault injection, and the SDK's retry strategy surviving it."""

from __future__ import annotations

import json
import time
import urllib.request

import oci
import pytest


def _admin(localcloud, method: str, path: str, doc: object | None = None) -> object:  # type: ignore[no-untyped-def]
    data = json.dumps(doc).encode() if doc is not None else None
    req = urllib.request.Request(
        localcloud.info.admin + path, data=data, method=method, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        body = resp.read()
    return json.loads(body) if body else None


def _no_retry(localcloud):  # type: ignore[no-untyped-def]
    return localcloud.factory._make(
        oci.object_storage.ObjectStorageClient, retry_strategy=oci.retry.NoneRetryStrategy()
    )


@pytest.mark.parametrize("status", [429, 500, 503])
def test_sdk_retry_strategy_survives_errors(localcloud, status: int) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = localcloud.info.namespace, localcloud.info.bucket
    client = localcloud.factory.object_storage()  # the factory's clients retry (DEFAULT_RETRY_STRATEGY)
    client.put_object(ns, bucket, "a.txt", b"hello")
    fault_id = localcloud.set_fault(
        service="objectstorage", method="GET", status=status, count=2, retry_after=0
    )
    assert client.get_object(ns, bucket, "a.txt").data.content == b"hello"
    assert all(f["id"] != fault_id for f in localcloud.cloud.faults.describe()["faults"])  # used up

    localcloud.set_fault(service="objectstorage", method="GET", status=status, count=1)
    with pytest.raises(oci.exceptions.ServiceError) as err:
        _no_retry(localcloud).get_object(ns, bucket, "a.txt")
    assert err.value.status == status
    if status == 429:
        assert err.value.headers["retry-after"] == "1"
        assert err.value.code == "TooManyRequests"


def test_sdk_survives_a_dropped_connection(localcloud) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = localcloud.info.namespace, localcloud.info.bucket
    client = localcloud.factory.object_storage()
    client.put_object(ns, bucket, "a.txt", b"hello")
    localcloud.set_fault(service="objectstorage", action="drop", count=1)
    with pytest.raises(oci.exceptions.RequestException):
        _no_retry(localcloud).get_object(ns, bucket, "a.txt")
    localcloud.set_fault(service="objectstorage", action="drop", count=1)
    assert client.get_object(ns, bucket, "a.txt").data.content == b"hello"


def test_latency_rate_and_resource_selection(localcloud) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = localcloud.info.namespace, localcloud.info.bucket
    client = _no_retry(localcloud)
    client.put_object(ns, bucket, "models/good/x", b"1")
    client.put_object(ns, bucket, "models/bad/x", b"2")
    localcloud.set_fault(resource="models/bad/", status=500)
    assert client.get_object(ns, bucket, "models/good/x").data.content == b"1"
    with pytest.raises(oci.exceptions.ServiceError):
        client.get_object(ns, bucket, "models/bad/x")
    localcloud.clear_faults()

    localcloud.set_fault(service="objectstorage", action="latency", latency_seconds=0.3, count=1)
    started = time.monotonic()
    client.head_object(ns, bucket, "models/good/x")
    assert time.monotonic() - started >= 0.3

    localcloud.cloud.faults = type(localcloud.cloud.faults)(seed=7)
    localcloud.set_fault(service="objectstorage", method="HEAD", rate=0.5, status=503)
    failures = 0
    for _ in range(40):
        try:
            client.head_object(ns, bucket, "models/good/x")
        except oci.exceptions.ServiceError:
            failures += 1
    assert 5 < failures < 35


def test_faults_at_run_time_through_the_admin_path(localcloud) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = localcloud.info.namespace, localcloud.info.bucket
    client = _no_retry(localcloud)
    created = _admin(localcloud, "POST", "/faults", {"service": "secrets", "status": 503})
    with pytest.raises(oci.exceptions.ServiceError) as err:
        localcloud.factory._make(
            oci.secrets.SecretsClient, retry_strategy=oci.retry.NoneRetryStrategy()
        ).get_secret_bundle(localcloud.info.hf_token_secret_id)
    assert err.value.status == 503
    client.get_namespace()  # other services unaffected
    listed = _admin(localcloud, "GET", "/faults")
    assert [f["id"] for f in listed["faults"]] == [created["id"]]
    _admin(localcloud, "DELETE", f"/faults/{created['id']}")
    assert _admin(localcloud, "GET", "/faults")["faults"] == []

    _admin(
        localcloud, "POST", "/faults", {"work_request": {"name": "doomed", "operation": "CREATE_ENDPOINT"}}
    )
    assert localcloud.cloud.failing_work_request("CREATE_ENDPOINT", "doomed")
    assert localcloud.cloud.failing_work_request("CREATE_IMPORTED_MODEL", "doomed") is None
    assert localcloud.cloud.failing_work_request("CREATE_ENDPOINT", "fine") is None
    _admin(localcloud, "DELETE", "/faults")
    assert localcloud.cloud.failing_work_request("CREATE_ENDPOINT", "doomed") is None

    req = urllib.request.Request(localcloud.info.admin + "/faults", data=b'{"status": 200}', method="POST")
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(req, timeout=10)
    assert bad.value.code == 400 and json.loads(bad.value.read())["code"] == "InvalidParameter"
    assert bucket and ns


def test_faults_at_start_up(make_localcloud) -> None:  # type: ignore[no-untyped-def]
    cloud = make_localcloud(
        faults=[{"service": "objectstorage", "method": "PUT", "status": 500, "count": 1}],
        work_request_faults=[{"name": "bad-model"}],
    )
    client = cloud.factory._make(
        oci.object_storage.ObjectStorageClient, retry_strategy=oci.retry.NoneRetryStrategy()
    )
    with pytest.raises(oci.exceptions.ServiceError):
        client.put_object(cloud.info.namespace, cloud.info.bucket, "x", b"1")
    client.put_object(cloud.info.namespace, cloud.info.bucket, "x", b"1")
    assert cloud.cloud.failing_work_request("CREATE_IMPORTED_MODEL", "bad-model")


def test_a_handler_crash_is_a_500_and_the_server_lives_on(localcloud, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ns, bucket = localcloud.info.namespace, localcloud.info.bucket
    client = _no_retry(localcloud)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(localcloud.cloud.store, "list_page", boom)
    with pytest.raises(oci.exceptions.ServiceError) as err:
        client.list_objects(ns, bucket)
    assert err.value.status == 500 and err.value.code == "InternalServerError"
    assert client.get_namespace().data == ns


def test_a_hold_fault_holds_a_request_until_released(localcloud) -> None:  # type: ignore[no-untyped-def]
    """Ordering a race without timing: the request waits at the door until the test lets it in."""
    import threading

    ns, bucket = localcloud.info.namespace, localcloud.info.bucket
    client = _no_retry(localcloud)
    hold = localcloud.set_fault(
        service="objectstorage", method="PUT", resource="held.txt", hold=True, count=1
    )
    done = threading.Event()

    def put() -> None:
        client.put_object(ns, bucket, "held.txt", b"late")
        done.set()

    threading.Thread(target=put, daemon=True).start()
    localcloud.wait_held(hold)
    client.put_object(ns, bucket, "other.txt", b"free")  # other requests go through meanwhile
    assert not done.is_set()
    with pytest.raises(oci.exceptions.ServiceError) as absent:
        client.head_object(ns, bucket, "held.txt")  # not handled yet: the object does not exist
    assert absent.value.status == 404
    assert localcloud.cloud.faults.describe()["faults"] == []  # count 1: retired, still releasable
    _admin(localcloud, "POST", f"/faults/{hold}/release")
    assert done.wait(10)
    localcloud.wait_passed(hold)
    assert client.get_object(ns, bucket, "held.txt").data.content == b"late"
    client.put_object(ns, bucket, "held.txt", b"again")  # count 1: the next one is not held
    with pytest.raises(urllib.error.HTTPError) as unknown:
        _admin(localcloud, "POST", "/faults/nope/release")
    assert unknown.value.code == 404
