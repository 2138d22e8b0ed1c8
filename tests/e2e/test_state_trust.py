"""An edited state document cannot point the teardown at another import's deployment.

Through the local cloud and the real fdk function. Before: setting gamma's import_id and
resources to beta's and deleting models/gamma/import.json made the teardown delete beta's
endpoint, cluster and model (their tags carried beta's import_id, which the state now claimed),
with no RESOURCE_NOT_OURS, beta's state still DONE and its ledger hold gone.
"""

from __future__ import annotations

import json

import pytest
from e2e_pipeline import Pipeline

from shared.contract import tags
from shared.contract.paths import manifest_object, state_object
from shared.contract.state import ImportState, Stage
from shared.pipeline.genai_ops import MANAGED_BY, GenAiOps, Kind, Resource


def test_an_import_id_copied_into_another_state_deletes_nothing(pipeline: Pipeline) -> None:
    pipeline.upload_model("beta", "chat")
    beta = pipeline.wait_stage("beta", "DONE", "FAILED", "REJECTED", timeout=120)
    assert beta.stage is Stage.DONE
    pipeline.upload_model("gamma", "chat", {"deploy": False})
    pipeline.wait_stage("gamma", "DONE", timeout=120)
    pipeline.idle()
    assert beta.import_id in pipeline.ledger_text()

    raw = json.loads(
        pipeline.os.get_object(
            pipeline.cloud.info.namespace, pipeline.state_bucket, state_object("gamma")
        ).data.content
    )
    raw["import_id"] = beta.import_id  # an operator's mistake (or anyone with a grant on the state bucket)
    raw["resources"] = json.loads(beta.resources.model_dump_json())
    pipeline.put_state_object(state_object("gamma"), json.dumps(raw).encode())
    pipeline.idle()
    pipeline.delete(manifest_object("gamma"))
    pipeline.idle()

    for kind, rid in (
        (Kind.ENDPOINT, beta.resources.endpoint_id),
        (Kind.CLUSTER, beta.resources.cluster_id),
        (Kind.IMPORTED_MODEL, beta.resources.imported_model_id),
    ):
        current: Resource | None = pipeline.ops.get(kind, rid or "")
        assert current is not None and current.lifecycle_state == "ACTIVE", f"beta's {kind.value} was touched"
    after = pipeline.state("beta")
    assert after is not None and after.stage is Stage.DONE
    assert beta.import_id in pipeline.ledger_text()  # beta's hold is still there
    # the edited document is refused as a state (it names another import), and said so
    bodies = " ".join(m["title"] + " " + m["body"] for m in pipeline.messages())
    assert "state/gamma.json" in bodies


def test_a_state_whose_import_id_is_not_its_name_is_unreadable() -> None:
    doc = {
        "name": "gamma",
        "import_id": "beta-0123456789ab",
        "source": {
            "kind": "object_storage",
            "namespace": "n",
            "bucket": "b",
            "object_name": "models/gamma/import.json",
            "etag": "e",
        },
        "options": {},
        "stage": "DONE",
        "stage_started_at": "2025-01-01T00:00:00Z",
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
    }
    with pytest.raises(ValueError, match="import_id"):
        ImportState.from_json(json.dumps(doc).encode())
    for bad in ("gamma-0123456789AB", "gamma-123", "gamma", "gamma-0123456789ab\n", "gammax-0123456789ab"):
        with pytest.raises(ValueError):
            ImportState.from_json(json.dumps({**doc, "import_id": bad}).encode())
    assert (
        ImportState.from_json(json.dumps({**doc, "import_id": "gamma-0123456789ab"}).encode()).name == "gamma"
    )


def test_a_resource_is_ours_only_under_the_name_its_import_id_belongs_to() -> None:
    ops = GenAiOps(None, "c", deployment="bucket")
    good = {tags.MANAGED_BY: MANAGED_BY, tags.IMPORT_BUCKET: "bucket", tags.IMPORT_ID: "beta-0123456789ab"}
    assert (
        ops.why_not_ours(
            Resource(Kind.CLUSTER, "x", "ACTIVE", {**good, tags.IMPORT_NAME: "beta"}), "beta-0123456789ab"
        )
        is None
    )
    renamed = Resource(Kind.CLUSTER, "x", "ACTIVE", {**good, tags.IMPORT_NAME: "gamma"})
    assert "import-name" in (ops.why_not_ours(renamed, "beta-0123456789ab") or "")
    untagged = Resource(Kind.CLUSTER, "x", "ACTIVE", good)
    assert ops.why_not_ours(untagged, "beta-0123456789ab") is not None
    odd = {**good, tags.IMPORT_ID: "beta-x", tags.IMPORT_NAME: "beta"}
    assert ops.why_not_ours(Resource(Kind.CLUSTER, "x", "ACTIVE", odd), "beta-x") is not None
