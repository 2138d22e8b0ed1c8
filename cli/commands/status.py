"""`status`: every import with its stage, cost and endpoint, or one import in detail.

The pipeline owns the state documents; `status` only reads them (cli/state_reader.py).
`retry` and `cancel` (cli/commands/steer.py) and `sweep` (cli/commands/sweep.py) act on them.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cli.context import CliContext, add_price_option
from cli.options import add_state_options, import_name


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "status",
        parents=[common],
        help="every import with its stage, cost and endpoint; one import in detail",
    )
    p.add_argument(
        "name",
        metavar="NAME",
        nargs="?",
        type=import_name,
        help="one import, shown in detail with its history",
    )
    p.add_argument("--watch", action="store_true", help="follow until it ends (every import without NAME)")
    add_state_options(p)
    add_price_option(p)
    p.set_defaults(func=run_status)


def run_status(args: argparse.Namespace) -> int:
    # Imported here, not at the top: `status --help` must not load the OCI SDK (cli/commands/__init__.py).
    from cli.formatting import age, now_utc
    from cli.import_summary import not_started_summary, summary
    from cli.output import print_json
    from cli.state_reader import Unreadable, load_all, load_one, not_started, source_of, stall_after, store_of
    from cli.status_render import print_detail, print_imports_table
    from cli.unfinished import by_name, note, summary_json, unfinished_uploads, upload_only_summary
    from cli.watch import watch
    from shared.contract.state import ImportState

    ctx = CliContext(args)
    store = store_of(ctx)
    if args.watch:
        return watch(ctx, store, args.name)
    now = now_utc()
    stall = stall_after(ctx)
    # Interrupted uploads never resumed cost storage and show in no object listing (issue 16).
    uploads = by_name(unfinished_uploads(ctx.object_storage, ctx.namespace, ctx.bucket))
    if args.name:
        mine = uploads.get(args.name, [])
        found = store.get(args.name)
        waiting = None if found else source_of(store, args.name)
        if mine:
            print(note(args.name, mine, now), file=sys.stderr)
        if found is None and waiting is None and mine:
            doc = upload_only_summary(args.name, mine, now)
            if args.output == "json":
                print_json({**doc, "state": None})
            else:
                print(f"{args.name}: upload not finished; no manifest written yet, so no import started")
            return 0
        if waiting is not None:
            doc = not_started_summary(waiting, now=now, stall=stall)
            doc["unfinished_uploads"] = summary_json(mine, now)
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
        doc["unfinished_uploads"] = summary_json(mine, now)
        if args.output == "json":
            print_json({**doc, "state": state.model_dump(mode="json")})
        else:
            print_detail(doc, state)
        return 0
    loaded = load_all(store)
    states = [s for s in loaded if isinstance(s, ImportState)]
    unreadable = [u for u in loaded if isinstance(u, Unreadable)]
    docs = [summary(s, now=now, price=ctx.price, stall=stall) for s in states]
    known = {s.name for s in states} | {u.name for u in unreadable}
    docs += [not_started_summary(n, now=now, stall=stall) for n in not_started(store, known)]
    for d in docs:
        d["unfinished_uploads"] = summary_json(uploads.get(d["name"]), now)
    listed = {d["name"] for d in docs} | {u.name for u in unreadable}
    docs += [upload_only_summary(n, ups, now) for n, ups in uploads.items() if n not in listed]
    docs.sort(key=lambda d: str(d["name"]))
    if args.output == "json":
        print_json(docs + [{"name": u.name, "stage": "UNREADABLE", "error": u.error} for u in unreadable])
    elif not docs and not unreadable:
        print(f"no imports yet in bucket {ctx.bucket}: start one with `model-import upload` or `import-hf`")
    else:
        print_imports_table(docs, unreadable)
    if args.output != "json":
        for name, ups in sorted(uploads.items()):
            print(note(name, ups, now), file=sys.stderr)
    return 0
