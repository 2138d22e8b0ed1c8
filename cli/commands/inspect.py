"""`model-import inspect SOURCE`: will this model import and run, what is it, what does it need.

SOURCE is a folder, `oci://bucket@namespace/prefix` or `hf://org/name[@revision]`. Nothing is
downloaded but small metadata files and safetensors headers. Exit 0 when importable, 1 when
rejected, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any, TextIO

from cli.context import CliContext, add_price_option
from cli.options import NO_PRICE
from cli.output import CliError, print_json
from shared.contract.manifest import COMMIT_PATTERN, MODEL_ID_PATTERN, Capability
from shared.inspection import (
    ArtifactSource,
    InspectionReport,
    LocalFolderSource,
    SizingPolicy,
    inspect_artifacts,
)
from shared.shapes import unit_shapes

OCI_URL = re.compile(
    r"^oci://(?P<bucket>[A-Za-z0-9._-]+)@(?P<namespace>[A-Za-z0-9._-]+)(?:/(?P<prefix>.*))?$"
)
HF_URL = re.compile(r"^hf://(?P<repo>[^@]+)(?:@(?P<revision>.+))?$")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "inspect",
        parents=[common],
        help="check a model folder, bucket prefix or Hub repo: capability, size, shape, cost",
        description="Inspect SOURCE without downloading weights: the checks the pipeline runs, the "
        "capability, parameters, memory need, recommended unit shape and its cost.",
    )
    p.add_argument(
        "source", metavar="SOURCE", help="FOLDER, oci://bucket@namespace/prefix or hf://org/name[@rev]"
    )
    p.add_argument(
        "--capability", choices=[c.value for c in Capability], help="declared capability (checked)"
    )
    p.add_argument("--unit-shape", help="check this unit shape instead of only recommending one")
    add_price_option(p)
    p.add_argument(
        "--allowed-shapes", metavar="A,B", help="usable unit shapes (env ALLOWED_SHAPES); default all"
    )
    p.add_argument("--context-tokens", type=int, metavar="N", help="context to size the KV cache for")
    p.add_argument("--concurrency", type=int, metavar="N", help="concurrent sequences to size for")
    p.add_argument(
        "--limits",
        action="store_true",
        help="also read the shape's dedicated-unit service limit from the cloud (always for oci:// sources; "
        "a folder is otherwise inspected offline)",
    )
    p.add_argument(
        "--hf-token-env",
        default="HF_TOKEN",
        metavar="VAR",
        help="environment variable holding the Hub token (default HF_TOKEN)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ctx = CliContext(args)
    source = make_source(args.source, ctx, args.hf_token_env)
    policy = SizingPolicy(
        price_per_ai_unit=ctx.price,
        allowed_shapes=_allowed_shapes(args.allowed_shapes or ctx.env.get("ALLOWED_SHAPES", "")),
        context_tokens=_positive(
            args.context_tokens or ctx.env.get("SERVING_CONTEXT_TOKENS"), "--context-tokens"
        ),
        concurrency=_positive(args.concurrency or ctx.env.get("SERVING_CONCURRENCY"), "--concurrency"),
    )
    declared = Capability(args.capability) if args.capability else None
    report = inspect_artifacts(source, declared=declared, unit_shape=args.unit_shape, policy=policy)
    # The service limit only when the command talks to a cloud anyway (an oci:// source) or is
    # asked to (--limits): inspecting a folder stays offline.
    limit = unit_limit(ctx, report) if args.limits or args.source.startswith("oci://") else None
    if args.output == "json":
        print_json({**report.to_json_dict(), **({"unit_limit": limit.to_json_dict()} if limit else {})})
    else:
        print_report(report)
        if limit is not None:
            print(f"Unit limit: {limit.describe()}")
            if limit.enough is False:
                print(f"  the pipeline would refuse it (UNIT_LIMIT_INSUFFICIENT): {limit.refusal()}")
    return 0 if report.ok else 1


def unit_limit(ctx: CliContext, report: InspectionReport) -> Any:
    """The dedicated-unit limit of the shape the import would create (None when no shape fits)."""
    from shared.pipeline.limits import unit_availability
    from shared.shapes import get_shape

    shape = get_shape(report.unit_shape or report.recommended_shape or "")
    if shape is None:
        return None
    return unit_availability(ctx.factory.limits(), ctx.factory.tenancy_id, ctx.compartment_id, shape)


def make_source(text: str, ctx: CliContext, token_env: str) -> ArtifactSource:
    if text.startswith("oci://"):
        m = OCI_URL.match(text)
        if not m:
            raise CliError(f"{text!r} is not oci://bucket@namespace/prefix", exit_code=2)
        from shared.inspection.sources.object_storage import ObjectStorageSource  # loads the OCI SDK

        return ObjectStorageSource(ctx.object_storage, m["namespace"], m["bucket"], m["prefix"] or "")
    if text.startswith("hf://"):
        m = HF_URL.match(text)
        repo, revision = (m["repo"], m["revision"] or "main") if m else ("", "")
        if (
            not MODEL_ID_PATTERN.fullmatch(repo)
            or ".." in repo
            or not (COMMIT_PATTERN.fullmatch(revision) or re.fullmatch(r"[A-Za-z0-9._/-]{1,200}", revision))
        ):
            raise CliError(f"{text!r} is not hf://org/name[@revision]", exit_code=2)
        token = os.environ.get(token_env) or None
        from shared.inspection.sources.hub import HubSource  # loads huggingface_hub

        return HubSource(repo, revision, endpoint=ctx.hub_endpoint, token=token)
    if "://" in text:
        raise CliError(f"unknown source scheme in {text!r}: use a folder, oci:// or hf://", exit_code=2)
    folder = Path(text).expanduser()
    if not folder.is_dir():
        raise CliError(f"{text} is not a folder", exit_code=2)
    return LocalFolderSource(folder)


def _allowed_shapes(raw: str) -> tuple[str, ...]:
    shapes = tuple(s.strip() for s in raw.split(",") if s.strip())
    unknown = [s for s in shapes if s not in unit_shapes()]
    if unknown:
        raise CliError(
            f"unknown unit shapes {', '.join(unknown)}; known: {', '.join(unit_shapes())}", exit_code=2
        )
    return shapes


def _positive(value: Any, option: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise CliError(f"{option} must be a whole number, not {value!r}", exit_code=2) from None
    if number <= 0:
        raise CliError(f"{option} must be positive", exit_code=2)
    return number


def print_report(r: InspectionReport, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    errors = [f for f in r.findings if f.severity == "error"]
    rows: list[tuple[str, str]] = [
        ("Source", r.source),
        (
            "Verdict",
            "importable" if r.ok else f"REJECTED ({len(errors)} error{'s' if len(errors) != 1 else ''})",
        ),
        ("Capability", f"{r.capability.value} ({r.capability_reason})" if r.capability else "-"),
        ("Architecture", r.architecture or "-"),
    ]
    if r.parameters is not None:
        how = (
            "exact, from safetensors headers"
            if r.parameters_source == "safetensors"
            else "estimated from config.json"
        )
        rows.append(("Parameters", f"{r.parameters:,} ({how})"))
    if r.weights_bytes is not None:
        quant = f", {r.quantization}" if r.quantization else ""
        rows.append(("Weights", f"{r.weights_bytes / 1e9:,.2f} GB{quant}"))
    if r.memory is not None:
        rows.append(
            (
                "Memory need",
                f"{r.memory.total_gib:,.1f} GiB = weights {r.memory.weights_gib:,.1f} + KV cache "
                f"{r.memory.kv_cache_gib:,.1f} ({r.concurrency} x {r.context_tokens} tokens) + overhead "
                f"{r.memory.overhead_gib:,.1f}",
            )
        )
    if r.unit_shape:
        runner = f"; runner-up {r.runner_up_shape}" if r.runner_up_shape else ""
        rec = "" if r.unit_shape == r.recommended_shape else f" (recommended {r.recommended_shape or 'none'})"
        rows.append(("Shape", f"{r.unit_shape}{rec}, {r.ai_units:g} AI units{runner}"))
    elif r.recommended_shape is None and r.memory is not None:
        rows.append(("Shape", "none fits"))
    if r.shape_reason:
        rows.append(("Why", r.shape_reason))
    if r.cost_per_hour is not None:
        rows.append(
            (
                "Cost",
                f"{r.cost_per_hour:,.2f} per hour ({r.ai_units:g} AI units x {r.price_per_ai_unit:g}); "
                f"at least {r.minimum_commitment_hours} hour once created ({r.minimum_commitment_cost:,.2f})",
            )
        )
    elif r.unit_shape:
        rows.append(("Cost", f"{NO_PRICE}; the cluster bills at least 1 hour"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}", file=out)
    if r.findings:
        print("\nFindings", file=out)
        for f in r.findings:
            print(f"  {f.severity.value.upper():7} {f.code}  {f.subject}: {f.message}", file=out)
            print(f"  {'':7} what to do: {f.hint}", file=out)
