"""The weights against config.json, from the safetensors headers already read.

What vLLM does at load time, predicted: every tensor the architecture needs must be there
with the shape the config implies (vLLM's weight loaders assert the shape; a missing
`lm_head.weight` with untied embeddings leaves the head uninitialised), tensor names of
another layout cannot be mapped at all, and the count of parameters must be the one the
config describes. The expected decoder tensors come from the family's module
(shared/inspection/expected/); this module finds the language model's prefix, the head and
the foreign names, and compares.

Packed quantized tensors (integer dtypes: GPTQ/AWQ `qweight`, bitsandbytes, compressed-tensors
`weight_packed`) are checked for presence only: their shapes are the packing's, not the config's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from shared.findings import Finding, finding
from shared.inspection.checks.quantization import PACKED_TENSORS, method_of
from shared.inspection.config import as_str_list
from shared.inspection.expected import Decoder, Expected, FamilyTensors, OneOf, Shape, Tensor, family_tensors
from shared.inspection.sizing import TextDims, estimate_parameters, has_vision, num_labels, text_dims

#: the header count may differ from the config estimate by this fraction before it is an error;
#: the estimate is within 3 % on the real configs in tests/fixtures/configs, and a different
#: model (or an adapter beside a base config) is off by far more
PARAMETER_TOLERANCE = 0.15
MAX_TENSOR_FINDINGS = 10
FLOAT_DTYPES = frozenset({"F16", "BF16", "F32", "F64", "F8_E4M3", "F8_E5M2"})
#: names a quantized checkpoint stores instead of `X.weight`
_QUANT_ALTERNATIVES = (".qweight", ".weight_packed")
_MXFP4_SUFFIXES = ("_blocks", "_scales")
_GENERATOR = ("ForCausalLM", "LMHeadModel", "ForConditionalGeneration")
_VISION = ("vision", "visual", "image", "multi_modal_projector", "mm_projector")

Tensors = Mapping[str, tuple[str, Shape]]


@dataclass(frozen=True)
class _Foreign:
    layout: str
    pattern: re.Pattern[str]
    remedy: str


FOREIGN = (
    _Foreign(
        "a PEFT (LoRA) adapter",
        re.compile(r"\.lora_(A|B|embedding_A|embedding_B)\b|^base_model\.model\."),
        "Merge the adapter into its base model (peft `merge_and_unload()`, then `save_pretrained()`).",
    ),
    _Foreign(
        "Mistral's native format",
        re.compile(r"(^|\.)layers\.\d+\.(attention\.w[qkvo]|feed_forward\.w[123])\.|^tok_embeddings\."),
        "Upload the Hugging Face-format weights, or convert with transformers' "
        "convert_mistral_weights_to_hf.py.",
    ),
    _Foreign(
        "optimum-quanto",
        re.compile(r"\._(data|scale)$"),
        "Import the unquantized model (or quantize with fp8/awq/gptq/compressed-tensors): "
        "vLLM and SGLang cannot load quanto tensors.",
    ),
)


def check_tensors(
    config: dict[str, Any], tensors: Tensors, header_parameters: int | None, generates: bool = True
) -> list[Finding]:
    """`generates`: the model is served as a generator (or a reranker built on one), so a causal
    LM needs its head; served as embeddings (sentence-transformers files) vLLM pools the hidden
    states and never loads `lm_head` (gte-Qwen2 ships none)."""
    foreign = _foreign(tensors)
    if foreign:
        return foreign  # another layout explains every other mismatch
    packed = _packed(config, tensors)
    if packed:
        return packed  # weights that are not what quantization_config says explain the rest
    dims = text_dims(config)
    if dims is None or not tensors:
        return []
    archs = as_str_list(config.get("architectures"))
    arch = archs[0] if archs else ""
    module = family_tensors(dims.family.name if dims.family else None)
    found: list[Finding] = []
    head: list[Expected] | None = None
    if module is not None:
        prefix = _text_prefix(tensors, module)
        p = prefix if prefix is not None else ("model." if isinstance(module, Decoder) else "")
        expected: list[Expected] = [_under(p, t) for t in module.top(dims)]
        for i in range(dims.layers):
            expected += [_under(p + module.layer_prefix(i), t) for t in module.layer(dims, i)]
        head = module.head(dims, arch, num_labels(config), p)
        found = _compare(expected + (head or []), tensors)
    if head is None:
        found += _head(config, dims, arch, tensors, module is not None and generates)
    if not any(f.severity == "error" for f in found):
        headless = not generates and not any(n.endswith("lm_head.weight") for n in tensors)
        found += _count(config, header_parameters, headless)
    return found


def _foreign(tensors: Tensors) -> list[Finding]:
    out = []
    for layout in FOREIGN:
        names = [n for n in tensors if layout.pattern.search(n)]
        if names:
            shown = ", ".join(n[:100] for n in names[:3])
            out.append(
                finding(
                    "WEIGHTS_FOREIGN_TENSOR",
                    names[0][:200],
                    f"{len(names)} tensors are named as in {layout.layout} ({shown}); "
                    "the engine cannot map them to the model",
                    layout.remedy,
                )
            )
    return out


def _packed(config: dict[str, Any], tensors: Tensors) -> list[Finding]:
    """A GPTQ/AWQ config needs its packed tensors: vLLM's GPTQ/AWQ linear methods create
    `qweight`, `qzeros` and `scales` for every quantized layer and have no parameter a plain
    `.weight` loads into (the model's `load_weights` fails on the first one). Only the absence of
    every `qweight` is refused: vLLM does not check that each parameter of a quantized model was
    loaded, so a missing `qzeros` is not a load failure."""
    method = method_of(config)
    parts = PACKED_TENSORS.get(method or "")
    if parts is None or not tensors:
        return []
    wanted = ", ".join(f"<layer>.{p}" for p in parts)
    if not any(n.endswith("." + parts[0]) for n in tensors):
        plain = next(
            (
                n
                for n, (_, shape) in tensors.items()
                if ".0." in n and n.endswith(".weight") and len(shape) == 2
            ),
            None,
        )
        found = f"; the weights hold plain float tensors such as {plain[:200]}" if plain else ""
        return [
            finding(
                "WEIGHTS_TENSOR_MISSING",
                f"*.{parts[0]}",
                f"quantization_config says {method}, but no tensor is quantized: vLLM's {method} loader "
                f"expects {wanted} for every quantized linear layer{found}",
                "Upload the quantized shards the config was written with, or remove quantization_config "
                "from config.json if the weights are not quantized.",
            )
        ]
    return []


def _text_prefix(tensors: Tensors, module: FamilyTensors) -> str | None:
    """The language model's prefix: where the family's anchor (`embed_tokens.weight`,
    `embeddings.word_embeddings.weight`) sits outside any vision tower, preferring one with layers."""
    candidates = [
        n[: -len(module.anchor)]
        for n in tensors
        if n.endswith(module.anchor)
        and (n == module.anchor or n[-len(module.anchor) - 1] == ".")
        and not any(v in n for v in _VISION)
    ]
    first = module.layer_prefix(0)
    with_layers = [c for c in candidates if any(n.startswith(c + first) for n in tensors)]
    best = with_layers or candidates
    return min(best, key=len) if best else None


def _under(prefix: str, item: Expected) -> Expected:
    if isinstance(item, OneOf):
        return OneOf(tuple(tuple((prefix + n, s) for n, s in option) for option in item.options))
    return prefix + item[0], item[1]


def _lookup(tensors: Tensors, name: str) -> tuple[str, tuple[str, Shape]] | None:
    if name in tensors:
        return name, tensors[name]
    if name.endswith(".weight"):
        for alt in _QUANT_ALTERNATIVES:
            other = name[: -len(".weight")] + alt
            if other in tensors:
                return other, tensors[other]
    return None


def _resolve(expected: Iterable[Expected], tensors: Tensors) -> Iterator[Tensor]:
    """Plain tensors as they are; of a `OneOf`, the complete option with the most tensors (so a
    carried optional tensor has its shape checked), else the option closest to complete."""
    for item in expected:
        if not isinstance(item, OneOf):
            yield item
            continue
        present = [sum(_lookup(tensors, n) is not None for n, _ in o) for o in item.options]
        complete = [i for i, o in enumerate(item.options) if present[i] == len(o)]
        if complete:
            pick = max(complete, key=lambda i: len(item.options[i]))
        else:
            pick = max(range(len(item.options)), key=lambda i: present[i])
        yield from item.options[pick]


def _shaped(name: str, dtype: str) -> bool:
    """Shapes that follow from the config: float weights, and MXFP4's U8 blocks and scales (their
    layout is the format's); other integer tensors are packings whose shapes vary."""
    return dtype in FLOAT_DTYPES or (dtype == "U8" and name.endswith(_MXFP4_SUFFIXES))


def _compare(expected: Iterable[Expected], tensors: Tensors) -> list[Finding]:
    missing: dict[str, list[str]] = {}
    wrong: dict[str, list[tuple[str, Shape, Shape]]] = {}
    for name, shape in _resolve(expected, tensors):
        hit = _lookup(tensors, name)
        if hit is None:
            missing.setdefault(_pattern(name), []).append(name)
            continue
        dtype, found = hit[1]
        if _shaped(hit[0], dtype) and tuple(found) != shape:
            wrong.setdefault(_pattern(name), []).append((hit[0], shape, tuple(found)))
    out: list[Finding] = []
    for names in list(missing.values())[:MAX_TENSOR_FINDINGS]:
        more = f" (and {len(names) - 1} more layers)" if len(names) > 1 else ""
        out.append(
            finding(
                "WEIGHTS_TENSOR_MISSING",
                names[0][:200],
                f"{names[0][:200]}{more} is not in the weights; config.json implies it",
            )
        )
    for cases in list(wrong.values())[:MAX_TENSOR_FINDINGS]:
        name, want, got = cases[0]
        more = f" (and {len(cases) - 1} more layers)" if len(cases) > 1 else ""
        out.append(
            finding(
                "WEIGHTS_SHAPE_MISMATCH",
                name[:200],
                f"{name[:200]}{more}: expected shape {_fmt(want)} from config.json, found {_fmt(got)}",
            )
        )
    return out


def _head(config: dict[str, Any], d: TextDims, arch: str, tensors: Tensors, known: bool) -> list[Finding]:
    if not known:
        return []
    heads = [n for n in tensors if n.endswith("lm_head.weight") and not any(v in n for v in _VISION)]
    if arch.endswith("ForSequenceClassification"):
        scores = [n for n in tensors if n.endswith("score.weight")]
        if not scores:
            return [finding("WEIGHTS_TENSOR_MISSING", "score.weight", f"{arch} needs score.weight")]
        return []
    if not arch.endswith(_GENERATOR):
        return []
    if d.tied:
        if heads:
            return [
                finding(
                    "LM_HEAD_UNUSED",
                    heads[0],
                    f"{heads[0]} is stored although tie_word_embeddings is true (the head is the embedding)",
                )
            ]
        return []
    if not heads:
        return [
            finding(
                "WEIGHTS_TENSOR_MISSING",
                "lm_head.weight",
                "lm_head.weight is not in the weights and tie_word_embeddings is false: the engine would "
                "serve an uninitialised output head",
            )
        ]
    dtype, shape = tensors[heads[0]]
    want = (d.vocab, d.hidden)
    if dtype in FLOAT_DTYPES and tuple(shape) != want:
        return [
            finding(
                "WEIGHTS_SHAPE_MISMATCH",
                heads[0],
                f"{heads[0]}: expected shape {_fmt(want)} from config.json, found {_fmt(tuple(shape))}",
            )
        ]
    return []


def _count(config: dict[str, Any], header_parameters: int | None, headless: bool) -> list[Finding]:
    """Headers against the config estimate, where the estimate covers the whole model (less the
    output head for an embedding model saved without it)."""
    if not header_parameters or method_of(config) is not None:
        return []  # packed quantized tensors count fewer elements than weights
    estimate = estimate_parameters(config)
    if estimate is None or estimate.total <= 0 or (has_vision(config) and estimate.vision == 0):
        return []
    if not estimate.layout_known:
        return []  # an approximation for a family the estimator does not model: never a refusal
    expected = estimate.total - (estimate.head if headless else 0)
    off = abs(header_parameters - expected) / max(expected, 1)
    if off <= PARAMETER_TOLERANCE:
        return []
    return [
        finding(
            "PARAMETERS_MISMATCH",
            "*.safetensors",
            f"the headers hold {header_parameters:,} parameters, config.json describes about "
            f"{expected:,} ({off:.0%} apart; tolerance {PARAMETER_TOLERANCE:.0%})",
        )
    ]


def _pattern(name: str) -> str:
    return re.sub(r"\.\d+\.", ".*.", name)


def _fmt(shape: Iterable[int]) -> str:
    return "[" + ", ".join(str(x) for x in shape) + "]"
