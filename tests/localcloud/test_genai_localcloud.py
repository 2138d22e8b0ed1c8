"""The Generative AI control plane inside the full local cloud: signed SDK calls, the local Hub
behind Hugging Face imports, the access token kept sealed, faults set through the cloud."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import oci
import pytest
from oci._vendor import requests

from localcloud.hub_repo import gate_repo

M = oci.generative_ai.models
TOKEN = "hf_sealedTokenNeverInClear_0123456789"


def control(handle: Any) -> oci.generative_ai.GenerativeAiClient:
    config = oci.config.from_file(handle.info.config_file, handle.info.profile)
    return oci.generative_ai.GenerativeAiClient(
        config, service_endpoint=handle.info.endpoint, retry_strategy=oci.retry.NoneRetryStrategy()
    )


def gated_repo(hub_root: Path, repo: str = "meta/gated-llm") -> None:
    folder = hub_root / repo
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text('{"model_type": "llama"}')
    gate_repo(folder, [TOKEN])


def hf_import(handle: Any, client: Any, model_id: str, token: str | None, name: str) -> Any:
    return client.create_imported_model(
        M.CreateImportedModelDetails(
            compartment_id=handle.info.compartment_id,
            display_name=name,
            capabilities=["TEXT_TO_TEXT"],
            data_source=M.HuggingFaceModel(model_id=model_id, access_token=token, branch="main"),
        )
    )


def files_containing(root: Path, needle: bytes, skip: Path) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and skip not in path.parents and needle in path.read_bytes():
            found.append(path)
    return found


def test_hugging_face_import_keeps_the_token_sealed(localcloud: Any) -> None:
    hub_root = localcloud.state_dir / "hub"
    gated_repo(hub_root)
    client = control(localcloud)
    resp = hf_import(localcloud, client, "meta/gated-llm", TOKEN, "gated-ok")
    assert resp.data.data_source.model_id == "meta/gated-llm"
    assert resp.data.data_source.access_token is None
    localcloud.cloud.clock_offset += 60
    model = client.get_imported_model(resp.data.id)
    assert model.data.lifecycle_state == "ACTIVE"

    # the raw GET and list answers never carry the token
    signer = localcloud.factory.signer()
    base = f"{localcloud.info.endpoint}/20231130/importedModels"
    raw_get = requests.get(f"{base}/{resp.data.id}", auth=signer)
    raw_list = requests.get(base, params={"compartmentId": localcloud.info.compartment_id}, auth=signer)
    assert raw_get.status_code == raw_list.status_code == 200
    assert TOKEN not in raw_get.text and TOKEN not in raw_list.text
    assert "accessToken" not in raw_get.json()["dataSource"]
    logs = client.list_work_request_logs(resp.headers["opc-work-request-id"]).data.items
    assert all(TOKEN not in entry.message for entry in logs)

    # nor does any file the cloud wrote (the Hub's own folder holds its list of accepted tokens)
    assert files_containing(localcloud.state_dir, TOKEN.encode(), skip=hub_root) == []
    assert list((localcloud.state_dir / "genai").rglob("*.json"))


def test_hugging_face_import_fails_without_access(localcloud: Any) -> None:
    gated_repo(localcloud.state_dir / "hub")
    client = control(localcloud)
    refused = hf_import(localcloud, client, "meta/gated-llm", "hf_wrong", "gated-wrong")
    anonymous = hf_import(localcloud, client, "meta/gated-llm", None, "gated-anon")
    missing = hf_import(localcloud, client, "nobody/nothing", None, "missing")
    localcloud.cloud.clock_offset += 60
    for resp, code in ((refused, "HuggingFaceAccessDenied"), (anonymous, "HuggingFaceAccessDenied")):
        wr_id = resp.headers["opc-work-request-id"]
        assert client.get_work_request(wr_id).data.status == "FAILED"
        errors = client.list_work_request_errors(wr_id).data.items
        assert errors[0].code == code and "meta/gated-llm" in errors[0].message
        assert client.get_imported_model(resp.data.id).data.lifecycle_state == "FAILED"
    errors = client.list_work_request_errors(missing.headers["opc-work-request-id"]).data.items
    assert errors[0].code == "HuggingFaceModelNotFound" and "nobody/nothing" in errors[0].message


def test_work_request_fault_set_through_the_cloud(localcloud: Any) -> None:
    localcloud.fail_work_request("doomed-dac", "CREATE_DEDICATED_AI_CLUSTER", "Out of capacity (injected)")
    client = control(localcloud)
    details = dict(
        compartment_id=localcloud.info.compartment_id, type="HOSTING", unit_count=1, unit_shape="A10_X1"
    )
    bad = client.create_dedicated_ai_cluster(
        M.CreateDedicatedAiClusterDetails(display_name="doomed-dac", **details)
    )
    good = client.create_dedicated_ai_cluster(
        M.CreateDedicatedAiClusterDetails(display_name="fine-dac", **details)
    )
    localcloud.cloud.clock_offset += 60
    errors = client.list_work_request_errors(bad.headers["opc-work-request-id"]).data.items
    assert [e.message for e in errors] == ["Out of capacity (injected)"]
    assert client.get_dedicated_ai_cluster(bad.data.id).data.lifecycle_state == "FAILED"
    assert client.get_dedicated_ai_cluster(good.data.id).data.lifecycle_state == "ACTIVE"


def test_sealed_token_and_state_survive_a_restart(
    make_localcloud: Callable[..., Any], tmp_path: Path
) -> None:
    state_dir = tmp_path / "cloud"
    first = make_localcloud(state_dir=state_dir)
    gated_repo(state_dir / "hub")
    client = control(first)
    # created, then the cloud stops before the work request starts: the check runs after the restart
    resp = hf_import(first, client, "meta/gated-llm", TOKEN, "across-restart")
    first.cloud.stop()

    second = make_localcloud(state_dir=state_dir)
    second.cloud.clock_offset += 60
    client = control(second)
    model = client.get_imported_model(resp.data.id).data
    assert model.lifecycle_state == "ACTIVE", client.list_work_request_errors(
        resp.headers["opc-work-request-id"]
    ).data.items
    assert model.display_name == "across-restart"
    assert not any(state_dir.rglob("*.key"))  # the sealing key is not in the state directory
    key_file = second.cloud.genai.store.vault.key_file
    assert key_file.stat().st_mode & 0o077 == 0  # readable by the owner only


def test_signed_requests_only(localcloud: Any) -> None:
    r = requests.get(
        f"{localcloud.info.endpoint}/20231130/importedModels",
        params={"compartmentId": localcloud.info.compartment_id},
    )
    assert r.status_code == 401 and set(json.loads(r.text)) >= {"code", "message"}


@pytest.mark.parametrize("collection", ["importedModels", "dedicatedAiClusters", "endpoints"])
def test_unknown_ids_are_404_in_ocis_shape(localcloud: Any, collection: str) -> None:
    r = requests.get(
        f"{localcloud.info.endpoint}/20231130/{collection}/ocid1.x.oc1..nothing",
        auth=localcloud.factory.signer(),
    )
    assert r.status_code == 404 and r.json()["code"] == "NotAuthorizedOrNotFound"


def test_service_faults_select_the_control_plane_by_name(localcloud: Any) -> None:
    """A 503 injected for service "generativeai" reaches the control plane, once."""
    localcloud.set_fault(service="generativeai", status=503, method="GET", count=1)
    client = control(localcloud)
    with pytest.raises(oci.exceptions.ServiceError) as info:
        client.list_imported_models(compartment_id=localcloud.info.compartment_id)
    assert info.value.status == 503
    assert client.list_imported_models(compartment_id=localcloud.info.compartment_id).data.items == []


def random_json(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.randrange(7 if depth < 3 else 5)
    if pick == 0:
        return None
    if pick == 1:
        return rng.choice([True, False])
    if pick == 2:
        return rng.choice([0, -1, 1, 97, 2**63, 3.5, 1e308])
    if pick == 3:
        return rng.choice(
            ["", "x" * 300, "ocid1.generativeaiendpoint.oc1..x", "\u00e9\u0000", "IMAGE", "RERANK"]
        )
    if pick == 4:
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    if pick == 5:
        return {rng.choice(["type", "text", "role", "x"]): random_json(rng, depth + 1) for _ in range(3)}
    return rng.choice(["TEXT_TO_TEXT", "EMBEDDING", "A10_X1", "HOSTING", "USER", "TEXT", "DEDICATED"])


def mutate(rng: random.Random, doc: Any) -> Any:
    """A valid body with one value somewhere replaced by garbage, or one key removed."""
    doc = json.loads(json.dumps(doc))
    node, path = doc, []
    while isinstance(node, dict | list) and node and rng.random() < 0.7:
        key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
        path.append((node, key))
        node = node[key]
    if not path:
        return random_json(rng)
    parent, key = path[-1]
    if isinstance(parent, dict) and rng.random() < 0.3:
        del parent[key]
    else:
        parent[key] = random_json(rng)
    return doc


def test_garbage_bodies_never_crash_a_handler(localcloud: Any) -> None:
    """Valid bodies of every POST route, each mutated at one random place (plus bytes that are
    not JSON), against ACTIVE endpoints of each capability: 2xx or 4xx in OCI's shape, never 5xx."""
    client = control(localcloud)
    info = localcloud.info
    comp, ns, bucket = info.compartment_id, info.namespace, info.bucket
    localcloud.factory.object_storage().put_object(ns, bucket, "models/fz/config.json", b"{}")
    cluster = client.create_dedicated_ai_cluster(
        M.CreateDedicatedAiClusterDetails(
            compartment_id=comp, type="HOSTING", unit_count=1, unit_shape="A10_X1"
        )
    ).data.id
    source = M.ObjectStorageObject(namespace_name=ns, bucket_name=bucket, prefix_name="models/fz/")
    models = {
        cap: client.create_imported_model(
            M.CreateImportedModelDetails(compartment_id=comp, capabilities=[cap], data_source=source)
        ).data.id
        for cap in ("TEXT_TO_TEXT", "EMBEDDING", "RERANK")
    }
    localcloud.cloud.clock_offset += 60
    ep = {
        cap: client.create_endpoint(
            M.CreateEndpointDetails(compartment_id=comp, model_id=model, dedicated_ai_cluster_id=cluster)
        ).data.id
        for cap, model in models.items()
    }
    localcloud.cloud.clock_offset += 60

    def dedicated(cap: str) -> dict[str, str]:
        return {"servingType": "DEDICATED", "endpointId": ep[cap]}

    text = [{"type": "TEXT", "text": "hello there"}]
    valid: dict[str, Any] = {
        "/20231130/actions/chat": {
            "compartmentId": comp,
            "servingMode": dedicated("TEXT_TO_TEXT"),
            "chatRequest": {
                "apiFormat": "GENERIC",
                "messages": [{"role": "USER", "content": text}],
                "maxTokens": 8,
            },
        },
        "/20231130/actions/embedText": {
            "compartmentId": comp,
            "servingMode": dedicated("EMBEDDING"),
            "inputs": ["a", "b"],
            "outputDimensions": 16,
        },
        "/20231130/actions/rerankText": {
            "compartmentId": comp,
            "servingMode": dedicated("RERANK"),
            "input": "q",
            "documents": ["q d", "e"],
            "topN": 1,
            "isEcho": True,
        },
        "/openai/v1/chat/completions": {
            "model": ep["TEXT_TO_TEXT"],
            "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
            "max_tokens": 8,
        },
        "/20231130/importedModels": {
            "compartmentId": comp,
            "capabilities": ["EMBEDDING"],
            "dataSource": {"sourceType": "HUGGING_FACE_MODEL", "modelId": "a/b", "branch": "main"},
        },
        "/20231130/dedicatedAiClusters": {
            "compartmentId": comp,
            "type": "HOSTING",
            "unitCount": 1,
            "unitShape": "A10_X2",
            "freeformTags": {"k": "v"},
        },
        "/20231130/endpoints": {
            "compartmentId": comp,
            "modelId": models["RERANK"],
            "dedicatedAiClusterId": cluster,
        },
    }
    rng = random.Random(20231130)
    signer = localcloud.factory.signer()
    outcomes: set[tuple[str, int]] = set()
    for i in range(350):
        path = rng.choice(list(valid))
        body = b"\xff{not json" if i % 25 == 0 else json.dumps(mutate(rng, valid[path])).encode()
        r = requests.post(
            info.endpoint + path,
            data=body,
            headers={"content-type": "application/json", "opc-compartment-id": comp},
            auth=signer,
        )
        assert r.status_code < 500, (path, body[:300], r.text[:300])
        if r.status_code >= 400:
            assert set(r.json()) >= {"code", "message"}, r.text[:300]
        outcomes.add((path, r.status_code // 100))
    # the garbage reached both the answers and the refusals of every route
    assert outcomes == {(p, c) for p in valid for c in (2, 4)}
