"""A state that names resources that are not its import's: teardown deletes nothing and says so.

Against the local cloud through the real SDK. On the code before the tag check, the teardown
deleted every recorded OCID (issue 12: a forged state deleted another team's deployment).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared" / "pipeline"))

from oci.object_storage.models import CreateBucketDetails
from pipeline_states import make_state
from test_provision_cluster import runtime

from functions.common import StageContext
from functions.teardown import teardown
from localcloud.demo_models import write_model
from shared.contract.state import Resources, Stage, utcnow
from shared.pipeline.genai_ops import Kind


def test_a_forged_state_naming_another_teams_deployment_deletes_nothing(localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rt = runtime(localcloud, poll_seconds=1, poll_interval_seconds=0.05)
    ops = rt.ops
    info = localcloud.info
    localcloud.factory.object_storage().create_bucket(
        info.namespace, CreateBucketDetails(name="other-team-bucket", compartment_id=info.compartment_id)
    )
    folder = write_model(tmp_path / "m", "chat")
    localcloud.stage(folder, "models/their-chat/", bucket="other-team-bucket")
    localcloud.stage(folder, "models/sibling/")
    # Another team: its own deployment (another watched bucket) in the same compartment.
    theirs = make_state("their-chat", stage=Stage.DEPLOYING)
    theirs = theirs.model_copy(
        update={"source": theirs.source.model_copy(update={"bucket": "other-team-bucket"})}
    )
    assert theirs.plan is not None
    model = ops.create_imported_model(theirs, theirs.plan.capability)
    cluster = ops.create_cluster(theirs, "A10_X1")
    ops.wait(Kind.IMPORTED_MODEL, model.id, model.work_request_id, 10, 0.05)
    ops.wait(Kind.CLUSTER, cluster.id, cluster.work_request_id, 10, 0.05)
    endpoint = ops.create_endpoint(theirs, model.id, cluster.id)
    assert ops.wait(Kind.ENDPOINT, endpoint.id, endpoint.work_request_id, 10, 0.05).status == "ACTIVE"
    # And one of this deployment, but of another import: not this import's either.
    sibling = make_state("sibling", stage=Stage.DEPLOYING, import_id="sibling-aaaaaaaaaaaa")
    assert sibling.plan is not None
    sibling_model = ops.create_imported_model(sibling, sibling.plan.capability)
    ops.wait(Kind.IMPORTED_MODEL, sibling_model.id, sibling_model.work_request_id, 10, 0.05)

    forged = make_state("victim", stage=Stage.TEARING_DOWN).model_copy(
        update={
            "desired": "absent",
            "resources": Resources(
                imported_model_id=sibling_model.id, cluster_id=cluster.id, endpoint_id=endpoint.id
            ),
        }
    )
    step = teardown(forged, StageContext(rt, "forged", utcnow()))

    for kind, rid in (
        (Kind.ENDPOINT, endpoint.id),
        (Kind.CLUSTER, cluster.id),
        (Kind.IMPORTED_MODEL, model.id),
        (Kind.IMPORTED_MODEL, sibling_model.id),
    ):
        current = ops.get(kind, rid)
        assert current is not None and current.lifecycle_state == "ACTIVE", f"{kind.value} {rid} was touched"
    # What changes is the state (nothing of this import is alive: torn down) and one notification.
    assert step.state is not None and step.state.stage is Stage.TORN_DOWN
    assert step.notify is not None
    body = step.notify.body
    assert body.count("RESOURCE_NOT_OURS") == 3
    assert endpoint.id in body and cluster.id in body and sibling_model.id in body
    assert "other-team-bucket" in body and "sibling-aaaaaaaaaaaa" in body
