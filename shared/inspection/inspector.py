"""`inspect_artifacts`: every check, capability, size, memory, shape and cost for one source.

Cheapest first: the listing, names, config.json, weights and index, then the safetensors
headers (concurrent, bounded), tokenizer files, capability, sizing and the shape. Nothing
here raises on bad input; every problem is a finding in the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.contract.manifest import Capability
from shared.findings import Finding, finding, has_errors
from shared.inspection import checks
from shared.inspection.capability import Signals, detect
from shared.inspection.config import MAX_CONFIG_BYTES, MAX_METADATA_BYTES, read_json
from shared.inspection.listed_models import Listing, identify
from shared.inspection.report import InspectionReport, ListingReport, MemoryBreakdown
from shared.inspection.safetensors import FP8_DTYPES, HeaderResult, TensorTable, read_headers
from shared.inspection.shape_policy import choose_shape, prefer_published, usable_gib
from shared.inspection.sizing import (
    HOPPER_QUANT,
    MemoryNeed,
    architectures,
    estimate_parameters,
    estimate_weight_bytes,
    has_vision,
    memory_need,
    quantization,
    round_gib,
    text_dims,
)
from shared.inspection.sources.base import ArtifactSource, FileEntry, SourceError
from shared.shapes import get_shape

MAX_TOKENIZER_BYTES = 48 * 1024 * 1024  # Gemma 3's tokenizer.json is ~33 MB; scanned, never json-loaded
# The largest real index: moonshotai/Kimi-K2-Instruct-0905, 13.5 MB (384 experts a layer, 62 shards),
# which made huggingface.js raise its index cap from 10 MB to 20 MB (huggingface/huggingface.js
# PR #1790). The same 20 MB here: every real index passes, and parsing one stays far inside the
# function's 256 MB (bench/memory.py measures a 19 MB index).
MAX_INDEX_BYTES = 20_000_000
ST_FILES = ("modules.json", "config_sentence_transformers.json")
SENTENCEPIECE_FILES = ("tokenizer.model", "spiece.model", "sentencepiece.bpe.model")


@dataclass(frozen=True)
class SizingPolicy:
    """What the deployment allows and how to size: price per AI unit, usable shapes, serving load."""

    price_per_ai_unit: float | None = None
    allowed_shapes: tuple[str, ...] = ()
    context_tokens: int | None = None
    concurrency: int | None = None


@dataclass
class _State:
    findings: list[Finding] = field(default_factory=list)


def inspect_artifacts(
    src: ArtifactSource,
    declared: Capability | None = None,
    unit_shape: str | None = None,
    policy: SizingPolicy | None = None,
) -> InspectionReport:
    policy = policy or SizingPolicy()
    report = InspectionReport(source=src.description, ok=False)
    state = _State()
    try:
        listing = src.list_files()
    except SourceError as exc:
        report.findings = [finding(exc.code, exc.subject, exc.message, exc.hint)]
        return report
    entries, name_findings = checks.check_names(listing)
    state.findings += name_findings
    by_name = {e.name: e for e in entries}
    layout = checks.check_layout(entries)
    state.findings += layout.findings

    config = _read_config(src, by_name, state)
    if any(f.code in _SOURCE_CODES for f in state.findings):
        # A refused token or an unreachable store fails every later read the same way.
        report.findings = _collapse(state.findings)
        return report
    files = checks.weight_files(entries)
    state.findings += _unless_explained(
        checks.check_weights(files), layout, "WEIGHTS_MISSING", "WEIGHTS_PICKLE_ONLY"
    )
    if config is not None:
        state.findings += checks.check_quantization(config)
    index_doc = _read_small(src, files.index, MAX_INDEX_BYTES, state, not_json_code="INDEX_INVALID")
    index = checks.check_index(files, index_doc)
    del index_doc  # up to ~4x its 20 MB as Python objects: not held while the headers are read
    state.findings += index.findings

    shard_entries = [by_name[n] for n in index.shards if n in by_name]
    headers = read_headers(src, shard_entries, index.tensor_names)
    state.findings += _header_findings(headers)
    state.findings += _unless_explained(checks.check_tokenizer(entries), layout, "TOKENIZER_MISSING")

    tokenizer_config = _read_small(src, by_name.get("tokenizer_config.json"), MAX_METADATA_BYTES, state, None)
    st_config = _read_small(
        src, by_name.get("config_sentence_transformers.json"), MAX_CONFIG_BYTES, state, None
    )

    capability = _capability(config, by_name, st_config, declared, report, state)
    if capability is not None and capability.is_chat:
        templates = _read_texts(src, by_name, checks.tokenizer.CHAT_TEMPLATE_FILES)
        state.findings += checks.check_chat_template(entries, tokenizer_config, templates)

    counted = set(index.counted) if index.counted is not None else {e.name for e in shard_entries}
    model_headers = [h for h in headers if h.entry.name in counted] if index.complete else []
    if not layout.is_model:
        # An adapter or a folder without config.json is not a model: no count, no shape.
        report.findings = _collapse(state.findings)
        return report
    if config is not None:
        generates = capability is not Capability.EMBEDDING
        _weights_against_config(src, config, model_headers, by_name, tokenizer_config, generates, state)
    need = _size(config, model_headers, capability, policy, report, state)
    listed = _listing(config, report, state)
    if need is not None:
        _shape(need, config, capability, unit_shape, policy, report, state, listed)
    report.findings = _collapse(state.findings)
    report.ok = not has_errors(report.findings)
    return report


def _collapse(findings: list[Finding]) -> list[Finding]:
    """One finding per source-level failure: a refused token fails every read the same way."""
    out: list[Finding] = []
    seen: dict[tuple[str, str], int] = {}
    repeats: dict[int, int] = {}
    for f in findings:
        key = (f.code, f.message if f.code not in _SOURCE_CODES else f.code)
        if f.code in _SOURCE_CODES and key in seen:
            repeats[seen[key]] = repeats.get(seen[key], 0) + 1
            continue
        seen[key] = len(out)
        out.append(f)
    for i, n in repeats.items():
        out[i] = out[i].model_copy(update={"subject": f"{out[i].subject} (and {n} more files)"})
    return out


_SOURCE_CODES = frozenset({"SOURCE_UNREADABLE", "HF_ACCESS_DENIED", "HF_REPO_NOT_FOUND"})


# --- reading ------------------------------------------------------------------------------


def _unless_explained(found: list[Finding], layout: checks.LayoutCheck, *codes: str) -> list[Finding]:
    """A foreign layout (adapter, Mistral-native, GGUF, a sub-folder) already says why the top of
    the folder holds no model weights or tokenizer; repeating it as missing would mislead."""
    return [f for f in found if not (layout.explains_missing and f.code in codes)]


def _read_texts(src: ArtifactSource, by_name: dict[str, FileEntry], names: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in names:
        entry = by_name.get(name)
        if entry is None or entry.size > MAX_METADATA_BYTES:
            continue
        try:
            out[name] = src.read_range(name, 0, MAX_METADATA_BYTES).decode("utf-8", "replace")
        except SourceError:
            continue  # unreadable here means unreadable for the runtime too: has_chat_template decides
    return out


def _weights_against_config(
    src: ArtifactSource,
    config: dict[str, Any],
    headers: list[HeaderResult],
    by_name: dict[str, FileEntry],
    tokenizer_config: dict[str, Any] | None,
    generates: bool,
    state: _State,
) -> None:
    """Tensors and token ids against config.json, from the headers already read (all of them)."""
    if not headers or any(h.header is None for h in headers):
        return
    tables = [h.header.by_name for h in headers if h.header is not None]
    # one compact table of every tensor (about 8 bytes a tensor beyond its name), never a dict
    tensors = TensorTable.merge(
        [t if isinstance(t, TensorTable) else TensorTable.build(sorted(t.items())) for t in tables]
    )
    parameters = sum(h.header.parameters for h in headers if h.header is not None)
    state.findings += checks.check_tensors(config, tensors, parameters, generates)
    embedding = _embedding(tensors)
    if embedding is None:
        return
    name, rows = embedding
    found = [checks.ids_from_tokenizer_config(tokenizer_config)]
    # The tokenizer the engine builds: tokenizer.json (fast); without it, the SentencePiece model
    # transformers converts (its ids are piece positions; XLM-R/T5 offsets only add to them); a
    # tekken.json alone is Mistral's own tokenizer. tekken.json beside a Hugging Face tokenizer is
    # read only in Mistral's tokenizer mode: a warning of its own.
    hf_tokenizer = by_name.get("tokenizer.json")
    sentencepiece = next((by_name[n] for n in SENTENCEPIECE_FILES if n in by_name), None)
    tekken = _read_head(src, by_name.get("tekken.json"), checks.TEKKEN_HEAD_BYTES, state, whole=False)
    if hf_tokenizer is not None:
        raw = _read_head(src, hf_tokenizer, MAX_TOKENIZER_BYTES, state)
        found.append(checks.ids_from_tokenizer_json(raw) if raw is not None else None)
    elif sentencepiece is not None:
        raw = _read_head(src, sentencepiece, MAX_TOKENIZER_BYTES, state)
        found.append(checks.ids_from_sentencepiece(raw, sentencepiece.name) if raw is not None else None)
    state.findings += checks.check_token_ids(found, rows, name)
    tekken_ids = checks.ids_from_tekken(tekken) if tekken is not None else None
    if hf_tokenizer is None and sentencepiece is None:
        state.findings += checks.check_token_ids([tekken_ids], rows, name)
    else:
        state.findings += checks.check_tekken_ids(tekken_ids, rows, name)


def _read_head(
    src: ArtifactSource, entry: FileEntry | None, cap: int, state: _State, whole: bool = True
) -> bytes | None:
    """The file (`whole`: not read at all when larger than `cap`), or its first `cap` bytes."""
    if entry is None or (whole and entry.size > cap):
        return None
    try:
        return src.read_range(entry.name, 0, min(cap, entry.size))
    except SourceError as exc:
        state.findings.append(finding(exc.code, exc.subject, exc.message, exc.hint))
        return None


def _embedding(tensors: Mapping[str, tuple[str, tuple[int, ...]]]) -> tuple[str, int] | None:
    """The language model's input embedding and its rows, as the headers give them."""
    names = [
        n
        for n in tensors
        if n.endswith(("embed_tokens.weight", "word_embeddings.weight", "wte.weight"))
        and not any(v in n for v in ("vision", "visual", "image"))
    ]
    if not names:
        return None
    name = min(names, key=len)
    shape = tensors[name][1]
    return (name, shape[0]) if len(shape) == 2 else None


def _read_config(src: ArtifactSource, by_name: dict[str, FileEntry], state: _State) -> dict[str, Any] | None:
    entry = by_name.get("config.json")
    if entry is None:
        state.findings.append(
            finding("CONFIG_MISSING", "config.json", "no config.json at the top of the model folder")
        )
        return None
    result = read_json(src, entry, MAX_CONFIG_BYTES, "CONFIG_NOT_JSON", "CONFIG_TOO_LARGE")
    state.findings += result.findings
    if result.doc is not None:
        state.findings += checks.check_config(result.doc)
    return result.doc


def _read_small(
    src: ArtifactSource, entry: FileEntry | None, cap: int, state: _State, not_json_code: str | None
) -> dict[str, Any] | None:
    """Read an optional JSON file; `not_json_code=None` means a malformed file is not a finding of
    its own (what it should hold, e.g. the chat template, is checked where it matters)."""
    if entry is None:
        return None
    result = read_json(src, entry, cap, not_json_code or "CONFIG_NOT_JSON", "FILE_TOO_LARGE")
    state.findings += [f for f in result.findings if not_json_code is not None or f.code != "CONFIG_NOT_JSON"]
    return result.doc


def _header_findings(headers: list[HeaderResult]) -> list[Finding]:
    out: list[Finding] = []
    for h in headers:
        if h.error:
            out.append(finding(h.error_code, h.entry.name, f"{h.entry.name}: {h.error}"))
        elif h.source_error:
            e = h.source_error
            out.append(finding(e.code, h.entry.name, e.message, e.hint))
    return out


# --- capability ---------------------------------------------------------------------------


def _capability(
    config: dict[str, Any] | None,
    by_name: dict[str, FileEntry],
    st_config: dict[str, Any] | None,
    declared: Capability | None,
    report: InspectionReport,
    state: _State,
) -> Capability | None:
    archs = architectures(config) if config else []
    model_type = config.get("model_type") if config and isinstance(config.get("model_type"), str) else None
    report.architecture = archs[0][:200] if archs else None
    report.model_type = model_type[:200] if model_type else None
    if config is None:
        if declared is not None:
            report.capability_reason = "declared; no readable config.json to check it against"
            return declared  # the missing config is already an error; keep the declaration for sizing
        return None
    labels = config.get("num_labels")
    id2label = config.get("id2label")
    num_labels = (
        labels
        if isinstance(labels, int) and not isinstance(labels, bool)
        else (len(id2label) if isinstance(id2label, dict) else None)
    )
    st_type = st_config.get("model_type") if st_config else None
    signals = Signals(
        architectures=tuple(archs),
        model_type=model_type,
        has_vision=has_vision(config),
        sentence_transformers=any(n in by_name for n in ST_FILES),
        cross_encoder=isinstance(st_type, str) and "crossencoder" in st_type.lower(),
        num_labels=num_labels,
    )
    detection = detect(signals, declared)
    state.findings += detection.findings
    report.capability = detection.capability
    report.capability_reason = detection.reason
    return detection.capability


# --- sizing -------------------------------------------------------------------------------


def _size(
    config: dict[str, Any] | None,
    headers: list[HeaderResult],
    capability: Capability | None,
    policy: SizingPolicy,
    report: InspectionReport,
    state: _State,
) -> MemoryNeed | None:
    dims = text_dims(config) if config else None
    serving_bytes: int | None = None
    complete = bool(headers) and all(h.header is not None for h in headers)
    if complete:
        parsed = [h.header for h in headers if h.header is not None]
        report.parameters = sum(h.parameters for h in parsed)
        report.parameters_source = "safetensors"
        report.weights_bytes = sum(h.data_bytes for h in parsed)
        serving_bytes = sum(h.serving_bytes for h in parsed)
        if any(d in FP8_DTYPES for h in parsed for d in h.params_by_dtype):
            report.quantization, report.needs_hopper = "fp8", True
    elif config is not None:
        estimate = estimate_parameters(config)
        if estimate is not None:
            report.parameters = estimate.total
            report.parameters_source = "config"
            report.weights_bytes = estimate_weight_bytes(estimate, config, serving=False)
            serving_bytes = estimate_weight_bytes(estimate, config, serving=True)
            state.findings.append(
                finding(
                    "PARAMETERS_ESTIMATED",
                    "config.json",
                    f"parameters ({estimate.total:,}) and memory are estimated from config.json: "
                    "the safetensors headers are missing, unreadable or incomplete",
                )
            )
    if config is not None:
        q = quantization(config)
        if q.method is not None and report.quantization is None:
            report.quantization = q.method
        report.needs_hopper = report.needs_hopper or q.needs_hopper or (q.method in HOPPER_QUANT)
    if serving_bytes is None:
        return None
    uses_kv = capability is None or capability.is_chat
    need = memory_need(serving_bytes, dims, uses_kv, policy.context_tokens, policy.concurrency)
    report.memory_gib = round_gib(need.total_gib)
    report.memory = MemoryBreakdown(
        weights_gib=round_gib(need.weights_gib),
        kv_cache_gib=round_gib(need.kv_cache_gib),
        overhead_gib=round_gib(need.overhead_gib),
        total_gib=report.memory_gib,
    )
    report.context_tokens = need.context_tokens
    report.concurrency = need.concurrency
    return need


def _listing(config: dict[str, Any] | None, report: InspectionReport, state: _State) -> Listing | None:
    """Say which model OCI lists this is; an unlisted model or a broken fine-tune rule is a warning."""
    listing = identify(config, report.parameters)
    if listing is None:
        return None
    report.listing = ListingReport(
        status=listing.status,
        hf_id=listing.model.hf_id if listing.model else None,
        page=listing.page,
        reason=listing.reason,
    )
    if listing.status == "unlisted":
        state.findings.append(finding("MODEL_UNLISTED", "config.json: architectures", listing.reason))
    for broken in listing.broken_rules:
        state.findings.append(finding("LISTED_FINETUNE_RULE", "config.json", f"{listing.reason}; {broken}"))
    return listing


def _shape(
    need: MemoryNeed,
    config: dict[str, Any] | None,
    capability: Capability | None,
    unit_shape: str | None,
    policy: SizingPolicy,
    report: InspectionReport,
    state: _State,
    listing: Listing | None = None,
) -> None:
    dims = text_dims(config) if config else None
    heads = dims.heads if dims else None
    choice = choose_shape(need.total_gib, capability, report.needs_hopper, heads, policy.allowed_shapes)
    if listing is not None and listing.status == "listed" and listing.model is not None:
        choice = prefer_published(
            choice,
            listing.model.shapes,
            listing.model.hf_id,
            need.total_gib,
            report.needs_hopper,
            heads,
            policy.allowed_shapes,
        )
    report.recommended_shape = choice.recommended.name if choice.recommended else None
    report.runner_up_shape = choice.runner_up.name if choice.runner_up else None
    report.shape_reason = choice.reason
    if choice.recommended is None and unit_shape is None:
        state.findings.append(finding("MODEL_TOO_LARGE", "unit_shape", choice.reason))
    chosen = choice.recommended
    if unit_shape is not None:
        chosen = _check_requested(unit_shape, need, report.needs_hopper, policy, state)
        if chosen is not None:
            report.shape_reason = f"requested {chosen.name}; recommended: {choice.reason}"
    if chosen is None:
        return
    report.unit_shape = chosen.name
    report.ai_units = chosen.ai_units
    if policy.price_per_ai_unit is None:
        report.cost_note = (
            "no price per AI unit is configured, so no cost is shown; the hosting cluster "
            "is billed for at least one hour once created"
        )
        state.findings.append(finding("PRICE_UNSET", "price_per_ai_unit"))
        return
    report.price_per_ai_unit = policy.price_per_ai_unit
    report.cost_per_hour = round(chosen.ai_units * policy.price_per_ai_unit, 4)
    report.minimum_commitment_cost = round(report.cost_per_hour * report.minimum_commitment_hours, 4)
    report.cost_note = (
        f"{chosen.ai_units} AI units x {policy.price_per_ai_unit} per AI unit-hour; the hosting "
        f"cluster commits to at least {report.minimum_commitment_hours} hour once created"
    )


def _check_requested(
    name: str, need: MemoryNeed, needs_hopper: bool, policy: SizingPolicy, state: _State
) -> Any:
    shape = get_shape(name)
    if shape is None:
        state.findings.append(
            finding("SHAPE_UNKNOWN", "unit_shape", f"unit shape {name[:40]!r} is not in the table")
        )
        return None
    errors: list[Finding] = []
    if policy.allowed_shapes and name not in policy.allowed_shapes:
        errors.append(
            finding(
                "SHAPE_NOT_ALLOWED",
                "unit_shape",
                f"{name} is not among the allowed shapes ({', '.join(policy.allowed_shapes)})",
            )
        )
    if usable_gib(shape) < need.total_gib:
        errors.append(
            finding(
                "SHAPE_TOO_SMALL",
                "unit_shape",
                f"{name} offers {usable_gib(shape):.1f} GiB usable; the model needs {need.total_gib:.1f} GiB",
            )
        )
    if needs_hopper and not shape.is_hopper:
        errors.append(
            finding(
                "QUANTIZATION_NEEDS_HOPPER",
                "unit_shape",
                f"{name} has {shape.gpu_model} GPUs; these quantized weights need H100 or H200",
            )
        )
    state.findings += errors
    return shape
