"""The dedicated AI cluster unit shapes an imported model can be hosted on.

Source: OCI "Dedicated AI Cluster Unit Sizes for Imported Models" table
(docs manage-imported-models.htm), copied to `shared/data/unit-shapes.csv`.
AI unit counts are the documented ones; GPU memory is the nominal vendor figure.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Hopper parts run FP8 and MXFP4 kernels natively; Ampere does not.
HOPPER_GPUS = frozenset({"H100", "H200"})


@dataclass(frozen=True)
class UnitShape:
    name: str
    limit_name: str
    gpus: int
    gpu_model: str
    gpu_memory_gb: int
    ai_units: float
    units_required: int = 1  # units of `limit_name` one cluster of this shape takes (the table)

    @property
    def family(self) -> str:
        return self.name.rsplit("_X", 1)[0]

    @property
    def is_hopper(self) -> bool:
        return self.gpu_model in HOPPER_GPUS

    @property
    def total_memory_gib(self) -> float:
        """Nominal memory in GiB (vendors quote GB = 10^9 bytes for HBM; A10 24 GB is 22.5 GiB usable)."""
        return self.gpus * self.gpu_memory_gb * 1e9 / 2**30


@cache
def unit_shapes() -> dict[str, UnitShape]:
    text = resources.files("shared").joinpath("data/unit-shapes.csv").read_text(encoding="utf-8")
    shapes: dict[str, UnitShape] = {}
    for row in csv.DictReader(text.splitlines()):
        shapes[row["unit_shape"]] = UnitShape(
            name=row["unit_shape"],
            limit_name=row["limit_name"],
            gpus=int(row["gpus"]),
            gpu_model=row["gpu_model"],
            gpu_memory_gb=int(row["gpu_memory_gb_nominal"]),
            ai_units=float(row["ai_unit_count"]),
            units_required=int(row["units_required"]),
        )
    return shapes


def get_shape(name: str) -> UnitShape | None:
    return unit_shapes().get(name)
