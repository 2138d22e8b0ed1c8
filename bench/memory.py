"""Peak RSS of inspecting the largest inputs the caps accept, each in a fresh process.

    .venv/bin/python bench/memory.py            # all cases, JSON on stdout
    .venv/bin/python bench/memory.py --case one-header

Every case writes a model folder whose files sit at (just under) a cap: a safetensors header
of 15.9 MB (MAX_HEADER_BYTES 16,000,000), three shards of 13.3 MB headers (MAX_MODEL_HEADER_BYTES
40,000,000 in all), an index of ~13.7 MB naming 130k tensors (Kimi-K2's real one is 13.5 MB;
MAX_INDEX_BYTES is 20,000,000), an 8 MB tokenizer_config.json. A child process imports the
function's entry point first (so the baseline is a function container's) and runs
`inspect_artifacts` over the folder; its peak RSS (ru_maxrss) must stay under the function's 256 MB.

    .venv/bin/python bench/memory.py --function   # the figures that count

--function stages each folder in a local cloud and imports it through the real function (fdk worker
under the runner's 256 MB watchdog): the Object Storage read path (SDK, HTTP buffers) adds ~30 MB that
the in-process child does not see. Cases beyond the above: `three-headers-short-names` (~565k
one-element tensors in 40 MB: refused, SAFETENSORS_HEADERS_TOO_LARGE) and `most-tensors` (399k
tensors in 40 MB of headers, under MAX_MODEL_TENSORS: the worst accepted input).
"""

from __future__ import annotations

import argparse
import json
import resource
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FUNCTION_MEMORY_MB = 256
TENSOR_ENTRY = (
    '"model.layers.{l}.mlp.experts.{e}.down_proj.weight_scale_inv":'
    '{{"dtype":"BF16","shape":[1],"data_offsets":[{a},{b}]}}'
)
CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 512,
    "intermediate_size": 1024,
    "num_attention_heads": 8,
    "num_key_value_heads": 8,
    "num_hidden_layers": 2,
    "vocab_size": 1000,
    "max_position_embeddings": 2048,
    "torch_dtype": "bfloat16",
}


def shard(path: Path, header_bytes: int, first_layer: int) -> list[str]:
    """A shard whose header is about `header_bytes` long, of 2-byte tensors; returns the names."""
    entries: list[str] = []
    names: list[str] = []
    size = 2
    offset = 0
    layer = first_layer
    while size < header_bytes - 200:
        for e in range(1000):
            entry = TENSOR_ENTRY.format(l=layer, e=e, a=offset, b=offset + 2)
            entries.append(entry)
            names.append(f"model.layers.{layer}.mlp.experts.{e}.down_proj.weight_scale_inv")
            size += len(entry) + 1
            offset += 2
            if size >= header_bytes - 200:
                break
        layer += 1
    write_shard(path, entries, offset)
    return names


def write_shard(path: Path, entries: list[str], data_bytes: int) -> None:
    """A safetensors file: the 8-byte length, the header of `entries` padded to 8, zeroed data."""
    header = ("{" + ",".join(entries) + "}").encode()
    header += b" " * ((8 - len(header) % 8) % 8)
    with path.open("wb") as f:
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        f.write(b"\0" * data_bytes)


def short_shard(path: Path, header_bytes: int, prefix: str, tensors: int | None = None) -> list[str]:
    """A shard whose header is about `header_bytes` of the shortest entries (`"s0_123":{...}`), or
    of `tensors` entries whose names are padded to fill `header_bytes`."""
    pad = 0
    if tensors is not None:
        pad = max(0, header_bytes // tensors - len(f'"{prefix}{tensors}":') - 60)
    entries: list[str] = []
    names: list[str] = []
    size = 2
    offset = 0
    while size < header_bytes - 200 and (tensors is None or len(entries) < tensors):
        name = f"{prefix}{'x' * pad}{len(entries)}"
        entry = f'"{name}":{{"dtype":"BF16","shape":[1],"data_offsets":[{offset},{offset + 2}]}}'
        entries.append(entry)
        names.append(name)
        size += len(entry) + 1
        offset += 2
    write_shard(path, entries, offset)
    return names


def build(case: str, folder: Path) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(CONFIG))
    (folder / "tokenizer.json").write_text("{}")
    facts: dict[str, Any] = {}
    if case == "one-header":
        names = shard(folder / "model.safetensors", 15_900_000, 0)
        facts["tensors"] = len(names)
    elif case == "three-headers":
        weight_map: dict[str, str] = {}
        for i in range(3):
            shard_name = f"model-{i + 1:05d}-of-00003.safetensors"
            names = shard(folder / shard_name, 13_300_000, i * 100_000)
            weight_map[names[0]] = shard_name  # the index names one tensor per shard: it stays small
        (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    elif case == "three-headers-short-names":
        # the most tensors 40 MB of headers can hold: short names, 1-element tensors
        weight_map = {}
        tensors = 0
        for i in range(3):
            shard_name = f"model-{i + 1:05d}-of-00003.safetensors"
            names = short_shard(folder / shard_name, 13_330_000, f"s{i}_")
            weight_map[names[0]] = shard_name
            tensors += len(names)
        (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
        facts["tensors"] = tensors
    elif case == "most-tensors":
        # the worst accepted: MAX_MODEL_TENSORS less a few in 40 MB of headers (names padded to fill)
        weight_map = {}
        tensors = 0
        for i in range(3):
            shard_name = f"model-{i + 1:05d}-of-00003.safetensors"
            names = short_shard(folder / shard_name, 13_330_000, f"s{i}_", tensors=133_000)
            weight_map[names[0]] = shard_name
            tensors += len(names)
        (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
        facts["tensors"] = tensors
    elif case == "one-header-most-tensors":
        names = short_shard(folder / "model.safetensors", 15_900_000, "s_")
        facts["tensors"] = len(names)
    elif case == "largest-index":
        weight_map = {}
        i = 0
        for s in range(60):
            shard_name = f"model-{s + 1:05d}-of-00060.safetensors"
            for name in shard(folder / shard_name, 260_000, s * 1000):
                weight_map[name] = shard_name
                i += 1
        text = json.dumps({"metadata": {"total_size": 2 * i}, "weight_map": weight_map}, indent=2)
        (folder / "model.safetensors.index.json").write_text(text)
        facts["tensors"] = i
    elif case == "largest-tokenizer-config":
        shard(folder / "model.safetensors", 100_000, 0)
        filler = {str(i): {"content": f"<tok_{i}>", "special": False} for i in range(100_000)}
        doc = {"added_tokens_decoder": filler, "chat_template": "{{ messages }}"}
        text = json.dumps(doc)
        text = text[:-1] + ', "pad": "' + "x" * max(0, 8 * 1024 * 1024 - len(text) - 20) + '"}'
        (folder / "tokenizer_config.json").write_text(text)
    else:
        raise SystemExit(f"unknown case {case}")
    facts["largest_file_bytes"] = max(
        p.stat().st_size for p in folder.iterdir() if not p.name.endswith("tensors")
    )
    facts["largest_header_bytes"] = max(
        (struct.unpack("<Q", p.read_bytes()[:8])[0] for p in folder.glob("*.safetensors")), default=0
    )
    return facts


def child(folder: str) -> None:
    sys.path.insert(0, str(ROOT))
    import functions.func  # noqa: F401 - the function container's baseline
    from shared.inspection import LocalFolderSource, inspect_artifacts

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    started = time.perf_counter()
    report = inspect_artifacts(LocalFolderSource(folder))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    codes = sorted({f.code for f in report.findings})
    print(
        json.dumps(
            {
                "baseline_mb": base,
                "peak_rss_mb": peak,
                "seconds": round(time.perf_counter() - started, 2),
                "ok": report.ok,
                "codes": codes,
            }
        )
    )


CASES = (
    "one-header",
    "three-headers",
    "three-headers-short-names",
    "most-tensors",
    "one-header-most-tensors",
    "largest-index",
    "largest-tokenizer-config",
)


def through_function(folder: Path, work: Path) -> dict[str, Any]:
    """The folder staged in a local cloud and imported by the real function (fdk worker under 256 MB):
    the Object Storage read path (SDK, HTTP buffers) counts too, as it does in OCI."""
    sys.path.insert(0, str(ROOT))
    from localcloud.context import Timings
    from localcloud.server import CloudConfig, FunctionConfig, LocalCloud
    from localcloud.staging import stage_folder
    from shared.clients import LOCALCLOUD_ENV, ClientFactory
    from shared.pipeline.store import StateStore

    settings = {"POLL_SECONDS": "30", "POLL_INTERVAL_SECONDS": "0.05", "LOG_LEVEL": "INFO"}
    fn = FunctionConfig(ROOT / "functions" / "func.py", extra_env=settings, pool_size=1)
    timings = Timings(import_seconds=0.0, cluster_seconds=0.0, endpoint_seconds=0.0, delete_seconds=0.0)
    cloud = LocalCloud(CloudConfig(state_dir=work / "cloud", timings=timings, function=fn)).start()
    try:
        client = ClientFactory(env={LOCALCLOUD_ENV: str(cloud.info_file)}).object_storage()
        ns, bucket = cloud.namespace, cloud.config.bucket
        stage_folder(cloud, folder, "models/bench/", bucket=bucket)
        started = time.perf_counter()
        client.put_object(ns, bucket, "models/bench/import.json", b"{}")
        store = StateStore(client, ns, cloud.config.state_bucket)
        stage = None
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            cloud.runner.wait_idle(60)
            found = store.get("bench")
            stage = found[0].stage.value if found else None
            if stage not in (None, "WAITING_FOR_FILES", "VALIDATING") and cloud.runner.wait_idle(1):
                break
            if cloud.runner.wait_idle(1) and any(d["killed_for_memory"] for d in cloud.runner.history()):
                break
            time.sleep(0.5)
        deliveries = cloud.runner.history()
        found = store.get("bench")
        return {
            "peak_rss_mb": max((d["peak_rss_mb"] or 0) for d in deliveries),
            "killed_for_memory": any(d["killed_for_memory"] for d in deliveries),
            "seconds": round(time.perf_counter() - started, 2),
            "stage": stage,
            "codes": sorted({f.code for f in found[0].findings}) if found else [],
            "notifications": len(cloud.notifications.messages()),
        }
    finally:
        cloud.stop()


def run(case: str, function: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp:
        facts = build(case, Path(tmp) / case)
        if function:
            result = through_function(Path(tmp) / case, Path(tmp))
            return {
                "case": case,
                "mode": "function",
                **facts,
                **result,
                "within_256_mb": result["peak_rss_mb"] < FUNCTION_MEMORY_MB,
            }
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(Path(tmp) / case)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "case": case,
        "mode": "child",
        **facts,
        **result,
        "within_256_mb": result["peak_rss_mb"] < FUNCTION_MEMORY_MB,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=CASES)
    parser.add_argument("--child")
    parser.add_argument(
        "--function",
        action="store_true",
        help="import each folder through the real function in a local cloud (the figures that count)",
    )
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    results = [run(c, args.function) for c in ([args.case] if args.case else CASES)]
    print(json.dumps({"function_memory_mb": FUNCTION_MEMORY_MB, "cases": results}, indent=2))


if __name__ == "__main__":
    main()
