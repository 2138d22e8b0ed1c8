"""Capability detection and the table of served model families."""

from shared.inspection.capability.detect import Detection, Signals, candidates, detect
from shared.inspection.capability.families import (
    FAMILIES,
    Family,
    family_for_architecture,
    family_for_model_type,
    supported_architectures,
)

__all__ = [
    "FAMILIES",
    "Detection",
    "Family",
    "Signals",
    "candidates",
    "detect",
    "family_for_architecture",
    "family_for_model_type",
    "supported_architectures",
]
