"""A tiny stand-in for the local cloud's HTTP server, to drive one service with the real clients.

It mounts `Route`s from `localcloud.web` on a ThreadingHTTPServer on 127.0.0.1 and offers a
minimal `CloudContext` whose clock the test can move, whose buckets are dictionaries and
whose faults are set by name. Signatures are not checked here (the full server does that);
the SDK still signs every request.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from localcloud.context import ObjectInfo, Timings
from localcloud.web import Request, Response, Route, ServiceError, match, parse_target


@dataclass
class MiniContext:
    state_dir: Path
    region: str = "us-chicago-1"
    namespace: str = "localns"
    timings: Timings = field(default_factory=Timings)
    offset: float = 0.0
    faults: dict[tuple[str, str], str] = field(default_factory=dict)
    buckets: dict[tuple[str, str], dict[str, bytes]] = field(default_factory=dict)
    hub: Any = None  # a HubService, when the test mounts one

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def failing_work_request(self, operation: str, name: str) -> str | None:
        return self.faults.get((operation, name))

    def list_objects(self, namespace: str, bucket: str, prefix: str) -> Iterator[ObjectInfo]:
        objects = self.buckets[(namespace, bucket)]  # KeyError: no such bucket
        for name in sorted(objects):
            if name.startswith(prefix):
                data = objects[name]
                yield ObjectInfo(name, len(data), hashlib.md5(data).hexdigest())

    def open_object(self, namespace: str, bucket: str, name: str) -> Any:
        data = self.buckets.get((namespace, bucket), {}).get(name)
        return None if data is None else io.BytesIO(data)

    def hub_repo_access(self, model_id: str, revision: str, token: str | None) -> str:
        if self.hub is None:
            return "not_found"
        result: str = self.hub.hub_repo_access(model_id, revision, token)
        return result


class MiniServer:
    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # method, path, headers seen
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                raw_path, path, query = parse_target(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.requests.append((self.command, path, headers))
                length = int(headers.get("content-length") or 0)
                # test bodies are small: read them whole so keep-alive never desyncs
                body = io.BytesIO(self.rfile.read(length) if length else b"")
                req = Request(self.command, path, raw_path, query, headers, body, length)
                request_id = uuid.uuid4().hex
                found = match(server.routes, self.command, raw_path)
                try:
                    if found is None:
                        raise ServiceError(
                            404, "NotAuthorizedOrNotFound", f"no route for {self.command} {path}"
                        )
                    req.params = found[1]
                    resp = found[0].handler(req)
                except ServiceError as exc:
                    resp = exc.response(request_id)
                except Exception as exc:
                    resp = ServiceError(500, "InternalServerError", f"{type(exc).__name__}: {exc}").response(
                        request_id
                    )
                    traceback.print_exc()
                self._send(resp, request_id)

            def _send(self, resp: Response, request_id: str) -> None:
                self.send_response(resp.status)
                hdrs = {"opc-request-id": request_id, **resp.headers}
                body = resp.body
                if isinstance(body, bytes | bytearray):
                    length = resp.content_length if resp.content_length is not None else len(body)
                    chunks: Any = [body]
                else:
                    length = resp.content_length or 0
                    chunks = body
                for k, v in hdrs.items():
                    if k.lower() != "content-length":
                        self.send_header(k, v)
                if resp.status not in (204, 304) or self.command == "HEAD":
                    self.send_header("content-length", str(length))
                self.end_headers()
                if self.command == "HEAD":
                    if hasattr(chunks, "close"):
                        chunks.close()
                    return
                for c in chunks:
                    self.wfile.write(c)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def oci_config(folder: Path, region: str = "us-chicago-1") -> dict[str, str]:
    """An API-key config the SDK accepts, with a freshly generated key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key_file = folder / "oci_api_key.pem"
    key_file.write_bytes(pem)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashlib.md5(der).hexdigest()
    return {
        "user": "ocid1.user.oc1..aaaaaaaalocaluser",
        "tenancy": "ocid1.tenancy.oc1..aaaaaaaalocaltenancy",
        "fingerprint": ":".join(digest[i : i + 2] for i in range(0, 32, 2)),
        "key_file": str(key_file),
        "region": region,
    }
