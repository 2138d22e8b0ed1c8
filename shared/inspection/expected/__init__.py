"""Expected tensors per model family: one module per family behind `base.FamilyTensors`.

The registry maps a family's name (capability/families.py) to its module's implementation;
a family without an entry gets only the checks every family shares (embeddings, head,
foreign tensors). Adding a family is adding a module and a line here, never an if-chain.
"""

from __future__ import annotations

from shared.inspection.expected.base import FamilyTensors, Shape, Tensor
from shared.inspection.expected.gemma import Gemma, Gemma2
from shared.inspection.expected.llama import Llama
from shared.inspection.expected.moe import Mixtral, Qwen3Moe
from shared.inspection.expected.phi3 import Phi3
from shared.inspection.expected.qwen import Qwen2, Qwen3

REGISTRY: dict[str, FamilyTensors] = {
    "llama": Llama(),
    "mistral": Llama(),
    "ministral3": Llama(),
    "granite": Llama(),
    "qwen2": Qwen2(),
    "qwen3": Qwen3(),
    "qwen3_moe": Qwen3Moe(),
    "mixtral": Mixtral(),
    "phi3": Phi3(),
    "gemma": Gemma(),
    "gemma2": Gemma2(),
    "gemma3_text": Gemma2(qk_norm=True),
}


def family_tensors(family_name: str | None) -> FamilyTensors | None:
    return REGISTRY.get(family_name or "")


__all__ = ["REGISTRY", "FamilyTensors", "Shape", "Tensor", "family_tensors"]
