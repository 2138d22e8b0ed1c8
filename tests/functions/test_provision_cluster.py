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
from shared.shapes import get_shape


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
    shape = get_shape(state.plan.unit_shape)
    assert shape is not None
    assert list(holds) == [state.import_id] and holds[state.import_id].ai_units == shape.ai_units
    assert [c.id for c in rt.ops.list_managed(Kind.CLUSTER)] == [existing.id]


def test_forged_plans_with_tiny_ai_units_cannot_pass_the_ceiling(localcloud) -> None:  # type: ignore[no-untyped-def]
    """The units come from the shape's row of the unit table, never from plan.ai_units."""
    rt = runtime(localcloud, max_ai_units_total=90.0, max_ai_units_per_import=60.0)
    h200 = get_shape("H200_X8")
    assert h200 is not None and 2 * h200.ai_units > 90.0
    outcomes = []
    for name in ("forged-a", "forged-b"):
        base = make_state(name, stage=Stage.PROVISIONING)
        assert base.plan is not None
        plan = base.plan.model_copy(update={"unit_shape": "H200_X8", "ai_units": 0.01})  # the lie
        state = base.model_copy(
            update={
                "plan": plan,
                "resources": Resources(imported_model_id=f"ocid1.generativeaiimportedmodel..{name}"),
            }
        )
        step = provision_cluster(state, StageContext(rt, f"event-{name}", utcnow()))
        assert step.state is not None
        outcomes.append(step)
    assert outcomes[0].created and not outcomes[1].created  # the second cluster is refused
    assert outcomes[1].state is not None and outcomes[1].state.last_error is not None
    assert outcomes[1].state.last_error.code == "AI_UNITS_CEILING_TOTAL"
    live = rt.ops.list_managed(Kind.CLUSTER)
    assert len(live) == 1
    assert sum(h.ai_units for h in rt.ledger.holds().values()) == h200.ai_units  # the ledger counts the truth
