"""The local cloud's function identity holds exactly the object permissions terraform/iam.tf
grants the function, bucket by bucket, so a test through the local cloud fails where OCI would.

Before, the local function signed as the operator (everything allowed): the state bucket's grant
lacked OBJECT_DELETE while the function deletes create logs, reconciled records and orphan
records there, and no test could see it (on OCI: 404 NotAuthorizedOrNotFound, records piling up).
"""

from __future__ import annotations

from test_tf_policies import BUCKET, STATE_BUCKET, _condition, _rendered

from localcloud import access


def _object_grants() -> dict[str, set[str]]:
    """bucket -> the OBJECT_* permissions the function's statements on `objects` grant there."""
    grants: dict[str, set[str]] = {}
    for _, (text, st) in _rendered("function_grants").items():
        if "objects" not in st["resources"]["values"]:
            continue
        (bucket,) = _condition(st, "target.bucket.name")
        permissions = set(_condition(st, "request.permission"))
        assert permissions, f"an objects grant without request.permission: {text}"
        grants.setdefault(bucket, set()).update(permissions)
    return grants


def test_localcloud_grants_the_function_what_iam_tf_grants() -> None:
    assert _object_grants() == {
        BUCKET: set(access.FUNCTION_OBJECT_GRANTS[access.WATCHED_BUCKET]),
        STATE_BUCKET: set(access.FUNCTION_OBJECT_GRANTS[access.STATE_BUCKET]),
    }
    local = access.function_grants("watched-bucket", "state-bucket")
    assert local.object_grants == {
        "watched-bucket": access.FUNCTION_OBJECT_GRANTS[access.WATCHED_BUCKET],
        "state-bucket": access.FUNCTION_OBJECT_GRANTS[access.STATE_BUCKET],
    }
    assert not local.everything


def test_the_function_may_delete_in_the_state_bucket_only() -> None:
    """functions/common.py (CreateLog.end), functions/reconcile.py and functions/orphans.py delete
    state-bucket records; nothing of the function deletes in the watched bucket."""
    grants = _object_grants()
    assert "OBJECT_DELETE" in grants[STATE_BUCKET]
    assert "OBJECT_DELETE" not in grants[BUCKET]
