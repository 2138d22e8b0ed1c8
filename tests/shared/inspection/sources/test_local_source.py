"""LocalFolderSource and the listing rules every source shares."""

from __future__ import annotations

import os
from pathlib import Path

from shared.inspection import LocalFolderSource, inspect_artifacts
from shared.inspection.sources.base import MAX_FILES
from tests.shared.inspection.builders import TINY_LLAMA_CONFIG, MemorySource, write_model


def test_lists_relative_names_skips_tool_folders_and_escaping_links(tmp_path: Path) -> None:
    root = tmp_path / "model"
    write_model(root, TINY_LLAMA_CONFIG)
    (root / "1_Pooling").mkdir()
    (root / "1_Pooling" / "config.json").write_text("{}")
    (root / ".cache" / "huggingface").mkdir(parents=True)
    (root / ".cache" / "huggingface" / "download.lock").write_text("")
    (tmp_path / "secret.txt").write_text("outside")
    os.symlink(tmp_path / "secret.txt", root / "leak.txt")
    names = [e.name for e in LocalFolderSource(root).list_files()]
    assert "1_Pooling/config.json" in names and "config.json" in names
    assert not any(n.startswith(".cache") for n in names) and "leak.txt" not in names


def test_reads_are_bounded_ranges(tmp_path: Path) -> None:
    (tmp_path / "f.bin").write_bytes(bytes(range(256)) * 4)
    src = LocalFolderSource(tmp_path)
    assert src.read_range("f.bin", 10, 5) == bytes(range(10, 15))
    assert src.read_range("f.bin", 1020, 100) == bytes(range(252, 256))
    assert (src.stats.requests, src.stats.bytes_read) == (2, 9)


def test_a_prefix_with_more_files_than_any_model_is_refused() -> None:
    files = {f"part-{i:06d}.json": b"" for i in range(MAX_FILES + 1)}
    report = inspect_artifacts(MemorySource(files))
    assert report.codes() == ["SOURCE_UNREADABLE"] and "not a model folder" in report.findings[0].message
