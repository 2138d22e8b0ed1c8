"""The pipeline, measured on the local cloud with zero provisioning delay, printed as JSON.

- cold start: from starting a fresh `fdk functions/func.py handler` process to its first
  answer to a real manifest event (imports, settings, clients, the reconcile), and its peak
  RSS (VmHWM), which must fit a 256 MB function;
- one import: seconds from the manifest upload to the notification, function invocations,
  OCI API calls (every request the local cloud served, by service), peak RSS of the workers;
- the same for N imports uploaded at once (default 50).

The local cloud runs in this process (its request handler is wrapped to count calls); the
function runs in real fdk worker processes. Usage: `python -m bench.pipeline [--imports N]`, or
`python -m bench.pipeline --cold-start-only 5` for the cold start alone (medians of 5 runs); run
from another tree's root with `PYTHONPATH=<that tree>` to measure that tree (the fdk process
inherits it).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from localcloud.context import Timings
from localcloud.demo_models import write_model
from localcloud.runner import fdk_command
from localcloud.server import CloudConfig, FunctionConfig, LocalCloud
from shared.clients import LOCALCLOUD_ENV, ClientFactory
from shared.contract.paths import manifest_object

REPO_ROOT = Path(__file__).resolve().parents[1]

FUNCTION = REPO_ROOT / "functions" / "func.py"
ZERO = Timings(import_seconds=0.0, cluster_seconds=0.0, endpoint_seconds=0.0, delete_seconds=0.0)
SETTINGS = {
    "POLL_SECONDS": "20",
    "POLL_INTERVAL_SECONDS": "0.05",
    "AI_UNIT_PRICE_PER_HOUR": "2.5",
    "MAX_AI_UNITS_TOTAL": "100000",
    "LOG_LEVEL": "WARNING",
}


class CallCounter:
    """Counts every request the local cloud serves, by service (the first path segment)."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        inner = cloud.handle

        def counting(req: Any, target: str, request_id: str) -> Any:
            with self._lock:
                self.counts[service_of(req.path)] += 1
            return inner(req, target, request_id)

        cloud.handle = counting  # type: ignore[method-assign]

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.counts)


def service_of(path: str) -> str:
    if path.startswith("/n/"):
        return "objectstorage"
    if path.startswith("/20231130/actions") or path.startswith("/openai"):
        return "inference"
    if path.startswith("/20231130/"):
        return "generativeai"
    if path.startswith("/20181201/"):
        return "notifications"
    if path.startswith("/20190301/"):
        return "secrets"
    return path.split("/")[1] if "/" in path[1:] else path


def peak_rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def start(workdir: Path, function: bool, pool_size: int = 2) -> tuple[LocalCloud, CallCounter]:
    fn = FunctionConfig(FUNCTION, extra_env=SETTINGS, pool_size=pool_size) if function else None
    cloud = LocalCloud(CloudConfig(state_dir=workdir, timings=ZERO, function=fn)).start()
    return cloud, CallCounter(cloud)


def stage_models(cloud: LocalCloud, workdir: Path, names: list[str]) -> None:
    from localcloud.staging import stage_folder

    folder = write_model(workdir / "model-src", "chat")
    for name in names:
        stage_folder(cloud, folder, f"models/{name}/", bucket=cloud.config.bucket)


def bench_cold_start(workdir: Path) -> dict[str, Any]:
    cloud, _ = start(workdir, function=False)
    try:
        stage_models(cloud, workdir, ["cold"])
        factory = ClientFactory(env={LOCALCLOUD_ENV: str(cloud.info_file)})
        client = factory.object_storage()
        resp = client.put_object(cloud.namespace, cloud.config.bucket, manifest_object("cold"), b"{}")
        event = cloud.emitter.events()[-1]
        assert event["data"]["resourceName"] == manifest_object("cold"), event
        sock = str(workdir / "fn" / "cold.sock")
        Path(sock).parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **cloud.function_env(), **SETTINGS, "FN_FORMAT": "http-stream"}
        env["FN_LISTENER"] = f"unix:{sock}"
        started = time.monotonic()
        proc = subprocess.Popen(
            [fdk_command(), str(FUNCTION), "handler"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while not os.path.exists(sock):
                if proc.poll() is not None or time.monotonic() - started > 60:
                    raise SystemExit("the fdk process did not start")
                time.sleep(0.005)
            ready = time.monotonic() - started
            status, answer = call(sock, json.dumps(event).encode())
            first = time.monotonic() - started
            warm_started = time.monotonic()
            call(sock, json.dumps(event).encode())
            warm = time.monotonic() - warm_started
            rss = peak_rss_mib(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        return {
            "listening_seconds": round(ready, 3),
            "first_answer_seconds": round(first, 3),
            "first_answer_status": status,
            "first_answer": json.loads(answer),
            "warm_answer_seconds": round(warm, 3),
            "peak_rss_mib": rss,
            "fits_256_mb_function": rss is not None and rss < 256,
            "manifest_etag": resp.headers.get("etag"),
        }
    finally:
        cloud.stop()


def call(sock: str, body: bytes) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("localhost", timeout=120)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    conn.sock = s
    conn.request("POST", "/call", body, {"Content-Type": "application/json", "Fn-Call-Id": "bench"})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data


def bench_imports(workdir: Path, count: int, pool_size: int) -> dict[str, Any]:
    cloud, counter = start(workdir, function=True, pool_size=pool_size)
    try:
        names = [f"model-{i:03d}" for i in range(count)]
        stage_models(cloud, workdir, names)
        factory = ClientFactory(env={LOCALCLOUD_ENV: str(cloud.info_file)})
        client = factory.object_storage()
        runner = cloud.runner
        runner.wait_idle(60)
        before = counter.snapshot()
        deliveries_before = len(runner.history())
        uploaded: dict[str, float] = {}

        def upload(name: str) -> None:
            client.put_object(cloud.namespace, cloud.config.bucket, manifest_object(name), b"{}")
            uploaded[name] = time.monotonic()

        started = time.monotonic()
        threads = [threading.Thread(target=upload, args=(n,)) for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        notified: dict[str, float] = {}
        deadline = time.monotonic() + 120 + 5 * count
        while len(notified) < count and time.monotonic() < deadline:
            for m in cloud.notifications.messages():
                name = m["title"].split()[1]
                notified.setdefault(name, time.monotonic())
            time.sleep(0.01)
        all_notified = time.monotonic() - started
        runner.wait_idle(120)
        calls = counter.snapshot() - before
        calls["objectstorage"] -= count  # the uploads of the manifests themselves
        deliveries = runner.history()[deliveries_before:]
        answers = Counter(json.loads(d["response"] or "{}").get("action", "?") for d in deliveries)
        titles = [m["title"] for m in cloud.notifications.messages()]
        latencies = [notified[n] - uploaded[n] for n in names if n in notified and n in uploaded]
        rss = [peak_rss_mib(w.proc.pid) for w in runner.workers if w.proc is not None]
        total_calls = sum(calls.values())
        return {
            "imports": count,
            "function_workers": pool_size,
            "notified": len(notified),
            "live": sum(1 for t in titles if " is live" in t),
            "seconds_upload_to_notification": _spread(latencies),
            "seconds_until_all_notified": round(all_notified, 3),
            "function_invocations": len(deliveries),
            "function_invocations_per_import": round(len(deliveries) / count, 2),
            "invocation_outcomes": dict(answers),
            "oci_api_calls": total_calls,
            "oci_api_calls_per_import": round(total_calls / count, 1),
            "oci_api_calls_by_service": dict(calls),
            "worker_peak_rss_mib": max((r for r in rss if r is not None), default=None),
        }
    finally:
        cloud.stop()


def _spread(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    return {
        "mean": round(statistics.fmean(ordered), 3),
        "p50": round(ordered[len(ordered) // 2], 3),
        "max": round(ordered[-1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--imports", type=int, default=50, help="imports uploaded at once (default 50)")
    parser.add_argument("--pool-size", type=int, default=4, help="function workers for the batch (default 4)")
    parser.add_argument(
        "--cold-start-only",
        type=int,
        metavar="RUNS",
        help="only the cold start, RUNS times (each a fresh fdk process), with the medians",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        root = Path(tmp)
        if args.cold_start_only:
            runs = [bench_cold_start(root / f"cold-{i}") for i in range(args.cold_start_only)]
            result: dict[str, Any] = {"cold_start_runs": runs}
            for key in ("first_answer_seconds", "warm_answer_seconds", "peak_rss_mib"):
                values = [r[key] for r in runs if r[key] is not None]
                result[f"median_{key}"] = round(statistics.median(values), 3) if values else None
        else:
            result = {
                "cold_start": bench_cold_start(root / "cold"),
                "one_import": bench_imports(root / "one", 1, 2),
                "many_imports": bench_imports(root / "many", args.imports, args.pool_size),
            }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
