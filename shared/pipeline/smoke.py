"""The smoke test of a new endpoint, by capability: does it speak the protocol?

It judges the protocol, not the model's wit: a deployment that answers with HTTP 200 and a
well-formed choice (with a finish reason), embedding or ranking works, even when a reasoning
model (gpt-oss is on OCI's list) spends its tokens on reasoning and leaves `content` empty.

- chat (TEXT_TO_TEXT, IMAGE_TEXT_TO_TEXT): `POST {openai base}/chat/completions`, signed with
  the OCI request signer, with the compartment headers OCI's own OpenAI client sends
  (`CompartmentId` and `opc-compartment-id`: oracle/oci-openai-java, OciOpenAI.java) and, when
  configured, the Generative AI project as `OpenAI-Project` (the header the OpenAI SDK's
  `project=` sends; "Using projects is required to call the OCI OpenAI-compatible API",
  https://docs.oracle.com/en-us/iaas/Content/generative-ai/use-project.htm). If that route
  refuses the call (4xx), the native `chat` action with `DedicatedServingMode` is the
  documented fallback, and the refusal is kept.
- EMBEDDING: the SDK's `embed_text`; one finite, non-empty vector per input.
- RERANK: the SDK's `rerank_text`; a rank per document with a numeric score.

Verdicts: PASSED; FAILED (a real protocol failure); NOT_TESTED (the inference call answered
401/404, "not authorized or not found", on every try for NOT_AUTHORIZED_RETRY_SECONDS: the
function may not call the endpoint, which says nothing about the deployment); UNANSWERED
(throttled, 5xx, timed out or unreachable on every try within the time given: ask again later).

Time: `budget_seconds` bounds the whole test, every call included. Each HTTP call gets
min(call_timeout, what is left of the budget) as its timeout (the OpenAI route's `requests`
call, and an inference client built for that timeout for the SDK actions), and the SDK
actions run with `oci.retry.NoneRetryStrategy()`: this loop is the only retry, with
exponential backoff. A 401/404 is retried too, for NOT_AUTHORIZED_RETRY_SECONDS from the first
one (within the budget): right after an endpoint turns ACTIVE, or while a new policy
propagates, it may not last.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import oci
from oci._vendor import requests  # the SDK vendors requests; its signer is a requests auth
from oci.generative_ai_inference import models as im

from shared.contract.manifest import Capability

PROMPT = "Reply with one short sentence: what is the capital of France?"
# Enough for a reasoning model to finish thinking and answer; a cut answer ("length") still
# counts, as the protocol is what is judged.
MAX_TOKENS = 512
CALL_TIMEOUT_SECONDS = 60.0
# The most of one call's timeout spent connecting (the rest is the read timeout), so that
# connecting and reading together stay within the call's share of the budget.
CONNECT_TIMEOUT_SECONDS = 10.0
NOT_AUTHORIZED = frozenset({401, 404})
# How long a 401/404 on the inference call is asked again before the verdict is NOT_TESTED.
NOT_AUTHORIZED_RETRY_SECONDS = 30.0
# The SDK actions' own retry is off: this loop retries, within the budget.
NO_RETRY = oci.retry.NoneRetryStrategy()


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_TESTED = "not_tested"
    UNANSWERED = "unanswered"


@dataclass(frozen=True)
class SmokeResult:
    verdict: Verdict
    route: str
    seconds: float
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    attempts: int = 1

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASSED

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "verdict": self.verdict.value,
            "route": self.route,
            "seconds": round(self.seconds, 3),
            "attempts": self.attempts,
            **self.detail,
            **({"error": self.error} if self.error else {}),
        }


class SmokeFailure(Exception):
    """The endpoint answered, and the answer is not the protocol."""

    def __init__(self, route: str, message: str, status: int | None = None):
        super().__init__(message)
        self.route = route
        self.status = status


class NotAuthorized(SmokeFailure):
    """401/404 on the inference call: the caller may not call it (or cannot see it)."""


class Transient(SmokeFailure):
    """429, 5xx, 409 (not ACTIVE yet), a timeout or a lost connection: asking again may work."""


@dataclass(frozen=True)
class SmokeTarget:
    endpoint_id: str
    compartment_id: str
    openai_base_url: str
    signer: Any
    # An inference client whose timeout is the given (connect, read) seconds: built per call,
    # so that no call outlives the budget (the SDK sets its timeout per client, not per call)
    inference_client: Callable[[tuple[float, float]], Any]
    project_id: str | None = None
    call_timeout: float = CALL_TIMEOUT_SECONDS


def call_timeouts(seconds: float) -> tuple[float, float]:
    """(connect, read) timeouts that add up to `seconds` (> 0)."""
    connect = min(CONNECT_TIMEOUT_SECONDS, seconds / 2)
    return connect, seconds - connect


@dataclass(frozen=True)
class _Call:
    """One attempt's view: the target, and the time each of its HTTP calls may take."""

    target: SmokeTarget
    left: Callable[[], float]  # seconds left of the budget

    def timeouts(self, route: str) -> tuple[float, float]:
        seconds = min(self.target.call_timeout, self.left())
        if seconds <= 0:
            raise Transient(route, "no time left in the smoke test's budget for this call")
        return call_timeouts(seconds)

    def client(self, route: str) -> Any:
        return self.target.inference_client(self.timeouts(route))


def smoke_test(
    capability: Capability,
    target: SmokeTarget,
    *,
    budget_seconds: float,
    first_delay: float = 1.0,
    not_authorized_seconds: float = NOT_AUTHORIZED_RETRY_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> SmokeResult:
    """Call the endpoint once; on a transient error, again after 1, 2, 4, ... x first_delay.

    Returns within `budget_seconds` (plus the time to build a client and classify an answer):
    no call is given more than what is left, and no wait is started that would end past it.
    """
    started = clock()
    deadline = started + max(0.0, budget_seconds)
    delay = max(first_delay, 0.01)
    attempts = 0
    refused_since: float | None = None
    while True:
        attempts += 1
        try:
            route, detail = _call(capability, _Call(target, lambda: deadline - clock()))
        except NotAuthorized as exc:
            refused_since = clock() if refused_since is None else refused_since
            if clock() + delay >= min(deadline, refused_since + not_authorized_seconds):
                return SmokeResult(
                    Verdict.NOT_TESTED, exc.route, clock() - started, error=str(exc), attempts=attempts
                )
            sleep(delay)
            delay = min(delay * 2, 30.0)
            continue
        except Transient as exc:
            if clock() + delay >= deadline:
                return SmokeResult(
                    Verdict.UNANSWERED, exc.route, clock() - started, error=str(exc), attempts=attempts
                )
            sleep(delay)
            delay = min(delay * 2, 30.0)
            continue
        except SmokeFailure as exc:
            return SmokeResult(
                Verdict.FAILED, exc.route, clock() - started, error=str(exc), attempts=attempts
            )
        return SmokeResult(Verdict.PASSED, route, clock() - started, detail, attempts=attempts)


def _call(capability: Capability, call: _Call) -> tuple[str, dict[str, Any]]:
    if capability.is_chat:
        return _chat_either(call)
    if capability is Capability.EMBEDDING:
        return _guarded("actions/embedText", _embed, call)
    return _guarded("actions/rerankText", _rerank, call)


def _guarded(
    route: str, action: Callable[[_Call], tuple[str, dict[str, Any]]], call: _Call
) -> tuple[str, dict[str, Any]]:
    """Run one SDK call, turning its errors into the verdict they mean."""
    try:
        return action(call)
    except oci.exceptions.ServiceError as exc:
        raise classify(route, exc.status, f"HTTP {exc.status} {exc.code}: {exc.message}") from None
    except (oci.exceptions.RequestException, oci.exceptions.ConnectTimeout, requests.RequestException) as exc:
        raise Transient(route, f"{type(exc).__name__}: {exc}"[:500]) from None


def classify(route: str, status: int, message: str) -> SmokeFailure:
    if status == 429 or status >= 500 or status == 409:
        return Transient(route, message[:500], status)
    if status in NOT_AUTHORIZED:
        return NotAuthorized(route, message[:500], status)
    return SmokeFailure(route, message[:500], status)


def _chat_either(call: _Call) -> tuple[str, dict[str, Any]]:
    """The OpenAI-compatible route first; if it refuses the call (any 4xx), the native chat action.

    Whether OCI's OpenAI-compatible route serves every imported model (and without a project)
    is not documented verbatim, so its refusal falls back to the native action and is recorded;
    the native action's own 401/404 is what makes the test "not tested".
    """
    try:
        return _openai_chat(call)
    except Transient:
        raise
    except SmokeFailure as exc:
        if exc.status is None or not 400 <= exc.status < 500:
            raise
        route, detail = _guarded("actions/chat", _chat_action, call)
        return route, {**detail, "openai_route_error": str(exc)[:300]}


def openai_headers(compartment_id: str, project_id: str | None) -> dict[str, str]:
    """The headers OCI's OpenAI-compatible route takes besides the signature (see the module doc)."""
    headers = {"CompartmentId": compartment_id, "opc-compartment-id": compartment_id}
    if project_id:
        headers["OpenAI-Project"] = project_id
    return headers


def _openai_chat(call: _Call) -> tuple[str, dict[str, Any]]:
    route = "openai/v1/chat/completions"
    target = call.target
    body = {
        "model": target.endpoint_id,
        "messages": [{"role": "user", "content": PROMPT}],
        "max_tokens": MAX_TOKENS,
    }
    try:
        resp = requests.post(
            f"{target.openai_base_url.rstrip('/')}/chat/completions",
            json=body,
            auth=target.signer,
            headers=openai_headers(target.compartment_id, target.project_id),
            timeout=call.timeouts(route),
        )
    except requests.RequestException as exc:
        raise Transient(route, f"{type(exc).__name__}: {exc}"[:500]) from None
    if resp.status_code != 200:
        raise classify(route, resp.status_code, f"HTTP {resp.status_code}: {resp.text[:300]}")
    try:
        doc = resp.json()
    except ValueError:
        raise SmokeFailure(route, f"the answer is not JSON: {resp.text[:300]}") from None
    choices = doc.get("choices") if isinstance(doc, dict) else None
    choice = choices[0] if isinstance(choices, list) and choices else None
    message = choice.get("message") if isinstance(choice, dict) else None
    if not isinstance(message, dict):
        raise SmokeFailure(route, f"no choices[0].message in the answer: {resp.text[:300]}")
    finish = choice.get("finish_reason") if isinstance(choice, dict) else None
    if not isinstance(finish, str) or not finish:
        raise SmokeFailure(route, f"choices[0] has no finish_reason: {resp.text[:300]}")
    content = message.get("content")
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    if content is not None and not isinstance(content, str):
        raise SmokeFailure(route, "choices[0].message.content is neither text nor null")
    return route, _answer_detail(content, reasoning, finish)


def _answer_detail(content: str | None, reasoning: Any, finish: str) -> dict[str, Any]:
    detail: dict[str, Any] = {"finish_reason": finish, "answer": (content or "")[:200]}
    if not (content or "").strip():
        # a reasoning model at its token limit: the answer is still to come, the protocol is fine
        detail["note"] = "empty content" + (" (reasoning present)" if reasoning else "")
    return detail


def _chat_action(call: _Call) -> tuple[str, dict[str, Any]]:
    route = "actions/chat"
    target = call.target
    details = im.ChatDetails(
        compartment_id=target.compartment_id,
        serving_mode=im.DedicatedServingMode(endpoint_id=target.endpoint_id),
        chat_request=im.GenericChatRequest(
            messages=[im.UserMessage(content=[im.TextContent(text=PROMPT)])],
            max_tokens=MAX_TOKENS,
            is_stream=False,
        ),
    )
    response = call.client(route).chat(details, retry_strategy=NO_RETRY).data.chat_response
    choices = getattr(response, "choices", None) or []
    if not choices or choices[0].message is None:
        raise SmokeFailure(route, "the chat action answered no choice with a message")
    finish = choices[0].finish_reason
    if not finish:
        raise SmokeFailure(route, "the chat action's choice has no finish reason")
    parts = choices[0].message.content or []
    text = "".join(getattr(p, "text", "") or "" for p in parts)
    reasoning = getattr(choices[0].message, "reasoning_content", None)
    return route, _answer_detail(text, reasoning, str(finish))


def _embed(call: _Call) -> tuple[str, dict[str, Any]]:
    route = "actions/embedText"
    target = call.target
    details = im.EmbedTextDetails(
        inputs=["The capital of France is Paris.", "Bananas are yellow."],
        serving_mode=im.DedicatedServingMode(endpoint_id=target.endpoint_id),
        compartment_id=target.compartment_id,
    )
    vectors = call.client(route).embed_text(details, retry_strategy=NO_RETRY).data.embeddings or []
    if len(vectors) != 2:
        raise SmokeFailure(route, f"expected 2 embeddings, got {len(vectors)}")
    for v in vectors:
        if not v or not all(isinstance(x, int | float) and math.isfinite(x) for x in v):
            raise SmokeFailure(route, "an embedding is empty or not finite numbers")
    return route, {"dimensions": len(vectors[0])}


def _rerank(call: _Call) -> tuple[str, dict[str, Any]]:
    route = "actions/rerankText"
    target = call.target
    docs = ["Paris is the capital of France.", "Bananas are yellow."]
    details = im.RerankTextDetails(
        input="What is the capital of France?",
        documents=docs,
        serving_mode=im.DedicatedServingMode(endpoint_id=target.endpoint_id),
        compartment_id=target.compartment_id,
    )
    ranks = call.client(route).rerank_text(details, retry_strategy=NO_RETRY).data.document_ranks or []
    if len(ranks) != len(docs):
        raise SmokeFailure(route, f"expected {len(docs)} ranks, got {len(ranks)}")
    scores = [r.relevance_score for r in ranks]
    if not all(isinstance(s, int | float) and math.isfinite(s) for s in scores):
        raise SmokeFailure(route, "a relevance score is not a finite number")
    return route, {"top_index": ranks[0].index}
