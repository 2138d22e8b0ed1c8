"""A new upload becomes a new import: parse the manifest or request into the first state.

The import id comes from the source object and its ETag (`make_import_id`), so the same
upload seen twice is the same import, and every new upload is a new one. A manifest or
request that does not parse is REJECTED right here, with its findings, and nothing is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from functions.common import StageContext, Step, stage_deadline
from shared.contract.manifest import DocumentError, ImportOptions, parse_manifest, parse_request
from shared.contract.paths import ObjectKind, SourceKind, model_prefix
from shared.contract.state import ImportState, Source, Stage, Transition, make_import_id
from shared.findings import finding
from shared.pipeline.notifier import rejection_message


@dataclass(frozen=True)
class SourceDoc:
    """The object that starts an import, as it is now in the bucket."""

    kind: ObjectKind  # MANIFEST, REQUEST or CONFIG (config-trigger mode)
    object_name: str
    etag: str
    last_modified: datetime | None = None  # Object Storage's Last-Modified of this version


def new_import(
    ctx: StageContext, name: str, doc: SourceDoc, raw: bytes, previous: ImportState | None, note: str = ""
) -> Step:
    rt = ctx.rt
    import_id = make_import_id(name, doc.object_name, doc.etag)
    source = Source(
        kind=SourceKind.HUGGING_FACE if doc.kind is ObjectKind.REQUEST else SourceKind.OBJECT_STORAGE,
        namespace=rt.namespace,
        bucket=rt.bucket,
        object_name=doc.object_name,
        etag=doc.etag,
        last_modified=doc.last_modified,
        prefix=None if doc.kind is ObjectKind.REQUEST else model_prefix(name),
    )
    stage = Stage.WAITING_FOR_FILES if doc.kind is ObjectKind.CONFIG else Stage.VALIDATING
    options = ImportOptions()
    findings = []
    try:
        if doc.kind is ObjectKind.MANIFEST:
            options = ImportOptions.model_validate(parse_manifest(raw, doc.object_name).model_dump())
        elif doc.kind is ObjectKind.REQUEST:
            req = parse_request(raw, doc.object_name)
            options = ImportOptions.model_validate(req.model_dump(exclude={"model_id", "revision"}))
            source = source.model_copy(update={"model_id": req.model_id, "revision": req.revision})
    except DocumentError as exc:
        findings = exc.findings
        stage = Stage.REJECTED
    except Exception as exc:
        # Parsing a document already read is deterministic: an error here would repeat on every
        # delivery, and before this a crash here was never notified. Reject it, naming the error.
        code = "REQUEST_INVALID" if doc.kind is ObjectKind.REQUEST else "MANIFEST_INVALID"
        findings = [finding(code, doc.object_name, f"could not be parsed: {type(exc).__name__}: {exc}"[:500])]
        stage = Stage.REJECTED
    history = list(previous.history) if previous else []
    history.append(
        Transition(
            at=ctx.now, stage=stage, note=note or f"new upload of {doc.object_name}", event_id=ctx.event_id
        )
    )
    deadline = stage_deadline(ctx.settings, stage)
    state = ImportState(
        name=name,
        import_id=import_id,
        source=source,
        options=options,
        stage=stage,
        stage_started_at=ctx.now,
        stage_deadline=ctx.now + deadline if deadline else None,
        created_at=ctx.now,
        updated_at=ctx.now,
        findings=findings,
        history=history[-100:],
    )
    if stage is Stage.REJECTED:
        msg = rejection_message(state)
        return Step(state, notify=msg)
    return Step(state)
