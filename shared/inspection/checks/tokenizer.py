"""Tokenizer files, and the chat template a chat model needs for /v1/chat/completions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.findings import Finding, finding
from shared.inspection.sources.base import FileEntry

TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer.model",
    "spiece.model",
    "vocab.txt",
    "vocab.json",
    "tekken.json",
    "sentencepiece.bpe.model",
)
CHAT_TEMPLATE_FILES = ("chat_template.jinja", "chat_template.json")


def check_tokenizer(entries: Sequence[FileEntry]) -> list[Finding]:
    root = {e.name for e in entries if "/" not in e.name}
    if root & set(TOKENIZER_FILES):
        return []
    return [
        finding(
            "TOKENIZER_MISSING",
            "tokenizer.json",
            f"none of {', '.join(TOKENIZER_FILES)} at the top of the model folder",
        )
    ]


def has_chat_template(entries: Sequence[FileEntry], tokenizer_config: dict[str, Any] | None) -> bool:
    sizes = {e.name: e.size for e in entries if "/" not in e.name}
    if any(sizes.get(name, 0) > 0 for name in CHAT_TEMPLATE_FILES):
        return True
    if tokenizer_config is None:
        return False
    template = tokenizer_config.get("chat_template")
    if isinstance(template, str):
        return bool(template.strip())
    if isinstance(template, list):  # named templates: [{"name": "default", "template": "..."}]
        return any(
            isinstance(t, dict) and isinstance(t.get("template"), str) and t["template"].strip()
            for t in template
        )
    return False


def check_chat_template(
    entries: Sequence[FileEntry], tokenizer_config: dict[str, Any] | None
) -> list[Finding]:
    if has_chat_template(entries, tokenizer_config):
        return []
    return [
        finding(
            "CHAT_TEMPLATE_MISSING",
            "tokenizer_config.json: chat_template",
            "no chat template in tokenizer_config.json, chat_template.jinja or chat_template.json",
        )
    ]
