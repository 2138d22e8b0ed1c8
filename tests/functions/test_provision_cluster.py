"""PROVISIONING against the local cloud: a cluster found by tag is counted in the ledger first."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared" / "pipeline"))

from pipeline_states import make_state

from functions.common import StageContext
from functions.provision_cluster import provision_cluster
from functions.runtime import Runtime
from shared.contract.state import Resources, Stage, utcnow
from shared.pipeline.genai_ops import Kind
from shared.settings import Settings


def runtime(localcloud, **settings: object) -> Runtime:  # type: ignore[no-untyped-def]
    info = localcloud.info
    base = {
        "compartment_id": info.compartment_id,
        "bucket_name": info.bucket,
        "state_bucket_name": info.state_bucket,
        "topic_id": info.topic_id,
        "namespace": info.namespace,
    }
    return Runtime(settings=Settings.model_validate({**base, **settings}), factory=localcloud.factory)


def test_a_cluster_found_by_tag_is_counted_before_it_is_adopted(localcloud) -> None:  # type: ignore[no-untyped-def]
    # The ceilings would refuse a new cluster now, but this one exists already: it is spending.
    rt = runtime(localcloud, max_ai_units_total=0.5, max_ai_units_per_import=0.5)
    state = make_state(stage=Stage.PROVISIONING).model_copy(
        update={"resources": Resources(imported_model_id="ocid1.generativeaiimportedmodel..m")}
    )
    assert state.plan is not None and state.plan.unit_shape is not None
    existing = rt.ops.create_cluster(state, state.plan.unit_shape)  # say, before a retry; never recorded
    assert rt.ledger.holds() == {}

    step = provision_cluster(state, StageContext(rt, "event-1", utcnow()))
    assert step.state is not None and step.state.resources.cluster_id == existing.id
    assert step.created == []  # adopted, not created
    holds = rt.ledger.holds()
    assert list(holds) == [state.import_id] and holds[state.import_id].ai_units == state.plan.ai_units
    assert [c.id for c in rt.ops.list_managed(Kind.CLUSTER)] == [existing.id]
