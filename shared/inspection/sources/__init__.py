"""Where artifacts live: a local folder, an Object Storage prefix, a Hugging Face Hub repo."""

import importlib
from typing import TYPE_CHECKING, Any

from shared.inspection.sources.base import ArtifactSource, FileEntry, ReadStats, SourceError
from shared.inspection.sources.local import LocalFolderSource

if TYPE_CHECKING:
    from shared.inspection.sources.hub import HubSource
    from shared.inspection.sources.object_storage import ObjectStorageSource

_LAZY = {
    "HubSource": "shared.inspection.sources.hub",
    "ObjectStorageSource": "shared.inspection.sources.object_storage",
}

__all__ = [
    "ArtifactSource",
    "FileEntry",
    "HubSource",
    "LocalFolderSource",
    "ObjectStorageSource",
    "ReadStats",
    "SourceError",
]


def __getattr__(name: str) -> Any:
    # The Hub client and the OCI SDK load only with the source that needs them: inspecting a
    # local folder (`model-import inspect FOLDER`) must not pay for either at start-up.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
