"""What each identity of the local cloud may do: the IAM separation of the deployment, enforced.

In OCI the uploaders hold `manage object-family` on the compartment of the watched bucket and
nothing on the compartment of the state bucket (terraform/README.md, "Who may write what").
Here the uploader identity may therefore read and write the watched bucket, only read the
state bucket (the grant that lets an uploader run `model-import status`), and call no other
service. The operator identity (the CLI, and the function, whose grants in OCI come from its
dynamic group) may do everything. A request outside the grants is answered as OCI answers it:
404 NotAuthorizedOrNotFound, which does not say whether the resource exists ("API Errors",
https://docs.cloud.oracle.com/Content/API/References/apierrors.htm: "A resource specified via
the URI ... was not found, or you do not have authorization to access that resource").
"""

from __future__ import annotations

from dataclasses import dataclass

from localcloud.web import ServiceError

READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Grants:
    everything: bool = False
    write_buckets: frozenset[str] = frozenset()  # read and write objects
    read_buckets: frozenset[str] = frozenset()  # read and list objects only

    def may(self, method: str, path: str) -> bool:
        if self.everything:
            return True
        parts = [p for p in path.split("/") if p]  # n, <namespace>, b, <bucket>, o|u|actions|p, ...
        if not parts or parts[0] != "n":
            return False  # Generative AI, Notifications, Vault, inference: no grant at all
        if len(parts) < 4 or parts[2] != "b":
            return method in READ_METHODS  # the namespace and the bucket list
        bucket = parts[3]
        if len(parts) == 4 and method not in READ_METHODS:
            return False  # changing or deleting a bucket is no uploader's right
        if bucket in self.write_buckets:
            return True
        return bucket in self.read_buckets and method in READ_METHODS


def refuse(method: str, path: str) -> ServiceError:
    return ServiceError(
        404,
        "NotAuthorizedOrNotFound",
        f"Authorization failed or requested resource not found: {method} {path}",
    )
