"""What each identity of the local cloud may do: the IAM separation of the deployment, enforced.

In OCI the uploaders hold `manage object-family` on the compartment of the watched bucket and
nothing on the compartment of the state bucket (terraform/README.md, "Who may write what").
Here the uploader identity may therefore read and write the watched bucket, only read the
state bucket (the grant that lets an uploader run `model-import status`), and call no other
service. The operator identity (the CLI) may do everything. The function has its own identity
with exactly the object permissions terraform/iam.tf grants its dynamic group, per bucket
(FUNCTION_OBJECT_GRANTS; tests/terraform/test_tf_localcloud_grants.py fails when the two
differ), checked per operation as OCI checks them (object_permissions): code that needs a
permission the policy lacks fails here as it would on OCI. A request outside the grants is
answered as OCI answers it: 404 NotAuthorizedOrNotFound, which does not say whether the
resource exists ("API Errors", https://docs.cloud.oracle.com/Content/API/References/apierrors.htm:
"A resource specified via the URI ... was not found, or you do not have authorization to
access that resource").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from localcloud.web import ServiceError

READ_METHODS = frozenset({"GET", "HEAD"})

# The OBJECT_* permissions of the `objects` resource type ("Details for Object Storage and
# Archive Storage", https://docs.oracle.com/iaas/Content/Identity/Reference/objectstoragepolicyreference.htm).
OBJECT_INSPECT = "OBJECT_INSPECT"
OBJECT_READ = "OBJECT_READ"
OBJECT_CREATE = "OBJECT_CREATE"
OBJECT_OVERWRITE = "OBJECT_OVERWRITE"
OBJECT_DELETE = "OBJECT_DELETE"

# What terraform/iam.tf grants the function on objects, by the bucket the grant names:
# `bucket_objects` (the watched bucket: read artifacts, list prefixes) and `state_objects`
# (the state bucket: state documents, ledger, notices, create logs and orphan records,
# created, overwritten and deleted).
WATCHED_BUCKET = "watched"
STATE_BUCKET = "state"
FUNCTION_OBJECT_GRANTS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        WATCHED_BUCKET: frozenset({OBJECT_INSPECT, OBJECT_READ}),
        STATE_BUCKET: frozenset(
            {OBJECT_INSPECT, OBJECT_READ, OBJECT_CREATE, OBJECT_OVERWRITE, OBJECT_DELETE}
        ),
    }
)

_OBJECT_PATH = re.compile(r"^/n/[^/]+/b/(?P<bucket>[^/]+)/(?P<kind>o|u|actions)(?:/(?P<rest>.*))?$")


def object_permissions(method: str, path: str, exists: Callable[[str, str], bool]) -> frozenset[str] | None:
    """The OBJECT_* permissions an object operation needs, as the policy reference's table
    "Permissions Required for Each API Operation" gives them; None for a path that is not an
    object operation. `exists(bucket, name)` tells a PutObject that creates from one that
    overwrites (OBJECT_CREATE and OBJECT_OVERWRITE are separate permissions)."""
    m = _OBJECT_PATH.match(path)
    if m is None:
        return None
    bucket, kind, rest = m["bucket"], m["kind"], m["rest"] or ""

    def write(name: str) -> frozenset[str]:
        return frozenset({OBJECT_OVERWRITE if exists(bucket, name) else OBJECT_CREATE})

    if kind == "actions":  # renameObject: writes the new name and removes the old one
        return frozenset({OBJECT_CREATE, OBJECT_OVERWRITE, OBJECT_DELETE})
    if kind == "o":
        if not rest:  # ListObjects, ListObjectVersions
            return frozenset({OBJECT_INSPECT}) if method == "GET" else frozenset({"UNKNOWN"})
        if method in READ_METHODS:  # GetObject, HeadObject
            return frozenset({OBJECT_READ})
        if method == "PUT":  # PutObject: create or overwrite
            return write(rest)
        if method == "DELETE":  # DeleteObject
            return frozenset({OBJECT_DELETE})
        return frozenset({"UNKNOWN"})
    # multipart uploads: /u (list, create), /u/<name> (upload part, commit, list parts, abort)
    if method == "GET":
        return frozenset({OBJECT_INSPECT})
    if method == "DELETE":  # AbortMultipartUpload
        return frozenset({OBJECT_DELETE})
    if not rest:  # CreateMultipartUpload: the object name is in the body; creating is the floor
        return frozenset({OBJECT_CREATE})
    return write(rest)


@dataclass(frozen=True)
class Grants:
    everything: bool = False
    write_buckets: frozenset[str] = frozenset()  # read and write objects
    read_buckets: frozenset[str] = frozenset()  # read and list objects only
    # Per-permission grants (the function's): bucket -> OBJECT_* permissions on its objects,
    # the buckets whose metadata may be read, and whether services other than Object Storage
    # may be called (Generative AI, Notifications, Vault: not modelled per permission here).
    object_grants: Mapping[str, frozenset[str]] = field(default_factory=dict)
    bucket_reads: frozenset[str] = frozenset()
    other_services: bool = False

    def may(self, method: str, path: str, exists: Callable[[str, str], bool] = lambda b, n: False) -> bool:
        if self.everything:
            return True
        parts = [p for p in path.split("/") if p]  # n, <namespace>, b, <bucket>, o|u|actions|p, ...
        if not parts or parts[0] != "n":
            return self.other_services  # Generative AI, Notifications, Vault, inference
        if len(parts) < 4 or parts[2] != "b":
            return method in READ_METHODS  # the namespace and the bucket list
        bucket = parts[3]
        if self.object_grants or self.bucket_reads:
            if len(parts) == 4:
                return method in READ_METHODS and bucket in self.bucket_reads
            needed = object_permissions(method, path, exists)
            return needed is not None and needed <= self.object_grants.get(bucket, frozenset())
        if len(parts) == 4 and method not in READ_METHODS:
            return False  # changing or deleting a bucket is no uploader's right
        if bucket in self.write_buckets:
            return True
        return bucket in self.read_buckets and method in READ_METHODS


def function_grants(bucket: str, state_bucket: str) -> Grants:
    """The function's identity: FUNCTION_OBJECT_GRANTS on the two buckets, `read buckets` on
    the watched one (iam.tf bucket_read), and the other services it calls."""
    return Grants(
        object_grants=MappingProxyType(
            {
                bucket: FUNCTION_OBJECT_GRANTS[WATCHED_BUCKET],
                state_bucket: FUNCTION_OBJECT_GRANTS[STATE_BUCKET],
            }
        ),
        bucket_reads=frozenset({bucket}),
        other_services=True,
    )


def refuse(method: str, path: str) -> ServiceError:
    return ServiceError(
        404,
        "NotAuthorizedOrNotFound",
        f"Authorization failed or requested resource not found: {method} {path}",
    )
