"""`status`, `retry`, `cancel`, `sweep`: reading and steering imports through their state documents.

The pipeline owns the state documents; the CLI only reads them, and steers by rewriting one
with compare-and-swap (`shared.pipeline.control`), which fires the state rule: the function
then does the work. Nothing here calls the Generative AI service except `sweep --fix`, which
deletes resources no import wants any more.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import oci

from cli.context import CliContext, add_bucket_options, add_price_option
from cli.formatting import age, age_seconds, as_utc, hourly, iso, money, now_utc, units
from cli.output import CliError, print_json, print_table
from shared.contract.paths import (
    MODELS_PREFIX,
    REQUESTS_PREFIX,
    ObjectKind,
    classify,
    manifest_object,
    request_object,
)
from shared.contract.state import ImportState, Stage
from shared.pipeline.control import NotRetryable, cancel, retry
from shared.pipeline.store import (
    ConflictError,
    StateStore,
    StateUnreadable,
    head_object,
    list_entries,
    put_if,
    read_object,
)
from shared.pipeline.sweep import stall_reason, sweep

# Which deadline setting (and its default, from shared/settings.py) a stage runs under.
_STAGE_DEADLINES: dict[Stage, tuple[str, int]] = {
    Stage.WAITING_FOR_FILES: ("DEADLINE_VALIDATE_MINUTES", 30),
    Stage.VALIDATING: ("DEADLINE_VALIDATE_MINUTES", 30),
    Stage.IMPORTING: ("DEADLINE_IMPORT_MINUTES", 180),
    Stage.PROVISIONING: ("DEADLINE_CLUSTER_MINUTES", 120),
    Stage.DEPLOYING: ("DEADLINE_ENDPOINT_MINUTES", 60),
    Stage.SMOKE_TESTING: ("DEADLINE_SMOKE_MINUTES", 15),
}
NOT_STARTED = "NOT_STARTED"  # a manifest or request the pipeline has not picked up (no state yet)
EXIT_BY_STAGE = {Stage.DONE: 0, Stage.TORN_DOWN: 0, Stage.REJECTED: 1, Stage.FAILED: 1}


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "status",
        parents=[common],
        help="every import with its stage, cost and endpoint; one import in detail",
    )
    p.add_argument("name", metavar="NAME", nargs="?", help="one import, shown in detail with its history")
    p.add_argument("--watch", action="store_true", help="follow until it ends (every import without NAME)")
    _add_common(p)
    add_price_option(p)
    p.set_defaults(func=run_status)

    p = subparsers.add_parser(
        "retry", parents=[common], help="resume a failed or stalled import from its stage"
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--watch", action="store_true", help="follow it afterwards")
    _add_common(p)
    add_price_option(p)
    p.set_defaults(func=run_retry)

    p = subparsers.add_parser("cancel", parents=[common], help="stop an import and tear down what it made")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--watch", action="store_true", help="follow the teardown")
    _add_common(p)
    add_price_option(p)
    p.set_defaults(func=run_cancel)

    p = subparsers.add_parser("sweep", parents=[common], help="find stalled imports and orphaned resources")
    p.add_argument(
        "--fix", action="store_true", help="nudge stalled imports, delete orphans, free stale holds"
    )
    _add_common(p, watch=False)
    p.set_defaults(func=run_sweep)


def _add_common(p: argparse.ArgumentParser, *, watch: bool = True) -> None:
    add_bucket_options(p)
    p.add_argument(
        "--stall-after",
        type=float,
        default=None,
        metavar="SECONDS",
        help="an import not written for this long is stalled (default: the function's poll budget + 60 s)",
    )
    if not watch:
        return
    p.add_argument(
        "--interval", type=float, default=5.0, metavar="SECONDS", help="--watch: seconds between looks"
    )
    p.add_argument(
        "--timeout", type=float, default=None, metavar="SECONDS", help="--watch: give up after this"
    )


# --- reading -----------------------------------------------------------------------------------
def stall_after(ctx: CliContext) -> timedelta:
    if getattr(ctx.args, "stall_after", None) is not None:
        return timedelta(seconds=float(ctx.args.stall_after))
    poll = float(ctx.env.get("POLL_SECONDS") or 120)
    interval = float(ctx.env.get("POLL_INTERVAL_SECONDS") or 10)
    return timedelta(seconds=poll + 2 * interval + 60)  # as the function's own sweep decides


def deadline_minutes(ctx: CliContext, stage: Stage) -> int:
    key, default = _STAGE_DEADLINES.get(stage, ("", 60))
    raw = ctx.env.get(key, "") if key else ""
    return int(raw) if raw.isdigit() else default


def store_of(ctx: CliContext) -> StateStore:
    return StateStore(ctx.object_storage, ctx.namespace, ctx.bucket)


@dataclass
class Unreadable:
    name: str
    error: str


def load_all(store: StateStore) -> list[ImportState | Unreadable]:
    names = [ref.name for e in store.entries() if (ref := classify(e.name)) is not None]

    def one(name: str) -> ImportState | Unreadable | None:
        try:
            found = store.get(name)
        except StateUnreadable as exc:
            return Unreadable(name, str(exc))
        return found[0] if found else None

    with ThreadPoolExecutor(max_workers=8) as pool:
        loaded = list(pool.map(one, names))
    return sorted((s for s in loaded if s is not None), key=lambda s: s.name)


def load_one(store: StateStore, name: str) -> tuple[ImportState, str]:
    try:
        found = store.get(name)
    except StateUnreadable as exc:
        raise CliError(f"{exc}; the pipeline writes it, so check the function logs") from None
    if found is None:
        raise CliError(
            f"no import named {name!r} in {store.bucket}: see `model-import status`; it appears once "
            "the manifest or request is written and the function has run"
        )
    return found


@dataclass
class NotStarted:
    """A manifest or request with no state document yet: just written, or its event was lost."""

    name: str
    object_name: str
    etag: str
    written_at: datetime | None


def not_started(store: StateStore, known: set[str]) -> list[NotStarted]:
    found: dict[str, NotStarted] = {}
    for prefix in (REQUESTS_PREFIX, MODELS_PREFIX):
        for e in list_entries(store.client, store.namespace, store.bucket, prefix):
            ref = classify(e.name)
            if ref is None or ref.kind not in (ObjectKind.MANIFEST, ObjectKind.REQUEST):
                continue
            if ref.name not in known and ref.name not in found:
                found[ref.name] = NotStarted(ref.name, e.name, e.etag, as_utc(e.time_modified))
    return sorted(found.values(), key=lambda n: n.name)


def source_of(store: StateStore, name: str) -> NotStarted | None:
    for obj in (manifest_object(name), request_object(name)):
        try:
            head = store.client.head_object(store.namespace, store.bucket, obj)
        except oci.exceptions.ServiceError as exc:
            if exc.status == 404:
                continue
            raise
        modified = head.headers.get("last-modified")
        written = parsedate_to_datetime(modified) if modified else None
        return NotStarted(name, obj, str(head.headers.get("etag", "")), as_utc(written))
    return None


def not_started_summary(n: NotStarted, *, now: datetime, stall: timedelta) -> dict[str, Any]:
    waited = age_seconds(n.written_at, now)
    stalled = waited is not None and waited > stall.total_seconds()
    reason = (
        f"{n.object_name} was written {age(n.written_at, now)} ago and the pipeline has not picked it up "
        f"(a lost event?): `model-import retry {n.name}` sends it again"
        if stalled
        else None
    )
    return {
        "name": n.name,
        "import_id": None,
        "stage": NOT_STARTED,
        "desired": "present",
        "attempt": 0,
        "retries": 0,
        "stalled": stalled,
        "stall_reason": reason,
        "source": n.object_name,
        "created_at": iso(n.written_at),
        "updated_at": iso(n.written_at),
        "stage_deadline": None,
        "age_seconds": round(waited or 0.0, 1),
        "capability": None,
        "unit_shape": None,
        "ai_units": None,
        "cost_per_hour": None,
        "cluster_live": False,
        "cost_so_far": None,
        "endpoint_id": None,
        "endpoint_url": None,
        "last_error": None,
    }


# --- summaries ---------------------------------------------------------------------------------
def _cluster_window(state: ImportState, now: datetime) -> tuple[datetime | None, datetime | None]:
    """When the hosting cluster started and (if it did) stopped costing money, from the history."""
    started: datetime | None = None
    ended: datetime | None = None
    for t in state.history:
        if started is None and t.stage is Stage.PROVISIONING:
            started = as_utc(t.at)
        elif started is not None and t.stage in (Stage.TORN_DOWN, Stage.REJECTED):
            ended = as_utc(t.at)
            break
    if (
        started is not None
        and ended is None
        and state.stage is Stage.FAILED
        and not state.resources.cluster_id
    ):
        ended = as_utc(state.updated_at)
    if started is not None and ended is None and state.stage is Stage.TORN_DOWN:
        ended = as_utc(state.updated_at)
    return started, ended


def summary(state: ImportState, *, now: datetime, price: float | None, stall: timedelta) -> dict[str, Any]:
    plan = state.plan
    ai = plan.ai_units if plan else None
    per_hour = hourly(ai, price) if price is not None else (plan.cost_per_hour if plan else None)
    started, ended = _cluster_window(state, now)
    live = started is not None and ended is None
    so_far = None
    if started is not None and per_hour is not None:
        so_far = round(per_hour * ((ended or now) - started).total_seconds() / 3600, 4)
    reason = stall_reason(state, now, stall)
    return {
        "name": state.name,
        "import_id": state.import_id,
        "stage": state.stage.value,
        "desired": state.desired,
        "attempt": state.attempt,
        "retries": state.retries,
        "stalled": reason is not None,
        "stall_reason": reason,
        "source": state.source.model_id or state.source.object_name,
        "created_at": iso(state.created_at),
        "updated_at": iso(state.updated_at),
        "stage_deadline": iso(state.stage_deadline),
        "age_seconds": round(age_seconds(state.created_at, now) or 0.0, 1),
        "capability": plan.capability.value if plan else None,
        "unit_shape": plan.unit_shape if plan else None,
        "ai_units": ai,
        "cost_per_hour": per_hour,
        "cluster_live": live,
        "cost_so_far": so_far,
        "endpoint_id": state.resources.endpoint_id,
        "endpoint_url": state.endpoint_url,
        "last_error": state.last_error.model_dump(mode="json") if state.last_error else None,
    }


def _stage_cell(doc: dict[str, Any]) -> str:
    text = doc["stage"]
    if doc["desired"] == "absent" and doc["stage"] not in ("TORN_DOWN", "TEARING_DOWN"):
        text += " (cancelling)"
    if doc["stalled"]:
        text += " STALLED"
    return text


def _table(docs: list[dict[str, Any]], unreadable: list[Unreadable]) -> None:
    rows = [
        (
            d["name"],
            _stage_cell(d),
            age(datetime.fromisoformat(d["created_at"].replace("Z", "+00:00")) if d["created_at"] else None),
            d["unit_shape"] or "-",
            units(d["ai_units"]),
            money(d["cost_per_hour"]) if d["cluster_live"] else "-",
            money(d["cost_so_far"]),
            d["endpoint_id"] or "-",
        )
        for d in docs
    ]
    rows += [(u.name, "UNREADABLE", "-", "-", "-", "-", "-", "-") for u in unreadable]
    print_table(["name", "stage", "age", "shape", "ai units", "per hour", "so far", "endpoint"], rows)


def _detail(doc: dict[str, Any], state: ImportState) -> None:
    stage = doc["stage"] + f" (attempt {doc['attempt']}"
    stage += f", retry {doc['retries']})" if doc["retries"] else ")"
    if doc["stalled"]:
        stage += f" STALLED: {doc['stall_reason']}"
    plan = state.plan
    rows: list[tuple[str, Any]] = [
        ("name", state.name),
        ("import id", state.import_id),
        ("stage", stage),
        ("desired", state.desired),
        ("source", f"{state.source.kind.value} {doc['source']}"),
        ("created", f"{doc['created_at']} ({age(state.created_at)} ago)"),
        ("deadline", doc["stage_deadline"] or "-"),
    ]
    if plan is not None:
        rows.append(
            (
                "plan",
                f"{plan.capability.value} on {plan.unit_shape or '?'}, {units(plan.ai_units)} AI units, "
                f"{money(doc['cost_per_hour'])} per hour"
                + (f" — {plan.shape_reason}" if plan.shape_reason else ""),
            )
        )
        rows.append(("cost so far", money(doc["cost_so_far"])))
    r = state.resources
    rows += [
        ("imported model", r.imported_model_id or "-"),
        ("cluster", r.cluster_id or "-"),
        ("endpoint", r.endpoint_id or "-"),
    ]
    if state.endpoint_url:
        rows.append(("endpoint url", state.endpoint_url))
    if state.last_error:
        rows.append(
            (
                "last error",
                f"{state.last_error.code} in {state.last_error.stage.value}: {state.last_error.message}",
            )
        )
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    if state.findings:
        print("\nfindings:")
        for f in state.findings:
            print(f"  {f.severity.value}: {f.code} {f.subject}: {f.message}")
    print()
    print_table(
        ["at", "stage", "attempt", "note"],
        [(iso(t.at), t.stage.value, t.attempt, t.note) for t in state.history],
    )
    if doc["stalled"]:
        print(f"\nstalled: run `model-import retry {state.name}` to resume it", file=sys.stderr)
    elif state.stage is Stage.FAILED:
        print(f"\nfailed: fix the cause, then `model-import retry {state.name}`", file=sys.stderr)


# --- status ------------------------------------------------------------------------------------
def run_status(args: argparse.Namespace) -> int:
    ctx = CliContext(args)
    store = store_of(ctx)
    if args.watch:
        return _watch(ctx, store, args.name)
    now = now_utc()
    stall = stall_after(ctx)
    if args.name:
        waiting = None if store.get(args.name) else source_of(store, args.name)
        if waiting is not None:
            doc = not_started_summary(waiting, now=now, stall=stall)
            if args.output == "json":
                print_json({**doc, "state": None})
            else:
                ago = age(waiting.written_at, now)
                print(f"{args.name}: {waiting.object_name} written {ago} ago; no state yet")
                if doc["stall_reason"]:
                    print(f"stalled: {doc['stall_reason']}", file=sys.stderr)
            return 0
        state, _ = load_one(store, args.name)
        doc = summary(state, now=now, price=ctx.price, stall=stall)
        if args.output == "json":
            print_json({**doc, "state": state.model_dump(mode="json")})
        else:
            _detail(doc, state)
        return 0
    loaded = load_all(store)
    states = [s for s in loaded if isinstance(s, ImportState)]
    unreadable = [u for u in loaded if isinstance(u, Unreadable)]
    docs = [summary(s, now=now, price=ctx.price, stall=stall) for s in states]
    known = {s.name for s in states} | {u.name for u in unreadable}
    docs += [not_started_summary(n, now=now, stall=stall) for n in not_started(store, known)]
    docs.sort(key=lambda d: str(d["name"]))
    if args.output == "json":
        print_json(docs + [{"name": u.name, "stage": "UNREADABLE", "error": u.error} for u in unreadable])
    elif not docs and not unreadable:
        print(f"no imports yet in bucket {ctx.bucket}: start one with `model-import upload` or `import-hf`")
    else:
        _table(docs, unreadable)
    return 0


def _finished(state: ImportState) -> bool:
    if state.desired == "absent":
        return state.stage in (Stage.TORN_DOWN, Stage.REJECTED, Stage.FAILED)
    return state.stage.is_terminal


def _watch(ctx: CliContext, store: StateStore, name: str | None) -> int:
    """Print each change as it happens; end when the import (or every import) is finished."""
    args = ctx.args
    started = time.monotonic()
    seen: dict[str, tuple[str, int, str]] = {}
    while True:
        if name:
            found = _get_or_wait(store, name, announced=bool(seen))
            if found is None:
                seen[""] = ("", 0, "")  # announced once
                states = []
            else:
                states = [found]
        else:
            states = [s for s in load_all(store) if isinstance(s, ImportState)]
        for s in states:
            key = (s.stage.value, s.attempt, s.desired)
            if seen.get(s.name) != key:
                seen[s.name] = key
                extra = " (cancel requested)" if s.desired == "absent" and not s.stage.is_terminal else ""
                line = f"{iso(now_utc())}  {s.name}  {s.stage.value}  attempt {s.attempt}{extra}"
                if s.last_error and s.stage is Stage.FAILED:
                    line += f"  {s.last_error.code}: {s.last_error.message}"
                print(line, file=sys.stderr if args.output == "json" else sys.stdout, flush=True)
        if states and all(_finished(s) for s in states):
            break
        if not name and not states:
            break
        if args.timeout is not None and time.monotonic() - started > args.timeout:
            where = ", ".join(f"{s.name} {s.stage.value}" for s in states if not _finished(s))
            raise CliError(
                f"still running after {args.timeout:.0f}s ({where}); `model-import status` shows it"
            )
        time.sleep(args.interval)
    now = now_utc()
    docs = [summary(s, now=now, price=ctx.price, stall=stall_after(ctx)) for s in states]
    if not states:
        print(f"no imports yet in bucket {ctx.bucket}", file=sys.stderr)
    if args.output == "json":
        print_json(docs[0] if name else docs)
    elif name:
        print()
        _detail(docs[0], states[0])
    elif docs:
        print()
        _table(docs, [])
    return max(EXIT_BY_STAGE.get(s.stage, 1) for s in states) if states else 0


def _get_or_wait(store: StateStore, name: str, *, announced: bool) -> ImportState | None:
    """The state of `name`; None while its manifest or request waits for the function's first run."""
    try:
        found = store.get(name)
    except StateUnreadable as exc:
        raise CliError(f"{exc}; the pipeline writes it, so check the function logs") from None
    if found is not None:
        return found[0]
    sources = (manifest_object(name), request_object(name))
    if not any(head_object(store.client, store.namespace, store.bucket, obj) for obj in sources):
        raise CliError(
            f"no import named {name!r} in {store.bucket}: neither {sources[0]} nor {sources[1]} exists; "
            "start it with `model-import upload` or `model-import import-hf`"
        )
    if not announced:
        print(f"{name}: waiting for the pipeline to pick it up", file=sys.stderr, flush=True)
    return None


# --- retry / cancel ------------------------------------------------------------------------------
def _rewrite(store: StateStore, name: str, change: Any) -> tuple[ImportState, ImportState]:
    """Apply `change(state) -> new state` with compare-and-swap, re-reading when the pipeline moved first."""
    for _ in range(5):
        state, etag = load_one(store, name)
        new = change(state)
        if new is None:
            return state, state
        try:
            store.put(new, etag)
            return state, new
        except ConflictError:
            time.sleep(0.2)
    raise CliError(f"{name} keeps changing under us; run `model-import status {name}` and try again")


def run_retry(args: argparse.Namespace) -> int:
    ctx = CliContext(args)
    store = store_of(ctx)
    now = now_utc()
    stall = stall_after(ctx)

    def change(state: ImportState) -> ImportState:
        if not state.stage.is_terminal and stall_reason(state, now, stall) is None:
            raise CliError(
                f"{state.name} is {state.stage.value} and moving (updated {age(state.updated_at)} ago): "
                "nothing to retry; `model-import status --watch` follows it",
            )
        target = state.stage
        if state.stage is Stage.FAILED and state.last_error:
            target = state.last_error.stage
        try:
            return retry(state, now=now, deadline_minutes=deadline_minutes(ctx, target))
        except NotRetryable as exc:
            raise CliError(str(exc)) from None

    if store.get(args.name) is None:
        return _resend(ctx, store, args.name, now, stall)
    before, after = _rewrite(store, args.name, change)
    action = "resumed" if before.stage is Stage.FAILED else "nudged"
    doc = {
        "name": after.name,
        "action": action,
        "from_stage": before.stage.value,
        "stage": after.stage.value,
        "attempt": after.attempt,
        "retries": after.retries,
        "stage_deadline": iso(after.stage_deadline),
    }
    if args.output == "json" and not args.watch:
        print_json(doc)
    else:
        print(f"{action} {after.name}: {before.stage.value} -> {after.stage.value} (retry {after.retries})")
    if args.watch:
        return _watch(ctx, store, args.name)
    return 0


def resend(store: StateStore, waiting: NotStarted) -> None:
    """Write the manifest or request again, same bytes, only if unchanged: a new upload, a new event."""
    found = read_object(store.client, store.namespace, store.bucket, waiting.object_name, 1024 * 1024)
    if found is None:
        raise CliError(f"{waiting.object_name} disappeared meanwhile; nothing to resend")
    try:
        put_if(store.client, store.namespace, store.bucket, waiting.object_name, found[0], found[1])
    except ConflictError:
        raise CliError(
            f"{waiting.object_name} changed meanwhile; see `model-import status {waiting.name}`"
        ) from None


def _resend(ctx: CliContext, store: StateStore, name: str, now: datetime, stall: timedelta) -> int:
    """No state yet: write the manifest or request again (same bytes, new ETag), which fires its rule."""
    waiting = source_of(store, name)
    if waiting is None:
        load_one(store, name)  # raises the "no import named" error
        return 1
    waited = age_seconds(waiting.written_at, now) or 0.0
    if waited <= stall.total_seconds():
        raise CliError(
            f"{waiting.object_name} was written {age(waiting.written_at, now)} ago: give the pipeline a "
            f"moment (`model-import status {name} --watch`), or pass --stall-after 0 to send it again now"
        )
    resend(store, waiting)
    doc = {
        "name": name,
        "action": "resent",
        "from_stage": NOT_STARTED,
        "stage": NOT_STARTED,
        "attempt": 0,
        "retries": 0,
        "stage_deadline": None,
    }
    if ctx.args.output == "json" and not ctx.args.watch:
        print_json(doc)
    else:
        print(f"resent {name}: wrote {waiting.object_name} again, which starts the import")
    if ctx.args.watch:
        return _watch(ctx, store, name)
    return 0


def run_cancel(args: argparse.Namespace) -> int:
    ctx = CliContext(args)
    store = store_of(ctx)
    now = now_utc()

    def change(state: ImportState) -> ImportState | None:
        if state.stage in (Stage.TORN_DOWN, Stage.REJECTED):
            raise CliError(f"{state.name} is {state.stage.value}: nothing is running, nothing to tear down")
        if state.desired == "absent":
            return None  # already asked: asking twice changes nothing
        return cancel(state, now=now)

    before, after = _rewrite(store, args.name, change)
    already = before is after
    doc = {
        "name": after.name,
        "stage": after.stage.value,
        "desired": after.desired,
        "already_cancelled": already,
    }
    if args.output == "json" and not args.watch:
        print_json(doc)
    else:
        verb = "was already cancelled" if already else "cancel requested"
        print(f"{after.name} {verb}: the pipeline tears down its endpoint, cluster and model")
        if not args.watch:
            print(f"follow it: model-import status {after.name} --watch")
    if args.watch:
        return _watch(ctx, store, args.name)
    return 0


# --- sweep ---------------------------------------------------------------------------------------
def run_sweep(args: argparse.Namespace) -> int:
    ctx = CliContext(args)
    store = store_of(ctx)
    from shared.pipeline.genai_ops import GenAiOps
    from shared.pipeline.ledger import Ledger

    ops = GenAiOps(ctx.genai, ctx.compartment_id)
    ledger = Ledger(ctx.object_storage, ctx.namespace, ctx.bucket)
    now = now_utc()
    stall = stall_after(ctx)
    report = sweep(store, now=now, stall_after=stall, ops=ops, ledger=ledger, dry_run=not args.fix)
    # What the pipeline's sweep cannot see: a manifest or request whose event was lost has no state.
    known = {ref.name for e in store.entries() if (ref := classify(e.name)) is not None}
    lost = [n for n in not_started(store, known) if not_started_summary(n, now=now, stall=stall)["stalled"]]
    errors = list(report.errors)
    resent = []
    for n in lost:
        if args.fix:
            try:
                resend(store, n)
            except CliError as exc:
                errors.append(str(exc))
                continue
        resent.append(n.name)
    doc = {"fixed": bool(args.fix), **report.to_json_dict(), "resent": resent, "errors": errors}
    if args.output == "json":
        print_json(doc)
        return 1 if errors else 0
    verb = "" if args.fix else "would "
    rows = [(f"{verb}nudge", item) for item in report.nudged]
    rows += [(f"{verb}delete orphan", item) for item in report.orphans_deleted]
    rows += [(f"{verb}release hold", item) for item in report.holds_released]
    rows += [(f"{verb}resend", f"{n.object_name} (no state after {age(n.written_at, now)})") for n in lost
             if n.name in resent]  # fmt: skip
    rows += [("error", item) for item in errors]
    if rows:
        print_table(["action", "what"], rows)
        if not args.fix:
            print("run `model-import sweep --fix` to do it", file=sys.stderr)
    else:
        print("nothing stalled, no orphans, no stale holds")
    return 1 if errors else 0
