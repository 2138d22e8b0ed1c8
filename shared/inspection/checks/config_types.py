"""config.json keys of the wrong type are CONFIG_INVALID naming the key, never silently ignored.

transformers writes `architectures` as a list of class names and sizes as integers; the
engines build tensors from them (`torch.empty(hidden_size, ...)` refuses a float or a string)
and iterate `architectures` (a bare string iterates per character). The sizing code reads
these keys tolerantly, so a wrong type here must be a finding of its own.

A null is accepted only where transformers substitutes a default for None: `num_key_value_heads`
(LlamaConfig: the attention heads), `head_dim` (hidden size / heads), `rope_scaling`,
`quantization_config`, `text_config` (the wrapper's default text config), token ids, ...
The sizes the layers are built from are stored as given, None included (LlamaConfig.__init__:
`self.vocab_size = vocab_size`), and vLLM then fails building the model (`pad_vocab_size(None)`
in VocabParallelEmbedding, `None // pipeline_parallel_size` for the layers): a null
`vocab_size`, `hidden_size`, `num_hidden_layers`, `num_attention_heads` or `intermediate_size`
in the language model's section is CONFIG_INVALID.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError

from shared.findings import Finding, finding
from shared.inspection.sizing import text_dims, text_section

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


#: the sizes every decoder and encoder builds its layers from; transformers keeps a null as None
NOT_NULL = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size")
#: config classes that do substitute a default for one of them (transformers 4.57.1
#: configuration_*.py: `x if x is not None else ...` / `x or ...`)
_NULL_DEFAULTS: dict[str, frozenset[str]] = {
    "rwkv": frozenset({"intermediate_size"}),  # 4 * hidden_size
    "blt": frozenset({"intermediate_size"}),  # 8 * hidden_size / 3
    "zamba2": frozenset({"intermediate_size"}),  # 4 * hidden_size
    "xlstm": frozenset({"hidden_size", "num_hidden_layers"}),  # embedding_dim, num_blocks
}
_NESTED_TEXT = ("text_config", "llm_config", "language_config")


def check_config_types(config: dict[str, Any]) -> list[Finding]:
    try:
        _TopLevel.model_validate(config)
    except ValidationError as exc:
        return _findings(config, exc)
    return _null_sizes(config)


def _null_sizes(config: dict[str, Any]) -> list[Finding]:
    """Null sizes in the section the engine builds the language model from: a nested text config
    when there is one (a wrapper's own top-level keys are not read then), else the top level."""
    nested = [k for k in _NESTED_TEXT if k in config]
    sections = (
        [(f"{k}.", config[k]) for k in nested if isinstance(config[k], dict)] if nested else [("", config)]
    )
    out: list[Finding] = []
    for prefix, section in sections:
        model_type = section.get("model_type", config.get("model_type"))
        defaulted = (
            _NULL_DEFAULTS.get(model_type, frozenset()) if isinstance(model_type, str) else frozenset()
        )
        for key in NOT_NULL:
            if key in section and section[key] is None and key not in defaulted:
                if key == "intermediate_size" and _experts_everywhere(config):
                    continue  # no dense MLP is built: every layer's MLP is the experts'
                out.append(
                    finding(
                        "CONFIG_INVALID",
                        f"config.json: {prefix}{key}",
                        f"config.json `{prefix}{key}` is null; transformers keeps None for it (no default "
                        "replaces an explicit null) and the engine cannot build the model from it; "
                        f"expected {_expected(key)}",
                    )
                )
    return out


def _experts_everywhere(config: dict[str, Any]) -> bool:
    """Every layer is an MoE layer whose experts have their own width (`moe_intermediate_size`):
    `intermediate_size` is then never read (Qwen3-MoE and DeepSeek build the dense MLP only for
    the layers their placement keys leave dense)."""
    section, _ = text_section(config)
    dims = text_dims(config)
    has_width = isinstance(section.get("moe_intermediate_size"), int)
    return has_width and dims is not None and bool(dims.sparse) and all(dims.sparse)


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
