"""A model folder on the local disk."""

from __future__ import annotations

import os
from pathlib import Path

from shared.inspection.sources.base import MAX_FILES, ArtifactSource, FileEntry, SourceError

# Tool caches and VCS folders that `huggingface-cli download` or git leave beside the model.
_SKIPPED_DIRS = frozenset({".git", ".cache"})


class LocalFolderSource(ArtifactSource):
    """Files under `path`; symbolic links that leave the folder are not followed."""

    max_concurrency = 8

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self.root = Path(path)

    @property
    def description(self) -> str:
        return str(self.root)

    def _list(self) -> list[FileEntry]:
        if not self.root.is_dir():
            raise SourceError(
                "SOURCE_UNREADABLE",
                str(self.root),
                f"{self.root} is not a folder",
                "Pass the folder that holds config.json and the weights.",
            )
        root = self.root.resolve()
        entries: list[FileEntry] = []
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_DIRS)
            for filename in filenames:
                full = Path(dirpath) / filename
                try:
                    target = full.resolve()
                    if not target.is_relative_to(root) or not target.is_file():
                        continue
                    size = target.stat().st_size
                except OSError:
                    continue
                entries.append(FileEntry(full.relative_to(root).as_posix(), size))
                if len(entries) > MAX_FILES:
                    return entries  # the caller reports the excess
        return entries

    def _read(self, name: str, start: int, length: int) -> bytes:
        root = self.root.resolve()
        target = (root / name).resolve()
        if not target.is_relative_to(root):
            raise SourceError("OBJECT_NAME_UNSAFE", name, f"{name} points outside the model folder")
        try:
            with open(target, "rb") as fh:
                fh.seek(start)
                return fh.read(length)
        except OSError as exc:
            raise SourceError("SOURCE_UNREADABLE", name, f"cannot read {name}: {exc.strerror}") from exc
