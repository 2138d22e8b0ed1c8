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
4. **The smallest GPU count that holds the need: 1, 2, 4, 8.** OCI's Meta page
   (`calibration-shapes-meta.csv`) publishes A100_80G_X4 for Llama-2-70b-chat (about 164 GiB)
   and H100_X4 for Llama-3.2-90B-Vision FP8, so four GPUs are a step like the others. (An
   earlier rule, "one, two or eight", came from the Mistral rows alone and contradicts both.)
5. **Tensor parallelism must divide the attention heads** (vLLM shards heads across
   GPUs), so a GPU count that does not divide `num_attention_heads` is skipped.
6. **Runner-up** is the first fit in the next family of the same order: the shape to ask
   for when the recommended family is not offered in the region or its limit is used up.

Result, on the 21 published rows (`calibration-shapes.csv` and `-meta.csv`) whose
config.json could be found (16: eight Gemma, four Mistral, e5-mistral, Llama-2 7b/13b/70b;
`tests/shared/inspection/test_shape_policy.py`): the rule alone reproduces 15. It cannot
reproduce Devstral-2-123B FP8 (needs about 165 GiB; four H100 hold it with 288 GiB usable and
the rule says H100_X4; OCI publishes H100_X8): Llama-2-70b needs the same and gets X4, so no
need-based rule gives both. For a model the listed-model table identifies
(`listed_models.py`, by architecture and dimensions, never by name), the recommendation is
OCI's published shape when it holds the need, and says so; Devstral-2 then gets H100_X8.
No public config.json was found for Mistral-Medium-3.5-128B, GLM-5.2-FP8,
Llama-3.2-11B-Vision-Instruct, Llama-3.2-90B-Vision-Instruct-FP8-dynamic and
Llama-4-Maverick-17B-128E-Instruct-FP8, so those rows are not tested. The recommendation
never goes below the need: a shape is a candidate only if its usable memory is at least the
need, published or not. B200 shapes are outside the unit table and ignored.
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
        family = sorted((s for s in usable if s.gpu_model == gpu), key=lambda s: s.gpus)
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


def prefer_published(
    choice: ShapeChoice,
    published: Sequence[str],
    source: str,
    need_gib: float,
    needs_hopper: bool,
    attention_heads: int | None,
    allowed: Sequence[str] = (),
) -> ShapeChoice:
    """OCI's published shape for a model the listed-model table identified, when one of them
    holds the need (never below it), is allowed and has the GPUs the weights need; else `choice`.
    The need-based pick stays as the runner-up when it differs."""
    table = unit_shapes()
    for name in published:
        shape = table.get(name)  # B200 shapes are outside the unit table
        if shape is None or (allowed and name not in allowed) or (needs_hopper and not shape.is_hopper):
            continue
        if not fits(shape, need_gib, attention_heads):
            continue
        if choice.recommended is not None and shape.name == choice.recommended.name:
            return ShapeChoice(
                shape, choice.runner_up, f"{choice.reason}; OCI publishes the same shape for {source}"
            )
        return ShapeChoice(
            shape,
            choice.recommended or choice.runner_up,
            f"OCI's published shape for {source}; needs {need_gib:.1f} GiB, {shape.name} offers "
            f"{usable_gib(shape):.1f} GiB usable (the need alone gives "
            f"{choice.recommended.name if choice.recommended else 'no shape'})",
        )
    return choice


def _no_fit_reason(
    need_gib: float, capability: Capability | None, needs_hopper: bool, usable: list[UnitShape]
) -> str:
    order = gpu_order(capability, needs_hopper)
    largest = max((usable_gib(s) for s in usable if s.gpu_model in order), default=0.0)
    return (
        f"needs {need_gib:.1f} GiB; the largest allowed shape of {', '.join(order)} offers "
        f"{largest:.1f} GiB usable"
    )
