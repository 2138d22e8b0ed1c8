"""Notifications on the OCI Notifications topic: a title and a body a person can act on.

Success: model, capability, shape and why, AI units, cost per hour and the one-hour
minimum, endpoint OCID, the OpenAI-compatible base URL and a ready-to-paste call.
Rejection: every finding code with its subject and what to do. Failure: the stage, the
rule code, the work request errors, what happens to what was created, what to do next.

Deduplication is the caller's: each message has a `key`; the pipeline records the key in
`state.notified` in the same compare-and-swap write that makes the transition, and only
the writer that won publishes. Bodies are cut to fit OCI's 64 KB message limit.

User text (names, display names, finding messages quoting a file, error messages) cannot make
lines of its own: every body is built from a list of lines, and `one_line` escapes line breaks,
control and bidi characters inside each one (a CR/LF in a display name once forged a
"Model other-model is live" line); titles are one line the same way.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from oci.ons.models import MessageDetails

from shared.contract.manifest import Capability
from shared.contract.state import ImportState
from shared.findings import CATALOGUE, Finding
from shared.settings import FailurePolicy

MAX_BODY_BYTES = 60 * 1024  # OCI's limit is 64 KB per message; keep room for the title and envelope
MAX_TITLE_CHARS = 200


@dataclass(frozen=True)
class Message:
    key: str  # recorded in state.notified: one publication per key per import
    title: str
    body: str


class Notifier:
    def __init__(self, ons_client: Any, topic_id: str) -> None:
        self.client = ons_client
        self.topic_id = topic_id

    def publish(self, message: Message) -> None:
        title, body = fit(message.title, message.body)
        self.client.publish_message(self.topic_id, MessageDetails(title=title, body=body))


# Controls (CR, LF, NUL, ESC...), format characters (bidi overrides and isolates, zero-width),
# line and paragraph separators, surrogates, private-use and unassigned code points.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def one_line(text: str) -> str:
    """`text` with every character that could break or reorder a line shown as an escape (\\n, \\u202e)."""
    if all(unicodedata.category(c) not in _ESCAPED_CATEGORIES for c in text):
        return text
    return "".join(
        c.encode("unicode_escape").decode("ascii") if unicodedata.category(c) in _ESCAPED_CATEGORIES else c
        for c in text
    )


def lines_body(lines: Iterable[str]) -> str:
    """A body from lines: each element is one line, whatever characters its values bring."""
    return "\n".join(one_line(line) for line in lines)


def fit(title: str, body: str) -> tuple[str, str]:
    """Cut the title to 200 characters and the body to the message size limit, on a line boundary."""
    title = one_line(title)
    if len(title) > MAX_TITLE_CHARS:
        title = title[: MAX_TITLE_CHARS - 1] + "…"
    raw = body.encode("utf-8")
    if len(raw) <= MAX_BODY_BYTES:
        return title, body
    note = "\n… (cut to fit the 64 KB notification limit; `model-import status <name>` shows everything)"
    cut = raw[: MAX_BODY_BYTES - len(note.encode())].decode("utf-8", "ignore")
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    return title, cut + note


NO_PRICE = "no price configured (set AI_UNIT_PRICE_PER_HOUR)"


def _money(value: float | None) -> str:
    return f"${value:,.2f}" if value is not None else NO_PRICE


def example_call(
    capability: Capability, openai_base_url: str, inference_url: str, endpoint_id: str, compartment_id: str
) -> str:
    """A Python snippet that calls the endpoint with the caller's OCI config (~/.oci/config).

    It runs as pasted with nothing but the `oci` SDK installed: the native inference client
    with `DedicatedServingMode` (no `requests`, no OpenAI SDK). A reasoning model may leave the
    text empty at the token limit, so the snippet prints the finish reason too.
    """
    if capability.is_chat:
        call = (
            "client.chat(m.ChatDetails(compartment_id=COMPARTMENT,\n"
            "    serving_mode=m.DedicatedServingMode(endpoint_id=ENDPOINT),\n"
            "    chat_request=m.GenericChatRequest(max_tokens=512,\n"
            "        messages=[m.UserMessage(content=[m.TextContent(text='Hello!')])])))"
            ".data.chat_response.choices[0]"
        )
        return "\n".join(
            [
                "import oci",
                "from oci.generative_ai_inference import GenerativeAiInferenceClient, models as m",
                f"ENDPOINT, COMPARTMENT = {endpoint_id!r}, {compartment_id!r}",
                "client = GenerativeAiInferenceClient(oci.config.from_file(),",
                f"                                      service_endpoint={inference_url!r})",
                f"choice = {call}",
                "print(''.join(c.text for c in choice.message.content or []), choice.finish_reason)",
            ]
        )
    if capability is Capability.EMBEDDING:
        call = (
            "client.embed_text(m.EmbedTextDetails(inputs=['Hello!'], compartment_id=COMPARTMENT,\n"
            "    serving_mode=m.DedicatedServingMode(endpoint_id=ENDPOINT))).data.embeddings[0][:5]"
        )
    else:
        call = (
            "client.rerank_text(m.RerankTextDetails(input='capital of France', documents=['Paris', 'Rome'],\n"
            "    compartment_id=COMPARTMENT, serving_mode=m.DedicatedServingMode(endpoint_id=ENDPOINT)))"
            ".data.document_ranks"
        )
    return "\n".join(
        [
            "import oci",
            "from oci.generative_ai_inference import GenerativeAiInferenceClient, models as m",
            f"ENDPOINT, COMPARTMENT = {endpoint_id!r}, {compartment_id!r}",
            "client = GenerativeAiInferenceClient(oci.config.from_file(),",
            f"                                      service_endpoint={inference_url!r})",
            f"print({call})",
        ]
    )


def openai_route_lines(openai_base_url: str, compartment_id: str, project_id: str | None) -> list[str]:
    """How an OpenAI client reaches the endpoint: the route, the model and the headers OCI takes."""
    headers = f"CompartmentId and opc-compartment-id: {compartment_id}"
    if project_id:
        headers += f"; OpenAI-Project: {project_id}"
    return [
        f"OpenAI-compatible: POST {openai_base_url}/chat/completions with model = the endpoint OCID,",
        f"  headers {headers}; signed with OCI IAM (the oci-genai-auth package) or a Generative AI API key.",
    ]


def success_message(
    state: ImportState,
    *,
    openai_base_url: str,
    inference_url: str,
    compartment_id: str,
    project_id: str | None = None,
) -> Message:
    plan = state.plan
    name = state.name
    res = state.resources
    if plan is None:
        raise ValueError("a success message needs the plan")
    if not state.options.deploy:
        title = f"Model {name} imported ({plan.capability.value}); not deployed (deploy: false)"
        body = lines_body(
            [
                f"Imported model {name} is ACTIVE: {res.imported_model_id}",
                f"Capability: {plan.capability.value}",
                f"Recommended shape when you deploy it: {plan.unit_shape} ({plan.shape_reason})",
                f"It would hold {plan.ai_units:g} AI units, about {_money(plan.cost_per_hour)} per hour."
                if plan.ai_units is not None and plan.cost_per_hour is not None
                else f"It would hold {plan.ai_units:g} AI units; {NO_PRICE}."
                if plan.ai_units is not None
                else "",
                "No cluster or endpoint was created because the manifest says deploy: false.",
                "To deploy: set deploy to true (or remove it) in the manifest and upload it again.",
            ]
        )
        return Message("success", title, body)
    cost = plan.cost_per_hour
    smoke = state.smoke_test or {}
    not_tested = smoke.get("verdict") == "not_tested"
    lines = [
        f"Model {name} is live. Its smoke test was NOT run: the inference call was refused as not "
        f"authorized or not found ({str(smoke.get('error', ''))[:200]}), which says nothing about the "
        "deployment; grant the function `use generative-ai-family`, or call it yourself as below."
        if not_tested
        else f"Model {name} is live and answered its smoke test.",
        "",
        f"Model:        {state.options.display_name or name} ({_source_text(state)})",
        f"Capability:   {plan.capability.value}",
        f"Shape:        {plan.unit_shape}: {plan.shape_reason}",
        f"AI units:     {plan.ai_units:g}" if plan.ai_units is not None else "AI units:     unknown",
        f"Cost:         about {_money(cost)} per hour while the cluster exists; hosting clusters are billed "
        f"with a one-hour minimum commitment (at least {_money(cost)})."
        if cost is not None
        else f"Cost:         {NO_PRICE}; hosting clusters are billed per hour while they exist, with a "
        "one-hour minimum commitment.",
        f"Endpoint:     {res.endpoint_id}",
        f"Cluster:      {res.cluster_id}",
        f"Imported model: {res.imported_model_id}",
        f"OpenAI-compatible base URL: {openai_base_url}",
        *(openai_route_lines(openai_base_url, compartment_id, project_id) if plan.capability.is_chat else []),
        f"Smoke test:   {json.dumps(state.smoke_test or {}, default=str)[:500]}",
        "",
        "Call it (Python, with your OCI config):",
        *example_call(
            plan.capability, openai_base_url, inference_url, res.endpoint_id or "", compartment_id
        ).split("\n"),
        "",
        f"Stop paying for it: delete models/{name}/import.json (or `model-import teardown {name}`).",
    ]
    untested = " (NOT smoke-tested)" if not_tested else ""
    per_hour = f", {_money(cost)}/h" if cost is not None else ""  # the body says once that none is set
    title = f"Model {name} is live{untested}: {plan.capability.value} on {plan.unit_shape}{per_hour}"
    return Message("success", title, lines_body(lines))


def rejection_message(state: ImportState) -> Message:
    codes = sorted({f.code for f in state.findings if f.severity == "error"})
    title = f"Model {state.name} rejected: {', '.join(codes) or 'invalid input'}"
    lines = [
        f"The import of {state.name} ({_source_text(state)}) was rejected before anything was created.",
        "Nothing is running and nothing costs money.",
        "",
        "Findings (code, what, what to do):",
        *(_finding_line(f) for f in state.findings),
        "",
        "Fix the files, then upload the manifest (or request) again to start a new import.",
    ]
    return Message("rejected", title, lines_body(lines))


def unreadable_state_message(name: str, object_name: str, reason: str) -> Message:
    """The pipeline cannot read an import's state document, so it cannot move or clean up that import."""
    title = f"Model {name}: state document unreadable, the import is stopped"
    lines = [
        f"The state document {object_name} of import {name} cannot be read: {reason[:1500]}",
        "The pipeline does nothing more for this import until the document is readable again;",
        "anything the import created keeps running (and costing money) meanwhile.",
        "",
        "What to do: fix the document, or delete it (then nothing tracks what the import created:",
        f"check `model-import status {name}` and the console), then run `model-import retry {name}`.",
    ]
    return Message("state-unreadable", title, lines_body(lines))


def name_invalid_message(object_name: str, given: str, bucket: str) -> Message:
    """An upload meant as a manifest or request whose import name is unusable: nothing was started."""
    rule = CATALOGUE["NAME_INVALID"]
    title = f"Upload {given[:80]} ignored: NAME_INVALID"
    lines = [
        f"The object {object_name} in bucket {bucket} looks like an import, but '{given}' cannot be "
        "an import name, so nothing was started.",
        "",
        f"- NAME_INVALID [error] {object_name}: {rule.meaning} → {rule.remedy}",
        "",
        "Upload it again as models/<name>/import.json or requests/<name>.json with a valid name.",
    ]
    return Message("name-invalid", title, lines_body(lines))


def failure_message(state: ImportState, *, policy: FailurePolicy, cost_note: str = "") -> Message:
    err = state.last_error
    code = err.code if err else "UNKNOWN"
    stage = err.stage.value if err else state.stage.value
    rule = CATALOGUE.get(code)
    created = [
        f"{label}: {value}"
        for label, value in (
            ("imported model", state.resources.imported_model_id),
            ("cluster", state.resources.cluster_id),
            ("endpoint", state.resources.endpoint_id),
        )
        if value
    ]
    if not created:
        fate = "Nothing had been created, so nothing is running."
    elif policy is FailurePolicy.DELETE:
        fate = "Failure policy 'delete': these are being deleted now: " + "; ".join(created)
    else:
        fate = (
            "Failure policy 'keep': these are kept for inspection (and may cost money): "
            + "; ".join(created)
            + f". Remove them with `model-import teardown {state.name}`."
        )
    lines = [
        f"The import of {state.name} ({_source_text(state)}) FAILED at stage {stage}.",
        "",
        f"Rule:    {code}: {rule.meaning if rule else ''}",
        f"Error:   {err.message if err else ''}",
        *(f"  - {d}" for d in (err.details if err else [])),
        *([cost_note] if cost_note else []),
        "",
        fate,
        "",
        f"What to do: {rule.remedy if rule else 'read the error above'}",
        f"Then: `model-import retry {state.name}`, or upload the manifest again to start over.",
    ]
    title = f"Model {state.name} import FAILED at {stage}: {code}"
    return Message(f"failed:{stage}", title, lines_body(lines))


def teardown_key(state: ImportState) -> str:
    """One message per time the import reaches TORN_DOWN: a later round (a create that returned
    after the first teardown, deleted by a second one) is news, and says so."""
    rounds = state.teardown.rounds
    return "torn_down" if rounds <= 1 else f"torn_down.{rounds}"


def teardown_message(state: ImportState) -> Message:
    """What the whole teardown did, from the state alone (so a lost message can be sent again)."""
    record = state.teardown
    again = record.rounds > 1
    title = f"Model {state.name} torn down" + (" (again: a late create)" if again else "")
    kept = " The imported model was kept (keep_model)." if state.options.keep_model else ""
    first = (
        f"After the teardown of {state.name} ({_source_text(state)}) was reported, more of it was deleted "
        f"(a create or a teardown invocation that lost a race).{kept}"
        if again
        else f"The deployment of {state.name} ({_source_text(state)}) was torn down.{kept}"
    )
    lines = [first, *(f"  - deleted {d}" for d in record.deleted)]
    if not record.deleted:
        lines.append("  Nothing of it was running any more.")
    if record.in_flight:
        lines += [
            "Still in flight when it ended (deleted once it returns; its AI units stay held until then):",
            *(f"  - {d}" for d in record.in_flight),
        ]
    else:
        lines.append("Its AI units are released.")
    if record.refused:
        # A recorded OCID that is not this import's (a forged or stale state): never deleted, said.
        lines += [
            "Not deleted, its tags do not prove it is this import's:",
            *(f"  - RESOURCE_NOT_OURS: {r}" for r in record.refused[:20]),
            "Check who wrote the state document; delete a resource by hand only if it is yours.",
        ]
    return Message(teardown_key(state), title, lines_body(lines))


def orphan_message(
    name: str, import_id: str, source: str, deleted: str, units: float | None, *, stuck: str | None = None
) -> Message:
    """A resource a lost race left behind (its import was torn down or replaced meanwhile)."""
    what = f"{deleted} of {name} (import {import_id}, {source})"
    if stuck is not None:
        lines = [
            f"{what} was created after its import was torn down or replaced, and could not be deleted: "
            f"{stuck}.",
            f"It may still be costing money. Delete it in the console (it is tagged import-id={import_id}).",
        ]
        return Message(
            f"orphan_stuck:{deleted}", f"Model {name}: a late create could not be deleted", lines_body(lines)
        )
    held = f" Its {units:g} AI units are released." if units else ""
    lines = [f"{what} was created after its import was torn down or replaced; it is deleted.{held}"]
    return Message(f"orphan_deleted:{deleted}", f"Model {name}: a late create deleted", lines_body(lines))


def _finding_line(f: Finding) -> str:
    return f"- {f.code} [{f.severity}] {f.subject}: {f.message} → {f.hint}"


def _source_text(state: ImportState) -> str:
    src = state.source
    if src.model_id:
        return f"Hugging Face {src.model_id}@{src.revision or 'main'}"
    return f"oci://{src.bucket}@{src.namespace}/{src.prefix or src.object_name}"
