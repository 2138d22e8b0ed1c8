"""OCI's tag limits, enforced on the Generative AI creates and updates as OCI documents them.

"Tagging Overview", section "Tag Limits" (https://docs.oracle.com/iaas/Content/Tagging/Concepts/taggingoverview.htm):
at most 64 tags on one resource (free-form and defined together), a tag key of at most 100
characters, a value of at most 256, and at most 5 KB of tag data (as JSON) on a resource.
The pipeline's own contract (shared/contract/manifest.py) keeps user tags within these.
"""

from __future__ import annotations

import json
from typing import Any

from localcloud.web import ServiceError

MAX_TAGS = 64
MAX_KEY_CHARS = 100
MAX_VALUE_CHARS = 256
MAX_TAG_BYTES = 5 * 1024


def check_tags(body: dict[str, Any]) -> None:
    """Raise 400 InvalidParameter if the body's freeformTags/definedTags break OCI's tag limits."""
    freeform = body.get("freeformTags") or {}
    defined = body.get("definedTags") or {}
    if not isinstance(freeform, dict) or not isinstance(defined, dict):
        raise ServiceError(400, "InvalidParameter", "freeformTags and definedTags must be objects")
    count = len(freeform) + sum(len(v) for v in defined.values() if isinstance(v, dict))
    if count > MAX_TAGS:
        raise ServiceError(400, "InvalidParameter", f"{count} tags; a resource holds at most {MAX_TAGS}")
    pairs = list(freeform.items()) + [
        (k, v) for ns in defined.values() if isinstance(ns, dict) for k, v in ns.items()
    ]
    for key, value in pairs:
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_CHARS:
            raise ServiceError(400, "InvalidParameter", f"a tag key must be 1 to {MAX_KEY_CHARS} characters")
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            raise ServiceError(
                400, "InvalidParameter", f"a tag value must be at most {MAX_VALUE_CHARS} characters"
            )
    size = len(json.dumps({"freeformTags": freeform, "definedTags": defined}, ensure_ascii=False).encode())
    if size > MAX_TAG_BYTES:
        raise ServiceError(400, "InvalidParameter", f"{size} bytes of tags; a resource holds at most 5 KB")
