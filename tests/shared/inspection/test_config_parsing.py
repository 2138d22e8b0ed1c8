"""config.json and other small JSON files: tolerant of NaN, strict about size and shape."""

from __future__ import annotations

from pathlib import Path

from shared.inspection.config import MAX_CONFIG_BYTES, parse_json_object, read_json
from shared.inspection.sources import ArtifactSource, FileEntry, LocalFolderSource


def test_nan_and_infinity_as_real_configs_write_them() -> None:
    doc, findings = parse_json_object(
        b'{"a": NaN, "b": Infinity, "c": -Infinity}', "config.json", "CONFIG_NOT_JSON"
    )
    assert findings == []
    assert doc is not None and doc["b"] == float("inf")


def test_byte_order_mark_is_tolerated() -> None:
    doc, findings = parse_json_object(
        b'\xef\xbb\xbf{"model_type": "llama"}', "config.json", "CONFIG_NOT_JSON"
    )
    assert doc == {"model_type": "llama"} and findings == []


def test_not_json_not_utf8_and_not_an_object_are_findings() -> None:
    for raw, fragment in (
        (b"{", "not JSON"),
        (b"\xff\x00", "not UTF-8"),
        (b"[1]", "JSON list"),
        (b"[" * 100_000, "not JSON"),
    ):
        doc, findings = parse_json_object(raw, "config.json", "CONFIG_NOT_JSON")
        assert doc is None
        assert [f.code for f in findings] == ["CONFIG_NOT_JSON"]
        assert fragment in findings[0].message


def test_too_large_is_refused_without_reading(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_bytes(b"{" + b" " * MAX_CONFIG_BYTES + b"}")
    src = LocalFolderSource(tmp_path)
    (entry,) = src.list_files()
    result = read_json(src, entry, MAX_CONFIG_BYTES, "CONFIG_NOT_JSON", "CONFIG_TOO_LARGE")
    assert [f.code for f in result.findings] == ["CONFIG_TOO_LARGE"]
    assert src.stats.bytes_read == 0


class _UnderstatingSource(ArtifactSource):
    """A source whose listing claims a small file that is really large (a lying or racing listing)."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self.data = data

    @property
    def description(self) -> str:
        return "understating"

    def _list(self) -> list[FileEntry]:
        return [FileEntry("config.json", 10)]

    def _read(self, name: str, start: int, length: int) -> bytes:
        return self.data[start : start + length]


def test_a_listing_that_understates_the_size_still_cannot_exceed_the_cap() -> None:
    src = _UnderstatingSource(b"{}" + b" " * (2 * MAX_CONFIG_BYTES))
    result = read_json(src, src.list_files()[0], MAX_CONFIG_BYTES, "CONFIG_NOT_JSON", "CONFIG_TOO_LARGE")
    assert [f.code for f in result.findings] == ["CONFIG_TOO_LARGE"]
    assert src.stats.bytes_read == MAX_CONFIG_BYTES + 1
