"""`model-import upload` speed, memory and resume cost against a local cloud, printed as JSON.

- fresh: a model folder (config, tokenizer, N safetensors shards of random bytes) uploaded by the
  CLI in its own process: seconds, MiB/s, the CLI's peak resident memory;
- again: the same command once everything is there (every object skipped by size and MD5);
- resume: the CLI killed once about half the parts are in, then run again: what the second
  run sent, and how long it took.

The local cloud runs as `model-import local up --no-function` in another process, so neither
side's work is counted against the other. Usage:
`python -m bench.upload [--size-mib 256] [--shards 2] [--part-size 16] [--parallel 4]`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from bench.local_up import start_local_up
from shared.clients import LOCALCLOUD_ENV, ClientFactory, LocalCloudInfo

REPO_ROOT = Path(__file__).resolve().parents[1]

MiB = 1024 * 1024
MODEL_IMPORT = [sys.executable, "-m", "cli.main"]


def start_server(state_dir: Path) -> tuple[subprocess.Popen[bytes], Path]:
    return start_local_up(state_dir, "--no-function")


def write_model(folder: Path, size_mib: int, shards: int) -> int:
    """A Llama-shaped folder whose shards hold `size_mib` MiB of F32 weights in all."""
    folder.mkdir(parents=True, exist_ok=True)
    per_shard = size_mib * MiB // shards // 4 * 4
    hidden = 1024
    rows = per_shard // (4 * hidden)
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": hidden,
        "intermediate_size": 2 * hidden,
        "num_hidden_layers": shards,
        "num_attention_heads": 8,
        "num_key_value_heads": 8,
        "vocab_size": rows,
        "max_position_embeddings": 2048,
        "torch_dtype": "float32",
    }
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "tokenizer.json").write_text(
        json.dumps({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})
    )
    (folder / "tokenizer_config.json").write_text(json.dumps({"chat_template": "{{ messages }}"}))
    block = os.urandom(MiB)
    weight_map = {}
    total = 0
    for i in range(shards):
        name = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        tensor = f"model.layers.{i}.weight"
        nbytes = rows * hidden * 4
        header = json.dumps({tensor: {"dtype": "F32", "shape": [rows, hidden], "data_offsets": [0, nbytes]}})
        raw = header.encode() + b" " * (-len(header) % 8)
        with (folder / name).open("wb") as fh:
            fh.write(struct.pack("<Q", len(raw)) + raw)
            left = nbytes
            while left:
                n = min(left, MiB)
                fh.write(block[:n])
                left -= n
        weight_map[tensor] = name
        total += nbytes
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    return sum(p.stat().st_size for p in folder.iterdir())


def run_cli(args: list[str], env: dict[str, str], kill_when: Any = None) -> dict[str, Any]:
    """Run the CLI, sampling its resident memory; optionally kill it when `kill_when()` says so."""
    started = time.monotonic()
    proc = psutil.Popen([*MODEL_IMPORT, *args], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL)  # fmt: skip
    peak = 0
    killed = False
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        if kill_when is not None and not killed and kill_when():
            proc.send_signal(signal.SIGKILL)
            killed = True
        time.sleep(0.02)
    out = proc.stdout.read() if proc.stdout else b""
    seconds = time.monotonic() - started
    doc = json.loads(out) if out.strip() and not killed else None
    return {
        "seconds": round(seconds, 3),
        "peak_rss_mib": round(peak / MiB, 1),
        "killed": killed,
        "result": doc,
    }


def held_parts(factory: ClientFactory, info: LocalCloudInfo) -> int:
    client = factory.object_storage()
    total = 0
    for upload in client.list_multipart_uploads(info.namespace, info.bucket).data:
        total += len(client.list_multipart_upload_parts(info.namespace, info.bucket, upload.object,
                                                         upload.upload_id).data)  # fmt: skip
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--part-size", type=int, default=16, help="MiB")
    parser.add_argument("--parallel", type=int, default=4)
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp:
        root = Path(tmp)
        server, info_file = start_server(root / "cloud")
        try:
            env = {**os.environ, LOCALCLOUD_ENV: str(info_file)}
            info = LocalCloudInfo.load(info_file)
            factory = ClientFactory(env=env)
            folder = root / "model"
            size = write_model(folder, opts.size_mib, opts.shards)
            common = ["--part-size", str(opts.part_size), "--parallel", str(opts.parallel), "--json"]

            fresh = run_cli(["upload", str(folder), "--name", "fresh", *common], env)
            again = run_cli(["upload", str(folder), "--name", "fresh", *common], env)
            total_parts = fresh["result"]["parts"]["sent"] if fresh["result"] else None
            half = (total_parts or 2) // 2
            first = run_cli(["upload", str(folder), "--name", "resumed", "--no-inspect", *common], env,
                            kill_when=lambda: held_parts(factory, info) >= half)  # fmt: skip
            held = held_parts(factory, info)
            resumed = run_cli(["upload", str(folder), "--name", "resumed", "--no-inspect", *common], env)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    def rate(run: dict[str, Any], sent: int) -> float | None:
        return round(sent / MiB / run["seconds"], 1) if run["seconds"] else None

    fresh_sent = fresh["result"]["bytes"]["sent"] if fresh["result"] else 0
    res_doc = resumed["result"] or {}
    print(
        json.dumps(
            {
                "bench": "cli_upload",
                "model_mib": round(size / MiB, 1),
                "part_size_mib": opts.part_size,
                "parallel": opts.parallel,
                "fresh": {"seconds": fresh["seconds"], "mib_per_s": rate(fresh, fresh_sent),
                          "peak_rss_mib": fresh["peak_rss_mib"], "parts_sent": total_parts},
                "again_all_skipped": {"seconds": again["seconds"], "peak_rss_mib": again["peak_rss_mib"],
                                      "bytes_sent": (again["result"] or {}).get("bytes", {}).get("sent")},
                "resume": {
                    "killed_first_run": first["killed"],
                    "parts_held_after_kill": held,
                    "seconds": resumed["seconds"],
                    "parts_sent": res_doc.get("parts", {}).get("sent"),
                    "parts_reused": res_doc.get("parts", {}).get("reused"),
                    "objects_skipped": res_doc.get("objects", {}).get("skipped"),
                    "bytes_sent_mib": round(res_doc.get("bytes", {}).get("sent", 0) / MiB, 1),
                },
                "note": "CLI timings include starting Python and the local inspection of the folder",
            },
            indent=1,
        )
    )  # fmt: skip


if __name__ == "__main__":
    main()
