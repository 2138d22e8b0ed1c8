"""Where artifacts live: a local folder, an Object Storage prefix, a Hugging Face Hub repo."""

from shared.inspection.sources.base import ArtifactSource, FileEntry, ReadStats, SourceError
from shared.inspection.sources.hub import HubSource
from shared.inspection.sources.local import LocalFolderSource
from shared.inspection.sources.object_storage import ObjectStorageSource

__all__ = [
    "ArtifactSource",
    "FileEntry",
    "HubSource",
    "LocalFolderSource",
    "ObjectStorageSource",
    "ReadStats",
    "SourceError",
]
