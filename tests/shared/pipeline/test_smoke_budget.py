"""The smoke test's budget bounds every call in it (issue 14 review), through the local cloud.

An endpoint that never answers: each call is given at most what is left of the budget (the
OpenAI route's timeout, an inference client built for it), and the SDK actions do not retry on
their own; the whole test returns within the budget plus one small margin.
"""

from __future__ import annotations

import time

import pytest

from shared.contract.manifest import Capability
from shared.pipeline.smoke import SmokeTarget, Verdict, call_timeouts, smoke_test

BUDGET_SECONDS = 2.5
CALL_TIMEOUT_SECONDS = 2.0
# Building a client, signing, classifying an answer: well under a second on any machine.
MARGIN_SECONDS = 1.0


@pytest.mark.parametrize("capability", [Capability.TEXT_TO_TEXT, Capability.EMBEDDING, Capability.RERANK])
def test_an_endpoint_that_never_answers_is_given_up_within_the_budget(
    localcloud, capability: Capability
) -> None:  # type: ignore[no-untyped-def]
    held = localcloud.set_fault(service="inference", hold=True, hold_seconds=60)
    factory = localcloud.factory
    built: list[tuple[float, float]] = []

    def client(timeouts: tuple[float, float]) -> object:
        built.append(timeouts)
        return factory.inference(timeout=timeouts)

    target = SmokeTarget(
        endpoint_id="ocid1.generativeaiendpoint.oc1.us-chicago-1.silent",
        compartment_id=localcloud.info.compartment_id,
        openai_base_url=factory.openai_base_url(),
        signer=factory.signer(),
        inference_client=client,
        call_timeout=CALL_TIMEOUT_SECONDS,
    )
    started = time.monotonic()
    result = smoke_test(capability, target, budget_seconds=BUDGET_SECONDS, first_delay=0.2)
    elapsed = time.monotonic() - started
    localcloud.release_fault(held)
    assert result.verdict is Verdict.UNANSWERED, result
    assert result.attempts >= 2  # the first call timed out at its own timeout, the next got the rest
    assert elapsed <= BUDGET_SECONDS + MARGIN_SECONDS, elapsed
    assert all(sum(t) <= CALL_TIMEOUT_SECONDS + 1e-9 for t in built), built


def test_call_timeouts_add_up_to_the_seconds_given() -> None:
    assert call_timeouts(60.0) == (10.0, 50.0)
    assert call_timeouts(2.0) == (1.0, 1.0)
    connect, read = call_timeouts(0.01)
    assert connect > 0 and read > 0 and connect + read == pytest.approx(0.01)
