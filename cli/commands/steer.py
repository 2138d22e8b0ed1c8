"""`retry` and `cancel`: steer an import by rewriting its state document with compare-and-swap.

The write fires the state rule and the function does the work (`shared.pipeline.control` decides
what the new state is). An import with no state yet is retried by writing its manifest or request
again, which fires the object rule its lost event should have.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cli.context import CliContext, add_price_option
from cli.formatting import age, age_seconds, iso, now_utc
from cli.options import add_state_options, import_name
from cli.output import CliError, print_json
from shared.contract.state import ImportState, Stage, holds_something
from shared.pipeline.control import NotRetryable, cancel, retry

if TYPE_CHECKING:  # the SDK loads when a command runs, never for its --help (cli/commands/__init__.py)
    from cli.state_reader import NotStarted
    from shared.pipeline.store import StateStore


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "retry", parents=[common], help="resume a failed or stalled import from its stage"
    )
    p.add_argument("name", metavar="NAME", type=import_name, help="the import to resume")
    p.add_argument("--watch", action="store_true", help="follow it afterwards")
    add_state_options(p)
    add_price_option(p)
    p.set_defaults(func=run_retry)

    p = subparsers.add_parser("cancel", parents=[common], help="stop an import and tear down what it made")
    p.add_argument("name", metavar="NAME", type=import_name, help="the import to stop")
    p.add_argument("--watch", action="store_true", help="follow the teardown")
    add_state_options(p)
    add_price_option(p)
    p.set_defaults(func=run_cancel)


def _rewrite(store: StateStore, name: str, change: Any) -> tuple[ImportState, ImportState]:
    """Apply `change(state) -> new state` with compare-and-swap, re-reading when the pipeline moved first."""
    from cli.state_reader import load_one
    from shared.pipeline.store import ConflictError

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
    from cli.state_reader import deadline_minutes, stall_after, store_of
    from cli.watch import watch
    from shared.pipeline.sweep import stall_reason

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
        if state.stage is Stage.TORN_DOWN:
            raise CliError(torn_down_refusal(state))
        target: Stage = state.stage
        if state.stage is Stage.FAILED and state.last_error:
            target = state.last_error.stage
        try:
            new = retry(state, now=now, deadline_minutes=deadline_minutes(ctx, target))
        except NotRetryable as exc:
            raise CliError(str(exc)) from None
        if state.desired == "absent" and state.stage is Stage.FAILED and new.stage is not Stage.TEARING_DOWN:
            # The pipeline would tear down at once whatever this retry builds again (issue 16).
            raise CliError(cancelled_refusal(state))
        return new

    if store.get(args.name) is None:
        return _resend(ctx, store, args.name, now, stall)
    before, after = _rewrite(store, args.name, change)
    action = "resumed" if before.stage is Stage.FAILED else "nudged"
    if after.desired == "absent":
        what = "the teardown goes on"
    elif action == "resumed":
        what = f"the pipeline runs {after.stage.value} again"
    else:
        what = f"the pipeline looks at it again in {after.stage.value}"
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
        print(
            f"{action} {after.name}: {before.stage.value} -> {after.stage.value} "
            f"(retry {after.retries}): {what}"
        )
    if args.watch:
        return watch(ctx, store, args.name)
    return 0


def torn_down_refusal(state: ImportState) -> str:
    """TORN_DOWN is the end of an import: the way out is a new one, from the same source."""
    if state.source.model_id:
        ref = state.source.model_id + (f"@{state.source.revision}" if state.source.revision else "")
        again = f"model-import import-hf {ref} --name {state.name} --again"
    else:
        again = f"model-import upload FOLDER --name {state.name} --again"
    return (
        f"{state.name} is TORN_DOWN: what it made is deleted and a retry has nothing to resume; "
        f"`{again}` starts a new import of it"
    )


def cancelled_refusal(state: ImportState) -> str:
    how = (
        f"`model-import import-hf {state.source.model_id} --name {state.name} --again`"
        if state.source.model_id
        else f"`model-import upload FOLDER --name {state.name} --again`"
    )
    return (
        f"{state.name} was cancelled (desired: absent), so the pipeline would tear down whatever a retry "
        f"builds; nothing was retried — to import it again, write its source again: {how}"
    )


def _teardown_words(state: ImportState) -> str:
    """What the pipeline will delete, from what the state records."""
    r = state.resources
    parts = [kind for kind, rid in (("endpoint", r.endpoint_id), ("cluster", r.cluster_id)) if rid]
    keeps = bool(r.imported_model_id) and state.options.keep_model
    if r.imported_model_id and not keeps:
        parts.append("model")
    where = "" if state.stage.is_terminal else f"stops it in {state.stage.value} and "
    made = ", ".join(parts) if parts else "whatever it has made"
    return f"the pipeline {where}tears down its {made}" + (
        "; the model is kept (keep_model)" if keeps else ""
    )


def resend(store: StateStore, waiting: NotStarted) -> None:
    """Write the manifest or request again, same bytes, only if unchanged: a new upload, a new event."""
    from shared.pipeline.store import ConflictError, put_if, read_object

    found = read_object(store.client, store.namespace, store.watched_bucket, waiting.object_name, 1024 * 1024)
    if found is None:
        raise CliError(f"{waiting.object_name} disappeared meanwhile; nothing to resend")
    try:
        put_if(store.client, store.namespace, store.watched_bucket, waiting.object_name, found[0], found[1])
    except ConflictError:
        raise CliError(
            f"{waiting.object_name} changed meanwhile; see `model-import status {waiting.name}`"
        ) from None


def _resend(ctx: CliContext, store: StateStore, name: str, now: datetime, stall: timedelta) -> int:
    """No state yet: write the manifest or request again (same bytes, new ETag), which fires its rule."""
    from cli.state_reader import NOT_STARTED, load_one, source_of
    from cli.watch import watch

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
        return watch(ctx, store, name)
    return 0


def run_cancel(args: argparse.Namespace) -> int:
    from cli.state_reader import store_of
    from cli.watch import watch

    ctx = CliContext(args)
    store = store_of(ctx)
    now = now_utc()

    def change(state: ImportState) -> ImportState | None:
        if state.stage in (Stage.TORN_DOWN, Stage.REJECTED):
            raise CliError(f"{state.name} is {state.stage.value}: nothing is running, nothing to tear down")
        if not holds_something(state):
            # The pipeline tears down only what holds something: a cleaned-up FAILED import would stay
            # FAILED with desired=absent for ever (issue 16), so nothing is written.
            raise CliError(
                f"{state.name} is {state.stage.value} and holds nothing (what it made is already deleted): "
                f"nothing to cancel; `model-import status {state.name}` shows why it failed, "
                f"`model-import retry {state.name}` starts it again"
            )
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
        print(f"{after.name} {verb}: {_teardown_words(after)}")
        if not args.watch:
            print(f"follow it: model-import status {after.name} --watch")
    if args.watch:
        return watch(ctx, store, args.name)
    return 0
