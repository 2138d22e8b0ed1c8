"""Which weight files exist, and whether they are safe to load."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.findings import Finding, finding
from shared.inspection.checks.layouts import is_adapter_weights, is_mistral_native_weights
from shared.inspection.sources.base import FileEntry

INDEX_NAME = "model.safetensors.index.json"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
# Files ending in .bin that are not pickled weights.
_NOT_PICKLE = ("training_args.bin",)


@dataclass(frozen=True)
class WeightFiles:
    safetensors: list[FileEntry]  # at the model root, excluding Mistral's native files and adapters
    pickles: list[FileEntry]
    index: FileEntry | None
    native_duplicates: list[FileEntry]  # consolidated*.safetensors (mistral-inference's), adapter_model.*


def weight_files(entries: Sequence[FileEntry]) -> WeightFiles:
    root = [e for e in entries if "/" not in e.name]
    safetensors = [e for e in root if e.name.endswith(".safetensors")]
    # Mistral-native and PEFT adapter weights are not the model's: layouts.py names them.
    native = [e for e in safetensors if is_mistral_native_weights(e.name) or is_adapter_weights(e.name)]
    pickles = [
        e
        for e in entries
        if e.name.endswith(PICKLE_SUFFIXES) and e.name.rsplit("/", 1)[-1] not in _NOT_PICKLE
    ]
    index = next((e for e in root if e.name == INDEX_NAME), None)
    return WeightFiles([e for e in safetensors if e not in native], pickles, index, native)


def check_weights(files: WeightFiles) -> list[Finding]:
    if not files.safetensors:
        if files.pickles:
            names = ", ".join(e.name for e in files.pickles[:5])
            return [
                finding(
                    "WEIGHTS_PICKLE_ONLY",
                    files.pickles[0].name,
                    f"only pickle weights found ({names}); pickles can run code when loaded",
                )
            ]
        return [
            finding(
                "WEIGHTS_MISSING", "*.safetensors", "no *.safetensors weights at the top of the model folder"
            )
        ]
    if files.pickles:
        names = ", ".join(e.name for e in files.pickles[:5])
        return [
            finding(
                "WEIGHTS_PICKLE_PRESENT",
                files.pickles[0].name,
                f"pickle files beside the safetensors weights: {names}",
            )
        ]
    return []
