"""Multipart uploads under models/ that were started and never committed nor aborted.

An interrupted `upload` that is never resumed leaves its parts in the bucket, where they cost
storage and are seen by no listing of objects (issue 16). `status` shows them per import name and
`sweep --fix` aborts the ones older than `--abort-uploads-after` (a younger one may still be
running, or be resumed by running the same `upload` again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cli.formatting import age, age_seconds, as_utc, iso
from cli.paging import all_items
from cli.progress import human_bytes
from shared.contract.paths import MODELS_PREFIX

DEFAULT_ABORT_AFTER_HOURS = 24.0
UPLOAD_UNFINISHED = "UPLOAD_UNFINISHED"  # a status stage: parts sent, no manifest written


@dataclass(frozen=True)
class Unfinished:
    name: str  # the import name: models/<name>/...
    object_name: str
    upload_id: str
    started: datetime | None
    parts: int
    size: int


def unfinished_uploads(client: Any, namespace: str, bucket: str) -> list[Unfinished]:
    """Every uncommitted multipart upload under models/<name>/, with its parts counted."""
    out = []
    for upload in all_items(client.list_multipart_uploads, namespace, bucket):
        obj = str(upload.object)
        if not obj.startswith(MODELS_PREFIX):
            continue
        name = obj[len(MODELS_PREFIX) :].split("/", 1)[0]
        parts = all_items(client.list_multipart_upload_parts, namespace, bucket, obj, upload.upload_id)
        size = sum(int(p.size or 0) for p in parts)
        out.append(Unfinished(name, obj, upload.upload_id, as_utc(upload.time_created), len(parts), size))
    return sorted(out, key=lambda u: (u.name, u.object_name))


def by_name(uploads: list[Unfinished]) -> dict[str, list[Unfinished]]:
    grouped: dict[str, list[Unfinished]] = {}
    for u in uploads:
        grouped.setdefault(u.name, []).append(u)
    return grouped


def summary_json(uploads: list[Unfinished] | None, now: datetime) -> dict[str, Any] | None:
    """`unfinished_uploads` of a `status --json` object: count, parts, bytes, oldest start."""
    if not uploads:
        return None
    starts = [u.started for u in uploads if u.started is not None]
    oldest = min(starts) if starts else None
    return {
        "count": len(uploads),
        "parts": sum(u.parts for u in uploads),
        "bytes": sum(u.size for u in uploads),
        "oldest": iso(oldest),
        "oldest_age_seconds": round(age_seconds(oldest, now) or 0.0, 1) if oldest else None,
    }


def note(name: str, uploads: list[Unfinished], now: datetime) -> str:
    """One line saying what is left and the two ways out."""
    starts = [u.started for u in uploads if u.started is not None]
    oldest = f", oldest started {age(min(starts), now)} ago" if starts else ""
    size = human_bytes(sum(u.size for u in uploads))
    return (
        f"{name}: {len(uploads)} unfinished multipart upload(s) holding {size}{oldest}: run the same "
        f"`model-import upload` again to resume, or `model-import sweep --fix` aborts them once older "
        f"than --abort-uploads-after ({DEFAULT_ABORT_AFTER_HOURS:g} h by default)"
    )


def describe(u: Unfinished, now: datetime) -> str:
    started = f"started {age(u.started, now)} ago" if u.started else "start unknown"
    return f"{u.object_name} (upload {u.upload_id}, {u.parts} parts, {human_bytes(u.size)}, {started})"


def upload_only_summary(name: str, uploads: list[Unfinished], now: datetime) -> dict[str, Any]:
    """A `status` object for a name that has unfinished uploads and no manifest, request or state."""
    from cli.import_summary import not_started_summary
    from cli.state_reader import NotStarted
    from shared.contract.paths import model_prefix

    starts = [u.started for u in uploads if u.started is not None]
    waiting = NotStarted(name, model_prefix(name), "", min(starts) if starts else None)
    doc = not_started_summary(waiting, now=now, stall=timedelta.max)
    doc.update(stage=UPLOAD_UNFINISHED, unfinished_uploads=summary_json(uploads, now))
    return doc
