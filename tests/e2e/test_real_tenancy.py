"""What a real tenancy does that the local cloud used to forgive (issue 14), end to end."""

from __future__ import annotations

import json
from pathlib import Path

from e2e_pipeline import Pipeline

from localcloud.demo_models import write_model
from shared.contract.paths import manifest_object, request_object
from shared.contract.state import Stage

SAMPLES = Path(__file__).resolve().parents[2] / "events" / "samples"


def test_a_manifest_event_with_null_tags_starts_the_import(pipeline: Pipeline) -> None:
    """OCI writes `"freeformTags": null, "definedTags": null`; the event must not be ignored."""
    cloud = pipeline.cloud.cloud
    cloud.store.listeners.remove(cloud.emitter.on_change)  # files land silently: the one event is ours
    try:
        etag = pipeline.upload_model("null-tags", "embedding")
    finally:
        cloud.store.listeners.append(cloud.emitter.on_change)
    event = json.loads((SAMPLES / "manifest-created-null-tags.json").read_text())
    info = pipeline.cloud.info
    name = manifest_object("null-tags")
    event["data"].update(resourceName=name, resourceId=f"/n/{info.namespace}/b/{info.bucket}/o/{name}")
    event["data"]["additionalDetails"].update(bucketName=info.bucket, namespace=info.namespace, eTag=etag)
    assert event["data"]["freeformTags"] is None and event["data"]["definedTags"] is None
    assert cloud.router.route(event) == ["manifest-written"]
    state = pipeline.wait_stage("null-tags", "DONE", "FAILED", "REJECTED")
    assert state.stage is Stage.DONE, state.last_error


def test_a_short_commit_hash_is_imported_as_the_full_commit(pipeline: Pipeline) -> None:
    """OCI's data source has `branch` and `commit`: a short hash sent as a branch names nothing."""
    write_model(pipeline.cloud.state_dir / "hub" / "acme" / "short", "embedding")
    commit = pipeline.cloud.cloud.hub.commit_of("acme/short")
    body = {"model_id": "acme/short", "revision": commit[:7]}
    pipeline.put(request_object("short"), json.dumps(body).encode())
    state = pipeline.wait_stage("short", "DONE", "FAILED", "REJECTED")
    assert state.stage is Stage.DONE, (state.findings, state.last_error)
    assert state.source.revision == commit
    model = pipeline.ops.client.get_imported_model(state.resources.imported_model_id).data
    assert model.data_source.commit == commit  # (the service reports branch "main" beside it)
