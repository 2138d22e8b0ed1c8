"""The check `upload` and `import-hf` run before sending anything: the pipeline's own inspection.

A thin adapter over `shared.inspection`, so the commands print and refuse exactly what the
pipeline would, and the JSON output keeps one stable shape whatever the engine returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.contract.manifest import Capability


@dataclass
class InspectionSummary:
    ok: bool
    capability: str | None = None
    recommended_shape: str | None = None
    unit_shape: str | None = None
    ai_units: float | None = None
    memory_gib: float | None = None
    cost_per_hour: float | None = None
    findings: list[dict[str, str]] = field(default_factory=list)
    skipped: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "skipped": self.skipped,
            "capability": self.capability,
            "recommended_shape": self.recommended_shape,
            "unit_shape": self.unit_shape,
            "ai_units": self.ai_units,
            "memory_gib": self.memory_gib,
            "cost_per_hour": self.cost_per_hour,
            "findings": self.findings,
        }


def skipped() -> InspectionSummary:
    return InspectionSummary(ok=True, skipped=True)


def inspect_folder(folder: Path, options: dict[str, Any], *, price: float | None) -> InspectionSummary:
    from shared.inspection.sources.local import LocalFolderSource

    return _run(LocalFolderSource(folder), options, price)


def inspect_hub(
    model_id: str,
    revision: str,
    token: str | None,
    options: dict[str, Any],
    *,
    price: float | None,
    endpoint: str | None = None,
) -> InspectionSummary:
    from shared.inspection.sources.hub import HubSource

    return _run(HubSource(model_id, revision, endpoint=endpoint, token=token), options, price)


def _run(source: Any, options: dict[str, Any], price: float | None) -> InspectionSummary:
    from shared.inspection import SizingPolicy, inspect_artifacts

    declared = Capability(options["capability"]) if options.get("capability") else None
    policy = SizingPolicy(price_per_ai_unit=price)
    report = inspect_artifacts(source, declared=declared, unit_shape=options.get("unit_shape"), policy=policy)
    return InspectionSummary(
        ok=report.ok,
        capability=report.capability.value if report.capability else None,
        recommended_shape=report.recommended_shape,
        unit_shape=report.unit_shape,
        ai_units=report.ai_units,
        memory_gib=report.memory_gib,
        cost_per_hour=report.cost_per_hour,
        findings=[
            {
                "code": f.code,
                "severity": f.severity.value,
                "subject": f.subject,
                "message": f.message,
                "hint": f.hint,
            }
            for f in report.findings
        ],
    )
