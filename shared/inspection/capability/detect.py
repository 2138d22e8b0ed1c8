"""Exactly one capability from the artifacts, or a finding that says why not.

Signals, strongest first:
- a vision tower (`vision_config`, or a vision-language family) on a generator: IMAGE_TEXT_TO_TEXT;
- sentence-transformers files (`modules.json`, `config_sentence_transformers.json`): EMBEDDING,
  or RERANK when they describe a CrossEncoder; these win over the architecture because
  embedding models such as gte-Qwen2 or Qwen3-Embedding are saved as `*ForCausalLM`;
- a classification head: RERANK when it has one label (a cross-encoder scores a pair), none
  of the four capabilities otherwise;
- for an architecture the family table does not know, the kinds vLLM registers it as
  (capability/vllm_registry.py): text generation, multimodal, embedding, cross-encoder;
- the architecture's suffix: `*ForCausalLM`/`*LMHeadModel`/`*ForConditionalGeneration` generate
  (TEXT_TO_TEXT), a bare `*Model` or `*ForTextEncoding` embeds (EMBEDDING).

Each rule yields the *strong* candidates (what the artifacts say) and the *compatible* ones
(what the weights could also serve: a vision-language model serves text; a causal LM backs an
embedding or reranking model only with sentence-transformers files or a classification head,
never on a declaration alone, OCI page "imported models": one capability the model supports). A declared
capability breaks a tie among strong candidates or picks a compatible one; a declared
capability outside the compatible set is a mismatch, never a silent override.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.contract.manifest import Capability
from shared.findings import Finding, finding
from shared.inspection.capability.families import family_for_architecture, family_for_model_type
from shared.inspection.capability.vllm_registry import (
    KIND_CAPABILITY,
    describe_kinds,
    vllm_kinds,
    vllm_version,
)

GENERATOR_SUFFIXES = ("ForCausalLM", "LMHeadModel", "ForConditionalGeneration")
EMBEDDING_SUFFIXES = ("ForTextEncoding", "EmbeddingModel", "Model")
CLASSIFIER_SUFFIXES = ("ForSequenceClassification",)
_T, _I, _E, _R = (
    Capability.TEXT_TO_TEXT,
    Capability.IMAGE_TEXT_TO_TEXT,
    Capability.EMBEDDING,
    Capability.RERANK,
)


@dataclass(frozen=True)
class Signals:
    """What the artifacts say about the model's purpose."""

    architectures: tuple[str, ...] = ()
    model_type: str | None = None
    has_vision: bool = False
    sentence_transformers: bool = False
    cross_encoder: bool = False
    num_labels: int | None = None


@dataclass(frozen=True)
class Detection:
    capability: Capability | None
    strong: frozenset[Capability]
    compatible: frozenset[Capability]
    reason: str
    findings: list[Finding] = field(default_factory=list)


def candidates(s: Signals) -> tuple[set[Capability], set[Capability], str]:
    """(strong, compatible, reason) for the given signals."""
    arch = s.architectures[0] if s.architectures else ""
    family = family_for_architecture(arch) or family_for_model_type(s.model_type)
    vision = s.has_vision or bool(family and family.vision)
    if s.cross_encoder:
        return {_R}, {_R}, "sentence-transformers CrossEncoder files"
    if arch.endswith(CLASSIFIER_SUFFIXES):
        labels = s.num_labels if s.num_labels is not None else 2
        if labels == 1:
            return {_R}, {_R}, f"{arch} with one label (a cross-encoder scores query-document pairs)"
        return set(), set(), f"{arch} with {labels} labels is a classifier, not a reranker"
    if s.sentence_transformers:
        strong = {_E}
        if vision and arch.endswith(GENERATOR_SUFFIXES):
            strong.add(_I)  # a multimodal embedder and a VLM look alike: let the declaration decide
        return strong, {_E, _R} | strong, "sentence-transformers files (modules.json)"
    kinds = vllm_kinds(arch) if arch and family is None else ()
    if kinds:
        return _from_vllm_kinds(arch, kinds, vision)
    if arch.endswith(GENERATOR_SUFFIXES) and not (family and family.encoder):
        # Without sentence-transformers files or a classification head, a generator's weights
        # give neither embeddings (no pooling is defined) nor relevance scores (no score head).
        if vision:
            return {_I}, {_I, _T}, f"{arch} with a vision tower"
        return {_T}, {_T}, f"{arch} generates text"
    if arch.endswith(EMBEDDING_SUFFIXES):
        return {_E}, {_E}, f"{arch} is a bare encoder/decoder without a head (embeddings)"
    if arch.endswith("ForMaskedLM"):
        return set(), {_E}, f"{arch} is a masked-LM checkpoint"
    if not arch and s.model_type and family:
        # No `architectures`: fall back to what the family usually ships as.
        if vision:
            return {_I}, {_I, _T}, f"model_type {s.model_type} (vision-language family)"
        if family.encoder:
            return {_E}, {_E}, f"model_type {s.model_type} (encoder family)"
        return {_T}, {_T}, f"model_type {s.model_type} (decoder family)"
    return set(), set(), f"{arch or 'no architecture'} gives no capability"


def _from_vllm_kinds(
    arch: str, kinds: tuple[str, ...], vision: bool
) -> tuple[set[Capability], set[Capability], str]:
    """An architecture the family table does not know, by the kinds vLLM registers it as:
    text generation -> TEXT_TO_TEXT, multimodal -> IMAGE_TEXT_TO_TEXT, embedding -> EMBEDDING,
    cross-encoder -> RERANK. Several kinds make the others compatible, so a declaration picks
    among them; a causal LM's pooling registrations (vLLM's automatic conversion) are not counted,
    as for every `*ForCausalLM` (sentence-transformers files or a classification head, taken by
    the rules above, are what make one an embedder or a reranker)."""
    caps = {KIND_CAPABILITY[k] for k in kinds if k in KIND_CAPABILITY}
    if arch.endswith(GENERATOR_SUFFIXES) and caps & {_T, _I}:
        caps -= {_E, _R}
    if vision and _T in caps:
        caps = (caps - {_T}) | {_I}
    reason = f"{arch}: vLLM {vllm_version()} registers it as a {describe_kinds(kinds)} model"
    if _I in caps:
        return {_I}, caps | {_T}, reason
    if _T in caps:
        return {_T}, caps, reason
    return caps, set(caps), reason


def detect(signals: Signals, declared: Capability | None, subject: str = "config.json") -> Detection:
    strong, compatible, reason = candidates(signals)
    names = ", ".join(sorted(c.value for c in strong))
    if declared is not None:
        if declared in strong or declared in compatible:
            return Detection(
                declared,
                frozenset(strong),
                frozenset(compatible),
                f"declared {declared.value}; artifacts: {reason}",
            )
        detected = f" (the artifacts say {names})" if strong else ""
        return Detection(
            None,
            frozenset(strong),
            frozenset(compatible),
            reason,
            [
                finding(
                    "CAPABILITY_MISMATCH",
                    "capability",
                    f"declared {declared.value} but the artifacts cannot serve it: {reason}{detected}",
                    _way_out(declared, strong),
                )
            ],
        )
    if len(strong) == 1:
        (only,) = strong
        return Detection(only, frozenset(strong), frozenset(compatible), reason)
    if len(strong) > 1:
        return Detection(
            None,
            frozenset(strong),
            frozenset(compatible),
            reason,
            [
                finding(
                    "CAPABILITY_AMBIGUOUS",
                    subject,
                    f"the artifacts fit {names}: {reason}",
                    f"Declare `capability` as one of {names}.",
                )
            ],
        )
    return Detection(
        None,
        frozenset(),
        frozenset(compatible),
        reason,
        [finding("CAPABILITY_UNDETECTED", subject, f"no capability could be inferred: {reason}")],
    )


def _way_out(declared: Capability, strong: set[Capability]) -> str | None:
    """How to turn the artifacts into what was declared (None: the catalogue's remedy)."""
    generator = bool(strong & {_T, _I})
    if declared is _R and generator:
        return (
            "Convert the model to sequence classification with one label (e.g. "
            "Qwen3ForSequenceClassification with score.weight [1, hidden], as vLLM's Qwen3-Reranker "
            f"conversion does), or declare {' or '.join(sorted(c.value for c in strong))}."
        )
    if declared is _E and generator:
        return (
            "Save the model with a sentence-transformers layout (modules.json and a Pooling module) or "
            f"import an embedding model, or declare {' or '.join(sorted(c.value for c in strong))}."
        )
    return None
