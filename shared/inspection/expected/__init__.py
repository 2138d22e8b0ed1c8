"""Expected tensors per model family: one module per family behind `base.FamilyTensors`.

The registry maps a family's name (capability/families.py) to its module's implementation;
a family without an entry gets only the checks every family shares (foreign tensors, the
parameter count). Adding a family is adding a module and a line here, never an if-chain.
Vision-language families are checked on their language model: llava, mistral3 and gemma3 name a
`text_config` of a family listed here; Qwen2-VL's text model is Qwen2's decoder.
"""

from __future__ import annotations

from shared.inspection.expected.base import Decoder, Expected, FamilyTensors, OneOf, Shape, Tensor
from shared.inspection.expected.cohere import Cohere
from shared.inspection.expected.deepseek import Deepseek
from shared.inspection.expected.encoder import Encoder
from shared.inspection.expected.gemma import Gemma, Gemma2
from shared.inspection.expected.glm import Glm4
from shared.inspection.expected.gpt_oss import GptOss
from shared.inspection.expected.llama import Llama
from shared.inspection.expected.moe import Mixtral, Qwen2Moe, Qwen3Moe
from shared.inspection.expected.phi3 import Phi3
from shared.inspection.expected.qwen import Qwen2, Qwen3

REGISTRY: dict[str, FamilyTensors] = {
    "llama": Llama(),
    "mistral": Llama(),
    "ministral3": Llama(),
    "granite": Llama(),
    "qwen2": Qwen2(),
    "qwen2_vl": Qwen2(),
    "qwen3": Qwen3(),
    "qwen2_moe": Qwen2Moe(),
    "qwen3_moe": Qwen3Moe(),
    "mixtral": Mixtral(),
    "phi3": Phi3(),
    "gemma": Gemma(),
    "gemma2": Gemma2(),
    "gemma3_text": Gemma2(qk_norm=True),
    "gpt_oss": GptOss(),
    "deepseek": Deepseek(),
    "cohere": Cohere(),
    "glm4": Glm4(),
    "bert": Encoder(roberta_head=False),
    "roberta": Encoder(roberta_head=True),
}


def family_tensors(family_name: str | None) -> FamilyTensors | None:
    return REGISTRY.get(family_name or "")


__all__ = ["REGISTRY", "Decoder", "Expected", "FamilyTensors", "OneOf", "Shape", "Tensor", "family_tensors"]
