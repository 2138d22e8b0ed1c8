"""BERT and (XLM-)RoBERTa encoders, served by OCI as EMBEDDING (`BertModel`, `XLMRobertaModel`)
and RERANK (`*ForSequenceClassification`) models.

Names and shapes (transformers models/bert/modeling_bert.py and roberta/modeling_roberta.py;
vLLM bert.py and roberta.py): `embeddings.word_embeddings` [vocab, hidden],
`embeddings.position_embeddings` [max_position_embeddings, hidden] (RoBERTa's 514 include its
padding offset), `embeddings.token_type_embeddings` [type_vocab_size, hidden] and
`embeddings.LayerNorm`; per layer under `encoder.layer.N.`: `attention.self.{query,key,value}`
and `attention.output.dense` [hidden, hidden] with biases, `attention.output.LayerNorm`,
`intermediate.dense` [intermediate, hidden], `output.dense` [hidden, intermediate], both biased,
and `output.LayerNorm`.

Heads, at the top of the checkpoint (the body sits under `bert.` / `roberta.` there):
`BertForSequenceClassification` has the pooler (`bert.pooler.dense` [hidden, hidden]) and
`classifier` [num_labels, hidden] with bias; `(XLM)RobertaForSequenceClassification` has no
pooler and `classifier.dense` [hidden, hidden] plus `classifier.out_proj` [num_labels, hidden],
both biased. A bare `BertModel`/`XLMRobertaModel` may carry the pooler or not (sentence-
transformers saves it; the engines pool themselves and ignore it).

Checkpoints saved by old BERT code name LayerNorm parameters `gamma`/`beta`; transformers renames
them on load, so both spellings are accepted.
"""

from __future__ import annotations

from collections.abc import Iterator

from shared.inspection.expected.base import Expected, OneOf, Tensor, optional
from shared.inspection.sizing import TextDims

#: BertConfig's default `type_vocab_size`, for a config that leaves it out
_TYPE_VOCAB_DEFAULT = 2
#: BertConfig's default `max_position_embeddings`
_POSITIONS_DEFAULT = 512


def layer_norm(name: str, hidden: int) -> OneOf:
    return OneOf(
        (
            ((f"{name}.weight", (hidden,)), (f"{name}.bias", (hidden,))),
            ((f"{name}.gamma", (hidden,)), (f"{name}.beta", (hidden,))),
        )
    )


def linear(name: str, rows: int, cols: int) -> Iterator[Tensor]:
    yield f"{name}.weight", (rows, cols)
    yield f"{name}.bias", (rows,)


class Encoder:
    anchor = "embeddings.word_embeddings.weight"

    def __init__(self, roberta_head: bool) -> None:
        self.roberta_head = roberta_head

    def top(self, d: TextDims) -> Iterator[Expected]:
        h = d.hidden
        yield "embeddings.word_embeddings.weight", (d.vocab, h)
        yield "embeddings.position_embeddings.weight", (d.max_positions or _POSITIONS_DEFAULT, h)
        yield "embeddings.token_type_embeddings.weight", (d.type_vocab or _TYPE_VOCAB_DEFAULT, h)
        yield layer_norm("embeddings.LayerNorm", h)

    def layer_prefix(self, i: int) -> str:
        return f"encoder.layer.{i}."

    def layer(self, d: TextDims, i: int) -> Iterator[Expected]:
        h, inner = d.hidden, d.heads * d.head_dim
        for proj in ("query", "key", "value"):
            yield from linear(f"attention.self.{proj}", inner, h)
        yield from linear("attention.output.dense", h, inner)
        yield layer_norm("attention.output.LayerNorm", h)
        yield from linear("intermediate.dense", d.intermediate, h)
        yield from linear("output.dense", h, d.intermediate)
        yield layer_norm("output.LayerNorm", h)

    def head(self, d: TextDims, arch: str, labels: int, prefix: str) -> list[Expected] | None:
        h = d.hidden
        pooler = list(linear(f"{prefix}pooler.dense", h, h))
        if arch.endswith("ForSequenceClassification"):
            if self.roberta_head:
                return [*linear("classifier.dense", h, h), *linear("classifier.out_proj", labels, h)]
            return [*pooler, *linear("classifier", labels, h)]
        if arch.endswith("Model"):
            return [optional(*pooler)]
        return []  # masked-LM and other heads: not what OCI serves these models as
