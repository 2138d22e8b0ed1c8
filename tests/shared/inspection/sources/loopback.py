"""Small loopback HTTP servers speaking the few routes the sources use.

They stand in for Object Storage and the Hub where the local cloud is not used: real
sockets, real HTTP, the real `oci` SDK and `huggingface_hub` client on the other end.
Signatures are not checked. Every request is recorded (method, path, headers).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

RANGE = re.compile(r"bytes=(\d+)-(\d+)?")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self.server.requests.append({"path": self.path, "headers": dict(self.headers)})
        with suppress(BrokenPipeError):
            self.server.route(self)

    def send_json(self, status: int, doc: Any) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_bytes(self, data: bytes, ignore_range: bool = False) -> None:
        match = RANGE.fullmatch(self.headers.get("Range", "")) if not ignore_range else None
        if match:
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else len(data) - 1, len(data) - 1)
            if start >= len(data):
                self.send_json(416, {"code": "InvalidRange", "message": "range not satisfiable"})
                return
            chunk = data[start : end + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        else:
            chunk = data
            self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(chunk)))
        self.end_headers()
        self.wfile.write(chunk)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, route: Any) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.route = route
        self.requests: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def serve(route: Any) -> Iterator[_Server]:
    server = _Server(route)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def object_storage_route(
    namespace: str, bucket: str, objects: dict[str, bytes], page_size: int = 2, ignore_range: bool = False
) -> Any:
    """GET /n/{ns}/b/{bucket}/o (listing, paged by `page_size`) and GET .../o/{name} (ranged)."""

    def route(h: _Handler) -> None:
        url = urlsplit(h.path)
        prefix_path = f"/n/{namespace}/b/{bucket}/o"
        if url.path == prefix_path:
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            names = sorted(n for n in objects if n.startswith(query.get("prefix", "")))
            names = [n for n in names if n >= query.get("start", "")]
            page, rest = names[:page_size], names[page_size:]
            h.send_json(
                200,
                {
                    "objects": [{"name": n, "size": len(objects[n])} for n in page],
                    "nextStartWith": rest[0] if rest else None,
                },
            )
        elif url.path.startswith(prefix_path + "/"):
            name = unquote(url.path[len(prefix_path) + 1 :])
            if name not in objects:
                h.send_json(404, {"code": "ObjectNotFound", "message": "no such object"})
            else:
                h.send_bytes(objects[name], ignore_range=ignore_range)
        else:
            h.send_json(404, {"code": "BucketNotFound", "message": "no such bucket"})

    return route


def hub_route(repo_id: str, files: dict[str, bytes], token: str | None = None) -> Any:
    """GET /api/models/{repo}/revision/{rev} and GET /{repo}/resolve/{rev}/{file}, optionally gated."""

    def route(h: _Handler) -> None:
        url = urlsplit(h.path)
        if token is not None and h.headers.get("Authorization") != f"Bearer {token}":
            h.send_json(401, {"error": "Access to this model is restricted."})
            return
        info = f"/api/models/{repo_id}/revision/"
        resolve = f"/{repo_id}/resolve/"
        if url.path.startswith(info):
            siblings = [{"rfilename": n, "size": len(d)} for n, d in sorted(files.items())]
            h.send_json(200, {"id": repo_id, "sha": "a" * 40, "siblings": siblings, "private": False})
        elif url.path.startswith(resolve):
            name = unquote(url.path[len(resolve) :].split("/", 1)[1])
            if name in files:
                h.send_bytes(files[name])
            else:
                h.send_json(404, {"error": "Entry not found"})
        else:
            h.send_response(404)
            h.send_header("X-Error-Code", "RepoNotFound")
            h.send_header("Content-Length", "0")
            h.end_headers()

    return route


def oci_config(tmp: Path) -> dict[str, Any]:
    """An OCI SDK config with a freshly generated API key (the servers do not check signatures)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp / "oci_api_key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return {
        "user": "ocid1.user.oc1..test",
        "tenancy": "ocid1.tenancy.oc1..test",
        "region": "us-chicago-1",
        "fingerprint": "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99",
        "key_file": str(key_file),
    }


def folder_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
