"""Answer an upload meant as an import whose name is unusable: NAME_INVALID, notified once.

Before this, `models/My Model/import.json` and the like were ignored without a word. The
notification is claimed per object version (name and ETag), so a redelivered event does not
publish it twice; nothing else happens (no state: the name cannot key one).
"""

from __future__ import annotations

import hashlib
from typing import Any

from shared.contract.naming import Misnamed
from shared.pipeline import logs
from shared.pipeline.notifier import name_invalid_message, one_line

log = logs.get_logger("misnamed")


def answer_misnamed(
    object_name: str, misnamed: Misnamed, etag: str | None, bucket: str | None
) -> dict[str, Any]:
    from functions.runtime import runtime_from_env

    rt = runtime_from_env()
    rt.begin_invocation()
    if bucket and bucket != rt.bucket:
        return {"action": "ignored", "reason": f"bucket {one_line(bucket)} is not the watched bucket"}
    shown = one_line(object_name)
    log.warning("upload with an unusable import name", extra={"code": "NAME_INVALID", "object": shown})
    version = hashlib.sha256(f"{object_name}\0{etag or ''}".encode("utf-8", "replace")).hexdigest()[:24]
    if rt.store.claim_notice(f"name-invalid.{version}"):
        rt.notifier.publish(name_invalid_message(object_name, misnamed.given, rt.bucket))
    return {"action": "rejected", "code": "NAME_INVALID", "object": shown, "kind": misnamed.kind}
