"""Every token id the tokenizer can emit must be below the embedding rows.

A tokenizer with more tokens than the embedding has rows (added tokens saved without
`resize_token_embeddings`) loads fine and fails on the first prompt that contains one of the
extra tokens (an out-of-range index in the embedding). The ids come from `tokenizer.json`
(`added_tokens` and `model.vocab`) and `tokenizer_config.json` (`added_tokens_decoder`).

tokenizer.json is up to ~35 MB (Gemma 3), too large to `json.loads` in a 256 MB function:
the ids are found with C-speed regular expressions over the raw bytes instead. JSON strings
are matched as whole tokens (`"(?:[^"\\]|\\.)*"`, UTF-8 never puts `"` or `\\` inside a
multi-byte character), so nothing inside a token's text is mistaken for structure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from shared.findings import Finding, finding

_STR = rb'"(?:[^"\\]|\\.)*"'
_SEP = rb"\s*(?:,\s*)?"
_ADDED_KEY = re.compile(rb'"added_tokens"\s*:\s*(?=\[)')
_ADDED = re.compile(rb"\[\s*(?:\{(?:" + _STR + rb'|[^{}"])*\}' + _SEP + rb")*\]")
_VOCAB_KEY = re.compile(rb'"vocab"\s*:\s*(?=[\[{])')
_VOCAB_DICT = re.compile(rb"\{\s*(?:" + _STR + rb"\s*:\s*-?\d+" + _SEP + rb")*\}")
_VOCAB_ID = re.compile(_STR + rb"\s*:\s*(-?\d+)")
_VOCAB_LIST = re.compile(rb"\[\s*(?:\[\s*" + _STR + rb"\s*,\s*[-+.\deE]+\s*\]" + _SEP + rb")*\]")
_VOCAB_ITEM = re.compile(rb"\[\s*" + _STR + rb"\s*,")


@dataclass(frozen=True)
class TokenIds:
    """The highest id the tokenizer can emit, and its text when known."""

    max_id: int
    token: str | None
    source: str


def ids_from_tokenizer_json(raw: bytes) -> TokenIds | None:
    best: TokenIds | None = None
    key = _ADDED_KEY.search(raw)
    if key is not None:
        m = _ADDED.match(raw, key.end())
        if m is not None:
            for item in json.loads(m.group(0)):
                if isinstance(item, dict) and _is_id(item.get("id")):
                    text = str(item.get("content"))[:60]
                    best = _higher(best, TokenIds(item["id"], text, "tokenizer.json"))
    key = _VOCAB_KEY.search(raw)
    if key is not None:
        if raw[key.end() : key.end() + 1] == b"{":
            m = _VOCAB_DICT.match(raw, key.end())
            if m is not None:
                ids = [int(x) for x in _VOCAB_ID.findall(m.group(0))]
                if ids:
                    best = _higher(best, TokenIds(max(ids), None, "tokenizer.json vocab"))
        else:
            m = _VOCAB_LIST.match(raw, key.end())
            if m is not None:  # Unigram: [[piece, score], ...], the id is the position
                count = len(_VOCAB_ITEM.findall(m.group(0)))
                if count:
                    best = _higher(best, TokenIds(count - 1, None, "tokenizer.json vocab"))
    return best


def ids_from_tokenizer_config(doc: dict[str, Any] | None) -> TokenIds | None:
    decoder = doc.get("added_tokens_decoder") if doc else None
    if not isinstance(decoder, dict):
        return None
    best: TokenIds | None = None
    for key, value in decoder.items():
        if isinstance(key, str) and key.isdigit() and len(key) < 12:
            content = value.get("content") if isinstance(value, dict) else None
            best = _higher(best, TokenIds(int(key), str(content)[:60], "tokenizer_config.json"))
    return best


def check_token_ids(found: list[TokenIds | None], embedding_rows: int | None, subject: str) -> list[Finding]:
    if not embedding_rows:
        return []
    top: TokenIds | None = None
    for ids in found:
        if ids is not None:
            top = _higher(top, ids)
    if top is None or top.max_id < embedding_rows:
        return []
    text = f" ({top.token!r})" if top.token else ""
    return [
        finding(
            "TOKENIZER_ID_OUT_OF_RANGE",
            top.source,
            f"{top.source} can emit token id {top.max_id}{text}, but {subject} has {embedding_rows} rows "
            f"(ids 0..{embedding_rows - 1})",
        )
    ]


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _higher(a: TokenIds | None, b: TokenIds) -> TokenIds:
    return b if a is None or b.max_id > a.max_id else a
