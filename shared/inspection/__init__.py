"""Artifact inspection: checks, capability, size, memory, shape and cost, before a cent is spent.

from shared.inspection import inspect_artifacts, LocalFolderSource, SizingPolicy
report = inspect_artifacts(LocalFolderSource("models/gemma"), policy=SizingPolicy(price_per_ai_unit=1.0))
"""

import importlib
from typing import TYPE_CHECKING, Any

from shared.inspection.inspector import SizingPolicy, inspect_artifacts
from shared.inspection.report import InspectionReport, MemoryBreakdown
from shared.inspection.sources import (
    ArtifactSource,
    FileEntry,
    LocalFolderSource,
    ReadStats,
    SourceError,
)

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
    "InspectionReport",
    "LocalFolderSource",
    "MemoryBreakdown",
    "ObjectStorageSource",
    "ReadStats",
    "SizingPolicy",
    "SourceError",
    "inspect_artifacts",
]


def __getattr__(name: str) -> Any:
    # The Hub client and the OCI SDK load only with the source that needs them: inspecting a
    # local folder (`model-import inspect FOLDER`) must not pay for either at start-up.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
