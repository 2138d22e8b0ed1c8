"""Inference against the full local cloud: the real inference client, and signed OpenAI-style calls."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import oci
import pytest
from oci._vendor import requests  # the SDK's own HTTP stack, so the OCI signer applies as-is

IM = oci.generative_ai_inference.models
GM = oci.generative_ai.models


@dataclass
class Deployed:
    handle: Any
    control: oci.generative_ai.GenerativeAiClient
    inference: oci.generative_ai_inference.GenerativeAiInferenceClient
    compartment: str
    endpoints: dict[str, str]  # capability -> ACTIVE endpoint OCID
    models: dict[str, str]  # capability -> imported model OCID


def clients(handle: Any) -> tuple[oci.generative_ai.GenerativeAiClient, Any]:
    config = oci.config.from_file(handle.info.config_file, handle.info.profile)
    # no retries: the SDK's default strategy retries 409 IncorrectState, which these tests provoke
    kw = {"service_endpoint": handle.info.endpoint, "retry_strategy": oci.retry.NoneRetryStrategy()}
    return (
        oci.generative_ai.GenerativeAiClient(config, **kw),
        oci.generative_ai_inference.GenerativeAiInferenceClient(config, **kw),
    )


def deploy(handle: Any, control: Any, capability: str, name: str) -> tuple[str, str]:
    """Stage config.json, import, host and serve one model; returns (model, endpoint) OCIDs, ACTIVE."""
    info = handle.info
    os_client = handle.factory.object_storage()
    os_client.put_object(info.namespace, info.bucket, f"models/{name}/config.json", b"{}")
    model = control.create_imported_model(
        GM.CreateImportedModelDetails(
            compartment_id=info.compartment_id,
            display_name=name,
            capabilities=[capability],
            data_source=GM.ObjectStorageObject(
                namespace_name=info.namespace, bucket_name=info.bucket, prefix_name=f"models/{name}/"
            ),
        )
    ).data
    cluster = control.create_dedicated_ai_cluster(
        GM.CreateDedicatedAiClusterDetails(
            compartment_id=info.compartment_id,
            type="HOSTING",
            unit_count=1,
            unit_shape="A10_X1",
            display_name=name,
        )
    ).data
    handle.cloud.clock_offset += 60
    assert control.get_imported_model(model.id).data.lifecycle_state == "ACTIVE"
    endpoint = control.create_endpoint(
        GM.CreateEndpointDetails(
            compartment_id=info.compartment_id,
            model_id=model.id,
            dedicated_ai_cluster_id=cluster.id,
            display_name=name,
        )
    ).data
    handle.cloud.clock_offset += 60
    assert control.get_endpoint(endpoint.id).data.lifecycle_state == "ACTIVE"
    return model.id, endpoint.id


@pytest.fixture
def deployed(localcloud: Any) -> Deployed:
    control, inference = clients(localcloud)
    endpoints, models = {}, {}
    for capability, name in (("TEXT_TO_TEXT", "chatty"), ("EMBEDDING", "embedder"), ("RERANK", "ranker")):
        models[capability], endpoints[capability] = deploy(localcloud, control, capability, name)
    return Deployed(localcloud, control, inference, localcloud.info.compartment_id, endpoints, models)


def chat_details(d: Deployed, endpoint: str, text: str, **kw: Any) -> IM.ChatDetails:
    return IM.ChatDetails(
        compartment_id=d.compartment,
        serving_mode=IM.DedicatedServingMode(endpoint_id=endpoint),
        chat_request=IM.GenericChatRequest(
            messages=[
                IM.SystemMessage(content=[IM.TextContent(text="You are terse.")]),
                IM.UserMessage(content=[IM.TextContent(text=text)]),
            ],
            **kw,
        ),
    )


def error_of(call: Any, *args: Any) -> oci.exceptions.ServiceError:
    with pytest.raises(oci.exceptions.ServiceError) as info:
        call(*args)
    return info.value


def test_chat_names_endpoint_and_model_and_is_deterministic(deployed: Deployed) -> None:
    endpoint = deployed.endpoints["TEXT_TO_TEXT"]
    result = deployed.inference.chat(chat_details(deployed, endpoint, "What is the capital of France?")).data
    text = result.chat_response.choices[0].message.content[0].text
    assert text.startswith("[localcloud emulation]")
    assert endpoint in text and deployed.models["TEXT_TO_TEXT"] in text and "chatty" in text
    assert "What is the capital of France?" in text
    assert result.model_id == deployed.models["TEXT_TO_TEXT"]
    assert result.chat_response.choices[0].finish_reason == "stop"
    usage = result.chat_response.usage
    assert usage.prompt_tokens == 9 and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    again = deployed.inference.chat(chat_details(deployed, endpoint, "What is the capital of France?")).data
    assert again.chat_response.choices[0].message.content[0].text == text
    other = deployed.inference.chat(chat_details(deployed, endpoint, "Something else")).data
    assert other.chat_response.choices[0].message.content[0].text != text

    short = deployed.inference.chat(chat_details(deployed, endpoint, "hello", max_tokens=4)).data
    assert short.chat_response.choices[0].finish_reason == "length"
    assert len(short.chat_response.choices[0].message.content[0].text.split()) == 4


def test_each_action_only_on_its_capability(deployed: Deployed) -> None:
    chat_ep, embed_ep, rerank_ep = (deployed.endpoints[c] for c in ("TEXT_TO_TEXT", "EMBEDDING", "RERANK"))
    err = error_of(deployed.inference.chat, chat_details(deployed, embed_ep, "hi"))
    assert (err.status, err.code) == (400, "InvalidParameter") and "EMBEDDING" in err.message
    embed = IM.EmbedTextDetails(
        inputs=["x"],
        compartment_id=deployed.compartment,
        serving_mode=IM.DedicatedServingMode(endpoint_id=chat_ep),
    )
    assert error_of(deployed.inference.embed_text, embed).status == 400
    rerank = IM.RerankTextDetails(
        input="q",
        documents=["d"],
        compartment_id=deployed.compartment,
        serving_mode=IM.DedicatedServingMode(endpoint_id=embed_ep),
    )
    assert error_of(deployed.inference.rerank_text, rerank).status == 400
    image = IM.ChatDetails(
        compartment_id=deployed.compartment,
        serving_mode=IM.DedicatedServingMode(endpoint_id=chat_ep),
        chat_request=IM.GenericChatRequest(
            messages=[
                IM.UserMessage(
                    content=[IM.ImageContent(image_url=IM.ImageUrl(url="data:image/png;base64,AAAA"))]
                )
            ]
        ),
    )
    err = error_of(deployed.inference.chat, image)
    assert err.status == 400 and "image" in err.message
    err = error_of(deployed.inference.chat, chat_details(deployed, rerank_ep, "hi"))
    assert err.status == 400 and "RERANK" in err.message


def test_embeddings_are_deterministic_unit_vectors(deployed: Deployed) -> None:
    mode = IM.DedicatedServingMode(endpoint_id=deployed.endpoints["EMBEDDING"])
    details = IM.EmbedTextDetails(
        inputs=["alpha", "beta", "alpha"], compartment_id=deployed.compartment, serving_mode=mode
    )
    result = deployed.inference.embed_text(details).data
    a, b, a2 = result.embeddings
    assert len(a) == 1024 and a == a2 and a != b
    assert math.isclose(sum(v * v for v in a), 1.0, rel_tol=1e-3)
    assert deployed.inference.embed_text(details).data.embeddings == result.embeddings
    small = IM.EmbedTextDetails(
        inputs=["alpha"], compartment_id=deployed.compartment, serving_mode=mode, output_dimensions=64
    )
    assert len(deployed.inference.embed_text(small).data.embeddings[0]) == 64
    too_many = IM.EmbedTextDetails(inputs=["x"] * 97, compartment_id=deployed.compartment, serving_mode=mode)
    err = error_of(deployed.inference.embed_text, too_many)
    assert err.status == 400 and "96" in err.message


def test_rerank_scores_are_deterministic_and_ranked(deployed: Deployed) -> None:
    mode = IM.DedicatedServingMode(endpoint_id=deployed.endpoints["RERANK"])
    docs = ["Paris is in France", "bananas are yellow", "the capital of France is Paris", "rain"]
    details = IM.RerankTextDetails(
        input="capital of France",
        documents=docs,
        compartment_id=deployed.compartment,
        serving_mode=mode,
        top_n=2,
        is_echo=True,
    )
    result = deployed.inference.rerank_text(details).data
    ranks = result.document_ranks
    assert [r.index for r in ranks] == [2, 0]
    assert ranks[0].relevance_score >= ranks[1].relevance_score
    assert ranks[0].document.text == docs[2]
    assert [
        (r.index, r.relevance_score) for r in deployed.inference.rerank_text(details).data.document_ranks
    ] == [(r.index, r.relevance_score) for r in ranks]


def test_only_active_known_dedicated_endpoints_answer(deployed: Deployed) -> None:
    info = deployed.handle.info
    model = deployed.models["TEXT_TO_TEXT"]
    clusters = deployed.control.list_dedicated_ai_clusters(
        compartment_id=info.compartment_id, display_name="chatty"
    )
    young = deployed.control.create_endpoint(
        GM.CreateEndpointDetails(
            compartment_id=info.compartment_id,
            model_id=model,
            dedicated_ai_cluster_id=clusters.data.items[0].id,
        )
    ).data
    err = error_of(deployed.inference.chat, chat_details(deployed, young.id, "hi"))
    assert (err.status, err.code) == (409, "IncorrectState") and "CREATING" in err.message
    missing = "ocid1.generativeaiendpoint.oc1.us-chicago-1.amaaaaaanothere"
    err = error_of(deployed.inference.chat, chat_details(deployed, missing, "hi"))
    assert (err.status, err.code) == (404, "NotAuthorizedOrNotFound")
    on_demand = IM.ChatDetails(
        compartment_id=info.compartment_id,
        serving_mode=IM.OnDemandServingMode(model_id="meta.llama-3.1-70b-instruct"),
        chat_request=IM.GenericChatRequest(messages=[IM.UserMessage(content=[IM.TextContent(text="hi")])]),
    )
    err = error_of(deployed.inference.chat, on_demand)
    assert err.status == 400 and "DEDICATED" in err.message

    deployed.control.delete_endpoint(deployed.endpoints["TEXT_TO_TEXT"])
    err = error_of(deployed.inference.chat, chat_details(deployed, deployed.endpoints["TEXT_TO_TEXT"], "hi"))
    assert err.status == 409 and "DELETING" in err.message


def openai_post(
    d: Deployed, body: dict[str, Any], signed: bool = True, headers: dict[str, str] | None = None
) -> requests.Response:
    url = d.handle.factory.openai_base_url() + "/chat/completions"
    auth = d.handle.factory.signer() if signed else None
    sent = {"content-type": "application/json", "opc-compartment-id": d.handle.info.compartment_id}
    return requests.post(url, data=json.dumps(body), headers={**sent, **(headers or {})}, auth=auth)


def test_openai_compatible_chat_completions(deployed: Deployed) -> None:
    endpoint = deployed.endpoints["TEXT_TO_TEXT"]
    body = {
        "model": endpoint,
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": [{"type": "text", "text": "Say hello"}]},
        ],
        "max_tokens": 64,
        "temperature": 0,
    }
    r = openai_post(deployed, body)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["object"] == "chat.completion" and doc["model"] == endpoint
    choice = doc["choices"][0]
    assert choice["message"]["role"] == "assistant" and choice["finish_reason"] == "stop"
    assert (
        choice["message"]["content"].startswith("[localcloud emulation]")
        and endpoint in choice["message"]["content"]
    )
    assert doc["usage"]["total_tokens"] == doc["usage"]["prompt_tokens"] + doc["usage"]["completion_tokens"]
    assert openai_post(deployed, body).json()["choices"] == doc["choices"]

    unsigned = openai_post(deployed, body, signed=False)
    assert unsigned.status_code == 401 and "code" in unsigned.json()

    wrong = openai_post(deployed, {**body, "model": deployed.endpoints["EMBEDDING"]})
    assert wrong.status_code == 400
    err = wrong.json()
    assert err["code"] == "InvalidParameter" and "EMBEDDING" in err["message"] and err["error"]["message"]
    not_endpoint = openai_post(deployed, {**body, "model": "meta.llama-3.1-8b"})
    assert not_endpoint.status_code == 400 and "endpoint" in not_endpoint.json()["message"]


def test_openai_route_needs_the_compartment_header_and_a_project_ocid(deployed: Deployed) -> None:
    """As OCI: without opc-compartment-id (or CompartmentId) the route answers 400."""
    body = {"model": deployed.endpoints["TEXT_TO_TEXT"], "messages": [{"role": "user", "content": "hi"}]}
    bare = openai_post(deployed, body, headers={"opc-compartment-id": ""})
    assert bare.status_code == 400 and "Compartment ID must be provided" in bare.json()["message"]
    legacy = openai_post(
        deployed,
        body,
        headers={"opc-compartment-id": "", "CompartmentId": deployed.handle.info.compartment_id},
    )
    assert legacy.status_code == 200, legacy.text
    project = "ocid1.generativeaiproject.oc1.us-chicago-1.p"
    assert openai_post(deployed, body, headers={"OpenAI-Project": project}).status_code == 200
    assert openai_post(deployed, body, headers={"OpenAI-Project": "my-project"}).status_code == 400
