"""Bounded, tolerant reading of `config.json` and the other small JSON metadata files.

Real configs contain `NaN` and `Infinity` (Python's json module accepts both, as
transformers writes them); a UTF-8 byte-order mark is tolerated. Anything else that
is not a JSON object is a finding, never an exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shared.findings import Finding, finding
from shared.inspection.sources.base import ArtifactSource, FileEntry, SourceError

MAX_CONFIG_BYTES = 1024 * 1024
MAX_METADATA_BYTES = 8 * 1024 * 1024  # tokenizer_config.json with a long chat template, the index


@dataclass(frozen=True)
class JsonRead:
    """A small JSON file read from a source: its object, or the findings that explain why not."""

    doc: dict[str, Any] | None
    findings: tuple[Finding, ...] = ()
    bytes_read: int = 0


def parse_json_object(
    raw: bytes, subject: str, not_json_code: str
) -> tuple[dict[str, Any] | None, list[Finding]]:
    """Parse `raw` as one JSON object; NaN/Infinity accepted, everything else becomes a finding."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [finding(not_json_code, subject, f"{subject} is not UTF-8 (byte {exc.start})")]
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [
            finding(not_json_code, subject, f"{subject} is not JSON: {exc.msg} at line {exc.lineno}")
        ]
    except (RecursionError, ValueError) as exc:
        return None, [finding(not_json_code, subject, f"{subject} is not JSON ({type(exc).__name__})")]
    if not isinstance(doc, dict):
        return None, [
            finding(not_json_code, subject, f"{subject} holds a JSON {type(doc).__name__}, not an object")
        ]
    return doc, []


def read_json(
    source: ArtifactSource, entry: FileEntry, cap: int, not_json_code: str, too_large_code: str
) -> JsonRead:
    """Read a small JSON file, refusing it unread when the listing already says it is too large."""
    if entry.size > cap:
        return JsonRead(
            None,
            (finding(too_large_code, entry.name, f"{entry.name} is {entry.size} bytes; the cap is {cap}"),),
        )
    try:
        raw = source.read_range(entry.name, 0, cap + 1)
    except SourceError as exc:
        return JsonRead(None, (finding(exc.code, exc.subject, exc.message, exc.hint),))
    if len(raw) > cap:  # the listing understated the size
        return JsonRead(
            None,
            (finding(too_large_code, entry.name, f"{entry.name} is larger than the cap {cap}"),),
            len(raw),
        )
    doc, findings = parse_json_object(raw, entry.name, not_json_code)
    return JsonRead(doc, tuple(findings), len(raw))


def as_int(value: Any) -> int | None:
    """An int from a config value, or None for anything else (bools, NaN, strings, floats with fractions)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def as_str_list(value: Any) -> list[str]:
    """Non-empty strings from a string or a list (`architectures` is written both ways)."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return []
