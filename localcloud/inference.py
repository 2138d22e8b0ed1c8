"""Generative AI inference, emulated for endpoints of the local control plane.

`/20231130/actions/chat`, `/actions/embedText` and `/actions/rerankText` as
`oci.generative_ai_inference.GenerativeAiInferenceClient` sends them (DedicatedServingMode
with an endpoint OCID), and the OpenAI-compatible `/openai/v1/chat/completions` (model =
endpoint OCID). Only an ACTIVE endpoint answers, only with what its model's capability
allows, and the answer says plainly that it is an emulation and names endpoint and model.
Everything is deterministic: the same request gets the same text, vector or score.
"""

from __future__ import annotations

import hashlib
import math
import re
import struct
from dataclasses import dataclass
from typing import Any

from localcloud.context import CloudContext
from localcloud.genai import GenAiService, ServingTarget
from localcloud.genai_work import rfc3339
from localcloud.web import Request, Response, Route, ServiceError, route

API = "/20231130"
SERVICE = "inference"
CHAT_CAPABILITIES = ("TEXT_TO_TEXT", "IMAGE_TEXT_TO_TEXT")
MAX_EMBED_INPUTS = 96  # OCI's limit per embedText call
MAX_RERANK_DOCUMENTS = 1000
DEFAULT_DIMENSIONS = 1024
MAX_DIMENSIONS = 4096
DEFAULT_MAX_TOKENS = 256
REASONING_WORDS = 120  # what an emulated reasoning model "thinks" before it answers
WORD = re.compile(r"\S+")
# Headers OCI's own OpenAI client sends on the OpenAI-compatible route (oracle/oci-openai-java,
# OciOpenAI.java); without one the service answers 400 "Compartment ID must be provided".
COMPARTMENT_HEADERS = ("opc-compartment-id", "compartmentid")
PROJECT_HEADER = "openai-project"


def invalid(message: str) -> ServiceError:
    return ServiceError(400, "InvalidParameter", message)


def count_tokens(text: str) -> int:
    """Whitespace words: a stand-in for a tokenizer, stable and cheap."""
    return len(WORD.findall(text))


def embedding(text: str, dimensions: int) -> list[float]:
    """A unit vector drawn from sha256 of the text: equal texts, equal vectors."""
    values: list[float] = []
    counter = 0
    while len(values) < dimensions:
        block = hashlib.sha256(f"{counter}\0{text}".encode()).digest()
        for (word,) in struct.iter_unpack("<I", block):
            values.append(word / 2**31 - 1.0)
        counter += 1
    values = values[:dimensions]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [round(v / norm, 6) for v in values]


def relevance(query: str, document: str) -> float:
    """Word overlap plus a deterministic jitter, in [0, 1): related documents rank first."""
    q = {w.lower() for w in WORD.findall(query)}
    d = {w.lower() for w in WORD.findall(document)}
    overlap = len(q & d) / len(q) if q else 0.0
    jitter = int.from_bytes(hashlib.sha256(f"{query}\0{document}".encode()).digest()[:4], "big") / 2**32
    return round(0.8 * overlap + 0.2 * jitter * 0.999, 6)


@dataclass(frozen=True)
class Reply:
    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    reasoning: str | None = None  # a reasoning model's thinking; it counts against max_tokens


class InferenceService:
    def __init__(self, ctx: CloudContext, genai: GenAiService) -> None:
        self.ctx = ctx
        self.genai = genai

    def routes(self) -> list[Route]:
        return [
            route("POST", f"{API}/actions/chat", self.chat, SERVICE),
            route("POST", f"{API}/actions/embedText", self.embed_text, SERVICE),
            route("POST", f"{API}/actions/rerankText", self.rerank_text, SERVICE),
            route("POST", "/openai/v1/chat/completions", self.openai_chat, SERVICE),
            # the older base URL OCI documented for the OpenAI-compatible API
            route("POST", f"{API}/actions/v1/chat/completions", self.openai_chat, SERVICE),
        ]

    # ---------------------------------------------------------------- shared checks

    def _target(self, endpoint_id: Any, capabilities: tuple[str, ...], action: str) -> ServingTarget:
        if not isinstance(endpoint_id, str) or not endpoint_id:
            raise invalid("servingMode.endpointId is required")
        target = self.genai.serving_target(endpoint_id)
        if target is None:
            raise ServiceError(
                404,
                "NotAuthorizedOrNotFound",
                f"Authorization failed or requested resource not found: endpoint {endpoint_id}",
            )
        if target.lifecycle_state != "ACTIVE":
            raise ServiceError(
                409,
                "IncorrectState",
                f"endpoint {endpoint_id} is {target.lifecycle_state}; it serves requests only when ACTIVE",
            )
        if target.capability not in capabilities:
            raise invalid(
                f"endpoint {endpoint_id} serves a {target.capability} model, which does not support {action} "
                f"(needs {' or '.join(capabilities)})"
            )
        return target

    def _dedicated_target(self, body: Any, capabilities: tuple[str, ...], action: str) -> ServingTarget:
        if not isinstance(body, dict):
            raise invalid("the request body must be a JSON object")
        if not body.get("compartmentId"):
            raise invalid("compartmentId is required")
        mode = body.get("servingMode")
        if not isinstance(mode, dict):
            raise invalid("servingMode is required")
        if mode.get("servingType") != "DEDICATED":
            raise invalid(
                f"servingType {mode.get('servingType')!r} is not served here: imported models are reached "
                "through a DEDICATED serving mode with the endpoint OCID"
            )
        return self._target(mode.get("endpointId"), capabilities, action)

    def _reply(self, target: ServingTarget, messages: list[tuple[str, str]], max_tokens: int) -> Reply:
        prompt = next((text for role, text in reversed(messages) if role.upper() == "USER"), "")
        snippet = " ".join(WORD.findall(prompt))[:200]
        text = (
            f"[localcloud emulation] endpoint {target.endpoint_name} ({target.endpoint_id}) "
            f"model {target.model_name} ({target.model_id}) received {len(messages)} message(s); "
            f'last user message: "{snippet}"'
        )
        prompt_tokens = sum(count_tokens(t) for _, t in messages)
        reasoning: str | None = None
        budget = max_tokens
        if self._reasons(target):
            # A reasoning model thinks first; at a small max_tokens nothing is left for the answer.
            thought = (f"The user asks: {snippet}. Let me think about it step by step. " * 40).split()
            reasoning = " ".join(thought[: min(REASONING_WORDS, max_tokens)])
            budget = max_tokens - count_tokens(reasoning)
        words = WORD.findall(text)
        finish = "stop"
        if len(words) > budget:
            text, finish = " ".join(words[:budget]), "length"
        used = count_tokens(text) + (count_tokens(reasoning) if reasoning else 0)
        return Reply(text, finish, prompt_tokens, used, reasoning)

    def _reasons(self, target: ServingTarget) -> bool:
        config = getattr(self.ctx, "config", None)
        names = tuple(getattr(config, "reasoning_models", ()) or ())
        return "*" in names or target.model_name in names

    # ---------------------------------------------------------------- native API

    def chat(self, req: Request) -> Response:
        body = req.json()
        target = self._dedicated_target(body, CHAT_CAPABILITIES, "chat")
        chat = body.get("chatRequest")
        if not isinstance(chat, dict):
            raise invalid("chatRequest is required")
        if chat.get("apiFormat") != "GENERIC":
            raise invalid(
                f"apiFormat {chat.get('apiFormat')!r} is not supported by imported models: use GENERIC"
            )
        if chat.get("isStream"):
            raise invalid("isStream is not emulated by localcloud: send isStream=false")
        messages = self._generic_messages(chat.get("messages"), target)
        max_tokens = self._max_tokens(chat.get("maxTokens") or chat.get("maxCompletionTokens"))
        reply = self._reply(target, messages, max_tokens)
        return Response.json(
            {
                "modelId": target.model_id,
                "modelVersion": "1.0",
                "chatResponse": {
                    "apiFormat": "GENERIC",
                    "timeCreated": rfc3339(self.ctx.now()),
                    "choices": [
                        {
                            "index": 0,
                            "message": {
                                "role": "ASSISTANT",
                                "content": [{"type": "TEXT", "text": reply.text}] if reply.text else [],
                                **({"reasoningContent": reply.reasoning} if reply.reasoning else {}),
                            },
                            "finishReason": reply.finish_reason,
                        }
                    ],
                    "usage": {
                        "promptTokens": reply.prompt_tokens,
                        "completionTokens": reply.completion_tokens,
                        "totalTokens": reply.prompt_tokens + reply.completion_tokens,
                    },
                },
            }
        )

    def _generic_messages(self, raw: Any, target: ServingTarget) -> list[tuple[str, str]]:
        if not isinstance(raw, list) or not raw:
            raise invalid("chatRequest.messages must be a non-empty list")
        out: list[tuple[str, str]] = []
        for i, message in enumerate(raw):
            if not isinstance(message, dict) or not isinstance(message.get("role"), str):
                raise invalid(f"chatRequest.messages[{i}] needs a role")
            content = message.get("content") or []
            if isinstance(content, str):
                content = [{"type": "TEXT", "text": content}]
            if not isinstance(content, list):
                raise invalid(f"chatRequest.messages[{i}].content must be a list")
            texts = []
            for part in content:
                kind = str(part.get("type", "")).upper() if isinstance(part, dict) else ""
                if kind == "TEXT":
                    texts.append(str(part.get("text", "")))
                elif kind == "IMAGE" and target.capability != "IMAGE_TEXT_TO_TEXT":
                    raise invalid(
                        f"chatRequest.messages[{i}] holds an image, but endpoint {target.endpoint_id} "
                        f"serves a {target.capability} model"
                    )
            out.append((message["role"], " ".join(texts)))
        return out

    @staticmethod
    def _max_tokens(value: Any) -> int:
        if value is None:
            return DEFAULT_MAX_TOKENS
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise invalid("maxTokens must be a positive integer")
        return value

    def embed_text(self, req: Request) -> Response:
        body = req.json()
        target = self._dedicated_target(body, ("EMBEDDING",), "embedText")
        inputs = body.get("inputs")
        if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) for i in inputs):
            raise invalid("inputs must be a non-empty list of strings")
        if len(inputs) > MAX_EMBED_INPUTS:
            raise invalid(f"at most {MAX_EMBED_INPUTS} inputs per call (got {len(inputs)})")
        dims = body.get("outputDimensions") or DEFAULT_DIMENSIONS
        if not isinstance(dims, int) or not 1 <= dims <= MAX_DIMENSIONS:
            raise invalid(f"outputDimensions must be between 1 and {MAX_DIMENSIONS}")
        tokens = sum(count_tokens(t) for t in inputs)
        result: dict[str, Any] = {
            "id": self._id(target, inputs),
            "embeddings": [embedding(text, dims) for text in inputs],
            "modelId": target.model_id,
            "modelVersion": "1.0",
            "usage": {"promptTokens": tokens, "totalTokens": tokens},
        }
        if body.get("isEcho"):
            result["inputs"] = inputs
        return Response.json(result)

    def rerank_text(self, req: Request) -> Response:
        body = req.json()
        target = self._dedicated_target(body, ("RERANK",), "rerankText")
        query, documents = body.get("input"), body.get("documents")
        if not isinstance(query, str) or not query:
            raise invalid("input is required")
        if not isinstance(documents, list) or not documents or not all(isinstance(d, str) for d in documents):
            raise invalid("documents must be a non-empty list of strings")
        if len(documents) > MAX_RERANK_DOCUMENTS:
            raise invalid(f"at most {MAX_RERANK_DOCUMENTS} documents per call")
        top_n = body.get("topN") or len(documents)
        if not isinstance(top_n, int) or top_n < 1:
            raise invalid("topN must be a positive integer")
        scored = sorted(
            ((relevance(query, d), i) for i, d in enumerate(documents)), key=lambda s: (-s[0], s[1])
        )
        ranks: list[dict[str, Any]] = []
        for score, index in scored[:top_n]:
            rank: dict[str, Any] = {"index": index, "relevanceScore": score}
            if body.get("isEcho"):
                rank["document"] = {"text": documents[index]}
            ranks.append(rank)
        return Response.json(
            {
                "id": self._id(target, [query, *documents]),
                "modelId": target.model_id,
                "modelVersion": "1.0",
                "documentRanks": ranks,
            }
        )

    @staticmethod
    def _id(target: ServingTarget, parts: list[str]) -> str:
        h = hashlib.sha256(target.endpoint_id.encode())
        for p in parts:
            h.update(b"\0" + p.encode())
        d = h.hexdigest()
        return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}"

    # ---------------------------------------------------------------- OpenAI-compatible

    def openai_chat(self, req: Request) -> Response:
        try:
            return self._openai_chat(req)
        except ServiceError as exc:
            # OCI's error shape, plus the `error` object an OpenAI client reads its message from
            return Response.json(
                {
                    "code": exc.code,
                    "message": exc.message,
                    "error": {"message": exc.message, "type": "invalid_request_error", "code": exc.code},
                },
                exc.status,
            )

    def _openai_chat(self, req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict):
            raise invalid("the request body must be a JSON object")
        if not any(req.headers.get(h) for h in COMPARTMENT_HEADERS):
            raise invalid(
                "Compartment ID must be provided: send the opc-compartment-id (or CompartmentId) header"
            )
        project = req.headers.get(PROJECT_HEADER)
        if project is not None and not project.startswith("ocid1.generativeaiproject."):
            raise invalid(
                "OpenAI-Project must be a Generative AI project OCID (ocid1.generativeaiproject...)"
            )
        model = body.get("model")
        if not isinstance(model, str) or not model.startswith("ocid1.generativeaiendpoint."):
            raise invalid(
                "model must be the OCID of a dedicated AI cluster endpoint (ocid1.generativeaiendpoint...)"
            )
        target = self._target(model, CHAT_CAPABILITIES, "chat completions")
        if body.get("stream"):
            raise invalid("stream is not emulated by localcloud: send stream=false")
        raw = body.get("messages")
        if not isinstance(raw, list) or not raw:
            raise invalid("messages must be a non-empty list")
        messages: list[tuple[str, str]] = []
        for i, m in enumerate(raw):
            if not isinstance(m, dict) or not isinstance(m.get("role"), str):
                raise invalid(f"messages[{i}] needs a role")
            content = m.get("content")
            if isinstance(content, list):
                parts = []
                for part in content:
                    kind = part.get("type") if isinstance(part, dict) else None
                    if kind == "text":
                        parts.append(str(part.get("text", "")))
                    elif kind == "image_url" and target.capability != "IMAGE_TEXT_TO_TEXT":
                        raise invalid(f"messages[{i}] holds an image, but the model is {target.capability}")
                content = " ".join(parts)
            messages.append((m["role"], str(content or "")))
        max_tokens = self._max_tokens(body.get("max_completion_tokens") or body.get("max_tokens"))
        reply = self._reply(target, messages, max_tokens)
        created = int(self.ctx.now())
        return Response.json(
            {
                "id": "chatcmpl-" + self._id(target, [t for _, t in messages]).replace("-", ""),
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": reply.text or None,
                            **({"reasoning_content": reply.reasoning} if reply.reasoning else {}),
                        },
                        "finish_reason": reply.finish_reason,
                    }
                ],
                "usage": {
                    "prompt_tokens": reply.prompt_tokens,
                    "completion_tokens": reply.completion_tokens,
                    "total_tokens": reply.prompt_tokens + reply.completion_tokens,
                },
            }
        )
