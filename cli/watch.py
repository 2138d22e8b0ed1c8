"""`--watch`: follow one import (or every import) and print each change until it has ended.

Each line carries the time the change happened, read from the state document (a transition's
`at` in its history, `updated_at` for a new attempt), never the time this loop polled: a watch
started late shows the stages already passed with their real times. The end of a rejected or
failed import comes with its reason: the error findings, or the error code, message and the
work request's own errors (`last_error.details`).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

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
    seen: dict[str, _Seen] = {}
    out = sys.stderr if args.output == "json" else sys.stdout
    while True:
        if name:
            found = _get_or_wait(store, name, announced=bool(seen))
            if found is None:
                seen[""] = _Seen()  # announced once
                states = []
            else:
                states = [found]
        else:
            states = [s for s in load_all(store) if isinstance(s, ImportState)]
        for s in states:
            for line in changes(s, seen.setdefault(s.name, _Seen())):
                print(line, file=out, flush=True)
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


@dataclass
class _Seen:
    """What of one import has been printed: transitions (by time and stage), attempt, cancel."""

    transitions: set[tuple[str, str]] = field(default_factory=set)
    attempt: tuple[str, int] = ("", 0)
    cancel: bool = False
    import_id: str = ""


def changes(s: ImportState, seen: _Seen) -> list[str]:
    """The lines for what changed in `s` since `seen`, each with the time it happened."""
    if seen.import_id != s.import_id:  # a new upload of the name: its own history
        seen.transitions.clear()
        seen.import_id = s.import_id
    lines = []
    for t in s.history:
        key = (iso(t.at) or "", t.stage.value)
        if key in seen.transitions:
            continue
        seen.transitions.add(key)
        line = f"{iso(t.at)}  {s.name}  {t.stage.value}  attempt {t.attempt}"
        if t is s.history[-1] and s.stage is t.stage:
            lines += [line + _error_tail(s), *_reasons(s)]
        else:
            lines.append(line + (f"  {t.note}" if t.note else ""))
        seen.attempt = (t.stage.value, t.attempt)
    if s.attempt and (s.stage.value, s.attempt) != seen.attempt:
        seen.attempt = (s.stage.value, s.attempt)
        lines.append(f"{iso(s.updated_at)}  {s.name}  {s.stage.value}  attempt {s.attempt}")
    if s.desired == "absent" and not seen.cancel and not s.stage.is_terminal:
        seen.cancel = True
        lines.append(f"{iso(s.updated_at)}  {s.name}  {s.stage.value}  cancel requested")
    return lines


def _error_tail(s: ImportState) -> str:
    if s.stage is Stage.FAILED and s.last_error:
        return f"  {s.last_error.code}: {s.last_error.message}"
    if s.stage is Stage.REJECTED:
        codes = sorted({f.code for f in s.findings if f.severity.value == "error"})
        return f"  rejected: {', '.join(codes)}" if codes else ""
    return ""


def _reasons(s: ImportState) -> list[str]:
    """Indented lines under a REJECTED or FAILED line: why, and what the service said."""
    if s.stage is Stage.REJECTED:
        return [
            f"    {f.code} {f.subject}: {f.message}" + (f" — {f.hint}" if f.hint else "")
            for f in s.findings
            if f.severity.value == "error"
        ]
    if s.stage is Stage.FAILED and s.last_error:
        return [f"    work request: {d}" for d in s.last_error.details]
    return []


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
