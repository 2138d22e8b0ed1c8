"""Throughput of the local cloud on loopback, printed as JSON.

- ranged GETs per second: the real SDK reading 64 KiB ranges of a 16 MiB object from
  several threads (what header reads of safetensors shards do);
- events delivered per second: objects written that match a rule, until the runner has
  delivered each to a real fdk process (a no-op function, so this measures the path);
- staging: seconds to place a 100 GiB (sparse) model folder in the bucket by hard links.

The server runs as `model-import local up` in its own process, so the client's work is not
counted against it. Usage: `python -m bench.localcloud [--seconds S] [--threads N] [--events K]`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.local_up import start_local_up
from shared.clients import ClientFactory, LocalCloudInfo

REPO_ROOT = Path(__file__).resolve().parents[1]

OBJECT_SIZE = 16 * 1024 * 1024
RANGE_SIZE = 64 * 1024


def start_server(state_dir: Path, pool_size: int) -> tuple[subprocess.Popen[bytes], Path]:
    noop = str(REPO_ROOT / "bench" / "fn_noop.py")
    return start_local_up(state_dir, "--function", noop, "--pool-size", str(pool_size))


def bench_ranged_gets(
    factory: ClientFactory, info: LocalCloudInfo, seconds: float, threads: int
) -> dict[str, Any]:
    client = factory.object_storage()
    client.put_object(info.namespace, info.bucket, "bench/blob.bin", os.urandom(OBJECT_SIZE))
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(seed: int) -> None:
        own = factory.object_storage()
        rng = random.Random(seed)
        mine = []
        while time.monotonic() < stop_at:
            start = rng.randrange(0, OBJECT_SIZE - RANGE_SIZE)
            t0 = time.perf_counter()
            got = own.get_object(
                info.namespace, info.bucket, "bench/blob.bin", range=f"bytes={start}-{start + RANGE_SIZE - 1}"
            )
            assert len(got.data.content) == RANGE_SIZE
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    began = time.monotonic()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "ranged_gets_per_second": round(len(latencies) / elapsed, 1),
        "requests": len(latencies),
        "range_bytes": RANGE_SIZE,
        "threads": threads,
        "latency_ms_p50": round(statistics.median(latencies) * 1000, 2),
        "latency_ms_p95": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 2),
    }


def bench_events(factory: ClientFactory, info: LocalCloudInfo, count: int) -> dict[str, Any]:
    client = factory.object_storage()

    def delivered() -> list[dict[str, Any]]:
        with urllib.request.urlopen(info.admin + "/deliveries", timeout=10) as resp:
            return [d for d in json.loads(resp.read())["items"] if d["outcome"] == "delivered"]

    began = time.monotonic()
    for i in range(count):
        client.put_object(info.namespace, info.bucket, f"requests/bench-{i}.json", b"{}")
    written = time.monotonic() - began
    deadline = time.monotonic() + 300
    while len(delivered()) < count:
        if time.monotonic() > deadline:
            raise SystemExit("deliveries did not finish in 300 s")
        time.sleep(0.02)
    elapsed = time.monotonic() - began
    return {
        "events_delivered_per_second": round(count / elapsed, 1),
        "events": count,
        "write_seconds": round(written, 3),
        "total_seconds": round(elapsed, 3),
    }


def bench_staging(info: LocalCloudInfo, folder: Path, files: int, gib_each: int) -> dict[str, Any]:
    """Stage a sparse model folder of files x gib_each GiB through the admin path (hard links)."""
    folder.mkdir(parents=True)
    for i in range(files):
        with open(folder / f"model-{i:05d}-of-{files:05d}.safetensors", "wb") as f:
            f.truncate(gib_each << 30)
    (folder / "config.json").write_text("{}")
    body = json.dumps({"folder": str(folder), "prefix": "models/staged/"}).encode()
    req = urllib.request.Request(f"{info.admin}/stage", data=body, method="POST")
    began = time.monotonic()
    with urllib.request.urlopen(req, timeout=600) as resp:
        result = json.loads(resp.read())
    elapsed = time.monotonic() - began
    return {
        "stage_gib": round(result["total_bytes"] / (1 << 30), 1),
        "stage_files": len(result["objects"]),
        "stage_bytes_copied": result["bytes_copied"],
        "stage_seconds": round(elapsed, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--pool-size", type=int, default=2)
    parser.add_argument("--stage-files", type=int, default=100, help="sparse 1 GiB files to stage")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-localcloud-") as tmp:
        proc, info_file = start_server(Path(tmp) / "state", args.pool_size)
        try:
            info = LocalCloudInfo.load(info_file)
            factory = ClientFactory(env={"MODEL_IMPORT_LOCALCLOUD": str(info_file)})
            result = {
                "benchmark": "localcloud",
                "cpu_count": os.cpu_count(),
                **bench_ranged_gets(factory, info, args.seconds, args.threads),
                **bench_events(factory, info, args.events),
                **bench_staging(info, Path(tmp) / "model", args.stage_files, 1),
                "function_pool_size": args.pool_size,
            }
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(30)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
