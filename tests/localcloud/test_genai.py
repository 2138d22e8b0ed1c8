"""The emulated Generative AI control plane in the full local cloud, driven by the real
`oci.generative_ai` client over signed HTTP. Lifecycles are long here (20 s) and the tests
move the cloud's clock, so every state is observed deterministically."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import oci
import pytest
from oci._vendor import requests

from localcloud.context import Timings

M = oci.generative_ai.models
COMP = "ocid1.compartment.oc1..aaaaaaaagenaitests"
OTHER_COMP = "ocid1.compartment.oc1..aaaaaaaaothercomp"
SLOW = Timings(import_seconds=20, cluster_seconds=20, endpoint_seconds=10, delete_seconds=5)


def make_client(handle: Any) -> oci.generative_ai.GenerativeAiClient:
    config = oci.config.from_file(handle.info.config_file, handle.info.profile)
    # no retries: the SDK's default strategy retries 409 IncorrectState, which these tests provoke
    return oci.generative_ai.GenerativeAiClient(
        config, service_endpoint=handle.info.endpoint, retry_strategy=oci.retry.NoneRetryStrategy()
    )


@dataclass
class Cloud:
    handle: Any
    make: Callable[..., Any]
    client: oci.generative_ai.GenerativeAiClient

    @property
    def namespace(self) -> str:
        return str(self.handle.info.namespace)

    @property
    def bucket(self) -> str:
        return str(self.handle.info.bucket)

    def advance(self, seconds: float) -> None:
        self.handle.cloud.clock_offset += seconds

    def fail(self, operation: str, name: str, message: str) -> None:
        self.handle.fail_work_request(name, operation, message)

    def restart(self) -> None:
        """A new local cloud on the same state directory; its clock continues where it was."""
        offset = self.handle.cloud.clock_offset
        self.handle.cloud.stop()
        self.handle = self.make(state_dir=self.handle.state_dir, timings=SLOW)
        self.handle.cloud.clock_offset = offset
        self.client = make_client(self.handle)


@pytest.fixture
def cloud(make_localcloud: Callable[..., Any]) -> Cloud:
    handle = make_localcloud(timings=SLOW)
    objects = handle.factory.object_storage()
    for name in (
        "models/tiny/config.json",
        "models/tiny/model.safetensors",
        "models/noconfig/model.safetensors",
    ):
        objects.put_object(handle.info.namespace, handle.info.bucket, name, b"{}")
    return Cloud(handle, make_localcloud, make_client(handle))


def os_model(
    cloud: Cloud, name: str = "tiny", prefix: str = "models/tiny/", **kw: object
) -> M.CreateImportedModelDetails:
    return M.CreateImportedModelDetails(
        compartment_id=COMP,
        display_name=name,
        capabilities=kw.pop("capabilities", ["TEXT_TO_TEXT"]),
        data_source=M.ObjectStorageObject(
            namespace_name=cloud.namespace, bucket_name=cloud.bucket, prefix_name=prefix
        ),
        **kw,
    )


def hosting(name: str = "dac", shape: str = "A10_X1", **kw: object) -> M.CreateDedicatedAiClusterDetails:
    return M.CreateDedicatedAiClusterDetails(
        compartment_id=COMP,
        type=kw.pop("type", "HOSTING"),
        unit_count=1,
        unit_shape=shape,
        display_name=name,
        **kw,
    )


def active_model_and_cluster(cloud: Cloud) -> tuple[str, str]:
    model = cloud.client.create_imported_model(os_model(cloud)).data
    cluster = cloud.client.create_dedicated_ai_cluster(hosting()).data
    cloud.advance(25)
    assert cloud.client.get_imported_model(model.id).data.lifecycle_state == "ACTIVE"
    assert cloud.client.get_dedicated_ai_cluster(cluster.id).data.lifecycle_state == "ACTIVE"
    return model.id, cluster.id


def service_error(call: object, *args: object, **kw: object) -> oci.exceptions.ServiceError:
    with pytest.raises(oci.exceptions.ServiceError) as info:
        call(*args, **kw)  # type: ignore[operator]
    return info.value


def test_import_progresses_through_its_work_request(cloud: Cloud) -> None:
    resp = cloud.client.create_imported_model(os_model(cloud, freeform_tags={"import-id": "tiny-1"}))
    model = resp.data
    wr_id = resp.headers["opc-work-request-id"]
    assert model.id.startswith(f"ocid1.generativeaiimportedmodel.oc1.{cloud.handle.info.region}.")
    assert model.lifecycle_state == "CREATING"
    assert resp.headers.get("etag")

    wr = cloud.client.get_work_request(wr_id).data
    assert (wr.status, wr.operation_type, wr.percent_complete) == ("ACCEPTED", "CREATE_IMPORTED_MODEL", 0.0)
    assert wr.resources[0].identifier == model.id and wr.resources[0].entity_type == "ImportedModel"

    cloud.advance(5)
    early = cloud.client.get_work_request(wr_id).data
    cloud.advance(5)
    later = cloud.client.get_work_request(wr_id).data
    assert early.status == later.status == "IN_PROGRESS"
    assert 0 < early.percent_complete < later.percent_complete < 100
    assert cloud.client.get_imported_model(model.id).data.lifecycle_state == "CREATING"

    cloud.advance(15)
    done = cloud.client.get_work_request(wr_id).data
    assert (done.status, done.percent_complete) == ("SUCCEEDED", 100.0)
    assert done.time_finished is not None and done.resources[0].action_type == "CREATED"
    got = cloud.client.get_imported_model(model.id).data
    assert got.lifecycle_state == "ACTIVE"
    assert got.freeform_tags == {"import-id": "tiny-1"}
    assert got.capabilities == ["TEXT_TO_TEXT"]
    logs = [entry.message for entry in cloud.client.list_work_request_logs(wr_id).data.items]
    assert any("config.json" in m for m in logs) and logs[-1] == "Work request succeeded"
    assert cloud.client.list_work_request_errors(wr_id).data.items == []


def test_import_without_config_json_fails_with_a_clear_error(cloud: Cloud) -> None:
    resp = cloud.client.create_imported_model(os_model(cloud, "noconfig", "models/noconfig/"))
    cloud.advance(30)
    wr = cloud.client.get_work_request(resp.headers["opc-work-request-id"]).data
    assert wr.status == "FAILED" and wr.resources[0].action_type == "FAILED"
    errors = cloud.client.list_work_request_errors(wr.id).data.items
    assert errors[0].code == "InvalidModelSource"
    where = f"oci://{cloud.bucket}@{cloud.namespace}/models/noconfig/"
    assert f"config.json not found under {where}" in errors[0].message
    model = cloud.client.get_imported_model(resp.data.id).data
    assert model.lifecycle_state == "FAILED" and "config.json" in model.lifecycle_details


def test_prefix_without_trailing_slash_is_a_folder(cloud: Cloud) -> None:
    ok = cloud.client.create_imported_model(os_model(cloud, "slashless", "models/tiny")).data
    # `models/tin` is a string prefix of `models/tiny/` but not a folder holding config.json
    partial = cloud.client.create_imported_model(os_model(cloud, "partial", "models/tin")).data
    cloud.advance(30)
    assert cloud.client.get_imported_model(ok.id).data.lifecycle_state == "ACTIVE"
    assert cloud.client.get_imported_model(partial.id).data.lifecycle_state == "FAILED"


def test_import_from_a_missing_bucket_fails_without_breaking_the_service(cloud: Cloud) -> None:
    details = os_model(cloud)
    details.data_source.bucket_name = "no-such-bucket"
    resp = cloud.client.create_imported_model(details)
    cloud.advance(30)
    assert cloud.client.get_imported_model(resp.data.id).data.lifecycle_state == "FAILED"
    errors = cloud.client.list_work_request_errors(resp.headers["opc-work-request-id"]).data.items
    assert f"oci://no-such-bucket@{cloud.namespace}/models/tiny/" in errors[0].message


def test_injected_fault_fails_the_work_request_and_the_resource(cloud: Cloud) -> None:
    cloud.fail("CREATE_DEDICATED_AI_CLUSTER", "doomed", "Out of host capacity for A10_X1")
    bad = cloud.client.create_dedicated_ai_cluster(hosting("doomed"))
    good = cloud.client.create_dedicated_ai_cluster(hosting("fine"))
    cloud.advance(30)
    bad_wr = cloud.client.get_work_request(bad.headers["opc-work-request-id"]).data
    assert bad_wr.status == "FAILED" and 0 < bad_wr.percent_complete < 100
    errors = cloud.client.list_work_request_errors(bad_wr.id).data.items
    assert [e.message for e in errors] == ["Out of host capacity for A10_X1"]
    assert cloud.client.get_dedicated_ai_cluster(bad.data.id).data.lifecycle_state == "FAILED"
    assert cloud.client.get_dedicated_ai_cluster(good.data.id).data.lifecycle_state == "ACTIVE"
    # a FAILED cluster can be deleted
    deleted = cloud.client.delete_dedicated_ai_cluster(bad.data.id)
    assert deleted.headers["opc-work-request-id"]


def test_retry_token_returns_the_same_resource_and_rejects_another_body(cloud: Cloud) -> None:
    first = cloud.client.create_dedicated_ai_cluster(hosting("dedup"), opc_retry_token="token-1")
    again = cloud.client.create_dedicated_ai_cluster(hosting("dedup"), opc_retry_token="token-1")
    assert again.data.id == first.data.id
    assert again.headers["opc-work-request-id"] == first.headers["opc-work-request-id"]

    err = service_error(
        cloud.client.create_dedicated_ai_cluster, hosting("dedup", shape="A10_X2"), opc_retry_token="token-1"
    )
    assert err.status == 409 and err.code == "Conflict" and "retry token" in err.message

    other = cloud.client.create_dedicated_ai_cluster(hosting("dedup"), opc_retry_token="token-2")
    assert other.data.id != first.data.id
    clusters = cloud.client.list_dedicated_ai_clusters(compartment_id=COMP, display_name="dedup").data.items
    assert len(clusters) == 2

    # the token is remembered across a restart, and expires after 24 hours
    cloud.restart()
    assert cloud.client.create_dedicated_ai_cluster(hosting("dedup"), opc_retry_token="token-1").data.id == (
        first.data.id
    )
    cloud.advance(24 * 3600 + 1)
    assert cloud.client.create_dedicated_ai_cluster(hosting("dedup"), opc_retry_token="token-1").data.id != (
        first.data.id
    )


def test_concurrent_creates_with_one_retry_token_make_one_resource(cloud: Cloud) -> None:
    """The SDK retries a create whose answer was lost; the retries may overlap the first attempt."""
    results: list[str] = []

    def create() -> None:
        client = make_client(cloud.handle)
        results.append(client.create_dedicated_ai_cluster(hosting("raced"), opc_retry_token="race-1").data.id)

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 6 and len(set(results)) == 1
    listed = cloud.client.list_dedicated_ai_clusters(compartment_id=COMP, display_name="raced").data.items
    assert [c.id for c in listed] == results[:1]


def test_unknown_unit_shape_and_bad_capabilities_are_rejected(cloud: Cloud) -> None:
    err = service_error(cloud.client.create_dedicated_ai_cluster, hosting(shape="A10_X3"))
    assert (err.status, err.code) == (400, "InvalidParameter")
    assert "A10_X3" in err.message and "A10_X2" in err.message
    err = service_error(cloud.client.create_dedicated_ai_cluster, hosting(type="GAMING"))
    assert err.status == 400 and "HOSTING" in err.message
    for caps in (["TEXT_TO_TEXT", "EMBEDDING"], ["TEXT_TO_IMAGE"], []):
        err = service_error(cloud.client.create_imported_model, os_model(cloud, capabilities=caps))
        assert err.status == 400 and "exactly one of" in err.message
    assert cloud.client.list_imported_models(compartment_id=COMP).data.items == []


def test_unknown_properties_and_non_json_bodies_are_400(cloud: Cloud) -> None:
    base = f"{cloud.handle.info.endpoint}/20231130/dedicatedAiClusters"
    signer = cloud.handle.factory.signer()

    def post(body: bytes) -> tuple[int, dict[str, str]]:
        r = requests.post(base, data=body, headers={"content-type": "application/json"}, auth=signer)
        return r.status_code, r.json()

    ok = {"compartmentId": COMP, "type": "HOSTING", "unitCount": 1, "unitShape": "A10_X1"}
    status, body = post(json.dumps({**ok, "gpuCount": 8}).encode())
    assert status == 400 and body["code"] == "InvalidParameter" and "gpuCount" in body["message"]
    status, body = post(b"{not json")
    assert status == 400 and body["code"] == "InvalidParameter"
    status, body = post(json.dumps({**ok, "unitCount": 0}).encode())
    assert status == 400 and "unitCount" in body["message"]
    status, body = post(json.dumps(ok).encode())
    assert status == 200 and body["lifecycleState"] == "CREATING"
    # the SDK refuses these client-side; a hand-made request gets OCI's answer
    for query in ("lifecycleState=SLEEPING", "sortBy=unitShape", "limit=0", "page=bm90LWEtcGFnZQ", ""):
        url = f"{base}?{query}"
        if query:
            url += f"&compartmentId={COMP}"
        r = requests.get(url, auth=signer)
        assert r.status_code == 400 and r.json()["code"] == "InvalidParameter", query


def test_endpoint_rules_hosting_active_cluster_and_deletion_order(cloud: Cloud) -> None:
    model_id, cluster_id = active_model_and_cluster(cloud)
    tuning = cloud.client.create_dedicated_ai_cluster(hosting("ft", type="FINE_TUNING")).data
    creating = cloud.client.create_dedicated_ai_cluster(hosting("young")).data

    def endpoint(cluster: str, model: str = model_id) -> M.CreateEndpointDetails:
        return M.CreateEndpointDetails(
            compartment_id=COMP, model_id=model, dedicated_ai_cluster_id=cluster, display_name="ep"
        )

    err = service_error(cloud.client.create_endpoint, endpoint(creating.id))
    assert (err.status, err.code) == (409, "IncorrectState") and "CREATING" in err.message
    cloud.advance(25)
    err = service_error(cloud.client.create_endpoint, endpoint(tuning.id))
    assert err.status == 400 and "HOSTING" in err.message
    err = service_error(
        cloud.client.create_endpoint, endpoint(cluster_id, "ocid1.generativeaiimportedmodel.oc1..x")
    )
    assert (err.status, err.code) == (404, "NotAuthorizedOrNotFound")

    ep = cloud.client.create_endpoint(endpoint(cluster_id))
    assert ep.data.lifecycle_state == "CREATING" and ep.headers["opc-work-request-id"]
    cluster = cloud.client.get_dedicated_ai_cluster(cluster_id).data
    assert cluster.capacity.used_endpoint_capacity == 1 and cluster.capacity.total_endpoint_capacity == 50
    cloud.advance(15)
    assert cloud.client.get_endpoint(ep.data.id).data.lifecycle_state == "ACTIVE"

    err = service_error(cloud.client.delete_dedicated_ai_cluster, cluster_id)
    assert err.status == 409 and ep.data.id in err.message
    err = service_error(cloud.client.delete_imported_model, model_id)
    assert err.status == 409 and "active endpoint" in err.message

    deletion = cloud.client.delete_endpoint(ep.data.id)
    assert deletion.status == 204
    assert cloud.client.get_endpoint(ep.data.id).data.lifecycle_state == "DELETING"
    # still attached while it is being deleted
    assert service_error(cloud.client.delete_dedicated_ai_cluster, cluster_id).status == 409
    cloud.advance(6)
    wr = cloud.client.get_work_request(deletion.headers["opc-work-request-id"]).data
    assert (wr.operation_type, wr.status) == ("DELETE_ENDPOINT", "SUCCEEDED")
    assert cloud.client.get_endpoint(ep.data.id).data.lifecycle_state == "DELETED"
    assert service_error(cloud.client.delete_endpoint, ep.data.id).status == 404

    assert cloud.client.delete_dedicated_ai_cluster(cluster_id).headers["opc-work-request-id"]
    assert cloud.client.delete_imported_model(model_id).headers["opc-work-request-id"]
    cloud.advance(6)
    assert cloud.client.get_dedicated_ai_cluster(cluster_id).data.lifecycle_state == "DELETED"
    assert cloud.client.get_imported_model(model_id).data.lifecycle_state == "DELETED"


def test_endpoint_on_a_failed_deleting_or_deleted_cluster(cloud: Cloud) -> None:
    model_id, cluster_id = active_model_and_cluster(cloud)
    cloud.fail("CREATE_DEDICATED_AI_CLUSTER", "broken", "no capacity")
    broken = cloud.client.create_dedicated_ai_cluster(hosting("broken")).data
    cloud.advance(25)

    def endpoint(cluster: str) -> M.CreateEndpointDetails:
        return M.CreateEndpointDetails(
            compartment_id=COMP, model_id=model_id, dedicated_ai_cluster_id=cluster
        )

    # FAILED never heals: 400, which the SDK does not retry
    err = service_error(cloud.client.create_endpoint, endpoint(broken.id))
    assert (err.status, err.code) == (400, "InvalidParameter") and "FAILED" in err.message
    # DELETING is passing: 409 IncorrectState, which the SDK retries
    cloud.client.delete_dedicated_ai_cluster(cluster_id)
    err = service_error(cloud.client.create_endpoint, endpoint(cluster_id))
    assert (err.status, err.code) == (409, "IncorrectState") and "DELETING" in err.message
    # DELETED is gone
    cloud.advance(6)
    err = service_error(cloud.client.create_endpoint, endpoint(cluster_id))
    assert (err.status, err.code) == (404, "NotAuthorizedOrNotFound")


def test_list_filters_and_pagination(cloud: Cloud) -> None:
    ids = []
    for i in range(7):
        tags = {"import-id": f"imp-{i % 2}", "managed-by": "model-import"}
        ids.append(cloud.client.create_dedicated_ai_cluster(hosting(f"c{i}", freeform_tags=tags)).data.id)
        cloud.advance(1)
    cloud.client.create_dedicated_ai_cluster(
        M.CreateDedicatedAiClusterDetails(
            compartment_id=OTHER_COMP,
            type="HOSTING",
            unit_count=1,
            unit_shape="A10_X1",
            display_name="elsewhere",
        )
    )
    first = cloud.client.list_dedicated_ai_clusters(compartment_id=COMP, limit=3)
    assert len(first.data.items) == 3 and first.has_next_page
    second = cloud.client.list_dedicated_ai_clusters(compartment_id=COMP, limit=3, page=first.next_page)
    assert {i.id for i in first.data.items}.isdisjoint({i.id for i in second.data.items})

    every = oci.pagination.list_call_get_all_results(
        cloud.client.list_dedicated_ai_clusters, compartment_id=COMP, limit=2
    ).data
    assert sorted(i.id for i in every) == sorted(ids)
    assert [i.id for i in every] == list(reversed(ids))  # timeCreated DESC by default
    by_name = cloud.client.list_dedicated_ai_clusters(
        compartment_id=COMP, sort_by="displayName", sort_order="ASC"
    )
    assert [i.display_name for i in by_name.data.items] == [f"c{i}" for i in range(7)]

    # tags are in every summary, so a caller filters by tag client-side
    tagged = [i.id for i in every if i.freeform_tags.get("import-id") == "imp-1"]
    assert sorted(tagged) == sorted(ids[1::2])

    cloud.advance(16)  # c0..c3 are 20 s old or more, so ACTIVE; c4..c6 still CREATING
    active = cloud.client.list_dedicated_ai_clusters(compartment_id=COMP, lifecycle_state="ACTIVE").data.items
    creating = cloud.client.list_dedicated_ai_clusters(
        compartment_id=COMP, lifecycle_state="CREATING"
    ).data.items
    assert sorted(i.id for i in active) == sorted(ids[:4])
    assert sorted(i.id for i in creating) == sorted(ids[4:])
    assert {i.lifecycle_state for i in active} == {"ACTIVE"}
    named = cloud.client.list_dedicated_ai_clusters(compartment_id=COMP, display_name="c3").data.items
    assert [i.id for i in named] == [ids[3]]
    assert [
        i.id for i in cloud.client.list_dedicated_ai_clusters(compartment_id=COMP, id=ids[5]).data.items
    ] == [ids[5]]

    err = service_error(cloud.client.list_dedicated_ai_clusters, compartment_id=COMP, page="garbage")
    assert err.status == 400


def test_imported_model_filters_by_capability_and_vendor(cloud: Cloud) -> None:
    chat = cloud.client.create_imported_model(os_model(cloud, "chat", vendor="acme")).data
    embed = cloud.client.create_imported_model(
        os_model(cloud, "embed", capabilities=["EMBEDDING"], vendor="other")
    ).data
    got = cloud.client.list_imported_models(compartment_id=COMP, capability=["EMBEDDING"]).data.items
    assert [m.id for m in got] == [embed.id]
    got = cloud.client.list_imported_models(compartment_id=COMP, vendor="acme").data.items
    assert [m.id for m in got] == [chat.id]
    got = cloud.client.list_imported_models(
        compartment_id=COMP, capability=["EMBEDDING", "TEXT_TO_TEXT"]
    ).data
    assert len(got.items) == 2


def test_work_request_listing_by_resource_and_status(cloud: Cloud) -> None:
    _, cluster_id = active_model_and_cluster(cloud)
    cloud.client.update_dedicated_ai_cluster(cluster_id, M.UpdateDedicatedAiClusterDetails(unit_count=2))
    for_cluster = cloud.client.list_work_requests(compartment_id=COMP, resource_id=cluster_id).data.items
    assert sorted(w.operation_type for w in for_cluster) == [
        "CREATE_DEDICATED_AI_CLUSTER",
        "UPDATE_DEDICATED_AI_CLUSTER",
    ]
    running = cloud.client.list_work_requests(compartment_id=COMP, status="ACCEPTED").data.items
    assert [w.operation_type for w in running] == ["UPDATE_DEDICATED_AI_CLUSTER"]
    assert cloud.client.list_work_requests(compartment_id=OTHER_COMP).data.items == []
    assert (
        service_error(cloud.client.get_work_request, "ocid1.generativeaiworkrequest.oc1..nope").status == 404
    )


def test_update_with_if_match_and_change_compartment(cloud: Cloud) -> None:
    model_id, cluster_id = active_model_and_cluster(cloud)
    current = cloud.client.get_dedicated_ai_cluster(cluster_id)
    err = service_error(
        cloud.client.update_dedicated_ai_cluster,
        cluster_id,
        M.UpdateDedicatedAiClusterDetails(display_name="renamed"),
        if_match="not-the-etag",
    )
    assert err.status == 412
    updated = cloud.client.update_dedicated_ai_cluster(
        cluster_id,
        M.UpdateDedicatedAiClusterDetails(display_name="renamed", unit_count=2, freeform_tags={"k": "v"}),
        if_match=current.headers["etag"],
    )
    assert updated.data.lifecycle_state == "UPDATING" and updated.data.display_name == "renamed"
    assert updated.headers["etag"] != current.headers["etag"]
    # no second update while one runs
    err = service_error(
        cloud.client.update_dedicated_ai_cluster, cluster_id, M.UpdateDedicatedAiClusterDetails(unit_count=3)
    )
    assert (err.status, err.code) == (409, "IncorrectState")
    cloud.advance(6)
    got = cloud.client.get_dedicated_ai_cluster(cluster_id).data
    assert (got.lifecycle_state, got.unit_count, got.freeform_tags) == ("ACTIVE", 2, {"k": "v"})

    moved = cloud.client.change_imported_model_compartment(
        model_id, M.ChangeImportedModelCompartmentDetails(compartment_id=OTHER_COMP)
    )
    assert moved.status == 200 and "opc-work-request-id" not in moved.headers
    assert cloud.client.list_imported_models(compartment_id=COMP).data.items == []
    assert [m.id for m in cloud.client.list_imported_models(compartment_id=OTHER_COMP).data.items] == [
        model_id
    ]


def test_state_survives_a_restart(cloud: Cloud) -> None:
    model_id, cluster_id = active_model_and_cluster(cloud)
    pending = cloud.client.create_imported_model(os_model(cloud, "later")).data
    cloud.restart()
    assert cloud.client.get_imported_model(model_id).data.lifecycle_state == "ACTIVE"
    assert cloud.client.get_imported_model(pending.id).data.lifecycle_state == "CREATING"
    cloud.advance(25)
    assert cloud.client.get_imported_model(pending.id).data.lifecycle_state == "ACTIVE"
    assert cloud.client.get_dedicated_ai_cluster(cluster_id).data.display_name == "dac"
    files = sorted(p.name for p in (cloud.handle.state_dir / "genai" / "importedModels").iterdir())
    assert files == sorted(f"{i}.json" for i in (model_id, pending.id))


def test_composite_operation_waits_for_the_real_states(make_localcloud: Callable[..., Any]) -> None:
    """The SDK's own waiter (polling get_work_request, default retry strategy) sees it finish."""
    handle = make_localcloud()  # short lifecycles, real time
    config = oci.config.from_file(handle.info.config_file, handle.info.profile)
    client = oci.generative_ai.GenerativeAiClient(config, service_endpoint=handle.info.endpoint)
    ops = oci.generative_ai.GenerativeAiClientCompositeOperations(client)
    result = ops.create_dedicated_ai_cluster_and_wait_for_state(
        hosting("waited"), wait_for_states=["SUCCEEDED", "FAILED"], waiter_kwargs={"max_wait_seconds": 30}
    )
    assert result.data.status == "SUCCEEDED"
    cluster_id = result.data.resources[0].identifier
    assert client.get_dedicated_ai_cluster(cluster_id).data.lifecycle_state == "ACTIVE"
