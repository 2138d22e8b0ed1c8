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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from shared.findings import Finding, finding

_STR = rb'"(?:[^"\\]++|\\.)*+"'  # possessive: no backtracking state, however long the string
_ADDED_KEY = re.compile(rb'"added_tokens"\s*:\s*\[')
_VOCAB_KEY = re.compile(rb'"vocab"\s*:\s*(?=[\[{])')
# One element at a time, each ending in `,` or the closing bracket: a single regex over the whole
# array would keep a backtracking mark per element (679 MB for a 19 MB vocabulary).
_ADDED_ITEM = re.compile(rb"\s*(\{(?:" + _STR + rb'|[^{}"]++)*+\})\s*([,\]])')
_DICT_ITEM = re.compile(rb"\s*" + _STR + rb"\s*:\s*(-?\d+)\s*([,}])")
_LIST_ITEM = re.compile(rb"\s*\[\s*" + _STR + rb"\s*,\s*[-+.\deE]+\s*\]\s*([,\]])")
_EMPTY = re.compile(rb"\s*[\]}]")
MAX_ITEMS = 2_000_000  # a vocabulary is at most a few hundred thousand tokens


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
        for item in _items(_ADDED_ITEM, raw, key.end()):
            token = _object(item.group(1))
            if token is not None and _is_id(token.get("id")):
                best = _higher(best, TokenIds(token["id"], str(token.get("content"))[:60], "tokenizer.json"))
    key = _VOCAB_KEY.search(raw)
    if key is not None:
        if raw[key.end() : key.end() + 1] == b"{":
            top = max((int(m.group(1)) for m in _items(_DICT_ITEM, raw, key.end() + 1)), default=None)
            if top is not None:
                best = _higher(best, TokenIds(top, None, "tokenizer.json vocab"))
        else:  # Unigram: [[piece, score], ...], the id is the position
            count = sum(1 for _ in _items(_LIST_ITEM, raw, key.end() + 1))
            if count:
                best = _higher(best, TokenIds(count - 1, None, "tokenizer.json vocab"))
    return best


def _items(pattern: re.Pattern[bytes], raw: bytes, pos: int) -> Iterator[re.Match[bytes]]:
    """Consecutive elements of one JSON array or object from `pos` (just after its bracket)."""
    if _EMPTY.match(raw, pos):
        return
    for _ in range(MAX_ITEMS):
        m = pattern.match(raw, pos)
        if m is None:
            return  # not the shape expected: what was read so far still counts
        yield m
        if m.group(m.lastindex or 0) in (b"]", b"}"):
            return
        pos = m.end()


def _object(raw: bytes) -> dict[str, Any] | None:
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


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
