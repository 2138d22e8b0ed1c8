"""The smoke test of a new endpoint, by capability.

- chat (TEXT_TO_TEXT, IMAGE_TEXT_TO_TEXT): `POST {openai base}/chat/completions` signed with
  the OCI request signer, as OCI serves imported chat models; the answer must carry text.
  If that route refuses the call (4xx), the SDK's `chat` action is tried and the refusal kept.
- EMBEDDING: the SDK's `embed_text`; one finite, non-empty vector per input.
- RERANK: the SDK's `rerank_text`; a rank per document with a numeric score.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import oci
from oci._vendor import requests  # the SDK vendors requests; its signer is a requests auth
from oci.generative_ai_inference import models as im

from shared.contract.manifest import Capability

PROMPT = "Reply with one short sentence: what is the capital of France?"
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class SmokeResult:
    passed: bool
    route: str
    seconds: float
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "route": self.route,
            "seconds": round(self.seconds, 3),
            **self.detail,
            **({"error": self.error} if self.error else {}),
        }


def smoke_test(
    capability: Capability,
    *,
    endpoint_id: str,
    compartment_id: str,
    openai_base_url: str,
    signer: Any,
    inference_client: Any,
) -> SmokeResult:
    started = time.monotonic()
    try:
        if capability.is_chat:
            route, detail = _chat_either(
                endpoint_id, compartment_id, openai_base_url, signer, inference_client
            )
        elif capability is Capability.EMBEDDING:
            route, detail = _embed(endpoint_id, compartment_id, inference_client)
        else:
            route, detail = _rerank(endpoint_id, compartment_id, inference_client)
    except SmokeFailure as exc:
        return SmokeResult(False, exc.route, time.monotonic() - started, error=str(exc))
    except (requests.RequestException, oci.exceptions.ServiceError, oci.exceptions.RequestException) as exc:
        return SmokeResult(False, "?", time.monotonic() - started, error=f"{type(exc).__name__}: {exc}"[:500])
    return SmokeResult(True, route, time.monotonic() - started, detail)


class SmokeFailure(Exception):
    def __init__(self, route: str, message: str, status: int | None = None):
        super().__init__(message)
        self.route = route
        self.status = status


def _chat_either(
    endpoint_id: str, compartment_id: str, base_url: str, signer: Any, client: Any
) -> tuple[str, dict[str, Any]]:
    """The OpenAI-compatible route first; if it refuses the call (4xx), the SDK's chat action.

    Whether OCI's OpenAI-compatible route serves every imported model is not documented
    verbatim, so a 4xx there falls back to the native action and the refusal is recorded.
    """
    try:
        return _chat(endpoint_id, compartment_id, base_url, signer)
    except SmokeFailure as exc:
        if exc.status is None or not 400 <= exc.status < 500:
            raise
        route, detail = _chat_action(endpoint_id, compartment_id, client)
        return route, {**detail, "openai_route_error": str(exc)[:300]}


def _chat_action(endpoint_id: str, compartment_id: str, client: Any) -> tuple[str, dict[str, Any]]:
    route = "actions/chat"
    details = im.ChatDetails(
        compartment_id=compartment_id,
        serving_mode=im.DedicatedServingMode(endpoint_id=endpoint_id),
        chat_request=im.GenericChatRequest(
            messages=[im.UserMessage(content=[im.TextContent(text=PROMPT)])], max_tokens=32, is_stream=False
        ),
    )
    choices = client.chat(details).data.chat_response.choices or []
    parts = choices[0].message.content if choices and choices[0].message else []
    text = "".join(getattr(p, "text", "") or "" for p in parts or [])
    if not text.strip():
        raise SmokeFailure(route, "the chat action answered no text")
    return route, {"answer": text[:200]}


def _chat(endpoint_id: str, compartment_id: str, base_url: str, signer: Any) -> tuple[str, dict[str, Any]]:
    route = "openai/v1/chat/completions"
    body = {"model": endpoint_id, "messages": [{"role": "user", "content": PROMPT}], "max_tokens": 32}
    resp = requests.post(
        f"{base_url.rstrip('/')}/chat/completions",
        json=body,
        auth=signer,
        headers={"opc-compartment-id": compartment_id},
        timeout=TIMEOUT_SECONDS,
    )
    if resp.status_code != 200:
        raise SmokeFailure(route, f"HTTP {resp.status_code}: {resp.text[:300]}", resp.status_code)
    try:
        content = resp.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise SmokeFailure(route, f"no choices[0].message.content in the answer: {resp.text[:300]}") from None
    if not isinstance(content, str) or not content.strip():
        raise SmokeFailure(route, "the answer's content is empty")
    return route, {"answer": content[:200]}


def _embed(endpoint_id: str, compartment_id: str, client: Any) -> tuple[str, dict[str, Any]]:
    route = "actions/embedText"
    details = im.EmbedTextDetails(
        inputs=["The capital of France is Paris.", "Bananas are yellow."],
        serving_mode=im.DedicatedServingMode(endpoint_id=endpoint_id),
        compartment_id=compartment_id,
    )
    vectors = client.embed_text(details).data.embeddings or []
    if len(vectors) != 2:
        raise SmokeFailure(route, f"expected 2 embeddings, got {len(vectors)}")
    for v in vectors:
        if not v or not all(isinstance(x, int | float) and math.isfinite(x) for x in v):
            raise SmokeFailure(route, "an embedding is empty or not finite numbers")
    return route, {"dimensions": len(vectors[0])}


def _rerank(endpoint_id: str, compartment_id: str, client: Any) -> tuple[str, dict[str, Any]]:
    route = "actions/rerankText"
    docs = ["Paris is the capital of France.", "Bananas are yellow."]
    details = im.RerankTextDetails(
        input="What is the capital of France?",
        documents=docs,
        serving_mode=im.DedicatedServingMode(endpoint_id=endpoint_id),
        compartment_id=compartment_id,
    )
    ranks = client.rerank_text(details).data.document_ranks or []
    if len(ranks) != len(docs):
        raise SmokeFailure(route, f"expected {len(docs)} ranks, got {len(ranks)}")
    scores = [r.relevance_score for r in ranks]
    if not all(isinstance(s, int | float) and math.isfinite(s) for s in scores):
        raise SmokeFailure(route, "a relevance score is not a finite number")
    return route, {"top_index": ranks[0].index}
