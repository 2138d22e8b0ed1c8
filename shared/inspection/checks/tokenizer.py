"""Tokenizer files, and the chat template a chat model needs for /v1/chat/completions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from shared.findings import Finding, finding
from shared.inspection.checks.chat_template import check_template
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
    entries: Sequence[FileEntry],
    tokenizer_config: dict[str, Any] | None,
    template_files: dict[str, str] | None = None,
) -> list[Finding]:
    """The template must exist and render; `template_files` holds the text of chat_template.* read."""
    if not has_chat_template(entries, tokenizer_config):
        return [
            finding(
                "CHAT_TEMPLATE_MISSING",
                "tokenizer_config.json: chat_template",
                "no chat template in tokenizer_config.json, chat_template.jinja or chat_template.json",
            )
        ]
    chosen = template_in_use(tokenizer_config, template_files or {})
    if chosen is None:
        return []
    where, text = chosen
    return check_template(text, where, tokenizer_config)


def template_in_use(
    tokenizer_config: dict[str, Any] | None, template_files: dict[str, str]
) -> tuple[str, str] | None:
    """(where, template) as transformers picks it: chat_template.jinja, then chat_template.json,
    then tokenizer_config.json; of named templates, `default` (else the first)."""
    jinja = template_files.get("chat_template.jinja")
    if jinja and jinja.strip():
        return "chat_template.jinja", jinja
    doc = _json_object(template_files.get("chat_template.json"))
    for where, source in (("chat_template.json", doc), ("tokenizer_config.json", tokenizer_config)):
        template = (source or {}).get("chat_template")
        if isinstance(template, str) and template.strip():
            return f"{where}: chat_template", template
        if isinstance(template, list):
            named = [t for t in template if isinstance(t, dict) and isinstance(t.get("template"), str)]
            pick = next((t for t in named if t.get("name") == "default"), named[0] if named else None)
            if pick is not None:
                return f"{where}: chat_template[{str(pick.get('name'))[:40]}]", pick["template"]
    return None


def _json_object(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None
