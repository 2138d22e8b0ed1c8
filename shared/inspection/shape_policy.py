"""Which unit shape to recommend for a memory need: the policy, learned from OCI's own tables.

OCI publishes recommended shapes for the models it lists (calibration data:
`../shared/reference/calibration-shapes.csv`, from the imported-*-models pages). They
are not the cheapest fit, and the pattern behind them is:

1. **GPU families by capability.** Every chat model (TEXT_TO_TEXT, IMAGE_TEXT_TO_TEXT)
   is recommended on 80 GB-class GPUs, never below A100_80G_X1: gemma-3-270m (0.5 GB of
   weights) gets A100_80G_X1 although an A10 would hold it many times over. The only
   model placed on an A10 is an embedding model (e5-mistral-7b-instruct, A10_X1). So chat
   models choose among A100-80GB, H100, H200; embedding and rerank models may also use
   A10 and A100-40GB.
2. **Ampere before Hopper, unless the weights need Hopper.** Models that would fit one
   H200 (Mixtral-8x7B, 87 GiB of weights) get two A100 80G; the docs say to move "up"
   to H100 only when the A100 shape is not offered. FP8 and MXFP4 checkpoints
   (GLM-5.2-FP8, Devstral-2) are only recommended on H100/H200, because those kernels
   need Hopper. Order of preference: A10, A100-40GB, A100-80GB, H100, H200 (the first
   two only for embedding and rerank), Hopper-only when the weights need it.
3. **Headroom.** Within the first family that fits, the smallest GPU count whose usable
   memory (90 % of the nominal HBM, vLLM's default `gpu_memory_utilization`) holds the
   need, where the need (see `sizing.py`) is the serving weights + a BF16 KV cache for
   8 concurrent sequences of min(8192, native context) tokens (sliding-window layers
   keep only their window) + max(20 % of the weights, 2 GiB). Embedding and rerank
   models keep no KV cache. This reproduces the headroom in the tables: gemma-2-27b and
   gemma-3-27b (about 51 GiB of weights, which would squeeze onto one 80 GB GPU) get
   A100_80G_X2, while Mistral-Nemo-12B (23 GiB) stays on A100_80G_X1.
4. **One, two or eight GPUs.** No published recommendation uses four GPUs: a model
   that outgrows two GPUs gets a whole eight-GPU node (Devstral-2-123B in FP8 needs about
   165 GiB, which four H100 would hold, and is recommended H100_X8; Mistral-Medium-3.5-128B
   gets A100_80G_X8/H100_X8). X4 is used only when the X8 shape of that family is not allowed.
5. **Tensor parallelism must divide the attention heads** (vLLM shards heads across
   GPUs), so a GPU count that does not divide `num_attention_heads` is skipped.
6. **Runner-up** is the first fit in the next family of the same order: the shape to ask
   for when the recommended family is not offered in the region or its limit is used up.

Result: every row of the calibration table whose config.json could be found (13 of 15:
eight Gemma, four Mistral, e5-mistral) is reproduced from the config alone
(`tests/shared/inspection/test_shape_policy.py`); Mistral-Medium-3.5-128B and GLM-5.2-FP8
have no obtainable config. The recommendation comes from the need computed from the
artifacts only; model names are never looked up. It never goes below the need: a shape
is a candidate only if its usable memory is at least the need. B200 shapes are outside
the unit table and ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.contract.manifest import Capability
from shared.shapes import UnitShape, unit_shapes

USABLE_FRACTION = 0.90
CHAT_GPUS: tuple[str, ...] = ("A100-80GB", "H100", "H200")
POOLING_GPUS: tuple[str, ...] = ("A10", "A100-40GB", "A100-80GB", "H100", "H200")
HOPPER_GPUS: tuple[str, ...] = ("H100", "H200")


@dataclass(frozen=True)
class ShapeChoice:
    recommended: UnitShape | None
    runner_up: UnitShape | None
    reason: str


def usable_gib(shape: UnitShape) -> float:
    return shape.total_memory_gib * USABLE_FRACTION


def gpu_order(capability: Capability | None, needs_hopper: bool) -> tuple[str, ...]:
    if needs_hopper:
        return HOPPER_GPUS
    if capability in (Capability.EMBEDDING, Capability.RERANK):
        return POOLING_GPUS
    return CHAT_GPUS


def fits(shape: UnitShape, need_gib: float, attention_heads: int | None) -> bool:
    if usable_gib(shape) < need_gib:
        return False
    return not attention_heads or attention_heads % shape.gpus == 0


def choose_shape(
    need_gib: float,
    capability: Capability | None,
    needs_hopper: bool,
    attention_heads: int | None,
    allowed: Sequence[str] = (),
) -> ShapeChoice:
    """Recommended shape and runner-up for `need_gib`, restricted to `allowed` when given."""
    table = unit_shapes()
    usable = [s for s in table.values() if not allowed or s.name in allowed]
    picks: list[UnitShape] = []
    for gpu in gpu_order(capability, needs_hopper):
        family = sorted((s for s in usable if s.gpu_model == gpu), key=lambda s: _count_rank(s, usable))
        first = next((s for s in family if fits(s, need_gib, attention_heads)), None)
        if first is not None:
            picks.append(first)
    if not picks:
        return ShapeChoice(None, None, _no_fit_reason(need_gib, capability, needs_hopper, usable))
    best = picks[0]
    why = [
        f"needs {need_gib:.1f} GiB; {best.name} offers {usable_gib(best):.1f} GiB usable "
        f"({int(USABLE_FRACTION * 100)}% of {best.gpus} x {best.gpu_memory_gb} GB)"
    ]
    if needs_hopper:
        why.append("the quantized weights need Hopper GPUs")
    elif capability in (Capability.EMBEDDING, Capability.RERANK):
        why.append("embedding and rerank models may use every GPU family, smallest first")
    else:
        why.append("chat models are placed on 80 GB-class GPUs, Ampere before Hopper, as OCI recommends")
    return ShapeChoice(best, picks[1] if len(picks) > 1 else None, "; ".join(why))


def _count_rank(shape: UnitShape, usable: list[UnitShape]) -> tuple[int, int]:
    """Order GPU counts 1, 2, 8, then 4 (only reached when no X8 of the family is allowed)."""
    has_x8 = any(s.gpu_model == shape.gpu_model and s.gpus == 8 for s in usable)
    if shape.gpus == 4 and has_x8:
        return (2, shape.gpus)
    return (1 if shape.gpus == 4 or shape.gpus > 2 else 0, shape.gpus)


def _no_fit_reason(
    need_gib: float, capability: Capability | None, needs_hopper: bool, usable: list[UnitShape]
) -> str:
    order = gpu_order(capability, needs_hopper)
    largest = max((usable_gib(s) for s in usable if s.gpu_model in order), default=0.0)
    return (
        f"needs {need_gib:.1f} GiB; the largest allowed shape of {', '.join(order)} offers "
        f"{largest:.1f} GiB usable"
    )
