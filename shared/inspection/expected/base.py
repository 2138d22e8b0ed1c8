"""The interface every family's expected-tensor module implements.

A module names, relative to the language model's prefix (`model.` in a `*ForCausalLM`,
`language_model.model.` or `model.language_model.` in a vision-language checkpoint), every
tensor the family's transformers/vLLM implementation loads for the dimensions the config
gives, with its shape. The check (checks/tensors.py) finds the prefix, the head and the
foreign tensors itself; a family module only lists its decoder. Names and shapes follow the
transformers modeling files of each family (models/<family>/modeling_<family>.py, 4.57.1).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from shared.inspection.sizing import TextDims

Shape = tuple[int, ...]
Tensor = tuple[str, Shape]


class FamilyTensors(Protocol):
    """One family's decoder layers: `layer(d, i)` yields (name under `layers.{i}.`, shape)."""

    def layer(self, d: TextDims, i: int) -> Iterator[Tensor]: ...


def attention(d: TextDims, bias: bool = False, qk_norm: bool = False) -> Iterator[Tensor]:
    """Separate q/k/v/o projections with grouped-query heads (`head_dim` may differ from hidden/heads)."""
    q, kv = d.heads * d.head_dim, d.kv_heads * d.head_dim
    yield "self_attn.q_proj.weight", (q, d.hidden)
    yield "self_attn.k_proj.weight", (kv, d.hidden)
    yield "self_attn.v_proj.weight", (kv, d.hidden)
    yield "self_attn.o_proj.weight", (d.hidden, q)
    if bias:
        yield "self_attn.q_proj.bias", (q,)
        yield "self_attn.k_proj.bias", (kv,)
        yield "self_attn.v_proj.bias", (kv,)
    if qk_norm:
        yield "self_attn.q_norm.weight", (d.head_dim,)
        yield "self_attn.k_norm.weight", (d.head_dim,)


def gated_mlp(d: TextDims, inter: int | None = None, prefix: str = "mlp.") -> Iterator[Tensor]:
    i = inter or d.intermediate
    yield prefix + "gate_proj.weight", (i, d.hidden)
    yield prefix + "up_proj.weight", (i, d.hidden)
    yield prefix + "down_proj.weight", (d.hidden, i)


def norms(d: TextDims, *names: str) -> Iterator[Tensor]:
    for name in names or ("input_layernorm", "post_attention_layernorm"):
        yield f"{name}.weight", (d.hidden,)
