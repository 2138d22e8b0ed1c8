"""Throughput of the local Generative AI control plane, inference and Hub, printed as JSON.

- hub: `model_info(files_metadata=True)` and `get_safetensors_metadata` on a 170-shard repo of
  sparse files (about 850 GB apparent, a few MB on disk), cold then warm; ranged GETs per
  second of 8-byte safetensors prefixes over keep-alive connections;
- genai: signed SDK creates and gets per second, and the time to page through N clusters;
- inference: chat calls per second through the real inference client.

The server runs as `model-import local up` in its own process, so the client's work is not
counted against it. Usage: `python -m bench.genai_hub [--seconds S] [--threads N] [--clusters K]`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import statistics
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import oci
from huggingface_hub import HfApi

from bench.local_up import start_local_up
from shared.clients import ClientFactory, LocalCloudInfo

SHARDS = 170
SHARD_APPARENT_BYTES = 5_000_000_000
M = oci.generative_ai.models
IM = oci.generative_ai_inference.models


def start_server(state_dir: Path) -> tuple[subprocess.Popen[bytes], Path]:
    return start_local_up(state_dir)


def write_sharded_repo(folder: Path) -> None:
    """170 shards, each a real safetensors header followed by a sparse hole up to 5 GB."""
    folder.mkdir(parents=True, exist_ok=True)
    weight_map = {}
    for i in range(SHARDS):
        name = f"model-{i + 1:05d}-of-{SHARDS:05d}.safetensors"
        header: dict[str, Any] = {}
        offset = 0
        for t in range(8):
            n = 16384 * 16384 * 2
            tensor = f"model.layers.{i}.t{t}.weight"
            header[tensor] = {"dtype": "BF16", "shape": [16384, 16384], "data_offsets": [offset, offset + n]}
            weight_map[tensor] = name
            offset += n
        raw = json.dumps(header).encode()
        raw += b" " * (-len(raw) % 8)
        with (folder / name).open("wb") as f:
            f.write(struct.pack("<Q", len(raw)) + raw)
            f.truncate(max(SHARD_APPARENT_BYTES, 8 + len(raw) + offset))
    (folder / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {}, "weight_map": weight_map})
    )
    (folder / "config.json").write_text(
        json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"})
    )


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def rate(fn: Callable[[], Any], seconds: float) -> dict[str, Any]:
    latencies = []
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        latencies.append(timed(fn))
    latencies.sort()
    return {
        "per_second": round(len(latencies) / sum(latencies), 1),
        "calls": len(latencies),
        "latency_ms_p50": round(statistics.median(latencies) * 1000, 2),
        "latency_ms_p95": round(latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000, 2),
    }


def bench_hub(info: LocalCloudInfo, state_dir: Path, seconds: float, threads: int) -> dict[str, Any]:
    write_sharded_repo(state_dir / "hub" / "bench" / "big")
    api = HfApi(endpoint=info.hub_endpoint, token=False)
    out: dict[str, Any] = {"shards": SHARDS, "apparent_gb": round(SHARDS * SHARD_APPARENT_BYTES / 1e9)}
    out["model_info_cold_s"] = round(timed(lambda: api.model_info("bench/big", files_metadata=True)), 3)
    out["model_info_warm_s"] = round(timed(lambda: api.model_info("bench/big", files_metadata=True)), 3)
    out["safetensors_metadata_s"] = round(timed(lambda: api.get_safetensors_metadata("bench/big")), 3)
    out["sharded_safetensors_metadata_one_request_s"] = round(
        timed(lambda: api.get_sharded_safetensors_metadata("bench/big")), 3
    )

    base = urlsplit(info.hub_endpoint)
    counts: list[int] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(seed: int) -> None:
        conn = http.client.HTTPConnection(base.hostname or "127.0.0.1", base.port, timeout=10)
        n = 0
        while time.monotonic() < stop_at:
            shard = f"model-{(seed + n) % SHARDS + 1:05d}-of-{SHARDS:05d}.safetensors"
            conn.request("GET", f"{base.path}/bench/big/resolve/main/{shard}", headers={"Range": "bytes=0-7"})
            resp = conn.getresponse()
            assert resp.status == 206 and len(resp.read()) == 8
            n += 1
        conn.close()
        with lock:
            counts.append(n)

    began = time.monotonic()
    pool = [threading.Thread(target=worker, args=(i * 31,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out["ranged_gets_per_second"] = round(sum(counts) / (time.monotonic() - began), 1)
    out["ranged_get_threads"] = threads
    return out


def bench_genai(
    factory: ClientFactory, info: LocalCloudInfo, seconds: float, clusters: int
) -> dict[str, Any]:
    config = oci.config.from_file(info.config_file, info.profile)
    client = oci.generative_ai.GenerativeAiClient(config, service_endpoint=info.endpoint)
    details = M.CreateDedicatedAiClusterDetails(
        compartment_id=info.compartment_id,
        type="HOSTING",
        unit_count=1,
        unit_shape="A10_X1",
        display_name="b",
    )
    created: list[str] = []
    out: dict[str, Any] = {}
    out["create_cluster"] = rate(
        lambda: created.append(client.create_dedicated_ai_cluster(details).data.id), seconds
    )
    while len(created) < clusters:
        created.append(client.create_dedicated_ai_cluster(details).data.id)
    out["get_cluster"] = rate(lambda: client.get_dedicated_ai_cluster(created[0]), seconds)
    t0 = time.perf_counter()
    listed = oci.pagination.list_call_get_all_results(
        client.list_dedicated_ai_clusters, compartment_id=info.compartment_id, limit=100
    ).data
    out["list_all_clusters_s"] = round(time.perf_counter() - t0, 3)
    out["clusters_listed"] = len(listed)
    return out


def bench_inference(info: LocalCloudInfo, seconds: float) -> dict[str, Any]:
    config = oci.config.from_file(info.config_file, info.profile)
    control = oci.generative_ai.GenerativeAiClient(config, service_endpoint=info.endpoint)
    inference = oci.generative_ai_inference.GenerativeAiInferenceClient(
        config, service_endpoint=info.endpoint
    )
    ops = oci.generative_ai.GenerativeAiClientCompositeOperations(control)
    oci.object_storage.ObjectStorageClient(config, service_endpoint=info.endpoint).put_object(
        info.namespace, info.bucket, "models/bench/config.json", b"{}"
    )
    wait = {"wait_for_states": ["SUCCEEDED", "FAILED"], "waiter_kwargs": {"max_wait_seconds": 60}}
    model = ops.create_imported_model_and_wait_for_state(
        M.CreateImportedModelDetails(
            compartment_id=info.compartment_id,
            capabilities=["TEXT_TO_TEXT"],
            data_source=M.ObjectStorageObject(
                namespace_name=info.namespace, bucket_name=info.bucket, prefix_name="models/bench/"
            ),
        ),
        **wait,
    ).data.resources[0]
    cluster = ops.create_dedicated_ai_cluster_and_wait_for_state(
        M.CreateDedicatedAiClusterDetails(
            compartment_id=info.compartment_id, type="HOSTING", unit_count=1, unit_shape="A10_X1"
        ),
        **wait,
    ).data.resources[0]
    endpoint = ops.create_endpoint_and_wait_for_state(
        M.CreateEndpointDetails(
            compartment_id=info.compartment_id,
            model_id=model.identifier,
            dedicated_ai_cluster_id=cluster.identifier,
        ),
        **wait,
    ).data.resources[0]
    chat = IM.ChatDetails(
        compartment_id=info.compartment_id,
        serving_mode=IM.DedicatedServingMode(endpoint_id=endpoint.identifier),
        chat_request=IM.GenericChatRequest(messages=[IM.UserMessage(content=[IM.TextContent(text="hello")])]),
    )
    return {"chat": rate(lambda: inference.chat(chat), seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="duration of each rate measurement")
    parser.add_argument("--threads", type=int, default=4, help="client threads for ranged GETs")
    parser.add_argument("--clusters", type=int, default=500, help="clusters to page through")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-genai-hub-") as tmp:
        state_dir = Path(tmp) / "cloud"
        proc, info_file = start_server(state_dir)
        try:
            info = LocalCloudInfo.load(info_file)
            factory = ClientFactory(env={"MODEL_IMPORT_LOCALCLOUD": str(info_file)})
            result = {
                "hub": bench_hub(info, state_dir, args.seconds, args.threads),
                "genai": bench_genai(factory, info, args.seconds, args.clusters),
                "inference": bench_inference(info, args.seconds),
            }
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
