"""`--watch`: follow one import (or every import) and print each change until it has ended."""

from __future__ import annotations

import sys
import time

from cli.context import CliContext
from cli.formatting import iso, now_utc
from cli.import_summary import summary
from cli.output import CliError, print_json
from cli.state_reader import load_all, stall_after
from cli.status_render import print_detail, print_imports_table
from shared.contract.paths import manifest_object, request_object
from shared.contract.state import ImportState, Stage
from shared.pipeline.store import StateStore, StateUnreadable, head_object

EXIT_BY_STAGE = {Stage.DONE: 0, Stage.TORN_DOWN: 0, Stage.REJECTED: 1, Stage.FAILED: 1}


def finished(state: ImportState) -> bool:
    if state.desired == "absent":
        return state.stage in (Stage.TORN_DOWN, Stage.REJECTED, Stage.FAILED)
    return state.stage.is_terminal


def watch(ctx: CliContext, store: StateStore, name: str | None) -> int:
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
        if states and all(finished(s) for s in states):
            break
        if not name and not states:
            break
        if args.timeout is not None and time.monotonic() - started > args.timeout:
            where = ", ".join(f"{s.name} {s.stage.value}" for s in states if not finished(s))
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
        print_detail(docs[0], states[0])
    elif docs:
        print()
        print_imports_table(docs, [])
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
    if not any(head_object(store.client, store.namespace, store.watched_bucket, obj) for obj in sources):
        raise CliError(
            f"no import named {name!r} in {store.watched_bucket}: "
            f"neither {sources[0]} nor {sources[1]} exists; "
            "start it with `model-import upload` or `model-import import-hf`"
        )
    if not announced:
        print(f"{name}: waiting for the pipeline to pick it up", file=sys.stderr, flush=True)
    return None
