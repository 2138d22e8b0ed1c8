"""Exactly one capability from the artifacts; a declaration breaks ties and is checked."""

from __future__ import annotations

import pytest

from shared.contract.manifest import Capability
from shared.inspection.capability import Signals, detect

T, V, E, R = Capability.TEXT_TO_TEXT, Capability.IMAGE_TEXT_TO_TEXT, Capability.EMBEDDING, Capability.RERANK


@pytest.mark.parametrize(
    ("signals", "expected"),
    [
        (Signals(("LlamaForCausalLM",), "llama"), T),
        (Signals(("Gemma3ForConditionalGeneration",), "gemma3", has_vision=True), V),
        (Signals(("Qwen2VLForConditionalGeneration",), "qwen2_vl", has_vision=True), V),
        (Signals(("MistralModel",), "mistral"), E),  # e5-mistral: a bare decoder, no LM head
        (Signals(("BertModel",), "bert"), E),
        (Signals(("Qwen2ForCausalLM",), "qwen2", sentence_transformers=True), E),  # gte-Qwen2 style
        (Signals(("XLMRobertaForSequenceClassification",), "xlm-roberta", num_labels=1), R),
        (Signals(("Qwen3ForCausalLM",), "qwen3", cross_encoder=True), R),
        (Signals((), "mistral"), T),  # no architectures: the family's usual head
    ],
)
def test_detected_without_declaration(signals: Signals, expected: Capability) -> None:
    result = detect(signals, None)
    assert result.capability is expected
    assert result.findings == []


def test_classifier_with_many_labels_is_not_a_reranker() -> None:
    result = detect(Signals(("BertForSequenceClassification",), "bert", num_labels=3), None)
    assert result.capability is None
    assert [f.code for f in result.findings] == ["CAPABILITY_UNDETECTED"]
    assert "3 labels" in result.findings[0].message


def test_causal_lm_declared_as_embedding_or_reranker_is_a_mismatch_with_the_way_out() -> None:
    # A bare *ForCausalLM has no pooling and no score head: the declaration cannot make one.
    rerank = detect(Signals(("Qwen3ForCausalLM",), "qwen3"), R)
    assert rerank.capability is None
    assert [f.code for f in rerank.findings] == ["CAPABILITY_MISMATCH"]
    assert "sequence classification" in rerank.findings[0].hint
    embed = detect(Signals(("LlamaForCausalLM",), "llama"), E)
    assert [f.code for f in embed.findings] == ["CAPABILITY_MISMATCH"]
    assert "sentence-transformers" in embed.findings[0].hint
    assert detect(Signals((), "qwen3"), R).capability is None  # no architectures: the family's head


def test_a_declaration_breaks_a_tie_the_artifacts_allow() -> None:
    # sentence-transformers files or a one-label head make the same weights an embedder/reranker.
    assert detect(Signals(("Qwen2ForCausalLM",), "qwen2", sentence_transformers=True), E).capability is E
    assert detect(Signals(("Qwen2ForCausalLM",), "qwen2", sentence_transformers=True), R).capability is R
    seq = Signals(("Qwen3ForSequenceClassification",), "qwen3", num_labels=1)
    assert detect(seq, R).capability is R
    assert [f.code for f in detect(seq, T).findings] == ["CAPABILITY_MISMATCH"]
    assert detect(Signals(("Gemma3ForConditionalGeneration",), "gemma3", has_vision=True), T).capability is T


def test_declaration_never_overrides_a_contradiction() -> None:
    text_only = detect(Signals(("LlamaForCausalLM",), "llama"), V)
    assert text_only.capability is None
    assert [f.code for f in text_only.findings] == ["CAPABILITY_MISMATCH"]
    encoder = detect(Signals(("BertModel",), "bert"), T)
    assert [f.code for f in encoder.findings] == ["CAPABILITY_MISMATCH"]
    assert "TEXT_TO_TEXT" in encoder.findings[0].message and "EMBEDDING" in encoder.findings[0].message


def test_vision_generator_with_sentence_transformers_files_is_ambiguous_until_declared() -> None:
    signals = Signals(
        ("Qwen2VLForConditionalGeneration",), "qwen2_vl", has_vision=True, sentence_transformers=True
    )
    ambiguous = detect(signals, None)
    assert ambiguous.capability is None
    assert [f.code for f in ambiguous.findings] == ["CAPABILITY_AMBIGUOUS"]
    assert (
        "EMBEDDING" in ambiguous.findings[0].message and "IMAGE_TEXT_TO_TEXT" in ambiguous.findings[0].message
    )
    assert detect(signals, E).capability is E


def test_unknown_head_is_undetected() -> None:
    result = detect(Signals(("SomethingForAudioFrameClassification",), "wav"), None)
    assert [f.code for f in result.findings] == ["CAPABILITY_UNDETECTED"]
