"""Token ids of SentencePiece models and Mistral's tekken.json against the embedding rows (issue 11,
kind 6), read without sentencepiece or mistral_common. On the previous tree neither file was read:
a folder whose only tokenizer emits ids past the embedding was accepted."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

from shared.findings import Severity
from shared.inspection import LocalFolderSource, inspect_artifacts
from shared.inspection.checks.token_ids import MAX_ITEMS, ids_from_sentencepiece, ids_from_tekken
from tests.shared.inspection.builders import (
    CHAT_TOKENIZER_CONFIG,
    TINY_LLAMA_CONFIG,
    tiny_llama_tensors,
    write_model,
)

SPM = Path(__file__).resolve().parents[2] / "fixtures" / "tokenizers" / "tiny-unigram-300.model"


def codes(report: Any) -> list[str]:
    return [f.code for f in report.findings]


def model_folder(root: Path, rows: int, files: dict[str, bytes]) -> Path:
    """A tiny Llama whose embedding has `rows` rows, with the given tokenizer files (no tokenizer.json
    unless given)."""
    config = {**TINY_LLAMA_CONFIG, "vocab_size": rows}
    write_model(root, config, {"model.safetensors": tiny_llama_tensors(vocab=rows)}, tokenizer=False)
    (root / "tokenizer_config.json").write_text(json.dumps(CHAT_TOKENIZER_CONFIG))
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root


# --- SentencePiece -------------------------------------------------------------------------------


def test_a_real_sentencepiece_model_counts_its_pieces() -> None:
    ids = ids_from_sentencepiece(SPM.read_bytes(), "tokenizer.model")
    assert ids is not None and ids.max_id == 299 and ids.source == "tokenizer.model"


def test_a_sentencepiece_model_beyond_the_embedding_is_refused(tmp_path: Path) -> None:
    ok = inspect_artifacts(
        LocalFolderSource(model_folder(tmp_path / "ok", 300, {"tokenizer.model": SPM.read_bytes()}))
    )
    assert "TOKENIZER_ID_OUT_OF_RANGE" not in codes(ok)
    small = model_folder(tmp_path / "small", 256, {"tokenizer.model": SPM.read_bytes()})
    report = inspect_artifacts(LocalFolderSource(small))
    bad = [f for f in report.findings if f.code == "TOKENIZER_ID_OUT_OF_RANGE"]
    assert not report.ok and bad and "tokenizer.model can emit token id 299" in bad[0].message
    assert "256 rows" in bad[0].message


def test_spiece_and_sentencepiece_bpe_names_are_read_too(tmp_path: Path) -> None:
    for name in ("spiece.model", "sentencepiece.bpe.model"):
        report = inspect_artifacts(
            LocalFolderSource(model_folder(tmp_path / name, 200, {name: SPM.read_bytes()}))
        )
        assert "TOKENIZER_ID_OUT_OF_RANGE" in codes(report)


def test_tokenizer_json_is_the_one_in_use_beside_a_sentencepiece_model(tmp_path: Path) -> None:
    """The engines build the fast tokenizer from tokenizer.json; the SentencePiece file is then unread."""
    hf = json.dumps({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}}}).encode()
    folder = model_folder(tmp_path, 64, {"tokenizer.model": SPM.read_bytes(), "tokenizer.json": hf})
    assert "TOKENIZER_ID_OUT_OF_RANGE" not in codes(inspect_artifacts(LocalFolderSource(folder)))


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append(n & 0x7F | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def test_the_protobuf_walk_follows_the_wire_format() -> None:
    """ModelProto per sentencepiece_model.proto: pieces (1) each {piece (1), score (2, float), type (3)},
    trainer_spec (2), normalizer_spec (3); the specs' fields are skipped, not counted."""
    piece = _field(1, b"ab") + b"\x15" + struct.pack("<f", -1.5) + b"\x18\x01"
    model = _field(2, b"\x20" + _varint(32000)) + b"".join(_field(1, piece) for _ in range(5))
    model += _field(3, _field(1, b"identity"))
    ids = ids_from_sentencepiece(model, "tokenizer.model")
    assert ids is not None and ids.max_id == 4


def test_what_is_not_a_sentencepiece_model_gives_no_count() -> None:
    valid = SPM.read_bytes()
    assert ids_from_sentencepiece(valid[:-3], "x") is None  # cut inside a field
    assert ids_from_sentencepiece(b"\x0a" + b"\x00" * 4096, "x") is None  # a zero-filled placeholder: field 0
    assert (
        ids_from_sentencepiece(b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "x") is None
    )  # 2**64 length
    assert ids_from_sentencepiece(b"\x0b", "x") is None  # wire type 3 (a group)
    assert ids_from_sentencepiece(b"", "x") is None
    assert ids_from_sentencepiece(b"\x08\x00" * (MAX_ITEMS + 20), "x") is None  # more fields than any model


# --- tekken.json -----------------------------------------------------------------------------------


def tekken(vocab_size: int) -> bytes:
    """tekken.json as mistral_common reads it: its config first, then the ranked vocabulary."""
    doc = {
        "config": {
            "pattern": r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*",
            "num_vocab_tokens": 150000,
            "default_vocab_size": vocab_size,
            "default_num_special_tokens": 1000,
            "version": "v3",
        },
        "vocab": [
            {"rank": i, "token_bytes": "YQ==", "token_str": '"config": {"default_vocab_size": 9}'}
            for i in range(3)
        ],
        "special_tokens": [{"rank": 0, "token_str": "<unk>", "is_control": True}],
    }
    return json.dumps(doc).encode()


def test_tekken_ids_come_from_its_config_not_from_token_text() -> None:
    ids = ids_from_tekken(tekken(131072))
    assert ids is not None and ids.max_id == 131071
    assert ids_from_tekken(b'{"vocab": []}') is None
    assert ids_from_tekken(b'{"config": {"default_vocab_size": "many"}}') is None


def test_tekken_alone_is_checked_as_the_tokenizer(tmp_path: Path) -> None:
    fits = model_folder(tmp_path / "fits", 1024, {"tekken.json": tekken(1024)})
    assert "TOKENIZER_ID_OUT_OF_RANGE" not in codes(inspect_artifacts(LocalFolderSource(fits)))
    over = model_folder(tmp_path / "over", 1000, {"tekken.json": tekken(1024)})
    report = inspect_artifacts(LocalFolderSource(over))
    assert not report.ok and "TOKENIZER_ID_OUT_OF_RANGE" in codes(report)


def test_tekken_beside_a_hugging_face_tokenizer_is_a_warning(tmp_path: Path) -> None:
    hf = json.dumps({"model": {"type": "BPE", "vocab": {"a": 0}}}).encode()
    folder = model_folder(tmp_path, 1000, {"tekken.json": tekken(1024), "tokenizer.json": hf})
    report = inspect_artifacts(LocalFolderSource(folder))
    found = [f for f in report.findings if f.code == "TOKENIZER_TEKKEN_OUT_OF_RANGE"]
    assert found and found[0].severity is Severity.WARNING and "1024 token ids" in found[0].message
    assert "TOKENIZER_ID_OUT_OF_RANGE" not in codes(report)
