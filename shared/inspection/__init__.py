"""Artifact inspection: checks, capability, size, memory, shape and cost, before a cent is spent.

from shared.inspection import inspect_artifacts, LocalFolderSource, SizingPolicy
report = inspect_artifacts(LocalFolderSource("models/gemma"), policy=SizingPolicy(price_per_ai_unit=1.0))
"""

from shared.inspection.inspector import SizingPolicy, inspect_artifacts
from shared.inspection.report import InspectionReport, MemoryBreakdown
from shared.inspection.sources import (
    ArtifactSource,
    FileEntry,
    HubSource,
    LocalFolderSource,
    ObjectStorageSource,
    ReadStats,
    SourceError,
)

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
