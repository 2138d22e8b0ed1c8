"""Hostile-input sweep: drive the real function (fdk workers under 256 MB) through the local cloud.

    .venv/bin/python -m bench.hostile_sweep        # JSON on stdout

Uploads hostile manifests, requests, badly named objects and hostile model folders (config,
headers, index, tokenizer files at and over the caps) into the watched bucket, waits until
every delivery is done, then reports: inputs tried, deliveries the function did not answer
200 (a crash is a 502), workers killed for memory, imports left without a notification
(silent), and the peak RSS of the worst accepted input.
"""

from __future__ import annotations

import json
import struct
import tempfile
import time
from pathlib import Path
from typing import Any

from localcloud.context import Timings
from localcloud.demo_models import write_model
from localcloud.server import CloudConfig, FunctionConfig, LocalCloud
from localcloud.staging import stage_folder
from shared.clients import LOCALCLOUD_ENV, ClientFactory
from shared.pipeline.store import StateStore

ROOT = Path(__file__).resolve().parents[1]
FUNCTION = ROOT / "functions" / "func.py"
ZERO = Timings(import_seconds=0.0, cluster_seconds=0.0, endpoint_seconds=0.0, delete_seconds=0.0)
SETTINGS = {
    "POLL_SECONDS": "5",
    "POLL_INTERVAL_SECONDS": "0.05",
    "AI_UNIT_PRICE_PER_HOUR": "2.5",
    "LOG_LEVEL": "INFO",
}
HUGE = "7" * 4301

MANIFESTS: dict[str, bytes] = {
    "huge-int": b'{"display_name": ' + HUGE.encode() + b"}",
    "huge-int-deploy": b'{"deploy": ' + HUGE.encode() + b"}",
    "deploy-off": b'{"deploy": "off"}',
    "deploy-zero": b'{"deploy": 0}',
    "crlf-name": json.dumps({"display_name": "x\r\nModel other-model is live"}).encode(),
    "bidi-name": json.dumps({"display_name": "\u202egnp.exe"}).encode(),
    "nul-tag": json.dumps({"freeform_tags": {"a": "b\u0000"}}).encode(),
    "long-tag-key": json.dumps({"freeform_tags": {"k" * 101: "v"}}).encode(),
    "many-tags": json.dumps({"freeform_tags": {f"k{i}": "v" for i in range(65)}}).encode(),
    "reserved-tag": json.dumps({"freeform_tags": {"import-id": "x"}}).encode(),
    "nested": b"[" * 60_000,
    "too-large": b" " * (64 * 1024 + 1),
    "not-utf8": b'{"display_name": "\xff\xfe"}',
    "array": b"[]",
    "null": b"null",
    "unknown-key": b'{"colour": "red"}',
    "nan": b'{"display_name": NaN}',
    "shape-newline": b'{"unit_shape": "A10_X1\\n"}',
}
REQUESTS: dict[str, bytes] = {
    "req-newline-id": json.dumps({"model_id": "org/name\n"}).encode(),
    "req-newline-rev": json.dumps({"model_id": "org/name", "revision": "main\n"}).encode(),
    "req-huge": b'{"model_id": ' + HUGE.encode() + b"}",
    "req-dotdot": json.dumps({"model_id": "org/../x"}).encode(),
    "req-missing": b"{}",
}
MISNAMED = [
    "models/My Model/import.json",
    "models/../import.json",
    "models/a..b/import.json",
    "models/org%2Fname/import.json",
    "models/org/name/import.json",
    "models/" + "a" * 64 + "/import.json",
    "models/\u202eevil/import.json",
    "requests/bad name.json",
    "requests/.json",
    "models/import.json",
]


def header_file(path: Path, entries: dict[str, Any], claimed: int | None = None, data: int = 0) -> None:
    raw = json.dumps(entries, separators=(",", ":")).encode()
    path.write_bytes(struct.pack("<Q", claimed if claimed is not None else len(raw)) + raw + b"\0" * data)


def big_header(path: Path, target: int) -> None:
    parts, offset, i = [], 0, 0
    size = 2
    while size < target - 200:
        entry = (
            f'"model.layers.{i // 1000}.mlp.experts.{i % 1000}.w":'
            f'{{"dtype":"BF16","shape":[1],"data_offsets":[{offset},{offset + 2}]}}'
        )
        parts.append(entry)
        size += len(entry) + 1
        offset += 2
        i += 1
    raw = ("{" + ",".join(parts) + "}").encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"\0" * offset)


def model_folders(work: Path) -> dict[str, Path]:
    """Hostile model folders: each is a good demo model with one file replaced."""
    out: dict[str, Path] = {}

    def variant(name: str) -> Path:
        folder = write_model(work / name, "chat")
        out[name] = folder
        return folder

    cfg = json.loads((write_model(work / "_base", "chat") / "config.json").read_text())
    variant("cfg-huge-head-dim").joinpath("config.json").write_text(
        json.dumps({**cfg, "head_dim": int("1" + "0" * 400), "intermediate_size": int("1" + "0" * 400)})
    )
    variant("cfg-huge-int").joinpath("config.json").write_text(json.dumps(cfg)[:-1] + ', "x": ' + HUGE + "}")
    variant("cfg-nan").joinpath("config.json").write_text(json.dumps({**cfg, "hidden_size": float("nan")}))
    variant("cfg-not-json").joinpath("config.json").write_text("{not json")
    variant("cfg-too-large").joinpath("config.json").write_text(
        json.dumps(cfg)[:-1] + ', "p": "' + "x" * (1 << 20) + '"}'
    )
    variant("cfg-nested").joinpath("config.json").write_text("[" * 100_000)
    f = variant("hdr-224-dims")
    header_file(
        f / "model.safetensors", {"w": {"dtype": "U8", "shape": [2**64 - 1] * 224, "data_offsets": [0, 0]}}
    )
    f = variant("hdr-over-cap")
    header_file(f / "model.safetensors", {}, claimed=16_000_001)
    f = variant("hdr-huge-int")
    (f / "model.safetensors").write_bytes(struct.pack("<Q", 4310) + b'{"a":' + HUGE.encode() + b"}")
    f = variant("hdr-largest-accepted")
    big_header(f / "model.safetensors", 15_900_000)
    f = variant("index-two-for-one")
    (f / "model.safetensors").rename(f / "model-00001-of-00001.safetensors")
    (f / "model.safetensors.index.json").write_text(
        json.dumps(
            {"weight_map": {"a": "model-00001-of-00001.safetensors", "b": "model-00001-of-00001.safetensors"}}
        )
    )
    f = variant("index-huge-int")
    (f / "model.safetensors.index.json").write_text('{"weight_map": {"a": ' + HUGE + "}}")
    f = variant("index-over-cap")
    (f / "model.safetensors.index.json").write_text('{"weight_map": {}, "p": "' + "x" * 20_000_001 + '"}')
    f = variant("tok-config-huge-int")
    (f / "tokenizer_config.json").write_text('{"chat_template": ' + HUGE + "}")
    f = variant("tok-config-over-cap")
    (f / "tokenizer_config.json").write_text('{"chat_template": "' + "x" * (8 * 1024 * 1024 + 1) + '"}')
    return out


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        work = Path(tmp)
        fn = FunctionConfig(FUNCTION, extra_env=SETTINGS, pool_size=2, backoff_seconds=0.2)
        cloud = LocalCloud(CloudConfig(state_dir=work / "cloud", timings=ZERO, function=fn)).start()
        try:
            factory = ClientFactory(env={LOCALCLOUD_ENV: str(cloud.info_file)})
            client = factory.object_storage()
            ns, bucket = cloud.namespace, cloud.config.bucket
            started = time.monotonic()
            names: list[str] = []
            for name, body in MANIFESTS.items():
                client.put_object(ns, bucket, f"models/{name}/import.json", body)
                names.append(name)
            for name, body in REQUESTS.items():
                client.put_object(ns, bucket, f"requests/{name}.json", body)
                names.append(name)
            for object_name in MISNAMED:
                client.put_object(ns, bucket, object_name, b"{}")
            refused_names = 0
            for object_name in (
                "models/nl\n/import.json",
                "models/cr\r/import.json",
                "models/nul\0/import.json",
            ):
                try:
                    client.put_object(ns, bucket, object_name, b"{}")
                except Exception:
                    refused_names += 1
            folders = model_folders(work / "src")
            for name, folder in folders.items():
                stage_folder(cloud, folder, f"models/{name}/", bucket=bucket)
                client.put_object(ns, bucket, f"models/{name}/import.json", b"{}")
                names.append(name)
            deadline = time.monotonic() + 900
            store = StateStore(client, ns, cloud.config.state_bucket)
            while time.monotonic() < deadline:
                cloud.runner.wait_idle(60)
                time.sleep(1.0)
                if cloud.runner.wait_idle(1):
                    states = {n: store.get(n) for n in names}
                    if all(
                        s is not None and s[0].stage.value in ("REJECTED", "DONE", "FAILED")
                        for s in states.values()
                    ):
                        break
            deliveries = cloud.runner.history()
            states = {n: store.get(n) for n in names}
            messages = cloud.notifications.messages()
            log = "\n".join(
                p.read_text(errors="replace") for p in (work / "cloud" / "functions").glob("*.log")
            )
            accepted = [d for d in deliveries if d["status"] == 200 and d["peak_rss_mb"] is not None]
            worst = max(accepted, key=lambda d: d["peak_rss_mb"], default=None)
            titles = " ".join(m["title"] for m in messages)
            silent = [n for n, s in states.items() if s is None or s[0].name not in titles]
            report = {
                "inputs_tried": len(MANIFESTS) + len(REQUESTS) + len(MISNAMED) + 3 + len(folders),
                "deliveries": len(deliveries),
                "not_answered_200": [
                    {"object": d["resource_name"], "status": d["status"], "errors": d["errors"][-1:]}
                    for d in deliveries
                    if d["status"] != 200
                ],
                "tracebacks_in_log": log.count("Traceback"),
                "killed_for_memory": sum(1 for d in deliveries if d.get("killed_for_memory")),
                "object_names_refused_by_object_storage": refused_names,
                "name_invalid_notifications": sum(1 for m in messages if "NAME_INVALID" in m["title"]),
                "outcomes": {
                    n: (s[0].stage.value, [f.code for f in s[0].findings][:3]) if s else None
                    for n, s in states.items()
                },
                "silent_imports": silent,
                "peak_rss_mb_worst_accepted": worst["peak_rss_mb"] if worst else None,
                "worst_accepted_object": worst["resource_name"] if worst else None,
                "peak_rss_mb_all": max((d["peak_rss_mb"] or 0) for d in deliveries),
                "seconds": round(time.monotonic() - started, 1),
            }
            print(json.dumps(report, indent=2))
        finally:
            cloud.stop()


if __name__ == "__main__":
    main()
