"""Rerank's IAM grant is optional (no OCI page documents its resource type; terraform
create_rerank_policy is off by default): a rerank smoke test refused as unauthorised reports
"not tested" and passes, while any other error still fails."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import oci
import pytest

from shared.contract.manifest import Capability
from shared.pipeline.smoke import smoke_test


class FakeInference:
    def __init__(self, outcome: Any):
        self.outcome = outcome

    def rerank_text(self, details: Any) -> Any:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return SimpleNamespace(data=SimpleNamespace(document_ranks=self.outcome))


def _run(outcome: Any) -> Any:
    return smoke_test(
        Capability.RERANK,
        endpoint_id="ocid1.generativeaiendpoint.oc1..e",
        compartment_id="ocid1.compartment.oc1..c",
        openai_base_url="http://127.0.0.1:1/v1",
        signer=None,
        inference_client=FakeInference(outcome),
    )


@pytest.mark.parametrize("status", [401, 403, 404])
def test_rerank_refused_by_iam_is_not_tested(status: int) -> None:
    refused = oci.exceptions.ServiceError(status, "NotAuthorizedOrNotFound", {}, "not authorized")
    result = _run(refused)
    assert result.passed and not result.tested
    assert result.to_json_dict()["tested"] is False
    assert "create_rerank_policy" in result.to_json_dict()["not_tested"]


def test_rerank_server_error_still_fails() -> None:
    result = _run(oci.exceptions.ServiceError(500, "InternalServerError", {}, "boom"))
    assert not result.passed and result.tested


def test_rerank_that_answers_is_tested() -> None:
    ranks = [SimpleNamespace(index=0, relevance_score=0.9), SimpleNamespace(index=1, relevance_score=0.1)]
    result = _run(ranks)
    assert result.passed and result.tested
    assert "tested" not in result.to_json_dict()
