"""`sweep`: find stalled imports, orphaned resources and stale holds; `--fix` acts on them.

The pipeline's own sweep (`shared.pipeline.sweep`) does the work; the CLI adds what that sweep
cannot see: a manifest or request whose event was lost, so it has no state document, and
multipart uploads left unfinished under models/ (cli/unfinished.py), whose parts cost storage.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cli.commands.steer import resend
from cli.context import CliContext
from cli.formatting import age, now_utc
from cli.options import add_state_options
from cli.output import CliError, print_json, print_table
from cli.unfinished import DEFAULT_ABORT_AFTER_HOURS, describe, unfinished_uploads
from shared.contract.paths import classify_state


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("sweep", parents=[common], help="find stalled imports and orphaned resources")
    p.add_argument(
        "--fix",
        action="store_true",
        help="nudge stalled imports, delete orphans, free stale holds, abort stale uploads",
    )
    add_state_options(p, watch=False)
    p.add_argument(
        "--abort-uploads-after",
        type=float,
        default=DEFAULT_ABORT_AFTER_HOURS,
        metavar="HOURS",
        help="an unfinished multipart upload under models/ started this long ago is stale",
    )
    p.set_defaults(func=run_sweep)


def _wrong_region(ctx: CliContext, store: Any, ops: Any) -> str | None:
    """One line when the states record resources the Generative AI region finds none of."""
    from cli.genai_region import none_found, recorded, states_line

    holding = [s for s in store.list() if recorded(s)]
    if not none_found(ops, [pair for s in holding for pair in recorded(s)]):
        return None
    return states_line(holding, ctx.genai_region, "the sweep left resources and AI-unit holds alone")


def run_sweep(args: argparse.Namespace) -> int:
    # Imported here, not at the top: `sweep --help` must not load the OCI SDK (cli/commands/__init__.py).
    import oci

    from cli.import_summary import not_started_summary
    from cli.state_reader import not_started, stall_after, store_of
    from shared.pipeline.genai_ops import GenAiOps
    from shared.pipeline.ledger import Ledger
    from shared.pipeline.sweep import sweep

    ctx = CliContext(args)
    store = store_of(ctx)
    # Listing the managed resources tells orphans from imports: an identity that may not list
    # (an uploader's) stops here with one line naming the operator's grant (cli/errors.py), not a
    # report of the SDK's error followed by a `--fix` that could not fix anything.
    ctx.genai.list_endpoints(compartment_id=ctx.compartment_id, limit=1)

    ops: GenAiOps | None = GenAiOps(ctx.genai, ctx.compartment_id, deployment=ctx.bucket)
    ledger: Ledger | None = Ledger(ctx.object_storage, ctx.namespace, ctx.state_bucket)
    region_line = _wrong_region(ctx, store, ops)
    if region_line is not None:  # nothing listed is no orphan's proof, no hold's release
        ops = ledger = None
    now = now_utc()
    stall = stall_after(ctx)
    report = sweep(store, now=now, stall_after=stall, ops=ops, ledger=ledger, dry_run=not args.fix)
    if region_line is not None:
        report.errors.insert(0, region_line)
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
    if args.abort_uploads_after < 0:
        raise CliError("--abort-uploads-after cannot be negative", exit_code=2)
    stale = [
        u
        for u in unfinished_uploads(ctx.object_storage, ctx.namespace, ctx.bucket)
        if u.started is None or (now - u.started).total_seconds() >= args.abort_uploads_after * 3600
    ]
    aborted = []
    for u in stale:
        if args.fix:
            try:
                ctx.object_storage.abort_multipart_upload(
                    ctx.namespace, ctx.bucket, u.object_name, u.upload_id
                )
            except oci.exceptions.ServiceError as exc:
                if exc.status != 404:  # 404: committed or aborted meanwhile, nothing left to free
                    errors.append(f"abort {u.object_name} ({u.upload_id}): {exc.status} {exc.code}")
                    continue
        aborted.append(describe(u, now))
    doc = {
        "fixed": bool(args.fix),
        **report.to_json_dict(),
        "resent": resent,
        "uploads_aborted": aborted,
        "errors": errors,
    }
    if args.output == "json":
        print_json(doc)
        return 1 if errors else 0
    verb = "" if args.fix else "would "
    rows = [(f"{verb}nudge", item) for item in report.nudged]
    rows += [(f"{verb}delete orphan", item) for item in report.orphans_deleted]
    rows += [(f"{verb}release hold", item) for item in report.holds_released]
    rows += [(f"{verb}resend", f"{n.object_name} (no state after {age(n.written_at, now)})") for n in lost
             if n.name in resent]  # fmt: skip
    rows += [(f"{verb}abort upload", item) for item in aborted]
    rows += [("error", item) for item in errors]
    if rows:
        print_table(["action", "what"], rows)
        if not args.fix and len(rows) > len(errors):  # something a fix would do, not only errors
            print("run `model-import sweep --fix` to do it", file=sys.stderr)
    else:
        print("nothing stalled, no orphans, no stale holds, no stale uploads")
    return 1 if errors else 0
