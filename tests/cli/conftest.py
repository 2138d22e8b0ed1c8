"""Helpers for driving `model-import` in-process against a running local cloud.

`cli(*argv)` runs `cli.main.main` with the local cloud's environment and returns
(exit code, stdout, stderr). `deploy(name)` creates an imported model, a hosting cluster and an
endpoint through the pipeline's own `GenAiOps` (so they carry the pipeline's tags), and writes
a DONE state document for them through the pipeline's `StateStore`.
"""

from __future__ import annotations

import io
import json
import math
import random
import struct
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from shared.contract.manifest import Capability, ImportOptions
from shared.contract.paths import SourceKind, manifest_object, model_prefix
from shared.contract.state import ImportState, Plan, Source, Stage, make_import_id, utcnow
from shared.pipeline.genai_ops import GenAiOps, Kind
from shared.pipeline.store import StateStore


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Deployed:
    name: str
    state: ImportState
    model_id: str
    cluster_id: str | None
    endpoint_id: str | None


class CliHarness:
    def __init__(self, handle: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.handle = handle
        for key in (
            "OCI_CLI_PROFILE",
            "OCI_CLI_CONFIG_FILE",
            "OCI_CLI_REGION",
            "OCI_CLI_AUTH",
            "OCI_CLI_COMPARTMENT_ID",
            "COMPARTMENT_ID",
            "BUCKET_NAME",
            "STATE_BUCKET_NAME",
            "NAMESPACE",
            "AI_UNIT_PRICE_PER_HOUR",
            "HF_TOKEN",
        ):
            monkeypatch.delenv(key, raising=False)
        for key, value in handle.env.items():
            monkeypatch.setenv(key, value)
        self.monkeypatch = monkeypatch
        self.os = handle.factory.object_storage()
        self.genai = handle.factory.generative_ai()
        self.namespace = handle.info.namespace
        self.bucket = handle.info.bucket
        self.state_bucket = handle.info.state_bucket
        self.compartment_id = handle.info.compartment_id
        self.store = StateStore(self.os, self.namespace, self.state_bucket, watched_bucket=self.bucket)
        self.ops = GenAiOps(self.genai, self.compartment_id, sleep=lambda s: None)

    def __call__(self, *argv: str) -> Result:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse usage errors
                code = int(exc.code or 0)
        return Result(code, out.getvalue(), err.getvalue())

    def wait_ready(self, kind: Kind, resource_id: str, work_request_id: str | None) -> None:
        prog = GenAiOps(self.genai, self.compartment_id).wait(kind, resource_id, work_request_id, 30, 0.05)
        assert prog.status == "ACTIVE", prog

    def new_state(self, name: str, stage: Stage = Stage.VALIDATING, **options: Any) -> ImportState:
        now = utcnow()
        etag = f"etag-{name}-{now.timestamp()}"
        return ImportState(
            name=name,
            import_id=make_import_id(name, manifest_object(name), etag),
            source=Source(
                kind=SourceKind.OBJECT_STORAGE,
                namespace=self.namespace,
                bucket=self.bucket,
                object_name=manifest_object(name),
                etag=etag,
                prefix=model_prefix(name),
            ),
            options=ImportOptions(**options),
            stage=stage,
            stage_started_at=now,
            stage_deadline=now + timedelta(minutes=30),
            created_at=now,
            updated_at=now,
        )

    def put_state(self, name: str, stage: Stage, **update: Any) -> ImportState:
        """Write a state document for `name` at `stage`, the fields in `update` replaced."""
        state = self.new_state(name).move_to(stage).model_copy(update=update)
        self.store.put(state, None)
        return state

    def deploy(self, name: str, *, endpoint: bool = True, shape: str = "A10_X1", **options: Any) -> Deployed:
        self.os.put_object(self.namespace, self.bucket, model_prefix(name) + "config.json", b"{}")
        state = self.new_state(name, **options)
        model = self.ops.create_imported_model(state, Capability.TEXT_TO_TEXT)
        self.wait_ready(Kind.IMPORTED_MODEL, model.id, model.work_request_id)
        cluster_id = endpoint_id = None
        if endpoint:
            cluster = self.ops.create_cluster(state, shape)
            self.wait_ready(Kind.CLUSTER, cluster.id, cluster.work_request_id)
            ep = self.ops.create_endpoint(state, model.id, cluster.id)
            self.wait_ready(Kind.ENDPOINT, ep.id, ep.work_request_id)
            cluster_id, endpoint_id = cluster.id, ep.id
        state = state.model_copy(
            update={
                "resources": state.resources.model_copy(
                    update={
                        "imported_model_id": model.id,
                        "cluster_id": cluster_id,
                        "endpoint_id": endpoint_id,
                    }
                ),
                "plan": Plan(capability=Capability.TEXT_TO_TEXT, unit_shape=shape, ai_units=1.77),
            }
        )
        for stage in (Stage.IMPORTING, Stage.PROVISIONING, Stage.DEPLOYING, Stage.SMOKE_TESTING, Stage.DONE):
            state = state.move_to(stage)
        self.store.put(state, None)
        return Deployed(name, state, model.id, cluster_id, endpoint_id)


@pytest.fixture
def cli(localcloud: Any, monkeypatch: pytest.MonkeyPatch) -> CliHarness:
    return CliHarness(localcloud, monkeypatch)


@pytest.fixture
def make_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any], CliHarness]:
    return lambda handle: CliHarness(handle, monkeypatch)


def write_safetensors(path: Path, tensors: dict[str, tuple[str, list[int]]], *, seed: int = 0) -> None:
    """A real safetensors file: 8-byte header length, JSON header, then the tensor bytes."""
    sizes = {"F32": 4, "F16": 2, "BF16": 2}
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        n = sizes[dtype] * math.prod(shape)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    rng = random.Random(seed)
    with path.open("wb") as fh:
        fh.write(struct.pack("<Q", len(raw)))
        fh.write(raw)
        left = offset
        while left:
            chunk = min(left, 1 << 20)
            fh.write(rng.randbytes(chunk))
            left -= chunk


def write_tiny_model(folder: Path, *, hidden: int = 256, layers: int = 2, vocab: int = 1024) -> Path:
    """A small Llama-shaped chat model split in two shards, with an index and tokenizer files.

    With the defaults each shard holds a few MiB, so a 1 MiB part size makes several parts.
    """
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": hidden,
        "intermediate_size": hidden * 2,
        "num_hidden_layers": layers,
        "num_attention_heads": 4,
        "num_key_value_heads": 4,
        "vocab_size": vocab,
        "max_position_embeddings": 2048,
        "torch_dtype": "float32",
        "tie_word_embeddings": False,
    }
    (folder / "config.json").write_text(json.dumps(config, indent=1))
    shard1 = {"model.embed_tokens.weight": ("F32", [vocab, hidden])}
    shard2 = {"lm_head.weight": ("F32", [vocab, hidden]), "model.norm.weight": ("F32", [hidden])}
    for i in range(layers):
        for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
            shard1[f"model.layers.{i}.self_attn.{proj}.weight"] = ("F32", [hidden, hidden])
        for proj, shape in (("gate_proj", [hidden * 2, hidden]), ("up_proj", [hidden * 2, hidden])):
            shard2[f"model.layers.{i}.mlp.{proj}.weight"] = ("F32", shape)
        shard2[f"model.layers.{i}.mlp.down_proj.weight"] = ("F32", [hidden, hidden * 2])
        shard2[f"model.layers.{i}.input_layernorm.weight"] = ("F32", [hidden])
        shard2[f"model.layers.{i}.post_attention_layernorm.weight"] = ("F32", [hidden])
    names = ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")
    weight_map: dict[str, str] = {}
    total = 0
    for seed, (fname, tensors) in enumerate(zip(names, (shard1, shard2), strict=True)):
        write_safetensors(folder / fname, tensors, seed=seed)
        weight_map.update({t: fname for t in tensors})
        total += sum(4 * math.prod(shape) for _, shape in tensors.values())
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index, indent=1))
    vocab_map = {f"t{i}": i for i in range(vocab)}
    tokenizer = {"version": "1.0", "model": {"type": "BPE", "vocab": vocab_map, "merges": []}}
    (folder / "tokenizer.json").write_text(json.dumps(tokenizer))
    (folder / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "bos_token": "t1",
                "eos_token": "t2",
                "chat_template": "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}",
            }
        )
    )
    (folder / "generation_config.json").write_text(json.dumps({"bos_token_id": 1, "eos_token_id": 2}))
    return folder


@pytest.fixture
def tiny_model(tmp_path: Path) -> Callable[..., Path]:
    """`tiny_model(name="tiny", **sizes)` writes a small real model folder under tmp_path."""
    return lambda name="tiny", **kw: write_tiny_model(tmp_path / name, **kw)
