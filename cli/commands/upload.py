"""`model-import upload` (a local folder) and `model-import import-hf` (a Hugging Face repo).

Both check the model first, the way the pipeline will, and refuse one it would reject
(unless `--force`). `upload` then sends the artifacts under `models/<name>/` and writes the
manifest last, because the manifest is what starts the import. `import-hf` writes
`requests/<name>.json`. Either document holds the options the user gave, over those of the
document it replaces (cli/replace_guard.py); replacing a live import asks first.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from cli.context import CliContext, add_bucket_options, add_price_option, parse_tags
from cli.errors import explain
from cli.formatting import units
from cli.inspect_step import InspectionSummary, inspect_folder, inspect_hub, skipped
from cli.output import CliError, print_json
from cli.progress import Progress, human_bytes, human_seconds
from shared.contract.manifest import Capability, HfRequest, Manifest
from shared.contract.paths import MANIFEST_FILENAME, manifest_object, model_prefix, request_object, valid_name

if TYPE_CHECKING:  # the SDK loads when a command runs, never for its --help (cli/commands/__init__.py)
    from cli.uploader import LocalFile
    from shared.pipeline.store import ObjectEntry


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    up = subparsers.add_parser(
        "upload",
        parents=[common],
        help="upload a model folder to the bucket and start its import",
        description="Inspect FOLDER, upload it under models/<name>/ (parallel, resumable), then write "
        "models/<name>/import.json, which starts the import.",
    )
    up.add_argument(
        "folder", metavar="FOLDER", help="folder with config.json, *.safetensors, tokenizer files"
    )
    up.add_argument("--name", help="import name (default: the folder name, cleaned)")
    _add_manifest_options(up)
    up.add_argument("--force", action="store_true", help="upload even if the inspection finds errors")
    up.add_argument(
        "--no-inspect", action="store_true", help="skip the local check (the pipeline still checks)"
    )
    up.add_argument("--again", action="store_true", help="rewrite an unchanged manifest: starts a new import")
    up.add_argument("--parallel", type=int, default=4, help="parts sent at once (default 4)")
    up.add_argument(
        "--part-size", type=int, default=64, metavar="MiB", help="multipart part size (default 64)"
    )
    up.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    up.add_argument(
        "--delete-extra",
        action="store_true",
        help="delete objects under models/<name>/ that are not in FOLDER (left from an earlier upload)",
    )
    up.set_defaults(func=run_upload)

    hf = subparsers.add_parser(
        "import-hf",
        parents=[common],
        help="check a Hugging Face repo and write its import request",
        description="Check MODEL_ID[@revision] through the Hub API (no weights are downloaded), then write "
        "requests/<name>.json, which starts the import. The token never goes into the request.",
    )
    hf.add_argument("model", metavar="MODEL_ID[@REVISION]", help="e.g. intfloat/e5-mistral-7b-instruct@main")
    hf.add_argument("--name", help="import name (default: the repo name, cleaned)")
    _add_manifest_options(hf)
    hf.add_argument(
        "--hf-token-env",
        default="HF_TOKEN",
        metavar="VAR",
        help="environment variable holding the Hub token used for the check (default HF_TOKEN)",
    )
    hf.add_argument("--force", action="store_true", help="write the request even if the check finds errors")
    hf.add_argument("--again", action="store_true", help="rewrite an unchanged request: starts a new import")
    hf.set_defaults(func=run_import_hf)


def _add_manifest_options(p: argparse.ArgumentParser) -> None:
    add_bucket_options(p)
    add_price_option(p)
    g = p.add_argument_group("import options (written to the manifest only when given)")
    g.add_argument("--display-name", metavar="TEXT", help="the imported model's name in the console")
    g.add_argument("--description", metavar="TEXT", help="the imported model's description")
    g.add_argument(
        "--capability",
        choices=[c.value for c in Capability],
        metavar="CAPABILITY",
        help="declared capability, checked against the files: "
        + ", ".join(c.value for c in Capability)
        + " (default: detected)",
    )
    g.add_argument(
        "--unit-shape", metavar="SHAPE", help="hosting cluster shape, e.g. A10_X1 (default: recommended)"
    )
    g.add_argument("--vendor", metavar="TEXT", help="vendor metadata of the model")
    g.add_argument("--model-version", dest="version", metavar="VERSION", help="version metadata of the model")
    g.add_argument("--no-deploy", action="store_true", help="import only: no cluster, no endpoint")
    g.add_argument("--keep-on-delete", action="store_true", help="deleting the manifest does not tear down")
    g.add_argument("--keep-model", action="store_true", help="teardown keeps the imported model")
    g.add_argument("--tag", action="append", metavar="KEY=VALUE", help="freeform tag on every resource")
    g.add_argument(
        "--reset-options",
        action="store_true",
        help="write only this run's options (a rerun otherwise keeps those of the existing document)",
    )
    p.add_argument(
        "--yes", action="store_true", help="replace a live import without asking (its cost may change)"
    )


def clean_name(raw: str) -> str:
    """A valid import name from a folder or repo name: other characters become '-'."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", raw)
    name = re.sub(r"\.{2,}", ".", name)
    name = name.lstrip("._-")[:63].rstrip("._-") or name[:63]
    return name


def pick_name(explicit: str | None, fallback: str) -> str:
    name = explicit if explicit is not None else clean_name(fallback)
    if not valid_name(name):
        raise CliError(
            f"{name!r} is not a valid import name: 1-63 of A-Z a-z 0-9 . _ -, starting with a letter or "
            "digit, no '..'; pass --name",
            exit_code=2,
        )
    return name


def manifest_options(args: argparse.Namespace) -> dict[str, Any]:
    """Only what the user said, so the pipeline's defaults stay the pipeline's."""
    doc: dict[str, Any] = {}
    for key in ("display_name", "description", "capability", "unit_shape", "vendor", "version"):
        value = getattr(args, key, None)
        if value is not None:
            doc[key] = value
    if args.no_deploy:
        doc["deploy"] = False
    if args.keep_on_delete:
        doc["keep_on_delete"] = True
    if args.keep_model:
        doc["keep_model"] = True
    tags = parse_tags(args.tag)
    if tags:
        doc["freeform_tags"] = tags
    return doc


def _validated(model: type[Manifest] | type[HfRequest], doc: dict[str, Any]) -> None:
    try:
        model.model_validate(doc)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'document'}: {e['msg']}" for e in exc.errors()
        )
        raise CliError(f"invalid import options: {problems}", exit_code=2) from None


# --- upload -------------------------------------------------------------------------------------
def run_upload(args: argparse.Namespace) -> int:
    import oci

    from cli.replace_guard import confirm_replace, existing_document, live_import, merge_options
    from cli.uploader import FolderUploader, MiB, UploadInterrupted
    from shared.pipeline.store import list_entries

    folder = Path(args.folder).expanduser()
    if not folder.is_dir():
        raise CliError(f"{folder} is not a folder; pass the folder that holds config.json", exit_code=2)
    if args.parallel < 1 or args.part_size < 1:
        raise CliError("--parallel and --part-size must be at least 1", exit_code=2)
    name = pick_name(args.name, folder.resolve().name)
    given = manifest_options(args)
    _validated(Manifest, given)
    ctx = CliContext(args)

    leaving = links_leaving(folder)
    if leaving:
        shown = ", ".join(leaving[:3]) + (", ..." if len(leaving) > 3 else "")
        print(
            f"warning: {len(leaving)} file(s) are symbolic links out of {folder} ({shown}) and are neither "
            "inspected nor uploaded; a Hugging Face cache snapshot is made of such links: download with "
            "`huggingface-cli download ID --local-dir DIR` and upload DIR",
            file=sys.stderr,
        )
    # The folder first: a model the pipeline would refuse is refused without the OCI config or a
    # cloud (the price comes from the options, the environment or localcloud.json).
    first = None if args.no_inspect else inspect_folder(folder, given, price=ctx.price)
    if first is not None and not first.ok and not args.force:
        _report_inspection(first, args, refuse_word="upload")
    existing = existing_document(ctx, manifest_object(name))
    options = merge_options(existing, given, reset=args.reset_options, object_name=manifest_object(name))
    _validated(Manifest, options)
    body = (json.dumps(options, indent=1, sort_keys=True) + "\n").encode()
    if first is None:
        summary = skipped()
    elif all(options.get(k) == given.get(k) for k in ("capability", "unit_shape")):
        summary = first  # the kept options change nothing the inspection looks at
    else:
        summary = inspect_folder(folder, options, price=ctx.price)
    _report_inspection(summary, args, refuse_word="upload")
    files = _local_files(folder, name)
    if not files:
        raise CliError(f"{folder} holds no files to upload", exit_code=2)
    live = live_import(ctx, name)

    def ask_replace() -> None:
        if live is not None:
            confirm_replace(name, manifest_object(name), live, summary, yes=args.yes, price=ctx.price)

    # A changed document is known now: ask before a long upload, not after it.
    asked = existing is None or existing.body != body or args.again
    if asked:
        ask_replace()

    total = sum(f.size for f in files)
    progress = Progress(total, label=f"upload {name}", enabled=not args.no_progress)
    uploader = FolderUploader(
        ctx.object_storage,
        ctx.namespace,
        ctx.bucket,
        part_size=args.part_size * MiB,
        parallel=args.parallel,
        progress=progress,
    )
    try:
        report = uploader.upload(files)
    except (UploadInterrupted, oci.exceptions.ServiceError, OSError) as exc:
        progress.close()
        if (
            isinstance(exc, oci.exceptions.ServiceError)
            and 400 <= exc.status < 500
            and exc.status not in (409, 429)
        ):
            raise CliError(_reason(exc)) from exc  # a wrong bucket or missing rights: resuming will not help
        done = uploader.report
        raise CliError(
            f"upload of {name} stopped ({_reason(exc)}); {done.parts_sent} parts and "
            f"{len(done.objects_uploaded)} objects made it — run the same command again to resume"
        ) from exc
    except KeyboardInterrupt:
        progress.close()
        print("interrupted: run the same command again to resume; finished parts are kept", file=sys.stderr)
        return 130
    progress.close()

    listed = list(list_entries(ctx.object_storage, ctx.namespace, ctx.bucket, model_prefix(name)))
    extra = _extra_objects(listed, name, files)
    if extra and args.delete_extra:
        for obj in extra:
            ctx.object_storage.delete_object(ctx.namespace, ctx.bucket, obj)
    elif extra:
        shown = ", ".join(extra[:3]) + (", ..." if len(extra) > 3 else "")
        print(
            f"warning: {len(extra)} object(s) under {model_prefix(name)} are not in {folder} ({shown}); the "
            "import sees them too: pass --delete-extra to remove them",
            file=sys.stderr,
        )
    force_rewrite = (
        args.again
        or bool(report.objects_uploaded)
        or bool(extra and args.delete_extra)
        or _files_newer_than_manifest(listed, name)
    )
    if not asked and force_rewrite:
        ask_replace()  # the files changed under a live import: the new manifest replaces it
    manifest_state = _write_once(ctx, manifest_object(name), body, force_rewrite=force_rewrite)
    result = {
        "name": name,
        "namespace": ctx.namespace,
        "bucket": ctx.bucket,
        "prefix": model_prefix(name),
        "manifest_object": manifest_object(name),
        "manifest": options,
        "manifest_written": manifest_state != "unchanged",
        "manifest_status": manifest_state,
        "objects": {
            "total": len(files),
            "uploaded": len(report.objects_uploaded),
            "skipped": len(report.objects_skipped),
        },
        "parts": {"sent": report.parts_sent, "reused": report.parts_reused},
        "bytes": {"total": total, "sent": report.bytes_sent, "reused": report.bytes_reused},
        "seconds": round(report.seconds, 3),
        "extra_objects": extra,
        "extra_deleted": bool(extra and args.delete_extra),
        "inspection": summary.to_json(),
        "next": f"model-import status {name} --watch",
    }
    if args.output == "json":
        print_json(result)
    else:
        rate = report.bytes_sent / report.seconds if report.seconds > 0 else 0.0
        print(
            f"uploaded {name}: {len(report.objects_uploaded)} objects sent, "
            f"{len(report.objects_skipped)} already there; "
            f"{human_bytes(report.bytes_sent)} sent in {human_seconds(report.seconds)} "
            f"({human_bytes(rate)}/s), {report.parts_reused} parts reused"
        )
        print(_manifest_line(manifest_object(name), manifest_state))
        print(f"follow it: model-import status {name} --watch")
    return 0


def _local_files(folder: Path, name: str) -> list[LocalFile]:
    from cli.uploader import LocalFile
    from shared.inspection.sources.local import LocalFolderSource

    root = folder.resolve()
    out = []
    for entry in LocalFolderSource(root).list_files():
        if entry.name == MANIFEST_FILENAME:
            continue  # the manifest is ours to write, last
        out.append(LocalFile(root / entry.name, model_prefix(name) + entry.name, entry.size))
    return out


def links_leaving(folder: Path) -> list[str]:
    """Files that are symbolic links out of the folder: neither inspected nor uploaded.

    A Hugging Face cache snapshot is made of such links into `../../blobs`; saying so early
    saves a confusing "config.json is missing".
    """
    root = folder.resolve()
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            out.append(path.relative_to(folder).as_posix())
    return out


def _extra_objects(listed: list[ObjectEntry], name: str, files: list[LocalFile]) -> list[str]:
    """Objects under the model's prefix that this folder does not have (the manifest aside)."""
    ours = {f.object_name for f in files} | {manifest_object(name)}
    return sorted(e.name for e in listed if e.name not in ours)


def _files_newer_than_manifest(listed: list[ObjectEntry], name: str) -> bool:
    """An object written after the manifest: an earlier run sent files but did not write the manifest
    (interrupted, or refused to replace a live import), so the manifest must start the import again.
    Both times are the bucket's own clock."""
    times = {e.name: e.time_modified for e in listed}
    manifest_time = times.pop(manifest_object(name), None)
    if manifest_time is None:
        return False
    return any(t is not None and t > manifest_time for t in times.values())


def _reason(exc: BaseException) -> str:
    return explain(exc) or str(exc) or type(exc).__name__


def _manifest_line(object_name: str, state: str) -> str:
    return {
        "created": f"wrote {object_name}: the import starts now",
        "replaced": f"rewrote {object_name}: the import starts again with the new content",
        "unchanged": f"{object_name} is unchanged and nothing new was uploaded: no new import was started "
        "(pass --again to start one)",
    }[state]


def _write_once(ctx: CliContext, object_name: str, body: bytes, *, force_rewrite: bool) -> str:
    """Write a manifest or request: create it, or replace it when it differs (or the files changed).

    Rewriting an identical document would start a second import of the same thing, so an
    unchanged document over unchanged files is left alone.
    """
    from shared.pipeline.store import ConflictError, put_if, read_object

    client = ctx.object_storage
    try:
        put_if(client, ctx.namespace, ctx.bucket, object_name, body, None)
        return "created"
    except ConflictError:
        pass
    found = read_object(client, ctx.namespace, ctx.bucket, object_name, 1024 * 1024)
    if found is not None and found[0] == body and not force_rewrite:
        return "unchanged"
    try:
        put_if(client, ctx.namespace, ctx.bucket, object_name, body, found[1] if found else None)
    except ConflictError:
        raise CliError(f"{object_name} changed while we wrote it; run the command again") from None
    return "replaced"


def _report_inspection(
    summary: InspectionSummary, args: argparse.Namespace, *, refuse_word: str, note: str | None = None
) -> None:
    """Findings on stderr (stdout stays clean for JSON); refuse on errors unless --force."""
    for f in summary.findings:
        hint = f" — {f['hint']}" if f.get("hint") else ""
        print(f"{f['severity']}: {f['code']} {f['subject']}: {f['message']}{hint}", file=sys.stderr)
    shape = summary.unit_shape or summary.recommended_shape
    if shape:
        cost = f", {summary.cost_per_hour:.2f}/hour" if summary.cost_per_hour is not None else ""
        need = f"needs {summary.memory_gib:.1f} GiB, " if summary.memory_gib is not None else ""
        ai = units(summary.ai_units)
        print(
            f"inspection: {summary.capability or '?'}, {need}{shape} ({ai} AI units{cost})", file=sys.stderr
        )
    if note:
        print(f"note: {note}", file=sys.stderr)
    if not summary.ok:
        if args.force:
            print(f"--force: {refuse_word} despite the errors above", file=sys.stderr)
            return
        codes = ", ".join(sorted({f["code"] for f in summary.findings if f["severity"] == "error"}))
        raise CliError(
            f"the pipeline would reject this model ({codes}); fix it, see `model-import findings CODE`, "
            f"or pass --force to {refuse_word} anyway"
        )


# --- import-hf ----------------------------------------------------------------------------------
def run_import_hf(args: argparse.Namespace) -> int:
    from cli.replace_guard import confirm_replace, existing_document, live_import, merge_options

    model_id, _, revision = args.model.partition("@")
    doc: dict[str, Any] = {"model_id": model_id}
    if revision:
        doc["revision"] = revision
    _validated(HfRequest, {**doc, **manifest_options(args)})
    name = pick_name(args.name, model_id.rsplit("/", 1)[-1])
    ctx = CliContext(args)
    existing = existing_document(ctx, request_object(name))
    options = merge_options(
        existing, manifest_options(args), reset=args.reset_options, object_name=request_object(name)
    )
    doc.update(options)
    _validated(HfRequest, doc)
    token = os.environ.get(args.hf_token_env) or None

    summary = inspect_hub(
        model_id, revision or "main", token, options, price=ctx.price, endpoint=ctx.hub_endpoint
    )
    note = None
    if any(f["code"] == "HF_ACCESS_DENIED" for f in summary.findings):
        used = f"the token in ${args.hf_token_env}" if token else f"no token (${args.hf_token_env} is unset)"
        note = (
            f"this check used {used}; for a gated repo, accept its licence and pass a read token with "
            "--hf-token-env VAR (the pipeline reads its own from the Vault secret HF_TOKEN_SECRET_ID)"
        )
    _report_inspection(summary, args, refuse_word="write the request", note=note)

    body = (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode()
    live = live_import(ctx, name)
    if live is not None and (existing is None or existing.body != body or args.again):
        confirm_replace(name, request_object(name), live, summary, yes=args.yes, price=ctx.price)
    state = _write_once(ctx, request_object(name), body, force_rewrite=args.again)
    result = {
        "name": name,
        "namespace": ctx.namespace,
        "bucket": ctx.bucket,
        "request_object": request_object(name),
        "request": doc,
        "request_written": state != "unchanged",
        "request_status": state,
        "inspection": summary.to_json(),
        "next": f"model-import status {name} --watch",
    }
    if args.output == "json":
        print_json(result)
    else:
        print(_manifest_line(request_object(name), state))
        print(f"follow it: model-import status {name} --watch")
    return 0
