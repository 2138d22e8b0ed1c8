"""config.json keys of the wrong type are CONFIG_INVALID naming the key, never silently ignored.

transformers writes `architectures` as a list of class names and sizes as integers; the
engines build tensors from them (`torch.empty(hidden_size, ...)` refuses a float or a string)
and iterate `architectures` (a bare string iterates per character). The sizing code reads
these keys tolerantly, so a wrong type here must be a finding of its own. A value may be
null where transformers accepts None (it then uses its default).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError

from shared.findings import Finding, finding

MAX_TYPE_FINDINGS = 10

_Size = Annotated[int, Field(strict=True, gt=0)]  # a dimension: a positive integer
_Count = Annotated[int, Field(strict=True, ge=0)]  # a count that may be zero (dense layers, shared experts)
_Name = Annotated[str, Field(strict=True, min_length=1)]


class _Sizes(BaseModel):
    """The keys the engines build tensors from; unknown keys are free (every family adds its own)."""

    model_config = ConfigDict(extra="allow")

    model_type: StrictStr | None = None
    hidden_size: _Size | None = None
    intermediate_size: _Size | None = None
    num_hidden_layers: _Size | None = None
    num_attention_heads: _Size | None = None
    num_key_value_heads: _Size | None = None
    head_dim: _Size | None = None
    vocab_size: _Size | None = None
    max_position_embeddings: _Size | None = None
    moe_intermediate_size: _Size | None = None
    num_local_experts: _Count | None = None
    num_experts: _Count | None = None
    n_routed_experts: _Count | None = None
    n_shared_experts: _Count | None = None
    num_experts_per_tok: _Count | None = None
    first_k_dense_replace: _Count | None = None
    tie_word_embeddings: StrictBool | None = None


class _TopLevel(_Sizes):
    architectures: list[_Name] | None = None
    torch_dtype: StrictStr | None = None
    quantization_config: dict[str, Any] | None = None
    text_config: _Sizes | None = None
    vision_config: _Sizes | None = None


def check_config_types(config: dict[str, Any]) -> list[Finding]:
    try:
        _TopLevel.model_validate(config)
    except ValidationError as exc:
        return _findings(config, exc)
    return []


def _findings(config: dict[str, Any], exc: ValidationError) -> list[Finding]:
    out: list[Finding] = []
    seen: set[str] = set()
    for error in exc.errors():
        loc = [str(p) for p in error["loc"]]
        # `architectures: ["A", 1]` reports `architectures.1`: name the key, show the element.
        key = ".".join(p for p in loc if not p.isdigit())
        if key in seen:
            continue
        seen.add(key)
        value = _lookup(config, error["loc"])
        out.append(
            finding(
                "CONFIG_INVALID",
                f"config.json: {key}",
                f"config.json `{key}` is {_describe(value)}; expected {_expected(key)}",
            )
        )
        if len(out) >= MAX_TYPE_FINDINGS:
            break
    return out


def _lookup(doc: Any, loc: tuple[int | str, ...]) -> Any:
    for part in loc:
        in_list = isinstance(doc, list) and isinstance(part, int) and 0 <= part < len(doc)
        if (isinstance(doc, dict) and part in doc) or in_list:
            doc = doc[part]
        else:
            return doc
    return doc


def _describe(value: Any) -> str:
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    kind = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}
    return f"{kind.get(type(value), type(value).__name__)} {shown}"


def _expected(key: str) -> str:
    leaf = key.rsplit(".", 1)[-1]
    if leaf == "architectures":
        return 'a list of class-name strings, e.g. ["LlamaForCausalLM"]'
    if leaf in ("text_config", "vision_config", "quantization_config"):
        return "an object"
    if leaf == "tie_word_embeddings":
        return "true or false"
    if leaf in ("model_type", "torch_dtype"):
        return "a string"
    field = _Sizes.model_fields.get(leaf)
    if field is not None and any(getattr(m, "ge", None) == 0 for m in field.metadata):
        return "a non-negative integer"
    return "a positive integer"
