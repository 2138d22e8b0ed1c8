"""Peak RSS of inspecting the largest inputs the caps accept, each in a fresh process.

    .venv/bin/python bench/memory.py            # all cases, JSON on stdout
    .venv/bin/python bench/memory.py --case one-header

Every case writes a model folder whose files sit at (just under) a cap: a safetensors header
of 15.9 MB (MAX_HEADER_BYTES 16,000,000), three shards of 13.3 MB headers (MAX_MODEL_HEADER_BYTES
40,000,000 in all), an index of ~13.7 MB naming 130k tensors (Kimi-K2's real one is 13.5 MB;
MAX_INDEX_BYTES is 20,000,000), an 8 MB tokenizer_config.json. A child process imports the
function's entry point first (so the baseline is a function container's) and runs
`inspect_artifacts` over the folder; its peak RSS (ru_maxrss) must stay under the function's 256 MB.
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
    header = ("{" + ",".join(entries) + "}").encode()
    header += b" " * ((8 - len(header) % 8) % 8)
    with path.open("wb") as f:
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        f.write(b"\0" * offset)
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


CASES = ("one-header", "three-headers", "largest-index", "largest-tokenizer-config")


def run(case: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp:
        facts = build(case, Path(tmp) / case)
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(Path(tmp) / case)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
    return {"case": case, **facts, **result, "within_256_mb": result["peak_rss_mb"] < FUNCTION_MEMORY_MB}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=CASES)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    results = [run(c) for c in ([args.case] if args.case else CASES)]
    print(json.dumps({"function_memory_mb": FUNCTION_MEMORY_MB, "cases": results}, indent=2))


if __name__ == "__main__":
    main()
