"""No notification reads "about unknown (...)/h": without a price it says "no price configured", once
(issue 16)."""

from __future__ import annotations

from pipeline_states import make_state

from shared.contract.state import Stage
from shared.pipeline.notifier import success_message

BASE = "https://inference.generativeai.us-chicago-1.oci.oraclecloud.com"


def unpriced(deploy: bool = True):  # type: ignore[no-untyped-def]
    s = make_state(stage=Stage.DONE)
    res = s.resources.model_copy(
        update={"imported_model_id": "ocid1.m", "cluster_id": "ocid1.c", "endpoint_id": "ocid1.e"}
    )
    plan = s.plan.model_copy(update={"ai_units": 2.0, "cost_per_hour": None})  # type: ignore[union-attr]
    options = s.options.model_copy(update={"deploy": deploy})
    return s.model_copy(update={"resources": res, "plan": plan, "options": options, "smoke_test": {}})


def test_a_live_deployment_without_a_price_says_so_once() -> None:
    msg = success_message(
        unpriced(), openai_base_url=BASE + "/openai/v1", inference_url=BASE, compartment_id="c"
    )
    text = msg.title + "\n" + msg.body
    assert "unknown" not in text and "/h" not in msg.title
    assert text.count("no price configured") == 1
    assert "one-hour minimum commitment" in msg.body


def test_an_import_without_deployment_and_price_says_so_once() -> None:
    msg = success_message(
        unpriced(deploy=False), openai_base_url=BASE + "/openai/v1", inference_url=BASE, compartment_id="c"
    )
    text = msg.title + "\n" + msg.body
    assert "unknown" not in text and text.count("no price configured") == 1
    assert "It would hold 2 AI units; no price configured" in msg.body
