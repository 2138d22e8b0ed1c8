"""What config.json must say: typed keys, an architecture the runtimes serve, no remote code to load."""

from __future__ import annotations

from typing import Any

from shared.findings import Finding, finding
from shared.inspection.capability.families import family_for_architecture, family_for_model_type
from shared.inspection.capability.native import (
    is_native_architecture,
    is_native_model_type,
    transformers_version,
)
from shared.inspection.capability.vllm_registry import describe_kinds, vllm_kinds, vllm_version
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
        findings += check_architectures(config, archs)
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


def check_architectures(config: dict[str, Any], archs: list[str]) -> list[Finding]:
    """Refuse only an architecture no engine can load; warn where the project has no family module.

    vLLM takes the first of `architectures` it can resolve: in its own registry (the table of
    scripts/vllm_architectures.py), else through its Transformers backend for a class transformers
    ships. An architecture the family table does not know but vLLM registers loads (GPT-2,
    GPTBigCode, Falcon, Phi, Bloom, GPT-NeoX, OPT, ...): a warning that its weights are checked
    only for foreign tensors and its parameter count never refuses. One neither engine path loads
    is refused, unless `auto_map` maps it to custom code (check_remote_code decides then).
    """
    if any(family_for_architecture(a) is not None for a in archs):
        return []
    shown = ", ".join(a[:100] for a in archs[:3])
    subject = "config.json: architectures"
    registered = next((a for a in archs if vllm_kinds(a)), None)
    caveat = (
        "the project has no family module for it, so its weights are checked only for tensors of "
        "another layout and its parameter count, an approximation, never refuses"
    )
    if registered is not None:
        kinds = describe_kinds(vllm_kinds(registered))
        return [
            finding(
                "ARCHITECTURE_NO_FAMILY",
                subject,
                f"{registered[:100]} is registered by vLLM {vllm_version()} as a {kinds} model; {caveat}",
            )
        ]
    native = next((a for a in archs if is_native_architecture(a)), None)
    if native is not None:
        return [
            finding(
                "ARCHITECTURE_NO_FAMILY",
                subject,
                f"{native[:100]} is not registered by vLLM {vllm_version()} but is built into transformers "
                f"{transformers_version()}: vLLM loads it through its Transformers backend only if that "
                f"class supports it (test before production); {caveat}",
            )
        ]
    auto_map = config.get("auto_map")
    if isinstance(auto_map, dict) and auto_map:
        return []  # custom code: REMOTE_CODE says what loading needs
    return [
        finding(
            "ARCHITECTURE_UNSUPPORTED",
            subject,
            f"architecture {shown} is neither registered by vLLM {vllm_version()} nor built into "
            f"transformers {transformers_version()} (whose classes vLLM loads through its Transformers "
            "backend), and no auto_map maps it to custom code: vLLM and SGLang cannot load it",
        )
    ]


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
