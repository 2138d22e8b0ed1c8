"""Inspection cost for a 405B-shaped model of ~170 shards, printed as JSON.

The model is synthetic but shaped like Llama-3.1-405B in BF16 (126 layers, hidden 16384,
MLP 53248, vocab 128256): real safetensors headers in sparse files (about 810 GB of
apparent size, a few hundred kB on disk), the tensors packed into shards of at most 5.4 GB in
state-dict order the way transformers shards, an index, config.json and a
tokenizer_config.json with a chat template.

Measured, for sequential and for concurrent header reads, each in a fresh process:
bytes read against the physical minimum (config.json + tokenizer_config.json + every
shard's 8 + N header bytes; the index, which the checks must read in full, is reported
beside it), requests per shard, wall time and peak RSS. `--latency-ms` adds a per-request
delay to stand for a network round trip (default 20 ms), which is where concurrency pays.

Three places hold the model (`--via`, default all):
- `folder`: a local folder, with the latency added per read;
- `localcloud`: Object Storage of a local cloud (`model-import local up` in its own process),
  read with the real `oci` SDK over HTTP, signed requests and all;
- `hub`: the local cloud's Hugging Face Hub, with the latency injected by the server on every
  Hub request. Side by side in the same run: `inspect hf://bench/llama-405b-shaped` (our
  `HubSource` through `inspect_artifacts`, as the command runs it) and the Hub client's own
  `huggingface_hub.HfApi.get_safetensors_metadata`, each in a fresh process, both counted
  at the HTTP transport of huggingface_hub's shared client (requests and bytes received).

Usage: `python -m bench.inspect_headers [--latency-ms 20] [--via folder|localcloud|hub|all] [--keep DIR]`
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import httpx2
from huggingface_hub import HfApi, set_client_factory
from huggingface_hub.utils._http import hf_request_event_hook

from bench.local_up import start_local_up
from shared.clients import LOCALCLOUD_ENV, ClientFactory, LocalCloudInfo
from shared.inspection import (
    ArtifactSource,
    HubSource,
    LocalFolderSource,
    ObjectStorageSource,
    inspect_artifacts,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
HUB_REPO = "bench/llama-405b-shaped"

HIDDEN, INTER, LAYERS, HEADS, KV_HEADS, VOCAB = 16384, 53248, 126, 128, 8, 128256
HEAD_DIM = HIDDEN // HEADS
MAX_SHARD_BYTES = 5_400_000_000  # gives 170 shards (Meta's own 405B upload has 191)

CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 128000,
    "eos_token_id": [128001, 128008, 128009],
    "hidden_act": "silu",
    "hidden_size": HIDDEN,
    "initializer_range": 0.02,
    "intermediate_size": INTER,
    "max_position_embeddings": 131072,
    "mlp_bias": False,
    "model_type": "llama",
    "num_attention_heads": HEADS,
    "num_hidden_layers": LAYERS,
    "num_key_value_heads": KV_HEADS,
    "pretraining_tp": 1,
    "rms_norm_eps": 1e-05,
    "rope_scaling": {
        "factor": 8.0,
        "low_freq_factor": 1.0,
        "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8192,
        "rope_type": "llama3",
    },
    "rope_theta": 500000.0,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.42.3",
    "use_cache": True,
    "vocab_size": VOCAB,
}


def state_dict_shapes() -> list[tuple[str, list[int]]]:
    tensors: list[tuple[str, list[int]]] = [("model.embed_tokens.weight", [VOCAB, HIDDEN])]
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        tensors += [
            (p + "input_layernorm.weight", [HIDDEN]),
            (p + "self_attn.q_proj.weight", [HEADS * HEAD_DIM, HIDDEN]),
            (p + "self_attn.k_proj.weight", [KV_HEADS * HEAD_DIM, HIDDEN]),
            (p + "self_attn.v_proj.weight", [KV_HEADS * HEAD_DIM, HIDDEN]),
            (p + "self_attn.o_proj.weight", [HIDDEN, HEADS * HEAD_DIM]),
            (p + "post_attention_layernorm.weight", [HIDDEN]),
            (p + "mlp.gate_proj.weight", [INTER, HIDDEN]),
            (p + "mlp.up_proj.weight", [INTER, HIDDEN]),
            (p + "mlp.down_proj.weight", [HIDDEN, INTER]),
        ]
    tensors += [("model.norm.weight", [HIDDEN]), ("lm_head.weight", [VOCAB, HIDDEN])]
    return tensors


def shard(tensors: list[tuple[str, list[int]]]) -> list[list[tuple[str, list[int]]]]:
    """Greedy packing in state-dict order, as transformers' `split_torch_state_dict_into_shards`."""
    shards: list[list[tuple[str, list[int]]]] = [[]]
    size = 0
    for name, shape in tensors:
        nbytes = math.prod(shape) * 2
        if shards[-1] and size + nbytes > MAX_SHARD_BYTES:
            shards.append([])
            size = 0
        shards[-1].append((name, shape))
        size += nbytes
    return shards


def write_shard(path: Path, tensors: list[tuple[str, list[int]]]) -> None:
    """Header as the safetensors writer lays it out: compact JSON, tensors by name, padded to 8 bytes."""
    doc: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape in sorted(tensors):
        nbytes = math.prod(shape) * 2
        doc[name] = {"dtype": "BF16", "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    raw = json.dumps(doc, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(raw)) + raw)
        fh.truncate(8 + len(raw) + offset)


def build(root: Path) -> dict[str, Any]:
    root.mkdir(parents=True, exist_ok=True)
    (root / "config.json").write_text(json.dumps(CONFIG, indent=2))
    special = {
        str(128000 + i): {
            "content": f"<|reserved_special_token_{i}|>",
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for i in range(256)
    }
    template = (
        "{{- bos_token }}{%- for message in messages %}<|start_header_id|>{{ message['role'] }}"
        "<|end_header_id|>\n\n{{ message['content'] | trim }}<|eot_id|>{%- endfor %}" * 20
    )
    (root / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "added_tokens_decoder": special,
                "bos_token": "<|begin_of_text|>",
                "chat_template": template,
                "clean_up_tokenization_spaces": True,
                "eos_token": "<|eot_id|>",
                "model_max_length": 131072,
                "tokenizer_class": "PreTrainedTokenizerFast",
            },
            indent=2,
        )
    )
    (root / "tokenizer.json").write_bytes(b"{}")  # present; its size does not matter, it is never read
    layout = shard(state_dict_shapes())
    count = len(layout)
    weight_map = {}
    for i, tensors in enumerate(layout, 1):
        name = f"model-{i:05d}-of-{count:05d}.safetensors"
        write_shard(root / name, tensors)
        weight_map.update({t: name for t, _ in tensors})
    total = sum(math.prod(s) * 2 for t in layout for _, s in t)
    (root / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2)
    )
    return {"shards": count, "apparent_gb": round(total / 1e9, 1)}


class DelayedFolder(LocalFolderSource):
    """The local folder with a fixed delay per request, standing for a network round trip."""

    def __init__(self, path: Path, latency_s: float) -> None:
        super().__init__(path)
        self.latency_s = latency_s

    def _read(self, name: str, start: int, length: int) -> bytes:
        time.sleep(self.latency_s)
        return super()._read(name, start, length)


def minimum_bytes(root: Path) -> dict[str, int]:
    headers = 0
    for path in root.glob("*.safetensors"):
        with open(path, "rb") as fh:
            headers += 8 + struct.unpack("<Q", fh.read(8))[0]
    return {
        "config": (root / "config.json").stat().st_size,
        "tokenizer_config": (root / "tokenizer_config.json").stat().st_size,
        "headers": headers,
        "index": (root / "model.safetensors.index.json").stat().st_size,
    }


class CountingTransport(httpx2.HTTPTransport):
    """huggingface_hub's transport, counting every request and the bytes each response carried."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0
        self.bytes_received = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = super().handle_request(request)
        body = response.read()  # the bytes on the wire (before any content decoding)
        with self._lock:
            self.requests += 1
            self.bytes_received += len(body)
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            content=body,
            request=request,
            extensions=response.extensions,
        )


def count_hub_traffic() -> CountingTransport:
    """Make huggingface_hub's shared client (which HubSource also uses) go through a counter."""
    transport = CountingTransport()
    set_client_factory(
        lambda: httpx2.Client(
            transport=transport,
            event_hooks={"request": [hf_request_event_hook]},
            follow_redirects=True,
            timeout=None,
        )
    )
    return transport


def child(root: Path, mode: str, latency_ms: float, via: str) -> dict[str, Any]:
    if via == "hub" and mode == "hub_client":
        return hub_client_child()
    src: ArtifactSource
    transport: CountingTransport | None = None
    if via == "localcloud":
        info = LocalCloudInfo.load(os.environ[LOCALCLOUD_ENV])
        src = ObjectStorageSource(
            ClientFactory().object_storage(), info.namespace, info.bucket, "models/bench/"
        )
    elif via == "hub":
        transport = count_hub_traffic()
        src = HubSource(HUB_REPO, endpoint=LocalCloudInfo.load(os.environ[LOCALCLOUD_ENV]).hub_endpoint)
    else:
        src = DelayedFolder(root, latency_ms / 1000)
    src.max_concurrency = 1 if mode == "sequential" else 16
    started = time.perf_counter()
    report = inspect_artifacts(src)
    wall = time.perf_counter() - started
    shards = [n for n in src.stats.requests_by_file if n.endswith(".safetensors")]
    header_requests = sum(src.stats.requests_by_file[n] for n in shards)
    run = {
        "via": via,
        "mode": mode,
        "ok": report.ok,
        "parameters": report.parameters,
        "recommended_shape": report.recommended_shape,
        "memory_gib": report.memory_gib,
        "requests_total": src.stats.requests,
        "header_requests": header_requests,
        "requests_per_shard": round(header_requests / max(1, len(shards)), 4),
        "bytes_read": src.stats.bytes_read,
        "wall_s": round(wall, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "header_bytes_read": sum(src.stats.bytes_by_file[n] for n in shards),
    }
    if transport is not None:  # the listing (model info) is a request too: count what crossed the wire
        run["http_requests"] = transport.requests
        run["http_bytes_received"] = transport.bytes_received
    return run


def hub_client_child() -> dict[str, Any]:
    """`HfApi.get_safetensors_metadata` on the same repo, measured the same way."""
    transport = count_hub_traffic()
    api = HfApi(endpoint=LocalCloudInfo.load(os.environ[LOCALCLOUD_ENV]).hub_endpoint, token=False)
    started = time.perf_counter()
    meta = api.get_safetensors_metadata(HUB_REPO)
    wall = time.perf_counter() - started
    return {
        "via": "hub",
        "mode": "huggingface_hub.get_safetensors_metadata",
        "parameters": sum(meta.parameter_count.values()),
        "shards": len(meta.files_metadata),
        "http_requests": transport.requests,
        "http_bytes_received": transport.bytes_received,
        "requests_per_shard": round(transport.requests / max(1, len(meta.files_metadata)), 4),
        "wall_s": round(wall, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_child(root: Path, mode: str, via: str, latency_ms: float, env: dict[str, str]) -> dict[str, Any]:
    argv = [sys.executable, "-m", "bench.inspect_headers", "--child", str(root), mode, via]
    argv += ["--latency-ms", str(latency_ms)]
    out = subprocess.run(argv, check=True, capture_output=True, text=True, env=env, cwd=REPO_ROOT).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--via", choices=["folder", "localcloud", "hub", "all"], default="all")
    parser.add_argument("--keep", type=Path, help="build the model here and keep it")
    parser.add_argument("--child", nargs=3, metavar=("DIR", "MODE", "VIA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(Path(args.child[0]), args.child[1], args.latency_ms, args.child[2])))
        return
    vias = ["folder", "localcloud", "hub"] if args.via == "all" else [args.via]
    with tempfile.TemporaryDirectory() as tmp:
        state_dir = Path(tmp) / "localcloud"
        # Built where the local Hub serves repositories from, so every place reads the same files.
        root = args.keep or state_dir / "hub" / HUB_REPO
        model = build(root)
        if args.keep:
            (state_dir / "hub" / HUB_REPO).parent.mkdir(parents=True, exist_ok=True)
            (state_dir / "hub" / HUB_REPO).symlink_to(root.resolve())
        minimum = minimum_bytes(root)
        physical_minimum = minimum["config"] + minimum["tokenizer_config"] + minimum["headers"]
        runs = []
        server = start_localcloud(state_dir, root) if {"localcloud", "hub"} & set(vias) else None
        env = {**os.environ, **({LOCALCLOUD_ENV: str(server[1])} if server else {})}
        try:
            for via in vias:
                if via == "hub" and server:
                    add_hub_latency(LocalCloudInfo.load(server[1]), args.latency_ms)
                for mode in ("sequential", "concurrent"):
                    runs.append(run_child(root, mode, via, args.latency_ms, env))
            hub_client = run_child(root, "hub_client", "hub", args.latency_ms, env) if "hub" in vias else None
        finally:
            if server:
                server[0].send_signal(signal.SIGINT)
                server[0].wait(timeout=30)
        for run in runs:
            read_excl_index = run["bytes_read"] - minimum["index"]
            run["bytes_vs_minimum"] = round(read_excl_index / physical_minimum, 4)
            run["bytes_vs_minimum_with_index"] = round(
                run["bytes_read"] / (physical_minimum + minimum["index"]), 4
            )
            run["header_bytes_vs_minimum"] = round(run.pop("header_bytes_read") / minimum["headers"], 4)
        speedup = {
            runs[i]["via"]: round(runs[i]["wall_s"] / max(runs[i + 1]["wall_s"], 1e-9), 2)
            for i in range(0, len(runs), 2)
        }
        result: dict[str, Any] = {
            "model": {**model, "layers": LAYERS, "hidden": HIDDEN, "disk_kb": _disk_kb(root)},
            "latency_ms_per_request": args.latency_ms,
            "note": "folder: latency added per read; localcloud: real HTTP on loopback, no added latency; "
            "hub: the local Hub adds latency_ms to every request",
            "physical_minimum_bytes": physical_minimum,
            "minimum_parts": minimum,
            "targets": {"bytes_vs_minimum": 1.05, "requests_per_shard": 1.1, "peak_rss_mb": 150},
            "runs": runs,
            "speedup_concurrent": speedup,
        }
        if hub_client is not None:
            ours = next(r for r in runs if r["via"] == "hub" and r["mode"] == "concurrent")
            hub_client["header_bytes_vs_minimum"] = round(
                (hub_client["http_bytes_received"] - minimum["index"]) / minimum["headers"], 4
            )
            result["hub_side_by_side"] = {
                "repo": f"hf://{HUB_REPO}",
                "inspect_concurrent": {
                    k: ours[k]
                    for k in ("http_requests", "http_bytes_received", "wall_s", "peak_rss_mb", "parameters")
                },
                "huggingface_hub_get_safetensors_metadata": hub_client,
                "note": "inspect also lists the repo and reads config.json, tokenizer_config.json "
                "and the index, and runs every check; the Hub client reads the index and the headers",
            }
        print(json.dumps(result, indent=2))


def add_hub_latency(info: LocalCloudInfo, latency_ms: float) -> None:
    """A latency fault on every Hub request, applied by the server before it answers."""
    if latency_ms <= 0:
        return
    body = json.dumps({"action": "latency", "latency_seconds": latency_ms / 1000, "service": "hub"}).encode()
    request = urllib.request.Request(
        info.admin + "/faults", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        resp.read()


def start_localcloud(state_dir: Path, root: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """`model-import local up` in its own process, with the model staged under models/bench/ by links."""
    proc, info_file = start_local_up(state_dir, "--no-function")
    info = LocalCloudInfo.load(info_file)
    body = json.dumps({"folder": str(root), "prefix": "models/bench/"}).encode()
    request = urllib.request.Request(
        info.admin + "/stage", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as resp:
        resp.read()
    return proc, info_file


def _disk_kb(root: Path) -> int:
    return sum(p.stat().st_blocks * 512 for p in root.iterdir()) // 1024


if __name__ == "__main__":
    main()
