"""`sweep`: find stalled imports, orphaned resources and stale holds; `--fix` acts on them.

The pipeline's own sweep (`shared.pipeline.sweep`) does the work; the CLI adds what that sweep
cannot see: a manifest or request whose event was lost, so it has no state document.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cli.commands.steer import resend
from cli.context import CliContext
from cli.formatting import age, now_utc
from cli.import_summary import not_started_summary
from cli.options import add_state_options
from cli.output import CliError, print_json, print_table
from cli.state_reader import not_started, stall_after, store_of
from shared.contract.paths import classify_state
from shared.pipeline.sweep import sweep


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("sweep", parents=[common], help="find stalled imports and orphaned resources")
    p.add_argument(
        "--fix", action="store_true", help="nudge stalled imports, delete orphans, free stale holds"
    )
    add_state_options(p, watch=False)
    p.set_defaults(func=run_sweep)


def run_sweep(args: argparse.Namespace) -> int:
    ctx = CliContext(args)
    store = store_of(ctx)
    from shared.pipeline.genai_ops import GenAiOps
    from shared.pipeline.ledger import Ledger

    ops = GenAiOps(ctx.genai, ctx.compartment_id, deployment=ctx.bucket)
    ledger = Ledger(ctx.object_storage, ctx.namespace, ctx.state_bucket)
    now = now_utc()
    stall = stall_after(ctx)
    report = sweep(store, now=now, stall_after=stall, ops=ops, ledger=ledger, dry_run=not args.fix)
    # What the pipeline's sweep cannot see: a manifest or request whose event was lost has no state.
    known = {ref.name for e in store.entries() if (ref := classify_state(e.name)) is not None}
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
