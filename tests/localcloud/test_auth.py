"""Request signatures: the SDK's signed requests pass; unsigned or wrongly signed ones get 401."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import oci
import pytest
from oci._vendor import requests  # the SDK vendors requests; the signer is a requests auth

from localcloud.access import Grants, object_permissions
from localcloud.auth import FUNCTION_PROFILE, ApiKey
from shared.clients import LOCALCLOUD_PROFILE_ENV, ClientFactory


def _error(url: str, method: str = "GET") -> tuple[int, dict[str, str]]:
    req = urllib.request.Request(url, method=method)
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    return err.value.code, json.loads(err.value.read())


def test_unsigned_requests_are_rejected(localcloud) -> None:  # type: ignore[no-untyped-def]
    base = localcloud.info.endpoint
    ns, bucket = localcloud.info.namespace, localcloud.info.bucket
    for path in (f"/n/{ns}/b/{bucket}/o", "/n/", "/20190301/secretbundles/x", "/no/such/route"):
        status, body = _error(base + path)
        assert status == 401 and body["code"] == "NotAuthenticated", path
    resp = requests.put(f"{base}/n/{ns}/b/{bucket}/o/sneaky", data=b"x", timeout=10)
    assert resp.status_code == 401 and resp.json()["code"] == "NotAuthenticated"


def test_admin_and_hub_paths_are_not_signed(localcloud) -> None:  # type: ignore[no-untyped-def]
    with urllib.request.urlopen(localcloud.info.admin + "/health", timeout=10) as resp:
        assert json.loads(resp.read())["status"] == "ok"


def test_wrong_key_is_rejected(localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = ApiKey.load_or_create(tmp_path / "other")
    config = oci.config.from_file(localcloud.info.config_file, localcloud.info.profile)
    # same keyId as the accepted key, but signed with another private key
    config["key_file"] = str(other.key_file)
    client = oci.object_storage.ObjectStorageClient(config, service_endpoint=localcloud.info.endpoint)
    with pytest.raises(oci.exceptions.ServiceError) as err:
        client.get_namespace()
    assert err.value.status == 401 and err.value.code == "NotAuthenticated"

    # and another key with its own fingerprint is unknown
    config["fingerprint"] = other.fingerprint
    client = oci.object_storage.ObjectStorageClient(config, service_endpoint=localcloud.info.endpoint)
    with pytest.raises(oci.exceptions.ServiceError) as err:
        client.get_namespace()
    assert err.value.status == 401


def test_tampered_body_is_rejected(localcloud) -> None:  # type: ignore[no-untyped-def]
    """x-content-sha256 covers JSON bodies: changing the body after signing fails."""
    signer = localcloud.factory.signer()
    url = f"{localcloud.info.endpoint}/20181201/topics/{localcloud.info.topic_id}/messages"
    req = requests.Request(
        "POST", url, data=json.dumps({"body": "hello"}), headers={"content-type": "application/json"}
    ).prepare()
    signer(req)
    req.body = json.dumps({"body": "HELLO"}).encode()
    resp = requests.Session().send(req, timeout=10)
    assert resp.status_code == 401 and resp.json()["code"] == "NotAuthenticated"

    good = requests.post(url, json={"body": "hello"}, auth=signer, timeout=10)
    assert good.status_code == 200 and good.json()["messageId"]


def test_malformed_requests_get_clear_errors_and_the_server_lives_on(localcloud) -> None:  # type: ignore[no-untyped-def]
    import http.client
    from urllib.parse import urlparse

    url = urlparse(localcloud.info.endpoint)
    cases = [
        ({"Authorization": "Basic abc"}, 401),
        ({"Authorization": 'Signature keyId="x",signature="!!"'}, 401),
        ({"Content-Length": "-3"}, 400),
        ({"Content-Length": "abc"}, 400),
    ]
    for headers, status in cases:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        conn.putrequest("PUT", "/n/")
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        assert resp.status == status, (headers, resp.status)
        assert json.loads(resp.read())["code"] in ("NotAuthenticated", "InvalidParameter")
        conn.close()
    assert localcloud.factory.object_storage().get_namespace().data == localcloud.info.namespace
    # a valid signature over a Date header that is not a date, and one from an hour ago
    signer = localcloud.factory.signer()
    for date in ("not a date", "Wed, 25 Nov 2020 10:00:00 GMT"):
        resp = requests.get(f"{localcloud.info.endpoint}/n/", headers={"date": date}, auth=signer, timeout=10)
        assert resp.status_code == 401 and "Date" in resp.json()["message"]


def test_json_bodies_must_be_signed(localcloud) -> None:  # type: ignore[no-untyped-def]
    """OCI requires POST/PUT bodies in the signature, except object data."""
    signer = localcloud.factory.signer()
    url = f"{localcloud.info.endpoint}/20181201/topics/{localcloud.info.topic_id}/messages"
    resp = requests.post(url, json={"body": "x"}, auth=signer.without_content_headers, timeout=10)
    assert resp.status_code == 401 and "x-content-sha256" in resp.json()["message"]
    ns, bucket = localcloud.info.namespace, localcloud.info.bucket
    put = requests.put(
        f"{localcloud.info.endpoint}/n/{ns}/b/{bucket}/o/data.bin",
        data=b"object bytes",
        auth=signer.without_content_headers,
        timeout=10,
    )
    assert put.status_code == 200 and put.headers["etag"]


# --- two identities: the uploader may write only the watched bucket ---


def test_an_uploader_cannot_write_the_state_bucket(localcloud) -> None:  # type: ignore[no-untyped-def]
    """The uploader's PUT, overwrite or delete in the state bucket is refused as OCI refuses it: 404."""
    ns, bucket, state_bucket = localcloud.info.namespace, localcloud.info.bucket, localcloud.info.state_bucket
    operator = localcloud.factory.object_storage()
    uploader = localcloud.uploader_factory.object_storage()
    operator.put_object(ns, state_bucket, "state/tiny.json", b'{"by": "the function"}')

    uploader.put_object(ns, bucket, "models/tiny/import.json", b"{}")  # its job: upload models
    for call in (
        lambda: uploader.put_object(ns, state_bucket, "state/tiny.json", b'{"forged": true}'),
        lambda: uploader.put_object(ns, state_bucket, "ledger.json", b'{"holds": {}}'),
        lambda: uploader.delete_object(ns, state_bucket, "state/tiny.json"),
        lambda: localcloud.uploader_factory.generative_ai().list_endpoints(localcloud.info.compartment_id),
    ):
        with pytest.raises(oci.exceptions.ServiceError) as err:
            call()
        assert (err.value.status, err.value.code) == (404, "NotAuthorizedOrNotFound")
    # reading it stays possible (that grant lets uploaders run `model-import status`)
    assert uploader.get_object(ns, state_bucket, "state/tiny.json").data.content == b'{"by": "the function"}'
    assert [o.name for o in uploader.list_objects(ns, state_bucket).data.objects] == ["state/tiny.json"]
    # and the function's identity writes both
    operator.put_object(ns, state_bucket, "ledger.json", b'{"holds": {}}')
    operator.put_object(ns, bucket, "models/tiny/config.json", b"{}")


# --- the function: exactly the object permissions terraform/iam.tf grants it ---


def test_object_operations_need_the_permissions_oci_documents() -> None:
    """objectstoragepolicyreference.htm: GET/HEAD an object = OBJECT_READ, list = OBJECT_INSPECT,
    PUT of a new name = OBJECT_CREATE, PUT over an existing one = OBJECT_OVERWRITE, DELETE = OBJECT_DELETE."""
    o = "/n/ns/b/bkt/o"
    exists = {("bkt", "old.json")}

    def needs(method: str, path: str) -> set[str] | None:
        found = object_permissions(method, path, lambda b, n: (b, n) in exists)
        return None if found is None else set(found)

    assert needs("GET", o) == {"OBJECT_INSPECT"}
    assert needs("GET", f"{o}/a/b.json") == needs("HEAD", f"{o}/a/b.json") == {"OBJECT_READ"}
    assert needs("PUT", f"{o}/new.json") == {"OBJECT_CREATE"}
    assert needs("PUT", f"{o}/old.json") == {"OBJECT_OVERWRITE"}
    assert needs("DELETE", f"{o}/old.json") == {"OBJECT_DELETE"}
    assert needs("GET", "/n/ns/b/bkt") is None  # a bucket, not an object
    create_only = Grants(object_grants={"bkt": frozenset({"OBJECT_CREATE"})})
    assert create_only.may("PUT", f"{o}/new.json", lambda b, n: False)
    assert not create_only.may("PUT", f"{o}/old.json", lambda b, n: True)


def test_the_function_holds_its_iam_grants_and_no_more(localcloud) -> None:  # type: ignore[no-untyped-def]
    """Signed as the function (the profile its workers use), the watched bucket is read-only and
    the state bucket may be created in, overwritten and deleted in, as terraform/iam.tf grants."""
    ns, bucket, state_bucket = localcloud.info.namespace, localcloud.info.bucket, localcloud.info.state_bucket
    assert localcloud.info.extra["function_profile"] == FUNCTION_PROFILE
    assert localcloud.cloud.worker_env()[LOCALCLOUD_PROFILE_ENV] == FUNCTION_PROFILE
    operator = localcloud.factory.object_storage()
    function = ClientFactory(env=localcloud.env, profile=FUNCTION_PROFILE).object_storage()
    operator.put_object(ns, bucket, "models/tiny/config.json", b"{}")

    assert function.get_object(ns, bucket, "models/tiny/config.json").data.content == b"{}"
    assert [o.name for o in function.list_objects(ns, bucket).data.objects] == ["models/tiny/config.json"]
    function.get_bucket(ns, bucket)
    function.put_object(ns, state_bucket, "state/tiny.json", b"{}")  # create
    function.put_object(ns, state_bucket, "state/tiny.json", b'{"v": 2}')  # overwrite
    function.delete_object(ns, state_bucket, "state/tiny.json")  # what the grant once lacked
    for call in (
        lambda: function.put_object(ns, bucket, "models/tiny/config.json", b"{}"),
        lambda: function.put_object(ns, bucket, "models/other/import.json", b"{}"),
        lambda: function.delete_object(ns, bucket, "models/tiny/config.json"),
        lambda: function.get_bucket(ns, state_bucket),  # no `read buckets` on the state bucket
    ):
        with pytest.raises(oci.exceptions.ServiceError) as err:
            call()
        assert (err.value.status, err.value.code) == (404, "NotAuthorizedOrNotFound")
