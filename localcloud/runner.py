"""Deliver events to the real fdk entry point, as OCI Functions does.

Each worker is one `fdk <func.py> <entry point>` process with `FN_FORMAT=http-stream` and
`FN_LISTENER=unix:<sock>`, serving one call at a time like one function container; the
pool of workers serves concurrent deliveries. An event is POSTed to `/call` over the unix
socket. 502/504 answers, dropped sockets and dead processes are retried with exponential
backoff; every attempt is logged to `<state>/functions/deliveries.jsonl`.

Memory: a worker runs under the function's memory limit (256 MB, the design budget and
Terraform's `memory_in_mbs`). OCI stops a function that goes over its memory; here a
watchdog reads the worker's peak RSS (`VmHWM`, which also catches a spike between two
looks) and kills the worker once it passes the limit. That delivery then fails for good (no
redelivery: the same input would overrun again), so a test sees an overrun as OCI would
show it. Each delivery records the worker's peak RSS.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from localcloud.server import FunctionConfig

log = logging.getLogger("localcloud.functions")
REPO_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_SECONDS = 30.0
WORKER_EXIT_WAIT_SECONDS = 2.0  # after a failed call: how long a dying worker gets to exit
FUNCTION_MEMORY_MB = 256  # terraform/ function memory_in_mbs: the design budget
WATCHDOG_INTERVAL_SECONDS = 0.05


def peak_rss_bytes(pid: int) -> int | None:
    """The process's peak resident set (VmHWM), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def reset_peak_rss(pid: int) -> None:
    """Start a new high-water mark (Linux 4.0+: writing 5 to clear_refs); harmless where refused."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        pass


class MemoryWatchdog(threading.Thread):
    """Kill `proc` once its peak RSS passes `limit` bytes, as OCI stops a function over its memory."""

    def __init__(self, proc: subprocess.Popen[bytes], limit: int) -> None:
        super().__init__(name=f"localcloud-fn-watchdog-{proc.pid}", daemon=True)
        self.proc = proc
        self.limit = limit
        self.killed_at: int | None = None  # the peak RSS that made it kill

    def run(self) -> None:
        while self.proc.poll() is None:
            peak = peak_rss_bytes(self.proc.pid)
            if peak is not None and peak > self.limit:
                self.killed_at = peak
                log.error(
                    "fdk worker %d over its memory: %d MB > %d MB; killed",
                    self.proc.pid,
                    peak >> 20,
                    self.limit >> 20,
                )
                self.proc.kill()
                return
            time.sleep(WATCHDOG_INTERVAL_SECONDS)


def fdk_command() -> str:
    beside = Path(sys.executable).with_name("fdk")
    found = str(beside) if beside.exists() else shutil.which("fdk")
    if not found:
        raise RuntimeError("the fdk entry point is not installed (pip install fdk)")
    return found


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


class Worker:
    """One fdk process: one function container."""

    def __init__(self, index: int, config: FunctionConfig, env: dict[str, str], log_dir: Path) -> None:
        self.index = index
        self.config = config
        self.env = env
        self.log_dir = log_dir
        self.sock_dir = Path(tempfile.mkdtemp(prefix="lc-fn-"))  # short: unix socket paths max 107 bytes
        self.sock = str(self.sock_dir / "lsnr.sock")
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.memory_mb = int(env.get("LOCALCLOUD_FN_MEMORY_MB") or FUNCTION_MEMORY_MB)
        self.watchdog: MemoryWatchdog | None = None

    def start(self) -> None:
        env = dict(os.environ)
        env.update(self.env)
        env.update(
            {
                "FN_FORMAT": "http-stream",
                "FN_LISTENER": f"unix:{self.sock}",
                "FN_APP_ID": "ocid1.fnapp.oc1..localcloud",
                "FN_APP_NAME": "model-import",
                "FN_FN_ID": "ocid1.fnfunc.oc1..localcloud",
                "FN_FN_NAME": self.config.path.stem,
                "FN_MEMORY": str(self.memory_mb),
                "FN_TYPE": "sync",
                "PYTHONUNBUFFERED": "1",
                "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p),
            }
        )
        if self._log is None:
            self._log = open(self.log_dir / f"worker-{self.index}.log", "ab")  # noqa: SIM115 - lives with the process
        self.proc = subprocess.Popen(
            [fdk_command(), str(self.config.path), self.config.entry_point],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=str(self.log_dir),
        )
        self.watchdog = MemoryWatchdog(self.proc, self.memory_mb * 1024 * 1024)
        self.watchdog.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"fdk worker {self.index} exited with {self.proc.returncode} while starting; "
                    f"see {self.log_dir / f'worker-{self.index}.log'}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"fdk worker {self.index} did not open {self.sock} in {START_TIMEOUT_SECONDS} s"
                )
            time.sleep(0.02)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ensure_running(self) -> None:
        if not self.alive():
            if self.proc is not None:
                log.warning("fdk worker %d died (exit %s); restarting", self.index, self.proc.returncode)
            for stale in (self.sock, str(self.sock_dir / "phonylsnr.sock")):
                if os.path.lexists(stale):
                    os.unlink(stale)
            self.start()

    def call(self, body: bytes, call_id: str, timeout: float) -> tuple[int, bytes]:
        deadline = datetime.now(UTC) + timedelta(seconds=timeout)
        conn = _UnixHTTPConnection(self.sock, timeout)
        try:
            conn.request(
                "POST",
                "/call",
                body=body,
                headers={
                    "Fn-Call-Id": call_id,
                    "Fn-Deadline": deadline.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                    "Fn-Intent": "cloudevent",
                    "Content-Type": "application/json",
                },
            )
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.sock_dir, ignore_errors=True)


@dataclass
class Delivery:
    delivery_id: str
    rule: str
    event_id: str
    event_type: str
    resource_name: str | None
    outcome: str = "pending"  # pending, delivered, failed
    attempts: int = 0
    status: int | None = None
    response: str | None = None
    errors: list[str] = field(default_factory=list)
    peak_rss_mb: float | None = None  # the worker's peak RSS during the last attempt
    killed_for_memory: bool = False
    queued_at: float = field(default_factory=time.time)
    finished_at: float | None = None


class FunctionRunner:
    def __init__(self, config: FunctionConfig, env: dict[str, str], folder: Path) -> None:
        if not config.path.exists():
            raise FileNotFoundError(f"function file {config.path} does not exist")
        self.config = config
        self.env = env
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.workers = [Worker(i, config, env, folder) for i in range(max(1, config.pool_size))]
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._executor = ThreadPoolExecutor(max_workers=len(self.workers), thread_name_prefix="localcloud-fn")
        self._lock = threading.Condition()
        self._pending = 0
        self._history: deque[Delivery] = deque(maxlen=10000)
        self._log_file = folder / "deliveries.jsonl"
        self._stopping = False
        self.delivered = 0
        self.failed = 0

    def start(self) -> None:
        try:
            for worker in self.workers:
                worker.start()
                self._idle.put(worker)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop now: pending deliveries are dropped, calls in flight end with their process."""
        with self._lock:
            self._stopping = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        for worker in self.workers:
            worker.stop()
        self._executor.shutdown(wait=True)

    def deliver(self, rule: str, event: dict[str, Any]) -> Future[Delivery]:
        delivery = Delivery(
            delivery_id=uuid.uuid4().hex[:16],
            rule=rule,
            event_id=str(event.get("eventID")),
            event_type=str(event.get("eventType")),
            resource_name=(event.get("data") or {}).get("resourceName"),
        )
        return self._submit(delivery, json.dumps(event).encode())

    def invoke_scheduled(self, body: bytes = b"") -> Future[Delivery]:
        """An invocation by a resource schedule: an empty body, or the schedule's own (`{}`, ...);
        the function sweeps on either (no OCI page says which Resource Scheduler sends)."""
        delivery = Delivery(
            delivery_id=uuid.uuid4().hex[:16],
            rule="schedule",
            event_id="",
            event_type="schedule",
            resource_name=None,
        )
        return self._submit(delivery, body)

    def _submit(self, delivery: Delivery, body: bytes) -> Future[Delivery]:
        with self._lock:
            if self._stopping:  # e.g. a late (delayed) event firing after stop
                delivery.outcome = "failed"
                delivery.errors.append("the local cloud stopped before the delivery started")
                done: Future[Delivery] = Future()
                done.set_result(delivery)
                return done
            self._pending += 1
            self._history.append(delivery)
        return self._executor.submit(self._run, delivery, body)

    def _run(self, delivery: Delivery, body: bytes) -> Delivery:
        attempts = self.config.max_attempts if self.config.redeliver else 1
        try:
            for attempt in range(1, attempts + 1):
                worker = self._idle.get()
                if self._stopping:  # never restart a process the runner is stopping
                    self._idle.put(worker)
                    delivery.errors.append("the local cloud stopped before the delivery ended")
                    break
                delivery.attempts = attempt
                try:
                    worker.ensure_running()
                    assert worker.proc is not None
                    reset_peak_rss(worker.proc.pid)
                    status, answer = worker.call(
                        body, f"{delivery.delivery_id}-{attempt}", self.config.timeout_seconds
                    )
                    delivery.status = status
                    delivery.response = answer[:2000].decode("utf-8", "replace")
                except (OSError, http.client.HTTPException, RuntimeError) as exc:
                    status = 0
                    delivery.status = None
                    delivery.errors.append(f"attempt {attempt}: {type(exc).__name__}: {exc}")
                    # A worker stopped mid-call (killed) closes its sockets before it is reaped: let
                    # it finish dying before the next delivery takes it, so that one starts a fresh
                    # worker (as OCI sends it to a live container) instead of meeting a dying one.
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        if worker.proc is not None:
                            worker.proc.wait(WORKER_EXIT_WAIT_SECONDS)
                finally:
                    peak = peak_rss_bytes(worker.proc.pid) if worker.proc is not None else None
                    if peak is not None:
                        delivery.peak_rss_mb = round(peak / 2**20, 1)
                    self._idle.put(worker)
                watchdog = worker.watchdog
                if watchdog is not None and watchdog.killed_at is not None and status != 200:
                    # OCI stops a function over its memory; the same input would overrun again.
                    delivery.killed_for_memory = True
                    delivery.peak_rss_mb = round(watchdog.killed_at / 2**20, 1)
                    delivery.errors.append(
                        f"attempt {attempt}: the function went over its {worker.memory_mb} MB of memory "
                        f"(peak {delivery.peak_rss_mb} MB) and was stopped; not delivered again"
                    )
                    break
                if status == 200:
                    delivery.outcome = "delivered"
                    break
                if status:
                    delivery.errors.append(
                        f"attempt {attempt}: function answered {status}: {delivery.response}"
                    )
                self._log_attempt(delivery)
                if attempt < attempts and not self._stopping:
                    time.sleep(self.config.backoff_seconds * 2 ** (attempt - 1))
                elif self._stopping:
                    break
            else:
                delivery.outcome = "failed"
            if delivery.outcome != "delivered":
                delivery.outcome = "failed"
                log.error(
                    "delivery of %s (%s) to the function failed after %d attempts: %s",
                    delivery.event_id,
                    delivery.rule,
                    delivery.attempts,
                    delivery.errors[-1:],
                )
            delivery.finished_at = time.time()
            self._log_attempt(delivery)
            return delivery
        finally:
            with self._lock:
                self._pending -= 1
                if delivery.outcome == "delivered":
                    self.delivered += 1
                else:
                    self.failed += 1
                self._lock.notify_all()

    def _log_attempt(self, delivery: Delivery) -> None:
        line = json.dumps(asdict(delivery))
        with self._lock, self._log_file.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
        log.info(
            "delivery %s rule=%s object=%s attempt=%d outcome=%s status=%s",
            delivery.delivery_id,
            delivery.rule,
            delivery.resource_name,
            delivery.attempts,
            delivery.outcome,
            delivery.status,
        )

    def history(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(d) for d in self._history]

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """True once no delivery is pending (new events may still arrive afterwards)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True
