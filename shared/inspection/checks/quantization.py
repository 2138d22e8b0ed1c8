"""The `quant_method`s the OCI serving engines load, their real bytes per weight, and their GPUs.

An import runs on vLLM or SGLang (OCI's Open Model Engine picks one, docs imported-models.htm).
vLLM refuses a checkpoint whose `quantization_config.quant_method` is not in its registry
(`QUANTIZATION_METHODS`, vllm/model_executor/layers/quantization/__init__.py, v0.11.0), so a
method outside the table below is an error. OCI places FP8 checkpoints on Hopper
(../shared/reference/calibration-shapes-meta.csv: Llama-3.2-90B-Vision FP8-dynamic on H100_X4,
Llama-4-Maverick FP8 on H100_X8; calibration-shapes.csv: GLM-5.2-FP8 on H200_X8) and we treat
MXFP4 alike; that is a sizing rule (the shape is chosen among H100/H200), not a refusal, since
vLLM also runs some of these on Ampere with weight-only kernels.

`bytes_per_weight(config)` is what sizing multiplies quantized weights by: the stored bits per
weight plus the scales (and zero points) each group of weights carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.findings import Finding, finding
from shared.inspection.config import as_int

VLLM = "https://github.com/vllm-project/vllm/blob/v0.11.0/vllm/model_executor/layers/quantization"
SGLANG = "https://github.com/sgl-project/sglang/blob/main/python/sglang/srt/layers/quantization/__init__.py"
OCI_FP8 = "OCI recommends H100/H200 shapes for FP8 checkpoints (calibration-shapes-meta.csv)"


@dataclass(frozen=True)
class QuantMethod:
    name: str
    #: engines that load it, as their registries list it
    engines: str
    #: the GPU family OCI recommends: "hopper" (H100/H200) or "any" (A10, A100 too)
    gpu: str
    #: weight bits when the method fixes them; None: read them from the config
    bits: float | None
    source: str


def _m(name: str, engines: str, gpu: str, bits: float | None, source: str) -> QuantMethod:
    return QuantMethod(name, engines, gpu, bits, source)


_BOTH = "vLLM, SGLang"
# fmt: off
METHODS: dict[str, QuantMethod] = {m.name: m for m in (
    _m("fp8", _BOTH, "hopper", 8, f"{VLLM}/fp8.py; {SGLANG}; {OCI_FP8}"),
    _m("fbgemm_fp8", _BOTH, "hopper", 8, f"{VLLM}/fbgemm_fp8.py; {OCI_FP8}"),
    _m("ptpc_fp8", "vLLM", "hopper", 8, f"{VLLM}/ptpc_fp8.py; {OCI_FP8}"),
    _m("modelopt", _BOTH, "hopper", 8, f"{VLLM}/modelopt.py (ModelOpt FP8); {OCI_FP8}"),
    _m("modelopt_fp4", _BOTH, "hopper", 4.5, f"{VLLM}/modelopt.py (NVFP4: 4 bits + an FP8 scale per 16)"),
    _m("mxfp4", _BOTH, "hopper", 4.25, f"{VLLM}/mxfp4.py (4 bits + an E8M0 scale per 32); Hopper as FP8"),
    _m("compressed-tensors", _BOTH, "any", None, f"{VLLM}/compressed_tensors/; {SGLANG}"),
    _m("awq", _BOTH, "any", None, f"{VLLM}/awq.py; {SGLANG}"),
    _m("awq_marlin", _BOTH, "any", None, f"{VLLM}/awq_marlin.py"),
    _m("gptq", _BOTH, "any", None, f"{VLLM}/gptq.py; {SGLANG}"),
    _m("gptq_marlin", _BOTH, "any", None, f"{VLLM}/gptq_marlin.py"),
    _m("gptq_marlin_24", "vLLM", "any", None, f"{VLLM}/gptq_marlin_24.py"),
    _m("gptq_bitblas", "vLLM", "any", None, f"{VLLM}/gptq_bitblas.py"),
    _m("bitblas", "vLLM", "any", None, f"{VLLM}/bitblas.py"),
    _m("bitsandbytes", _BOTH, "any", None, f"{VLLM}/bitsandbytes.py; {SGLANG}"),
    _m("auto-round", _BOTH, "any", None, f"{VLLM}/auto_round.py"),
    _m("moe_wna16", _BOTH, "any", None, f"{VLLM}/moe_wna16.py"),
    _m("experts_int8", "vLLM", "any", 8, f"{VLLM}/experts_int8.py"),
    _m("quark", "vLLM", "any", None, f"{VLLM}/quark/"),
    _m("torchao", _BOTH, "any", None, f"{VLLM}/torchao.py"),
    _m("deepspeedfp", "vLLM", "any", None, f"{VLLM}/deepspeedfp.py"),
    _m("fp_quant", "vLLM", "hopper", 4.25, f"{VLLM}/fp_quant.py"),
    _m("inc", "vLLM", "any", None, f"{VLLM}/inc.py"),
    _m("rtn", "vLLM", "any", None, f"{VLLM}/rtn.py"),
    # HQQ loads only as 4-bit weights in groups of 64 (HQQMarlinConfig asserts both).
    _m("hqq", "vLLM (4-bit, group 64 only)", "any", 4.5, f"{VLLM}/hqq_marlin.py"),
)}
# fmt: on
#: transformers quantizers no engine loads; named in the finding so the user knows it is not a typo
NOT_LOADED = ("quanto", "eetq", "higgs", "vptq", "spqr", "bitnet", "aqlm")


def quant_config(config: dict[str, Any]) -> dict[str, Any] | None:
    """`quantization_config` at the top or in the language-model section (VLMs nest it)."""
    for section in (config, config.get("text_config")):
        if isinstance(section, dict) and isinstance(section.get("quantization_config"), dict):
            qc: dict[str, Any] = section["quantization_config"]
            return qc
    return None


def method_of(config: dict[str, Any]) -> str | None:
    qc = quant_config(config)
    if qc is None:
        return None
    raw = qc.get("quant_method")
    if raw is None and (qc.get("load_in_4bit") or qc.get("load_in_8bit")):
        return "bitsandbytes"  # transformers' BitsAndBytesConfig before quant_method existed
    return raw.lower() if isinstance(raw, str) else "unknown"


#: GPTQ/AWQ-style methods: the bit widths vLLM's loaders accept (gptq.py: 2, 3, 4, 8; awq.py: 4,
#: awq_marlin.py TYPE_MAP: 4, 8, which vLLM picks for AWQ on the GPUs OCI offers) and the key
#: they read the width from (`get_from_keys(config, ["bits"])`, AWQ also `w_bit`), which must
#: be a JSON integer: `bits: "four"` fails `weight_bits not in [2, 3, 4, 8]`
GROUPED_BITS: dict[str, tuple[tuple[str, ...], frozenset[int]]] = {
    **dict.fromkeys(("gptq", "gptq_bitblas"), (("bits",), frozenset({2, 3, 4, 8}))),
    "gptq_marlin": (("bits",), frozenset({4, 8})),
    "awq": (("bits", "w_bit"), frozenset({4, 8})),
    "awq_marlin": (("bits",), frozenset({4, 8})),
}
#: tensors a GPTQ/AWQ checkpoint stores for each quantized linear layer (vLLM's GPTQLinearMethod
#: and AWQLinearMethod create exactly these parameters; a plain `.weight` has none to load into)
PACKED_TENSORS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("gptq", "gptq_marlin", "gptq_bitblas"), ("qweight", "qzeros", "scales")),
    **dict.fromkeys(("awq", "awq_marlin"), ("qweight", "qzeros", "scales")),
}


def check_quantization(config: dict[str, Any]) -> list[Finding]:
    method = method_of(config)
    if method in GROUPED_BITS:
        return _check_bits(method, quant_config(config) or {})
    if method is None or (method in METHODS and method != "hqq"):
        return []
    if method == "hqq":
        bits, group = _hqq_params(quant_config(config) or {})
        if (bits, group) == (4, 64):
            return []
        why = f"{_hqq_setting(bits, group)}: vLLM loads only 4-bit, group 64"
    elif method in NOT_LOADED:
        why = f"quant_method {method!r} is loaded by transformers only; vLLM and SGLang have no loader for it"
    else:
        why = f"quant_method {method[:60]!r} is not one vLLM or SGLang loads"
    return [
        finding(
            "QUANTIZATION_UNSUPPORTED",
            "config.json: quantization_config.quant_method",
            f"{why} (loaded: {', '.join(sorted(m for m in METHODS if m != 'hqq'))})",
        )
    ]


def _check_bits(method: str, qc: dict[str, Any]) -> list[Finding]:
    """The bit width (and group size) of a GPTQ/AWQ config as vLLM's `from_config` reads them."""
    keys, allowed = GROUPED_BITS[method]
    key = next((k for k in keys if k in qc), None)
    widths = ", ".join(str(b) for b in sorted(allowed))
    subject = f"config.json: quantization_config.{key or keys[0]}"
    out: list[Finding] = []
    if key is None:
        out.append(
            finding(
                "CONFIG_INVALID",
                subject,
                f"quantization_config ({method}) has no `{keys[0]}`: vLLM's {method} loader reads the bit "
                f"width from it and fails without it",
            )
        )
    elif as_int(qc[key]) is None or not isinstance(qc[key], int):
        value = qc[key]
        out.append(
            finding(
                "CONFIG_INVALID",
                subject,
                f"quantization_config.{key} is {str(value)[:40]!r} (a {type(value).__name__}); vLLM's "
                f"{method} loader needs an integer bit width ({widths})",
            )
        )
    elif qc[key] not in allowed:
        out.append(
            finding(
                "QUANTIZATION_UNSUPPORTED",
                subject,
                f"{method} with {qc[key]} bits: vLLM loads {method} with {widths} bits only",
            )
        )
    group = qc.get("q_group_size", qc.get("group_size"))
    if group is not None and (isinstance(group, bool) or not isinstance(group, int)):
        name = "q_group_size" if "q_group_size" in qc else "group_size"
        out.append(
            finding(
                "CONFIG_INVALID",
                f"config.json: quantization_config.{name}",
                f"quantization_config.{name} is {str(group)[:40]!r} (a {type(group).__name__}); vLLM's "
                f"{method} loader needs an integer group size (-1 for per-channel)",
            )
        )
    return out


def needs_hopper(config: dict[str, Any]) -> bool:
    """OCI's recommendation puts the method on H100/H200 (a sizing rule, not a refusal)."""
    method = method_of(config)
    if method == "compressed-tensors":
        return _compressed_weights(quant_config(config) or {})[0] == "float"
    return method in METHODS and METHODS[method].gpu == "hopper"


def bytes_per_weight(config: dict[str, Any]) -> float | None:
    """Bytes a quantized linear weight takes in memory, scales and zero points included.

    None when the config declares no quantization (the dtype decides then). Group-quantized
    4-bit weights carry a 16-bit scale and a packed zero point per group: (bits + 16/g + bits/g)/8.
    """
    method = method_of(config)
    qc = quant_config(config)
    if method is None or qc is None:
        return None
    row = METHODS.get(method)
    if row is not None and row.bits is not None:
        return row.bits / 8
    if method == "bitsandbytes":
        # NF4 with double quantisation: 4 bits + about 0.127 bits of absmax per weight (QLoRA paper)
        return (4.127 if qc.get("load_in_4bit") or qc.get("bnb_4bit_quant_type") else 8) / 8
    if method == "compressed-tensors":
        kind, bits, group = _compressed_weights(qc)
        if kind == "float":
            return 1.0
        return _grouped(bits or 8, group)
    bits = as_int(qc.get("bits")) or as_int(qc.get("w_bit")) or as_int(qc.get("weight_bits")) or 4
    group = as_int(qc.get("group_size")) or as_int(qc.get("q_group_size"))
    return _grouped(max(1, min(bits, 16)), group)


def _grouped(bits: int, group: int | None) -> float:
    if group is None or group <= 0:  # per-channel (or -1): the scales are negligible
        return bits / 8
    return (bits + 16 / group + bits / group) / 8


def _compressed_weights(qc: dict[str, Any]) -> tuple[str | None, int | None, int | None]:
    """(type, num_bits, group_size) of the first weight scheme in a compressed-tensors config."""
    groups = qc.get("config_groups")
    if isinstance(groups, dict):
        for group in groups.values():
            weights = group.get("weights") if isinstance(group, dict) else None
            if isinstance(weights, dict):
                kind = weights.get("type")
                return (
                    kind if isinstance(kind, str) else None,
                    as_int(weights.get("num_bits")),
                    as_int(weights.get("group_size")),
                )
    return None, None, None


def _hqq_setting(bits: int | None, group: int | None) -> str:
    """What the HQQ config says, naming the fields that could not be read. vLLM's
    HQQMarlinConfig.from_config reads `quant_config.weight_quant_params.nbits` and `.group_size`
    (hqq_marlin.py) and fails without them."""
    where = "quantization_config.quant_config.weight_quant_params"
    if bits is None and group is None:
        return f"HQQ whose bit width and group size could not be read (no `nbits`/`group_size` in {where})"
    if bits is None:
        return f"HQQ in groups of {group} whose bit width could not be read (no `nbits` in {where})"
    if group is None:
        return f"HQQ with {bits} bits whose group size could not be read (no `group_size` in {where})"
    return f"HQQ with {bits} bits in groups of {group}"


def _hqq_params(qc: dict[str, Any]) -> tuple[int | None, int | None]:
    inner = qc.get("quant_config")
    params = inner.get("weight_quant_params") if isinstance(inner, dict) else None
    for source in (params, qc):
        if isinstance(source, dict) and as_int(source.get("nbits")) is not None:
            return as_int(source.get("nbits")), as_int(source.get("group_size"))
    return None, None
