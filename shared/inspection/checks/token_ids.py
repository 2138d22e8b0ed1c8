"""Every token id the tokenizer can emit must be below the embedding rows.

A tokenizer with more tokens than the embedding has rows (added tokens saved without
`resize_token_embeddings`) loads fine and fails on the first prompt that contains one of the
extra tokens (an out-of-range index in the embedding). The ids come from `tokenizer.json`
(`added_tokens` and `model.vocab`) and `tokenizer_config.json` (`added_tokens_decoder`); without a
`tokenizer.json`, transformers converts the SentencePiece model (`tokenizer.model`, `spiece.model`,
`sentencepiece.bpe.model`), whose ids are the positions of its pieces; Mistral's `tekken.json`
emits ids below its `config.default_vocab_size` (mistral_common `Tekkenizer.from_file`:
`vocab_size=config["default_vocab_size"]`, `n_words` is that size).

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
_TEKKEN_CONFIG = re.compile(rb'"config"\s*:\s*(\{(?:' + _STR + rb'|[^{}"]++)*+\})')
#: tekken.json opens with its config (`{"config": {...}, "vocab": [...]`): this much is read
TEKKEN_HEAD_BYTES = 64 * 1024


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


def ids_from_sentencepiece(raw: bytes, source: str) -> TokenIds | None:
    """The highest id of a SentencePiece model: its piece count less one.

    The file is a protobuf `ModelProto` (sentencepiece_model.proto): `repeated SentencePiece
    pieces = 1` beside the trainer/normalizer specs (fields 2..5). The top-level fields are walked
    without decoding them, at most `MAX_ITEMS` of them; anything that is not well-formed protobuf
    (field 0, an unknown wire type, a length past the end) gives None rather than a guess."""
    pos, pieces, end = 0, 0, len(raw)
    for _ in range(MAX_ITEMS + 16):
        if pos >= end:
            break
        key = _varint(raw, pos)
        if key is None:
            return None
        tag, pos = key
        field, wire = tag >> 3, tag & 7
        if field == 0:
            return None
        if wire == 0:
            value = _varint(raw, pos)
            if value is None:
                return None
            pos = value[1]
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        elif wire == 2:
            length = _varint(raw, pos)
            if length is None:
                return None
            pos = length[1] + length[0]
            if field == 1:
                pieces += 1
        else:
            return None  # groups (3, 4) are not in the schema
        if pos > end:
            return None
    else:
        return None  # more fields than any real model has
    return TokenIds(pieces - 1, None, source) if pieces else None


def _varint(raw: bytes, pos: int) -> tuple[int, int] | None:
    """(value, next position) of the base-128 varint at `pos`; at most ten bytes, as protobuf's."""
    value = 0
    for shift in range(0, 70, 7):
        if pos >= len(raw):
            return None
        byte = raw[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
    return None


def ids_from_tekken(head: bytes) -> TokenIds | None:
    """The highest id of Mistral's tekken.json, from its config (the first `TEKKEN_HEAD_BYTES`)."""
    m = _TEKKEN_CONFIG.search(head)
    config = _object(m.group(1)) if m else None
    size = config.get("default_vocab_size") if config else None
    if not _is_id(size) or not size:
        return None
    return TokenIds(size - 1, None, "tekken.json")


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


def check_tekken_ids(ids: TokenIds | None, embedding_rows: int | None, subject: str) -> list[Finding]:
    """tekken.json beside a Hugging Face tokenizer: read only when the engine runs Mistral's own
    tokenizer (vLLM `--tokenizer-mode mistral`), so a vocabulary beyond the rows is a warning."""
    if ids is None or not embedding_rows or ids.max_id < embedding_rows:
        return []
    return [
        finding(
            "TOKENIZER_TEKKEN_OUT_OF_RANGE",
            "tekken.json",
            f"tekken.json declares {ids.max_id + 1} token ids (config.default_vocab_size), but {subject} "
            f"has {embedding_rows} rows",
        )
    ]


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _higher(a: TokenIds | None, b: TokenIds) -> TokenIds:
    return b if a is None or b.max_id > a.max_id else a
