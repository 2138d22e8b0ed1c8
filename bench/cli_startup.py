"""Start-up cost of `model-import`, before and after the lazy imports, printed as JSON.

Three commands, each in a fresh process: `--help`; `inspect FOLDER` on a small real model
folder (config, one safetensors shard, tokenizer files) built in a temp dir; `status` against
a local cloud this script starts (`model-import local up --no-function`, in its own process so
the server's work is not counted). Each runs as it was BEFORE (commit a721cb1, the command line
still in `shared/cli`, checked out in a temporary git worktree) and as it is now (AFTER), with
`python -c pass` in the same rounds, interleaved so that the machine's load falls on all alike.

Reported per command and version: median wall seconds, median peak RSS (MiB, from wait4) and
both as a ratio to `python -c pass`. Usage: `python -m bench.cli_startup [--repeats 7]
[--before COMMIT]`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.local_up import REPO_ROOT, start_local_up

BEFORE_COMMIT = "a721cb1"  # the last commit with the command line in shared/cli, importing everything


def write_small_model(folder: Path) -> Path:
    """A tiny Llama-shaped chat model: enough for every check `inspect` runs, a few hundred kB."""
    hidden, layers, vocab = 64, 1, 128
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": hidden,
        "intermediate_size": 2 * hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": 4,
        "num_key_value_heads": 4,
        "vocab_size": vocab,
        "max_position_embeddings": 2048,
        "torch_dtype": "float32",
        "tie_word_embeddings": False,
    }
    (folder / "config.json").write_text(json.dumps(config))
    shapes = {"model.embed_tokens.weight": [vocab, hidden], "lm_head.weight": [vocab, hidden]}
    shapes["model.norm.weight"] = [hidden]
    for i in range(layers):
        for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
            shapes[f"model.layers.{i}.self_attn.{proj}.weight"] = [hidden, hidden]
        shapes[f"model.layers.{i}.mlp.gate_proj.weight"] = [2 * hidden, hidden]
        shapes[f"model.layers.{i}.mlp.up_proj.weight"] = [2 * hidden, hidden]
        shapes[f"model.layers.{i}.mlp.down_proj.weight"] = [hidden, 2 * hidden]
        shapes[f"model.layers.{i}.input_layernorm.weight"] = [hidden]
        shapes[f"model.layers.{i}.post_attention_layernorm.weight"] = [hidden]
    header: dict[str, Any] = {}
    offset = 0
    for name, shape in shapes.items():
        size = 4
        for n in shape:
            size *= n
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(offset))
    tokenizer = {"version": "1.0", "model": {"type": "BPE", "vocab": {f"t{i}": i for i in range(vocab)}}}
    (folder / "tokenizer.json").write_text(json.dumps(tokenizer))
    template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    tokenizer_config = {"bos_token": "t1", "eos_token": "t2", "chat_template": template}
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config))
    return folder


def run_once(argv: Sequence[str], *, cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB (the child's own, from wait4) and the exit code of one run."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs of each command (default 7)")
    parser.add_argument(
        "--before", default=BEFORE_COMMIT, help=f"commit to compare (default {BEFORE_COMMIT})"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cli-startup-") as tmp:
        work = Path(tmp)
        before_tree = work / "before"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--quiet", str(before_tree), args.before],
            cwd=REPO_ROOT,
            check=True,
        )
        server = None
        try:
            folder = write_small_model(work / "small-model")
            server, info_file = start_local_up(work / "localcloud", "--no-function")
            env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            env["MODEL_IMPORT_LOCALCLOUD"] = str(info_file)
            env["MODEL_IMPORT_MAX_ATTEMPTS"] = "1"
            python = sys.executable
            # Each version runs from its own tree with that tree first on the path, so the editable
            # install of this checkout cannot lend the old version the new modules or the reverse.
            versions = {
                "before": ([python, "-m", "shared.cli.main"], before_tree, {"PYTHONPATH": str(before_tree)}),
                "after": ([python, "-m", "cli.main"], REPO_ROOT, {"PYTHONPATH": str(REPO_ROOT)}),
            }
            commands = {
                "--help": ["--help"],
                "inspect FOLDER": ["inspect", str(folder)],
                "status": ["status"],
            }
            samples: dict[str, list[tuple[float, float, int]]] = {"python -c pass": []}
            for _ in range(args.repeats):
                samples["python -c pass"].append(run_once([python, "-c", "pass"], cwd=REPO_ROOT, env=env))
                for label, extra in commands.items():
                    for version, (prefix, cwd, path_env) in versions.items():
                        key = f"{label}|{version}"
                        samples.setdefault(key, []).append(
                            run_once([*prefix, *extra], cwd=cwd, env={**env, **path_env})
                        )
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(before_tree)], cwd=REPO_ROOT, check=False
            )
            shutil.rmtree(before_tree, ignore_errors=True)

    def med(key: str) -> dict[str, float]:
        runs = samples[key]
        return {
            "seconds": round(statistics.median(r[0] for r in runs), 4),
            "peak_rss_mib": round(statistics.median(r[1] for r in runs), 1),
        }

    base = med("python -c pass")
    result: dict[str, Any] = {
        "benchmark": "cli_startup",
        "repeats": args.repeats,
        "before_commit": args.before,
        "python_c_pass": base,
        "commands": {},
    }
    for label in commands:
        row: dict[str, Any] = {}
        for version in versions:
            key = f"{label}|{version}"
            figures = med(key)
            row[version] = {
                **figures,
                "time_ratio": round(figures["seconds"] / base["seconds"], 2),
                "rss_ratio": round(figures["peak_rss_mib"] / base["peak_rss_mib"], 2),
                "exit_codes": sorted({r[2] for r in samples[key]}),
            }
        row["speedup"] = round(row["before"]["seconds"] / row["after"]["seconds"], 2)
        result["commands"][label] = row
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
