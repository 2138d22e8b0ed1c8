"""What config.json must say: typed keys, an architecture the runtimes serve, no remote code to load."""

from __future__ import annotations

from typing import Any

from shared.findings import Finding, finding
from shared.inspection.capability.families import (
    family_for_architecture,
    family_for_model_type,
    supported_architectures,
)
from shared.inspection.capability.native import (
    is_native_architecture,
    is_native_model_type,
    transformers_version,
)
from shared.inspection.checks.config_types import check_config_types
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
    findings += check_config_types(config)
    findings += check_remote_code(config, archs, model_type)
    return findings


def check_remote_code(config: dict[str, Any], archs: list[str], model_type: str | None) -> list[Finding]:
    """`auto_map` needs remote code only when transformers does not ship the architecture.

    An empty map (microsoft/phi-4 ships `"auto_map": {}`) maps nothing. A map beside a native
    architecture and model type (Phi-3 configs map Phi3ForCausalLM to their own copy) is not
    used: transformers' AutoConfig takes its own class for a known `model_type` unless remote
    code is trusted, and vLLM resolves the architecture in its own registry. Only a map for an
    architecture transformers lacks means the model cannot load without the custom code.
    """
    auto_map = config.get("auto_map")
    if auto_map is None or auto_map in ({}, [], ""):
        return []
    if not isinstance(auto_map, dict):
        return [
            finding(
                "CONFIG_INVALID",
                "config.json: auto_map",
                f"config.json `auto_map` is a {type(auto_map).__name__}; expected an object "
                "of auto class to module.Class",
            )
        ]
    mapped = ", ".join(str(k)[:60] for k in list(auto_map)[:3])
    foreign = [a for a in archs if not is_native_architecture(a)]
    if model_type is not None and not is_native_model_type(model_type):
        foreign.append(f"model_type {model_type}")
    version = transformers_version()
    if not archs and model_type is None:
        foreign.append("no architecture")
    if foreign:
        shown = ", ".join(f[:100] for f in foreign[:3])
        return [
            finding(
                "REMOTE_CODE",
                "config.json: auto_map",
                f"config.json maps {mapped} to custom Python code (auto_map) and {shown} is not built "
                f"into transformers {version}: the model loads only with remote code",
            )
        ]
    return [
        finding(
            "REMOTE_CODE_UNUSED",
            "config.json: auto_map",
            f"config.json maps {mapped} to custom code, but {', '.join(archs[:3]) or model_type} is built "
            f"into transformers {version}, which loads it without that code",
        )
    ]
