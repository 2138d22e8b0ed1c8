"""The local cloud: one threaded HTTP server on 127.0.0.1 for every emulated OCI service.

`LocalCloud` is also the `CloudContext` the services receive. Requests are authenticated
with OCI request signatures (except the Hub and the admin paths `/localcloud/...`), may be
hit by injected faults, then routed. A handler error is answered with 500 in OCI's error
shape; it never stops the server.
"""

from __future__ import annotations

import fcntl
import importlib
import io
import json
import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, BinaryIO

from localcloud.access import Grants, function_grants, refuse
from localcloud.auth import (
    FUNCTION_KEY_FILE,
    FUNCTION_PROFILE,
    FUNCTION_USER_ID,
    PROFILE,
    UPLOADER_KEY_FILE,
    UPLOADER_PROFILE,
    UPLOADER_USER_ID,
    ApiKey,
    signing_key,
    verify_request,
    write_config,
)
from localcloud.context import ObjectInfo, Timings
from localcloud.emitter import EventEmitter
from localcloud.faults import EventFaultSpec, Faults, FaultSpec, WorkRequestFault
from localcloud.notifications import NotificationsService
from localcloud.objectstorage import ObjectStorageService
from localcloud.objectstore import ObjectStore
from localcloud.router import EventRouter, default_rule_names, load_rules
from localcloud.vault import VaultService
from localcloud.web import Request, Response, Route, ServiceError, match, parse_target, route

log = logging.getLogger("localcloud")

ADMIN_PREFIX = "/localcloud"
REGION_PREFIX = "/regions/"
GENAI_SERVICES = frozenset({"generativeai", "inference", "limits"})
HUB_PREFIX = "/hub"
UNSIGNED_SERVICES = {"hub", "admin"}
MAX_SIGNED_BODY = 16 * 1024 * 1024  # bodies signed with x-content-sha256 are hashed in memory up to this
DEFAULT_HF_TOKEN = "hf_localcloud_dummy_token"
HF_TOKEN_ENV = "MODEL_IMPORT_LOCAL_HF_TOKEN"


@dataclass
class FunctionConfig:
    """How the function runner starts the real fdk entry point."""

    path: Path
    entry_point: str = "handler"
    pool_size: int = 2
    max_attempts: int = 4
    backoff_seconds: float = 0.5
    timeout_seconds: float = 300.0
    extra_env: dict[str, str] = field(default_factory=dict)
    # Deliver again after a 502/504, a dropped socket or a dead process (up to max_attempts)?
    # Off by default: no OCI document promises that Events redelivers to a function, so the
    # pipeline must not need it (the scheduled sweep recovers); on, it shows duplicates are harmless.
    redeliver: bool = False


@dataclass
class CloudConfig:
    state_dir: Path
    port: int = 0
    host: str = "127.0.0.1"
    region: str = "us-chicago-1"
    namespace: str = "localcloud"
    bucket: str = "model-drop"
    compartment_id: str = "ocid1.compartment.oc1..localcloud"
    # Only the function (and operators) write it; uploaders may read it at most (localcloud/access.py).
    state_bucket: str = "model-import-state"
    state_compartment_id: str = "ocid1.compartment.oc1..localcloud-state"
    timings: Timings = field(default_factory=Timings)
    hf_token: str | None = None  # default: $MODEL_IMPORT_LOCAL_HF_TOKEN, else a dummy token
    hub_root: Path | None = None  # default: <state_dir>/hub
    function: FunctionConfig | None = None
    optional_rules: tuple[str, ...] = ()  # settings turning optional rules on, e.g. TRIGGER_ON_CONFIG
    faults: list[dict[str, Any]] = field(default_factory=list)
    work_request_faults: list[dict[str, Any]] = field(default_factory=list)
    event_faults: list[dict[str, Any]] = field(default_factory=list)
    subscriber_url: str | None = None
    fault_seed: int | None = None
    # display names of imported models whose endpoints answer like a reasoning model: the
    # reasoning comes first and uses the token budget, the content may stay empty ("*": all)
    reasoning_models: tuple[str, ...] = ()
    # Region of Generative AI (control plane and inference); None: the home region. Another
    # region gets its own base URL (<endpoint>/regions/<region>, listed in localcloud.json
    # `endpoints`); each service answers only at its own region's URL, as OCI's do.
    genai_region: str | None = None
    # Limits API values of dedicated-unit limits (limit name -> units); unset ones are generous
    unit_limits: dict[str, int] = field(default_factory=dict)
    # The scheduled sweep, as OCI Resource Scheduler runs it (terraform/schedule.tf): the function
    # invoked with an empty body every this many seconds. None: no schedule.
    schedule_seconds: float | None = 300.0
    # The body each scheduled invocation carries: none by default, or e.g. "{}" (a schedule's
    # BODY parameter); the function sweeps on any body that is not an OCI CloudEvent.
    schedule_body: str = ""
    # What one AI unit costs per hour on this cloud: the function's AI_UNIT_PRICE_PER_HOUR (unless
    # set otherwise) and, through localcloud.json, every CLI command's default --price.
    ai_unit_price: float | None = None


class _Body(io.RawIOBase):
    """The request body: exactly Content-Length bytes, or a decoded chunked stream."""

    def __init__(self, rfile: BinaryIO, length: int) -> None:
        self.rfile = rfile
        self.remaining = length  # -1: chunked
        self._chunk_left = 0
        self._done = length == 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        if self._done:
            return b""
        if self.remaining >= 0:
            want = self.remaining if size is None or size < 0 else min(size, self.remaining)
            data = self.rfile.read(want)
            self.remaining -= len(data)
            if not data or self.remaining == 0:
                self._done = True
            return data
        return self._read_chunked(size)

    def _read_chunked(self, size: int) -> bytes:
        out = bytearray()
        while not self._done and (size is None or size < 0 or len(out) < size):
            if self._chunk_left == 0:
                line = self.rfile.readline(65537).split(b";")[0].strip()
                self._chunk_left = int(line or b"0", 16)
                if self._chunk_left == 0:
                    while self.rfile.readline(65537).strip():  # trailers
                        pass
                    self._done = True
                    break
            want = self._chunk_left if size is None or size < 0 else min(self._chunk_left, size - len(out))
            data = self.rfile.read(want)
            if not data:
                self._done = True
                break
            out += data
            self._chunk_left -= len(data)
            if self._chunk_left == 0:
                self.rfile.readline(3)
        return bytes(out)

    def drain(self, limit: int) -> bool:
        """Read what the handler left unread, so the connection can be reused; False if too much."""
        left = limit
        while not self._done and left > 0:
            data = self.read(min(65536, left))
            if not data:
                break
            left -= len(data)
        return self._done


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True
    cloud: LocalCloud


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300  # seconds an idle keep-alive connection (one thread each) may stay open
    server: _Server
    error_content_type = "application/json"

    def setup(self) -> None:
        super().setup()
        # headers and body go out in separate writes; without this, Nagle and delayed ACKs add 40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._dispatch()

    do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _dispatch(self) -> None:
        cloud = self.server.cloud
        started = time.monotonic()
        request_id = uuid.uuid4().hex.upper()
        headers = {k.lower(): v for k, v in self.headers.items()}
        if "chunked" in headers.get("transfer-encoding", "").lower():
            length = -1
        else:
            try:
                length = int(headers.get("content-length") or 0)
            except ValueError:
                length = -2
            if length < 0:  # unusable Content-Length: the body cannot be framed, so answer and hang up
                self.close_connection = True
                self._send(ServiceError(400, "InvalidParameter", "invalid Content-Length").response("-"), "-")
                return
        body = _Body(self.rfile, length)  # type: ignore[arg-type]
        raw_path, path, query = parse_target(self.path)
        req = Request(self.command, path, raw_path, query, headers, body, length)  # type: ignore[arg-type]
        status = 500
        logged = False

        def log_request() -> None:
            # Logged before the answer goes out, so a client that has its answer can rely on the
            # request log already holding the line (tests count requests from it).
            nonlocal logged
            logged = True
            log.debug(
                "%s %s -> %s (%.1f ms)",
                self.command,
                self.path,
                status or "dropped",
                (time.monotonic() - started) * 1000,
            )

        try:
            response = cloud.handle(req, self.path, request_id)
            if response is None:  # dropped connection fault
                self.close_connection = True
                status = 0
                log_request()
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:  # already closed by the client
                    return
                return
            status = response.status
            log_request()
            self._send(response, request_id)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            if not body.drain(1 << 20):
                self.close_connection = True
            if not logged:
                log_request()

    def _send(self, response: Response, request_id: str) -> None:
        no_body = self.command == "HEAD" or response.status in (204, 304)
        body = response.body
        if isinstance(body, bytes | bytearray):
            length = len(body) if response.content_length is None else response.content_length
        else:
            length = response.content_length if response.content_length is not None else 0
        self.send_response(response.status)
        sent = {k.lower() for k in response.headers}
        for name, value in response.headers.items():
            self.send_header(name, value)
        if "opc-request-id" not in sent:
            self.send_header("opc-request-id", request_id)
        if response.status != 204 and "content-length" not in sent:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        if no_body:
            _close(body)
            return
        if isinstance(body, bytes | bytearray):
            self.wfile.write(body)
            return
        try:
            for chunk in body:
                self.wfile.write(chunk)
        finally:
            _close(body)


def _close(body: Any) -> None:
    close = getattr(body, "close", None)
    if callable(close):
        close()


def _since(req: Request) -> int:
    raw = req.q("since") or "0"
    if not raw.isdigit():
        raise ServiceError(
            400, "InvalidParameter", f"since must be a count of items already seen, got {raw!r}"
        )
    return int(raw)


def _optional_service(module: str, cls: str) -> Any:
    """A service class written by another part of the project; None while it does not exist."""
    try:
        return getattr(importlib.import_module(module), cls)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise


def _lock_state_dir(state_dir: Path) -> IO[str]:
    """One local cloud per state directory: a second one would serve the same files."""
    f = open(state_dir / ".lock", "a+", encoding="utf-8")  # noqa: SIM115 - held until stop()
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.seek(0)
        owner = f.read().strip() or "another process"
        f.close()
        raise ValueError(
            f"state directory {state_dir} is in use by {owner}; stop it or use another --state-dir"
        ) from None
    f.seek(0)
    f.truncate()
    f.write(f"pid {os.getpid()}")
    f.flush()
    return f


class LocalCloud:
    """The running local cloud; implements `localcloud.context.CloudContext`."""

    def __init__(self, config: CloudConfig) -> None:
        self.config = config
        self.state_dir = config.state_dir.resolve()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file = _lock_state_dir(self.state_dir)
        self.region = config.region
        self.genai_region = config.genai_region or config.region
        self.namespace = config.namespace
        self.timings = config.timings
        self.clock_offset = 0.0
        self.key = ApiKey.load_or_create(self.state_dir / "keys")
        self.uploader_key = ApiKey.load_or_create(
            self.state_dir / "keys", UPLOADER_KEY_FILE, UPLOADER_USER_ID
        )
        self.function_key = ApiKey.load_or_create(
            self.state_dir / "keys", FUNCTION_KEY_FILE, FUNCTION_USER_ID
        )
        self.config_file = write_config(
            self.state_dir / "oci_config",
            self.region,
            {PROFILE: self.key, UPLOADER_PROFILE: self.uploader_key, FUNCTION_PROFILE: self.function_key},
        )
        # The operator (CLI) may do everything; the function what terraform/iam.tf grants it
        # (localcloud/access.py); the uploader what terraform/README.md assumes of uploaders:
        # write the watched bucket, read the state bucket, nothing else.
        self.grants: dict[str, Grants] = {
            self.key.key_id: Grants(everything=True),
            self.function_key.key_id: function_grants(config.bucket, config.state_bucket),
            self.uploader_key.key_id: Grants(
                write_buckets=frozenset({config.bucket}), read_buckets=frozenset({config.state_bucket})
            ),
        }
        self.topic_id = f"ocid1.onstopic.oc1.{self.region}.localcloud-imports"
        self.hf_token_secret_id = f"ocid1.vaultsecret.oc1.{self.region}.localcloud-hf-token"
        self.faults = Faults(config.fault_seed)
        for spec in config.faults:
            self.faults.add(spec)
        for wr in config.work_request_faults:
            self.faults.add_work_request(wr)
        for ev in config.event_faults:
            self.faults.add_event_fault(ev)

        self.store = ObjectStore(self.state_dir / "objectstorage", self.namespace, self.region, self.now)
        self.bucket = self.store.create_bucket(
            config.bucket, config.compartment_id, object_events_enabled=True, exist_ok=True
        )
        self.state_bucket = self.store.create_bucket(
            config.state_bucket, config.state_compartment_id, object_events_enabled=True, exist_ok=True
        )
        self.emitter = EventEmitter(self.state_dir / "events.jsonl", self.now)
        self.store.listeners.append(self.emitter.on_change)
        self.router = EventRouter(
            load_rules(default_rule_names(config.optional_rules), config.bucket, config.state_bucket),
            delays=lambda name: self.faults.event_delays(name),
        )
        self.emitter.sinks.append(self._route_event)
        self.runner: Any = None

        self.vault = VaultService()
        token = config.hf_token or os.environ.get(HF_TOKEN_ENV) or DEFAULT_HF_TOKEN
        self.vault.put_secret(self.hf_token_secret_id, token.encode())
        self.notifications = NotificationsService(
            self.state_dir / "notifications", {self.topic_id}, config.subscriber_url
        )
        self.service_errors: dict[str, str] = {}
        self.hub: Any = None
        self.genai: Any = None
        self.inference: Any = None
        self.limits: Any = None
        self._schedule: threading.Thread | None = None
        self._schedule_stop = threading.Event()
        self.routes: list[Route] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    def _route_event(self, event: dict[str, Any]) -> None:
        self.router.route(event)

    # --- CloudContext -------------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock_offset

    def failing_work_request(self, operation: str, name: str) -> str | None:
        return self.faults.failing_work_request(operation, name)

    def list_objects(self, namespace: str, bucket: str, prefix: str) -> Iterator[ObjectInfo]:
        if namespace != self.namespace or self.store.find_bucket(bucket) is None:
            return iter(())
        return (ObjectInfo(o.name, o.size, o.etag) for o in self.store.iter_objects(bucket, prefix))

    def open_object(self, namespace: str, bucket: str, name: str) -> Any:
        if namespace != self.namespace:
            return None
        obj = self.store.find(bucket, name)
        if obj is None:
            return None
        try:
            return self.store.open(obj)
        except FileNotFoundError:  # overwritten between the look-up and the open
            return None

    def hub_repo_access(self, model_id: str, revision: str, token: str | None) -> str:
        access = getattr(self.hub, "repo_access", None)
        if access is None:
            return "not_found"
        return str(access(model_id, revision, token))

    # --- wiring -------------------------------------------------------------------------
    def _load_services(self) -> list[Route]:
        routes: list[Route] = []
        routes += self._admin_routes()
        routes += ObjectStorageService(self.store).routes()
        routes += self.notifications.routes()
        routes += self.vault.routes()
        hub_root = self.config.hub_root or (self.state_dir / "hub")
        for name, module, cls, make in (
            ("hub", "localcloud.hub", "HubService", lambda c: c(self, hub_root)),
            ("genai", "localcloud.genai", "GenAiService", lambda c: c(self)),
            ("inference", "localcloud.inference", "InferenceService", lambda c: c(self, self.genai)),
            (
                "limits",
                "localcloud.limits",
                "LimitsService",
                lambda c: c(self.config.unit_limits, self.genai.units_in_use),
            ),
        ):
            try:
                service_cls = _optional_service(module, cls)
                if service_cls is None or (name in ("inference", "limits") and self.genai is None):
                    continue
                service = make(service_cls)
                setattr(self, name, service)
                routes += service.routes()
            except Exception as exc:  # another part's bug must not take every other service down
                self.service_errors[name] = f"{type(exc).__name__}: {exc}"
                log.error("service %s failed to load:\n%s", name, traceback.format_exc())
        return routes

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the local cloud is not started")
        port = self._server.server_address[1]
        return f"http://{self.config.host}:{port}"

    def start(self) -> LocalCloud:
        self.routes = self._load_services()
        self._server = _Server((self.config.host, self.config.port), _Handler)
        self._server.cloud = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="localcloud-http", daemon=True
        )
        self._thread.start()
        self.write_info()
        if self.config.function is not None:
            from localcloud.runner import FunctionRunner

            try:
                runner = FunctionRunner(self.config.function, self.worker_env(), self.state_dir / "functions")
                runner.start()
            except BaseException:
                self.stop()  # a function that cannot start is reported, not left half-served
                raise
            self.runner = runner
            self.router.deliver = runner.deliver
            if self.config.schedule_seconds:
                self._schedule = threading.Thread(
                    target=self._run_schedule, name="localcloud-schedule", daemon=True
                )
                self._schedule.start()
        return self

    def _run_schedule(self) -> None:
        """Invoke the function on a fixed period with `schedule_body`, as a resource schedule does."""
        period = float(self.config.schedule_seconds or 0)
        while not self._schedule_stop.wait(period):
            if self.runner is not None:
                self.runner.invoke_scheduled(self.config.schedule_body.encode())

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.faults.release_all()  # no request stays held by a hold fault
        self._schedule_stop.set()
        if self.runner is not None:
            self.runner.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for service in (self.genai, self.inference, self.hub):
            close = getattr(service, "close", None)
            if callable(close):
                close()
        self.store.close()
        self._lock_file.close()  # releases the state directory

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def info_file(self) -> Path:
        return self.state_dir / "localcloud.json"

    def info(self) -> dict[str, Any]:
        base = self.base_url
        return {
            "endpoint": base,
            "region": self.region,
            "namespace": self.namespace,
            "bucket": self.config.bucket,
            "state_bucket": self.config.state_bucket,
            "compartment_id": self.config.compartment_id,
            "state_compartment_id": self.config.state_compartment_id,
            "topic_id": self.topic_id,
            "hf_token_secret_id": self.hf_token_secret_id,
            "hub_endpoint": f"{base}{HUB_PREFIX}",
            "admin": f"{base}{ADMIN_PREFIX}",
            "config_file": str(self.config_file),
            "profile": PROFILE,
            "uploader_profile": UPLOADER_PROFILE,  # same config file: may write only the watched bucket
            "function_profile": FUNCTION_PROFILE,  # same config file: the function's grants (iam.tf)
            "state_dir": str(self.state_dir),
            "pid": os.getpid(),
            "services": self.service_names(),
            "endpoints": self.region_endpoints(base),  # `endpoint` stays the home region's
            "ai_unit_price_per_hour": self.ai_unit_price(),
        }

    def ai_unit_price(self) -> float | None:
        """`ai_unit_price`, else a price given to the function as a setting (`--set`), else None."""
        if self.config.ai_unit_price is not None:
            return self.config.ai_unit_price
        raw = (self.config.function.extra_env if self.config.function else {}).get("AI_UNIT_PRICE_PER_HOUR")
        try:
            return float(raw) if raw else None
        except ValueError:
            return None

    def service_names(self) -> list[str]:
        return sorted({r.service for r in self.routes})

    def write_info(self) -> Path:
        tmp = self.info_file.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.info(), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.info_file)
        return self.info_file

    def function_env(self) -> dict[str, str]:
        """The function's configuration, as OCI Functions passes it: environment variables."""
        env = {
            "COMPARTMENT_ID": self.config.compartment_id,
            "BUCKET_NAME": self.config.bucket,
            "STATE_BUCKET_NAME": self.config.state_bucket,
            "TOPIC_ID": self.topic_id,
            "NAMESPACE": self.namespace,
            "REGION": self.genai_region,
            "HF_TOKEN_SECRET_ID": self.hf_token_secret_id,
            "MODEL_IMPORT_LOCALCLOUD": str(self.info_file),
            "HF_ENDPOINT": f"{self.base_url}{HUB_PREFIX}",
        }
        if "TRIGGER_ON_CONFIG" in {s.upper() for s in self.config.optional_rules}:
            env["TRIGGER_ON_CONFIG"] = "true"
        if self.config.ai_unit_price is not None:
            env["AI_UNIT_PRICE_PER_HOUR"] = f"{self.config.ai_unit_price:g}"
        if self.config.function is not None:
            env.update(self.config.function.extra_env)
        return env

    def worker_env(self) -> dict[str, str]:
        """function_env() and the function's identity: its workers sign with the function's key
        (shared.clients.LOCALCLOUD_PROFILE_ENV), so they hold only what terraform/iam.tf grants."""
        return {**self.function_env(), "MODEL_IMPORT_LOCALCLOUD_PROFILE": FUNCTION_PROFILE}

    # --- request handling ---------------------------------------------------------------
    def region_endpoints(self, base: str) -> dict[str, str]:
        """The base URL of each region this cloud serves: the home region at the root."""
        out = {self.region: base}
        if self.genai_region != self.region:
            out[self.genai_region] = f"{base}{REGION_PREFIX}{self.genai_region}"
        return out

    def _serving_region(self, service: str) -> str:
        return self.genai_region if service in GENAI_SERVICES else self.region

    @staticmethod
    def _split_region(req: Request) -> str | None:
        """Strip a `/regions/<region>` prefix from the request path; the region it named, if any."""
        if not req.raw_path.startswith(REGION_PREFIX):
            return None
        region, _, rest = req.raw_path[len(REGION_PREFIX) :].partition("/")
        req.raw_path, req.path, _ = parse_target("/" + rest)
        return region

    def handle(self, req: Request, target: str, request_id: str) -> Response | None:
        """Authenticate, inject faults, route. None means: drop the connection."""
        region = self._split_region(req) or self.region
        found = match(self.routes, req.method, req.raw_path)
        service = found[0].service if found else self._service_of(req.path)
        try:
            if service not in UNSIGNED_SERVICES:
                self._authenticate(req, target)
                if region != self._serving_region(service):
                    # as a client configured for the wrong region finds: nothing there
                    raise ServiceError(
                        404,
                        "NotAuthorizedOrNotFound",
                        f"{service} of this cloud is served in {self._serving_region(service)}, "
                        f"not at {region}'s endpoint: configure the client for that region",
                    )
            if service != "admin":
                decision = self.faults.decide(service, req.method, req.path)
                if decision.hold is not None:
                    self.faults.wait_release(decision.hold)
                if decision.latency:
                    time.sleep(decision.latency)
                if decision.drop:
                    return None
                if decision.error is not None:
                    raise decision.error
            if found is None:
                raise ServiceError(
                    404, "NotAuthorizedOrNotFound", f"no such resource: {req.method} {req.path}"
                )
            route_, params = found
            req.params = params
            response = route_.handler(req)
            response.headers.setdefault("opc-request-id", request_id)
            return response
        except ServiceError as exc:
            return exc.response(request_id)
        except Exception:
            log.error("handler error on %s %s:\n%s", req.method, req.path, traceback.format_exc())
            return ServiceError(
                500, "InternalServerError", "internal error in the local cloud; see its log"
            ).response(request_id)

    @staticmethod
    def _service_of(path: str) -> str:
        if path == HUB_PREFIX or path.startswith(HUB_PREFIX + "/"):
            return "hub"
        if path.startswith(ADMIN_PREFIX + "/"):
            return "admin"
        return "unknown"

    def _authenticate(self, req: Request, target: str) -> None:
        signed = req.headers.get("authorization", "")
        body: bytes | None = None
        if "x-content-sha256" in signed:
            if req.content_length > MAX_SIGNED_BODY:
                raise ServiceError(
                    413, "RequestEntityTooLarge", f"a signed body is limited to {MAX_SIGNED_BODY} bytes"
                )
            body = req.read_body(MAX_SIGNED_BODY)
            req.body = io.BytesIO(body)
            req.content_length = len(body)
        # object data is sent unsigned (the SDK streams it), every other body is signed
        object_upload = (
            req.method == "PUT"
            and req.raw_path.startswith("/n/")
            and ("/o/" in req.raw_path or "/u/" in req.raw_path)
        )
        body_signed = req.method in ("POST", "PUT", "PATCH") and not object_upload
        key = signing_key([self.key, self.uploader_key, self.function_key], req.headers)
        verify_request(key, req.method, target, req.headers, body, body_signed=body_signed)
        if not self.grants[key.key_id].may(req.method, req.path, self._object_exists):
            raise refuse(req.method, req.path)

    def _object_exists(self, bucket: str, name: str) -> bool:
        """Whether a PUT overwrites (OBJECT_OVERWRITE) or creates (OBJECT_CREATE)."""
        return self.store.find(bucket, name) is not None

    # --- admin paths --------------------------------------------------------------------
    def _admin_routes(self) -> list[Route]:
        a = ADMIN_PREFIX
        table = [
            ("GET", a + "/health", self._admin_health),
            ("GET", a + "/info", lambda r: Response.json(self.info())),
            ("GET", a + "/messages", self._admin_messages),
            ("GET", a + "/events", self._admin_events),
            ("GET", a + "/deliveries", self._admin_deliveries),
            ("GET", a + "/faults", lambda r: Response.json(self.faults.describe())),
            ("POST", a + "/faults", self._admin_add_fault),
            ("DELETE", a + "/faults", self._admin_clear_faults),
            ("DELETE", a + "/faults/{faultId}", self._admin_remove_fault),
            ("POST", a + "/faults/{faultId}/release", self._admin_release_fault),
            ("POST", a + "/stage", self._admin_stage),
        ]
        return [route(m, t, h, "admin") for m, t, h in table]

    def _admin_health(self, req: Request) -> Response:
        return Response.json(
            {"status": "ok", "services": self.service_names(), "service_errors": self.service_errors}
        )

    def _admin_messages(self, req: Request) -> Response:
        since = _since(req)
        return Response.json({"items": self.notifications.messages(req.q("topic"), since)})

    def _admin_events(self, req: Request) -> Response:
        return Response.json({"items": self.emitter.events(_since(req)), "routed": self.router.history()})

    def _admin_deliveries(self, req: Request) -> Response:
        items = self.runner.history() if self.runner is not None else []
        return Response.json({"items": items})

    def _admin_add_fault(self, req: Request) -> Response:
        doc = req.json()
        try:
            if isinstance(doc, dict) and "work_request" in doc:
                fault_id = self.faults.add_work_request(WorkRequestFault.model_validate(doc["work_request"]))
            elif isinstance(doc, dict) and "events" in doc:
                fault_id = self.faults.add_event_fault(EventFaultSpec.model_validate(doc["events"]))
            else:
                fault_id = self.faults.add(FaultSpec.model_validate(doc))
        except ValueError as exc:
            raise ServiceError(400, "InvalidParameter", f"invalid fault: {exc}") from None
        return Response.json({"id": fault_id}, 201)

    def _admin_clear_faults(self, req: Request) -> Response:
        self.faults.clear()
        return Response(204)

    def _admin_release_fault(self, req: Request) -> Response:
        """Let the requests a hold fault holds go on."""
        if not self.faults.release(req.params["faultId"]):
            raise ServiceError(404, "NotFound", f"no hold fault {req.params['faultId']!r}")
        return Response(204)

    def _admin_remove_fault(self, req: Request) -> Response:
        if not self.faults.remove(req.params["faultId"]):
            raise ServiceError(404, "NotFound", f"no fault {req.params['faultId']!r}")
        return Response(204)

    def _admin_stage(self, req: Request) -> Response:
        from localcloud.staging import stage_folder

        doc = req.json()
        if not isinstance(doc, dict) or not doc.get("folder"):
            raise ServiceError(
                400, "InvalidParameter", 'give {"folder": <local path>, "prefix": "models/<name>/"}'
            )
        result = stage_folder(
            self,
            Path(str(doc["folder"])),
            str(doc.get("prefix") or ""),
            bucket=str(doc.get("bucket") or self.config.bucket),
        )
        return Response.json(result.to_dict())
