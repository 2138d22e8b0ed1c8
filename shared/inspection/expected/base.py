"""The interface every family's expected-tensor module implements.

A module names every tensor the family's transformers/vLLM implementation loads for the
dimensions the config gives, with its shape: the tensors outside the layers (`top`, relative to
the language model's prefix: `model.` in a `*ForCausalLM`, `language_model.model.` or
`model.language_model.` in a vision-language checkpoint, `bert.`/`roberta.` or nothing in an
encoder), each layer's (`layer`, relative to `layer_prefix(i)`), and, where the family's head
is not the decoder's `lm_head` rule, the head (`head`, absolute names). The check
(checks/tensors.py) finds the prefix from `anchor`, the foreign tensors and the decoder head
itself, and compares. Names and shapes follow the transformers modeling files of each family
(models/<family>/modeling_<family>.py, 4.57.1) and vLLM's (vllm/model_executor/models/, v0.11.0).

Where a checkpoint may legitimately store a tensor or not (a bias, a pooler the engine ignores)
or store the same weights in another layout (MXFP4 blocks and scales, or dequantized), the
module yields a `OneOf`: the check accepts any option that is complete, and reports the option
closest to complete when none is. `optional(...)` is a `OneOf` whose other option is nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from shared.inspection.sizing import TextDims

Shape = tuple[int, ...]
Tensor = tuple[str, Shape]


@dataclass(frozen=True)
class OneOf:
    """Layouts of the same weights; any complete option is accepted."""

    options: tuple[tuple[Tensor, ...], ...]


def optional(*tensors: Tensor) -> OneOf:
    """Tensors a checkpoint may carry or omit; when carried, their shapes are checked."""
    return OneOf((tuple(tensors), ()))


Expected = Tensor | OneOf


class FamilyTensors(Protocol):
    #: the name, relative to the text model's prefix, that locates the prefix
    anchor: str

    def top(self, d: TextDims) -> Iterator[Expected]: ...

    def layer_prefix(self, i: int) -> str: ...

    def layer(self, d: TextDims, i: int) -> Iterator[Expected]: ...

    def head(self, d: TextDims, arch: str, labels: int, prefix: str) -> list[Expected] | None:
        """The head's tensors (absolute names), or None for the decoder rule (`lm_head` unless tied,
        `score` for sequence classification)."""
        ...


class Decoder:
    """Defaults of a decoder-only family: `embed_tokens`, `layers.N.`, a final `norm`."""

    anchor = "embed_tokens.weight"

    def top(self, d: TextDims) -> Iterator[Expected]:
        yield "embed_tokens.weight", (d.vocab, d.hidden)
        yield "norm.weight", (d.hidden,)

    def layer_prefix(self, i: int) -> str:
        return f"layers.{i}."

    def layer(self, d: TextDims, i: int) -> Iterator[Expected]:
        raise NotImplementedError

    def head(self, d: TextDims, arch: str, labels: int, prefix: str) -> list[Expected] | None:
        return None


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


def layer_indices(value: object) -> frozenset[int]:
    """A config list of layer indices (`mlp_only_layers`), ignoring anything that is not one."""
    if not isinstance(value, list):
        return frozenset()
    return frozenset(v for v in value if isinstance(v, int) and not isinstance(v, bool))
