"""What an import work request checks when it starts, as OCI's does: the model source.

- OBJECT_STORAGE_OBJECT: `config.json` directly under the prefix, in a bucket of this region;
- HUGGING_FACE_MODEL: the repo readable at the branch or commit with the token given (the
  token is unsealed only here, for the check, and never appears in a message).
"""

from __future__ import annotations

from typing import Any

from localcloud.context import CloudContext
from localcloud.genai_store import TokenVault

Outcome = tuple[list[dict[str, str]], list[str]]


def check_source(ctx: CloudContext, vault: TokenVault, model: dict[str, Any]) -> Outcome:
    """What the import finds at its source: errors (code, message) and notes for the log."""
    src = model["dataSource"]
    if src["sourceType"] == "OBJECT_STORAGE_OBJECT":
        ns, bucket, prefix = src["namespaceName"], src["bucketName"], src["prefixName"]
        where = f"oci://{bucket}@{ns}/{prefix}"
        # Without `region` the bucket is looked for in the service's own region
        # (ObjectStorageObject.region: "where the object storage bucket is located").
        bucket_region = src.get("region") or getattr(ctx, "genai_region", ctx.region)
        if bucket_region != ctx.region:
            return [
                {
                    "code": "InvalidModelSource",
                    "message": f"bucket {bucket} is not in region {bucket_region} "
                    f"(its buckets are in {ctx.region}): "
                    "set dataSource.region to the bucket's region",
                }
            ], []
        wanted = {prefix + "config.json"}
        if prefix and not prefix.endswith("/"):
            wanted.add(prefix + "/config.json")
        try:
            found = any(o.name in wanted for o in ctx.list_objects(ns, bucket, prefix))
        except Exception as exc:  # the bucket may not exist: the import fails, the cloud does not
            return [
                {"code": "InvalidModelSource", "message": f"cannot list {where}: {type(exc).__name__}"}
            ], []
        if not found:
            return [
                {
                    "code": "InvalidModelSource",
                    "message": f"config.json not found under {where}: upload the model folder "
                    "(config.json, weights, tokenizer) under that prefix, then import again",
                }
            ], []
        return [], [f"Found config.json under {where}"]
    model_id = src["modelId"]
    revision = src.get("commit") or src.get("branch") or "main"
    sealed = model.get("_sealedAccessToken")
    token = vault.unseal(sealed) if sealed else None
    try:
        access = ctx.hub_repo_access(model_id, revision, token)
    except Exception as exc:
        access = f"error ({type(exc).__name__})"
    if access == "ok":
        return [], [f"Hugging Face repo {model_id}@{revision} is readable"]
    if access == "denied":
        hint = "pass an access token with read access" if token is None else "the access token was refused"
        return [
            {
                "code": "HuggingFaceAccessDenied",
                "message": f"Hugging Face repo {model_id} is gated or private: {hint} "
                "(accept the model's licence on the Hub first)",
            }
        ], []
    if access == "not_found":
        return [
            {
                "code": "HuggingFaceModelNotFound",
                "message": f"Hugging Face repo {model_id} at revision {revision} does not exist: "
                "check the model id and the branch or commit",
            }
        ], []
    return [{"code": "HuggingFaceUnavailable", "message": f"Hugging Face Hub check failed: {access}"}], []
