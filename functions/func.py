"""The fdk entry point: parse the CloudEvent, route it to the import it is about, answer.

`func.yaml`: entrypoint `/python/bin/fdk /function/functions/func.py handler`.

The answer is always JSON. A body that is not an object event of ours is answered 200
with `"action": "ignored"` (retrying it would not help); an unexpected error raises, which
the fdk turns into a 502, so the platform may deliver the event again; the sweep covers the
rest. The sweep runs here too, at most once a minute per container, and in full for any body
that is not an OCI CloudEvent: that is how a schedule (OCI Resource Scheduler, Terraform's
`sweep_schedule_cron`) invokes the function. No OCI page says what body Resource Scheduler
sends when it starts a function, and a schedule may carry one (a `BODY` parameter whose value
is any JSON: `oci.resource_scheduler.models.BodyParameter.value`, type `object`), so an empty
body, a JSON object without `eventType`/`cloudEventsVersion` (`{}`) and any other JSON value
all sweep (the sweep is idempotent). A JSON object that does carry `eventType` or
`cloudEventsVersion` is an event: malformed, it is EVENT_MALFORMED, never a sweep. A body that
is not JSON at all is EVENT_MALFORMED too: neither Events (its envelope is JSON) nor a schedule
(its body value is JSON) sends one, and a full sweep (list calls over every state and resource)
is not what a stray invocation should cost.
"""

from __future__ import annotations

import io
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from fdk import response

if __package__ in (None, ""):  # fdk loads this file by path: make the project importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from events.models import MAX_EVENT_BYTES, EventError, parse_event
from functions.misnamed import answer_misnamed
from shared.contract.naming import misnamed_upload
from shared.contract.paths import ObjectKind, classify, classify_orphan, classify_state
from shared.pipeline import logs
from shared.settings import SettingsError

log = logs.get_logger("func")
logs.configure(os.environ.get("LOG_LEVEL", "INFO"))

SWEEP_EVERY_SECONDS = float(os.environ.get("SWEEP_EVERY_SECONDS", "60"))
# How long past its own longest wait a non-terminal import may go unwritten before the sweep
# counts it stalled (a lost event, a 502 nobody delivered again).
STALL_MARGIN_SECONDS = float(os.environ.get("STALL_MARGIN_SECONDS", "60"))


def answer(ctx: Any, doc: dict[str, Any], status: int = 200) -> response.Response:
    return response.Response(
        ctx, response_data=json.dumps(doc), headers={"Content-Type": "application/json"}, status_code=status
    )


def handler(ctx: Any, data: io.BytesIO | None = None) -> response.Response:
    body = data.getvalue() if data is not None else b""
    if is_schedule_body(body):
        # A scheduled invocation (OCI Resource Scheduler, with no body or one of its own): sweep now.
        return answer(ctx, {"action": "swept", **sweep_now()})
    try:
        event = parse_event(body)
    except EventError as exc:
        log.warning("not an event we understand", extra={"code": "EVENT_MALFORMED", "error": str(exc)})
        return answer(ctx, {"action": "ignored", "code": "EVENT_MALFORMED", "error": str(exc)})
    with logs.bound(event_id=event.event_id):
        name = event.object_name or ""
        ref = (
            (classify(name) or classify_state(name) or classify_orphan(name))
            if event.is_object_event
            else None
        )
        if ref is None:
            misnamed = misnamed_upload(name) if event.is_object_event and not event.is_delete else None
            if misnamed is not None:  # meant as an import: say why nothing starts, never stay silent
                return answer(ctx, answer_misnamed(name, misnamed, event.etag, event.bucket_name))
            log.info("not about an import", extra={"object": event.object_name, "type": event.event_type})
            return answer(ctx, {"action": "ignored", "reason": "not an object of the pipeline"})
        with logs.bound(name=ref.name, trigger=ref.kind.value, event_type=event.event_type):
            try:
                return answer(
                    ctx, route(ref.name, ref.kind, event.event_id, event.bucket_name, platform_deadline(ctx))
                )
            except SettingsError as exc:
                log.error("function configuration is invalid", extra={"error": str(exc)})
                raise
            except Exception:
                # fdk answers 502 and the platform may deliver again; say why, on a line with our ids
                log.exception("invocation failed")
                raise


def is_schedule_body(body: bytes) -> bool:
    """Is this invocation a schedule's (sweep), not an event's? See the module doc for why.

    Empty, or JSON that is not an object naming `eventType` or `cloudEventsVersion` (the two
    keys every OCI Events envelope carries). Not JSON, or over the invoke size: not a schedule.
    """
    if not body.strip():
        return True
    if len(body) > MAX_EVENT_BYTES:
        return False
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):  # not JSON (UnicodeDecodeError is a ValueError too)
        return False
    return not (isinstance(doc, dict) and ("eventType" in doc or "cloudEventsVersion" in doc))


def platform_deadline(ctx: Any) -> datetime | None:
    """The invocation's Fn-Deadline header, if the platform sent one (fdk invents now+30 s otherwise)."""
    headers = ctx.Headers() if hasattr(ctx, "Headers") else {}
    raw = next((v for k, v in (headers or {}).items() if str(k).lower() == "fn-deadline"), None)
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(str(raw))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def route(
    name: str, kind: Any, event_id: str, bucket: str | None, deadline: datetime | None = None
) -> dict[str, Any]:
    from functions.reconcile import reconcile
    from functions.runtime import runtime_from_env

    rt = runtime_from_env()
    rt.begin_invocation(deadline)
    # A state document counts only from the state bucket, an upload only from the watched one: a
    # `state/<name>.json` an uploader writes into the watched bucket is nothing to the pipeline.
    # (An event is only a hint anyway: reconcile reads the state from the state bucket.)
    in_state_bucket = kind in (ObjectKind.STATE, ObjectKind.ORPHAN)
    role, expected = ("state", rt.state_bucket) if in_state_bucket else ("watched", rt.bucket)
    if bucket and bucket != expected:
        log.info("event from another bucket", extra={"bucket": bucket, "expected": expected})
        return {"action": "ignored", "reason": f"bucket {bucket} is not the {role} bucket"}
    run_sweep(rt)
    if kind is ObjectKind.ORPHAN:  # a resource a lost race left behind (functions/orphans.py)
        from functions.orphans import reconcile_orphan

        return reconcile_orphan(rt, name, event_id)
    outcome = reconcile(rt, name, kind, event_id)
    return outcome.to_json_dict()


def stall_after(rt: Any) -> timedelta:
    """No write for this long while not terminal means an event was lost (a live wait rewrites sooner)."""
    s = rt.settings
    return timedelta(seconds=s.poll_seconds + 2 * s.poll_interval_seconds + STALL_MARGIN_SECONDS)


def run_sweep(rt: Any) -> None:
    """The sweep that rides on every invocation, at most once per SWEEP_EVERY_SECONDS per container."""
    from shared.pipeline.sweep import maybe_sweep

    try:
        maybe_sweep(
            rt.store,
            now=rt.now(),
            stall_after=stall_after(rt),
            every_seconds=SWEEP_EVERY_SECONDS,
            ops=rt.ops,
            ledger=rt.ledger,
        )
    except Exception as exc:  # the sweep must never break the invocation that carries it
        log.warning("sweep failed", extra={"error": str(exc)[:300]})


def sweep_now() -> dict[str, Any]:
    from functions.runtime import runtime_from_env
    from shared.pipeline.sweep import sweep

    rt = runtime_from_env()
    rt.begin_invocation()
    report = sweep(rt.store, now=rt.now(), stall_after=stall_after(rt), ops=rt.ops, ledger=rt.ledger)
    return report.to_json_dict()
