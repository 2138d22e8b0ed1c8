"""What config.json must say: an architecture the runtimes serve, and no remote code."""

from __future__ import annotations

from typing import Any

from shared.findings import Finding, finding
from shared.inspection.capability.families import (
    family_for_architecture,
    family_for_model_type,
    supported_architectures,
)
from shared.inspection.config import as_str_list


def check_config(config: dict[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    archs = as_str_list(config.get("architectures"))
    raw_type = config.get("model_type")
    model_type: str | None = raw_type if isinstance(raw_type, str) else None
    if not archs and not model_type:
        findings.append(
            finding(
                "ARCHITECTURE_MISSING",
                "config.json: architectures",
                "config.json names neither `architectures` nor `model_type`",
            )
        )
    elif archs:
        unknown = [a for a in archs if family_for_architecture(a) is None]
        if unknown:
            shown = ", ".join(repr(a[:100]) for a in unknown[:3])
            findings.append(
                finding(
                    "ARCHITECTURE_UNSUPPORTED",
                    "config.json: architectures",
                    f"architecture {shown} is not one the OCI serving runtimes are known to serve",
                    f"Supported: {', '.join(supported_architectures())}.",
                )
            )
    elif family_for_model_type(model_type) is None:
        findings.append(
            finding(
                "ARCHITECTURE_UNSUPPORTED",
                "config.json: model_type",
                f"model_type {(model_type or '')[:100]!r} is not a family the runtimes are known to serve",
            )
        )
    if "auto_map" in config:
        auto_map = config.get("auto_map")
        what = ", ".join(list(auto_map)[:3]) if isinstance(auto_map, dict) else "auto_map"
        findings.append(
            finding(
                "REMOTE_CODE",
                "config.json: auto_map",
                f"config.json maps {what} to custom Python code (auto_map)",
            )
        )
    return findings
