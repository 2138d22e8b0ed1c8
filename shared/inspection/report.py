"""The inspection result: one pydantic model, the same for the CLI, the pipeline and notifications."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from shared.contract.manifest import Capability
from shared.findings import Finding


class MemoryBreakdown(BaseModel):
    """The memory need in GiB and what it is made of."""

    model_config = ConfigDict(frozen=True)

    weights_gib: float
    kv_cache_gib: float
    overhead_gib: float
    total_gib: float


class ListingReport(BaseModel):
    """Which model OCI lists this is: listed, a fine-tune of a listed base, unlisted, or unknown."""

    model_config = ConfigDict(frozen=True)

    status: Literal["listed", "fine-tune", "unlisted", "unknown"]
    hf_id: str | None = None
    page: str | None = None
    reason: str


class InspectionReport(BaseModel):
    """Whether a model will import and run, what it is, and what it needs; `ok` means no error finding."""

    source: str
    ok: bool
    capability: Capability | None = None
    capability_reason: str | None = None
    architecture: str | None = None
    model_type: str | None = None
    parameters: int | None = None
    parameters_source: Literal["safetensors", "config"] | None = None
    weights_bytes: int | None = None
    quantization: str | None = None
    needs_hopper: bool = False
    memory_gib: float | None = None
    memory: MemoryBreakdown | None = None
    context_tokens: int | None = None
    concurrency: int | None = None
    recommended_shape: str | None = None
    runner_up_shape: str | None = None
    unit_shape: str | None = None
    ai_units: float | None = None
    price_per_ai_unit: float | None = None
    cost_per_hour: float | None = None
    minimum_commitment_hours: int = 1
    minimum_commitment_cost: float | None = None
    shape_reason: str | None = None
    listing: ListingReport | None = None
    cost_note: str | None = None
    findings: list[Finding] = []

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]
