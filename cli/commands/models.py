"""The console's tasks on imported models, plus teardown and cost.

`list`, `get`, `update`, `move`, `delete` act on imported models in OCI Generative AI;
`teardown` cancels an import and runs the pipeline's own teardown (cli/teardown.py); `cost`
shows the live hosting clusters and what they cost per hour.

A model is named by its OCID, or by its display name or import name within the compartment.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from cli.context import (
    IMPORT_NAME_TAG,
    MANAGED_BY_TAG,
    MANAGED_BY_VALUE,
    CliContext,
    add_bucket_options,
    add_price_option,
    parse_tags,
)
from cli.formatting import (
    age,
    age_seconds,
    cluster_ai_units,
    hourly,
    iso,
    money,
    now_utc,
    sdk_dict,
    units,
)
from cli.options import import_name, seconds
from cli.output import CliError, print_json, print_table
from cli.paging import all_items
from shared.contract.tags import IMPORT_BUCKET as IMPORT_BUCKET_TAG
from shared.contract.tags import KEPT as KEPT_TAG
from shared.contract.tags import KEPT_VALUE

if TYPE_CHECKING:  # the SDK loads when a command runs, never for its --help (cli/commands/__init__.py)
    from shared.pipeline.genai_ops import GenAiOps, Kind

RESERVED_TAGS = frozenset({"import-id", "import-name", "step", "managed-by"})
LIVE_CLUSTER_STATES = frozenset({"CREATING", "ACTIVE", "UPDATING", "NEEDS_ATTENTION"})


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("list", parents=[common], help="list imported models in the compartment")
    p.add_argument("--all", action="store_true", help="include DELETED models")
    p.add_argument("--managed", action="store_true", help="only models this tool's pipeline imported")
    p.add_argument("--lifecycle-state", help="only models in this state, e.g. ACTIVE")
    p.set_defaults(func=run_list)

    p = subparsers.add_parser("get", parents=[common], help="show one imported model and its endpoints")
    p.add_argument("model", metavar="MODEL", help="OCID, display name or import name")
    p.set_defaults(func=run_get)

    p = subparsers.add_parser(
        "update", parents=[common], help="change an imported model's name, metadata, tags"
    )
    p.add_argument("model", metavar="MODEL", help="OCID, display name or import name")
    p.add_argument("--display-name", metavar="TEXT", help="new display name")
    p.add_argument("--description", metavar="TEXT", help="new description")
    p.add_argument("--vendor", metavar="TEXT", help="new vendor metadata")
    p.add_argument("--model-version", dest="version", metavar="VERSION", help="new version metadata")
    p.add_argument("--tag", action="append", metavar="KEY=VALUE", help="add or replace a freeform tag")
    p.add_argument("--remove-tag", action="append", metavar="KEY", help="remove a freeform tag")
    p.set_defaults(func=run_update)

    p = subparsers.add_parser("move", parents=[common], help="move an imported model to another compartment")
    p.add_argument("model", metavar="MODEL", help="OCID, display name or import name")
    p.add_argument("--to-compartment-id", required=True, metavar="OCID", help="destination compartment")
    p.set_defaults(func=run_move)

    p = subparsers.add_parser(
        "delete", parents=[common], help="delete an imported model (refused while served)"
    )
    p.add_argument("model", metavar="MODEL", help="OCID, display name or import name")
    p.add_argument(
        "--yes",
        "--force",
        dest="yes",
        action="store_true",
        help="do not ask for confirmation (needed without a terminal; --force is the older name)",
    )
    p.add_argument("--wait", action="store_true", help="wait until it is DELETED")
    _add_wait_options(p)
    p.set_defaults(func=run_delete)

    p = subparsers.add_parser(
        "teardown",
        parents=[common],
        help="remove what an import created: endpoint, cluster, model",
        description="Cancel import NAME (or every import of the bucket with --all) and run the "
        "pipeline's teardown: the endpoint, then the hosting cluster, then the imported model unless "
        "kept (--keep-model, or keep_model in the import's options). Works with or without the function "
        "running. Without a state document, the resources tagged with NAME and this bucket are deleted.",
    )
    p.add_argument("name", metavar="NAME", nargs="?", type=import_name, help="import name")
    p.add_argument("--all", action="store_true", help="every import this tool's pipeline manages")
    p.add_argument("--keep-model", action="store_true", help="keep the imported model")
    p.add_argument("--dry-run", action="store_true", help="show what would be deleted, delete nothing")
    p.add_argument(
        "--yes", action="store_true", help="do not ask for confirmation (needed without a terminal)"
    )
    add_bucket_options(p)
    _add_wait_options(p)
    p.set_defaults(func=run_teardown)

    p = subparsers.add_parser("cost", parents=[common], help="live hosting clusters and their hourly cost")
    add_price_option(p)
    p.add_argument("--managed", action="store_true", help="only clusters this tool's pipeline created")
    p.set_defaults(func=run_cost)


def _add_wait_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--timeout", type=seconds, default=1800.0, metavar="SECONDS", help="give up waiting after this"
    )
    p.add_argument("--poll", type=seconds, default=5.0, metavar="SECONDS", help="seconds between looks")


# --- shapes of the JSON output ----------------------------------------------------------------
def model_json(m: Any) -> dict[str, Any]:
    tags = dict(m.freeform_tags or {})
    return {
        "id": m.id,
        "display_name": m.display_name,
        "description": getattr(m, "description", None),
        "compartment_id": m.compartment_id,
        "lifecycle_state": m.lifecycle_state,
        "lifecycle_details": m.lifecycle_details,
        "capabilities": list(m.capabilities or []),
        "vendor": m.vendor,
        "version": m.version,
        "time_created": iso(m.time_created),
        "time_updated": iso(m.time_updated),
        "freeform_tags": tags,
        "import_name": tags.get(IMPORT_NAME_TAG),
        "managed": tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE,
        "data_source": sdk_dict(m.data_source) if m.data_source is not None else None,
    }


def endpoint_json(e: Any) -> dict[str, Any]:
    return {
        "id": e.id,
        "display_name": e.display_name,
        "lifecycle_state": e.lifecycle_state,
        "model_id": e.model_id,
        "dedicated_ai_cluster_id": e.dedicated_ai_cluster_id,
        "compartment_id": e.compartment_id,
        "time_created": iso(e.time_created),
    }


# --- lookups ---------------------------------------------------------------------------------
def _all(method: Any, compartment_id: str, **kwargs: Any) -> list[Any]:
    return all_items(method, compartment_id, **kwargs)


def resolve_model(ctx: CliContext, ref: str) -> Any:
    """The imported model named by OCID, display name or import-name tag (live ones only)."""
    client = ctx.genai
    if ref.startswith("ocid1."):
        return client.get_imported_model(ref).data
    summaries = [
        m
        for m in _all(client.list_imported_models, ctx.compartment_id)
        if m.lifecycle_state != "DELETED"
        and (m.display_name == ref or (m.freeform_tags or {}).get(IMPORT_NAME_TAG) == ref)
    ]
    if not summaries:
        raise CliError(
            f"no imported model named {ref!r} in compartment {ctx.compartment_id} in {ctx.genai_region}; "
            "see `model-import list`, or pass the OCID (and --genai-region if Generative AI is elsewhere)"
        )
    if len(summaries) > 1:
        ids = ", ".join(f"{m.id} ({m.lifecycle_state})" for m in summaries)
        raise CliError(f"{len(summaries)} imported models are named {ref!r}: {ids}; pass the OCID")
    return client.get_imported_model(summaries[0].id).data


def endpoints_serving(ctx: CliContext, model: Any) -> list[Any]:
    """Endpoints (not DELETED) that serve `model`, in its compartment and the current one."""
    compartments = {model.compartment_id}
    if getattr(ctx.args, "compartment_id", None) or ctx.factory.local:
        compartments.add(ctx.compartment_id)
    found: dict[str, Any] = {}
    for compartment in compartments:
        for e in _all(ctx.genai.list_endpoints, compartment):
            if e.model_id == model.id and e.lifecycle_state != "DELETED":
                found[e.id] = e
    return sorted(found.values(), key=lambda e: str(e.time_created))


# --- list / get / update / move / delete -------------------------------------------------------
def run_list(args: argparse.Namespace) -> int:
    ctx = CliContext(args)
    kwargs: dict[str, Any] = {}
    if args.lifecycle_state:
        kwargs["lifecycle_state"] = args.lifecycle_state.upper()
    items = _all(ctx.genai.list_imported_models, ctx.compartment_id, **kwargs)
    if not args.all and not args.lifecycle_state:
        items = [m for m in items if m.lifecycle_state != "DELETED"]
    if args.managed:
        items = [m for m in items if (m.freeform_tags or {}).get(MANAGED_BY_TAG) == MANAGED_BY_VALUE]
    items.sort(key=lambda m: (str(m.display_name), str(m.time_created)))
    docs = [model_json(m) for m in items]
    if args.output == "json":
        print_json(docs)
        return 0
    print_table(
        ["name", "state", "capability", "vendor", "version", "import", "age", "id"],
        [
            (
                d["display_name"],
                d["lifecycle_state"],
                ",".join(d["capabilities"]),
                d["vendor"],
                d["version"],
                d["import_name"],
                age(m.time_created),
                d["id"],
            )
            for d, m in zip(docs, items, strict=True)
        ],
    )
    return 0


def _print_model(doc: dict[str, Any], endpoints: list[dict[str, Any]] | None = None) -> None:
    rows = [
        ("name", doc["display_name"]),
        ("id", doc["id"]),
        (
            "state",
            doc["lifecycle_state"] + (f" ({doc['lifecycle_details']})" if doc["lifecycle_details"] else ""),
        ),
        ("capability", ", ".join(doc["capabilities"])),
        ("description", doc["description"]),
        ("vendor", doc["vendor"]),
        ("version", doc["version"]),
        ("compartment", doc["compartment_id"]),
        ("created", doc["time_created"]),
        ("import", doc["import_name"]),
        ("tags", ", ".join(f"{k}={v}" for k, v in sorted(doc["freeform_tags"].items()))),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {'' if value is None else value}")
    if endpoints is not None:
        print()
        if endpoints:
            print_table(
                ["endpoint", "state", "cluster", "id"],
                [
                    (e["display_name"], e["lifecycle_state"], e["dedicated_ai_cluster_id"], e["id"])
                    for e in endpoints
                ],
                full_ids=True,  # `get` is where the full OCIDs are
            )
        else:
            print("no endpoints serve this model")


def run_get(args: argparse.Namespace) -> int:
    ctx = CliContext(args)
    model = resolve_model(ctx, args.model)
    doc = model_json(model)
    doc["endpoints"] = [endpoint_json(e) for e in endpoints_serving(ctx, model)]
    if args.output == "json":
        print_json(doc)
    else:
        _print_model(doc, doc["endpoints"])
    return 0


def run_update(args: argparse.Namespace) -> int:
    add = parse_tags(args.tag)
    remove = set(args.remove_tag or [])
    touched = (set(add) | remove) & RESERVED_TAGS
    if touched:
        raise CliError(f"tags {sorted(touched)} are the pipeline's; they cannot be changed here", exit_code=2)
    fields = {k: getattr(args, k) for k in ("display_name", "description", "vendor", "version")}
    fields = {k: v for k, v in fields.items() if v is not None}
    if not fields and not add and not remove:
        raise CliError(
            "nothing to change: pass --display-name, --description, --vendor, --model-version, --tag or "
            "--remove-tag",
            exit_code=2,
        )
    ctx = CliContext(args)
    model = resolve_model(ctx, args.model)
    from oci.generative_ai import models as gm

    details = gm.UpdateImportedModelDetails(**fields)
    if add or remove:
        tags = {k: v for k, v in (model.freeform_tags or {}).items() if k not in remove}
        tags.update(add)
        details.freeform_tags = tags
    updated = ctx.genai.update_imported_model(model.id, details).data
    doc = model_json(updated)
    if args.output == "json":
        print_json(doc)
    else:
        _print_model(doc)
    return 0


def run_move(args: argparse.Namespace) -> int:
    from oci.generative_ai import models as gm

    ctx = CliContext(args)
    model = resolve_model(ctx, args.model)
    if model.compartment_id == args.to_compartment_id:
        raise CliError(f"{model.display_name} is already in {args.to_compartment_id}", exit_code=2)
    ctx.genai.change_imported_model_compartment(
        model.id, gm.ChangeImportedModelCompartmentDetails(compartment_id=args.to_compartment_id)
    )
    moved = ctx.genai.get_imported_model(model.id).data
    doc = model_json(moved)
    if doc["managed"]:
        print(
            "note: the pipeline looks for its resources in its own compartment; `model-import teardown` "
            "still finds this model through its state document",
            file=sys.stderr,
        )
    if args.output == "json":
        print_json(doc)
    else:
        print(f"moved {doc['display_name']} ({doc['id']}) to {doc['compartment_id']}")
    return 0


def owning_import(model: Any) -> str | None:
    """The import that owns `model`: the pipeline made it and no keep_model teardown let it go.

    Deleting it behind the pipeline would leave its import DONE (status, cost, the AI-unit hold)
    while the model is gone; `teardown NAME` ends the import and deletes what it made, in order."""
    tags = model.freeform_tags or {}
    if tags.get(MANAGED_BY_TAG) != MANAGED_BY_VALUE or tags.get(KEPT_TAG) == KEPT_VALUE:
        return None
    return tags.get(IMPORT_NAME_TAG) or None


def run_delete(args: argparse.Namespace) -> int:
    from cli.confirm import confirm

    ctx = CliContext(args)
    model = resolve_model(ctx, args.model)
    serving = endpoints_serving(ctx, model)
    if serving:
        names = ", ".join(f"{e.display_name} ({e.id}, {e.lifecycle_state})" for e in serving)
        tags = model.freeform_tags or {}
        way_out = (
            f"`model-import teardown {tags[IMPORT_NAME_TAG]}`"
            if tags.get(IMPORT_NAME_TAG)
            else "delete the endpoints first (`oci generative-ai endpoint delete --endpoint-id ...`)"
        )
        raise CliError(
            f"{model.display_name} is served by {len(serving)} endpoint(s): {names}; run {way_out}"
        )
    owner = owning_import(model)
    if owner is not None:
        bucket = (model.freeform_tags or {}).get(IMPORT_BUCKET_TAG)
        where = f" --bucket {bucket}" if bucket else ""
        raise CliError(
            f"{model.display_name} belongs to import {owner}, which would still show it: run "
            f"`model-import teardown {owner}{where}` (it ends the import and deletes what it made)"
        )
    confirm(
        f"delete imported model {model.display_name} ({model.id})?",
        yes=args.yes,
        refusal=f"{model.display_name} not deleted: pass --yes to delete it without a question",
        declined=f"{model.display_name} is left as it was",
    )
    response = ctx.genai.delete_imported_model(model.id)
    work_request = response.headers.get("opc-work-request-id")
    state = "DELETING"
    if args.wait:
        from shared.pipeline.genai_ops import GenAiOps, Kind

        ops = GenAiOps(ctx.genai, ctx.compartment_id)
        _wait_deleted(ops, Kind.IMPORTED_MODEL, model.id, args.timeout, args.poll)
        state = "DELETED"
    doc = {
        "id": model.id,
        "display_name": model.display_name,
        "lifecycle_state": state,
        "work_request_id": work_request,
    }
    if args.output == "json":
        print_json(doc)
    else:
        print(f"{state.lower()} {model.display_name} ({model.id})")
    return 0


# --- teardown ----------------------------------------------------------------------------------
def _wait_deleted(ops: GenAiOps, kind: Kind, resource_id: str, timeout: float, poll: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        res = ops.get(kind, resource_id)
        if res is None or res.lifecycle_state == "DELETED":
            return
        if time.monotonic() > deadline:
            raise CliError(
                f"{kind.value} {resource_id} is still {res.lifecycle_state} after {timeout:.0f}s; "
                "run the same command again later"
            )
        time.sleep(poll)


def run_teardown(args: argparse.Namespace) -> int:
    if bool(args.name) == bool(args.all):
        raise CliError("name one import, or pass --all", exit_code=2)
    from cli.teardown import Teardown, TeardownFailed
    from shared.pipeline.genai_ops import GenAiOps
    from shared.pipeline.ledger import Ledger
    from shared.pipeline.store import StateStore

    ctx = CliContext(args)
    json_out = args.output == "json"
    td = Teardown(
        GenAiOps(ctx.genai, ctx.compartment_id, deployment=ctx.bucket),
        StateStore(ctx.object_storage, ctx.namespace, ctx.state_bucket, watched_bucket=ctx.bucket),
        Ledger(ctx.object_storage, ctx.namespace, ctx.state_bucket),
        timeout=args.timeout,
        poll=args.poll,
        say=(lambda line: None) if json_out else (lambda line: print(line, file=sys.stderr)),
    )
    if args.all:
        names = td.names()
        if not args.dry_run:
            from cli.confirm import confirm

            confirm(
                f"tear down {len(names)} imports?",
                yes=args.yes,
                refusal="nothing torn down: --all tears down every import; pass --yes to confirm",
                declined="every import is left as it was",
            )
    else:
        names = [args.name]
    live = td.live()
    plans = [td.plan(name, args.keep_model, live) for name in names]
    if not args.all and plans[0].state is None and not plans[0].targets and not plans[0].kept:
        raise CliError(
            f"nothing to tear down: no import and no managed resource of bucket {ctx.bucket} "
            f"is named {args.name!r} (Generative AI looked in {ctx.genai_region})"
        )
    _check_region(ctx, td, plans, live, dry_run=args.dry_run)
    if not args.all and not args.dry_run:
        _confirm_teardown(plans[0], yes=args.yes)
    results = []
    for plan in plans:
        try:
            results.append(td.dry_run(plan) if args.dry_run else td.run(plan))
        except TeardownFailed as exc:
            raise CliError(str(exc)) from None
    docs = [r.to_json() for r in results]
    if json_out:
        print_json(docs)
        return 0
    verb = "would delete" if args.dry_run else "deleted"
    rows = []
    for d in docs:
        for x in d["deleted"]:
            rows.append((d["name"], verb, x["kind"], x["id"]))
        for k in d["kept"]:
            rows.append((d["name"], "kept", k["kind"], k["id"]))
        if not d["deleted"] and not d["kept"]:
            rows.append((d["name"], "nothing left", "", ""))
    print_table(["import", "action", "kind", "id"], rows)
    return 0


def _check_region(ctx: CliContext, td: Any, plans: list[Any], live: list[Any], *, dry_run: bool) -> None:
    """Refuse (warn with --dry-run) when a state records resources the Generative AI region finds
    none of: tearing down would end the import while they bill on in another region."""
    from cli.genai_region import records_words, wrong_region_line

    unfound = td.unfound(plans, live)
    if not unfound:
        return
    names = [p.name for p in unfound]
    what = records_words(unfound[0].state) if len(unfound) == 1 else "resources"
    way_out = f"`model-import cancel {names[0]}`" if len(names) == 1 else "`model-import cancel NAME`"
    consequence = (
        "the dry run shows nothing to delete"
        if dry_run
        else f"nothing was torn down (were they deleted some other way, {way_out} lets the pipeline finish)"
    )
    line = wrong_region_line(names, what, ctx.genai_region, consequence)
    if not dry_run:
        raise CliError(line)
    print(f"warning: {line}", file=sys.stderr)


def _confirm_teardown(plan: Any, *, yes: bool) -> None:
    """Ask before deleting what costs money to build again, as `delete` does (issue 16)."""
    from cli.confirm import confirm
    from cli.teardown import KIND_NAMES

    doomed = ", ".join(f"{KIND_NAMES[r.kind]} {r.id}" for r in plan.targets) or "nothing alive now"
    if not yes:
        print(f"{plan.name}: cancels the import and deletes {doomed}", file=sys.stderr)
    confirm(
        f"tear down {plan.name}?",
        yes=yes,
        refusal=f"{plan.name} not torn down: pass --yes to tear it down without a question "
        f"(--dry-run shows what it deletes)",
        declined=f"{plan.name} is left as it was",
    )


# --- cost ------------------------------------------------------------------------------------
def _unit_limits(ctx: CliContext) -> list[Any]:
    """The tenancy's dedicated-unit limits, used and available (Limits API; unknown where unreadable)."""
    from shared.pipeline.limits import unit_limits_table

    return unit_limits_table(ctx.factory.limits(), ctx.factory.tenancy_id, ctx.compartment_id)


def _print_unit_limits(rows: list[dict[str, Any]]) -> None:
    print_table(
        ["unit limit", "tenancy limit", "used in compartment", "available"],
        [
            (
                r["limit_name"],
                "?" if r["limit"] is None else r["limit"],
                "?" if r["used"] is None else r["used"],
                "?" if r["available"] is None else r["available"],
            )
            for r in rows
        ],
    )
    where = next((r["used_in_compartment"] for r in rows if r.get("used_in_compartment")), None)
    if where:  # the Limits API counts usage in the compartment queried; the limit is the tenancy's
        print(f"used: in compartment {where} (the Limits API's usage there, not the tenancy's)")
    if any(r["available"] is None for r in rows):
        print(
            "some limits could not be read (the Limits API needs `inspect resource-availability in tenancy`)"
        )
    print()


def run_cost(args: argparse.Namespace) -> int:
    ctx = CliContext(args)
    price = ctx.price
    now = now_utc()
    clusters = [
        c
        for c in _all(ctx.genai.list_dedicated_ai_clusters, ctx.compartment_id)
        if c.lifecycle_state in LIVE_CLUSTER_STATES
    ]
    if args.managed:
        clusters = [c for c in clusters if (c.freeform_tags or {}).get(MANAGED_BY_TAG) == MANAGED_BY_VALUE]
    rows = []
    for c in sorted(clusters, key=lambda c: str(c.time_created)):
        tags = c.freeform_tags or {}
        ai = cluster_ai_units(c.unit_shape, c.unit_count)
        per_hour = hourly(ai, price)
        seconds = age_seconds(c.time_created, now)
        rows.append(
            {
                "id": c.id,
                "display_name": c.display_name,
                "lifecycle_state": c.lifecycle_state,
                "unit_shape": c.unit_shape,
                "unit_count": c.unit_count,
                "ai_units": ai,
                "cost_per_hour": per_hour,
                "age_seconds": round(seconds, 1) if seconds is not None else None,
                "cost_so_far": round(per_hour * seconds / 3600, 4)
                if per_hour is not None and seconds
                else None,
                "import_name": tags.get(IMPORT_NAME_TAG),
                "managed": tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE,
            }
        )
    known_units = [r["ai_units"] for r in rows if r["ai_units"] is not None]
    total_units = round(sum(known_units), 4)
    doc = {
        "price_per_ai_unit_hour": price,
        "clusters": rows,
        "total_ai_units": total_units,
        "total_cost_per_hour": hourly(total_units, price),
        "unknown_shapes": sorted({r["unit_shape"] for r in rows if r["ai_units"] is None}),
        "unit_limits": [u.to_json_dict() for u in _unit_limits(ctx)],
    }
    if args.output == "json":
        print_json(doc)
        return 0
    _print_unit_limits(doc["unit_limits"])
    print_table(
        ["cluster", "import", "state", "shape", "ai units", "per hour", "age", "so far"],
        [
            (
                r["display_name"],
                r["import_name"] or "-",
                r["lifecycle_state"],
                r["unit_shape"],
                units(r["ai_units"]),
                money(r["cost_per_hour"]),
                age(c.time_created, now),
                money(r["cost_so_far"]),
            )
            for r, c in zip(rows, sorted(clusters, key=lambda c: str(c.time_created)), strict=True)
        ],
    )
    total_cost = money(doc["total_cost_per_hour"])
    print(f"total: {len(rows)} cluster(s), {units(total_units)} AI units, {total_cost} per hour")
    if price is None:
        from cli.options import NO_PRICE

        print(f"{NO_PRICE}: costs are not shown", file=sys.stderr)
    return 0
