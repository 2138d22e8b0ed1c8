"""A small routing layer over `http.server`, shared by every emulated service.

Each service module exposes `routes(cloud) -> list[Route]`; the server tries them in
order. Handlers get a `Request` (body is a stream, so large uploads are never held in
memory) and return a `Response` (body may be bytes or an iterator of chunks).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from urllib.parse import parse_qs, unquote


@dataclass
class Request:
    method: str
    path: str  # URL-decoded path, without the query
    raw_path: str  # as sent, still percent-encoded
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: BinaryIO
    content_length: int  # -1 when the body is chunked
    params: dict[str, str] = field(default_factory=dict)  # captured from the route pattern

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def read_body(self, limit: int = 16 * 1024 * 1024) -> bytes:
        if self.content_length > limit:
            raise ServiceError(413, "RequestEntityTooLarge", f"body over {limit} bytes")
        if self.content_length < 0:  # chunked: length unknown until the end
            data = self.body.read(limit + 1)
            if len(data) > limit:
                raise ServiceError(413, "RequestEntityTooLarge", f"body over {limit} bytes")
            return data
        return self.body.read(self.content_length) if self.content_length else b""

    def json(self) -> Any:
        raw = self.read_body()
        try:
            return json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ServiceError(400, "InvalidParameter", f"body is not JSON: {exc}") from None


@dataclass
class Response:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_length: int | None = None  # required when body is an iterator

    @classmethod
    def json(cls, doc: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        data = json.dumps(doc, default=str).encode()
        return cls(status, data, {"content-type": "application/json", **(headers or {})})


class ServiceError(Exception):
    """Raised by handlers; rendered in OCI's error shape {"code": ..., "message": ...}."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self, request_id: str) -> Response:
        return Response.json(
            {"code": self.code, "message": self.message},
            self.status,
            {"opc-request-id": request_id, **self.headers},
        )


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    service: str  # for logs and fault injection by service


def route(method: str, template: str, handler: Handler, service: str) -> Route:
    """`/n/{namespaceName}/b/{bucketName}/o/{objectName+}`: `+` captures across `/`."""
    regex = ""
    for part in re.split(r"(\{[A-Za-z_]+\+?\})", template):
        if part.startswith("{"):
            name = part.strip("{}+")
            regex += f"(?P<{name}>.+)" if part.endswith("+}") else f"(?P<{name}>[^/]+)"
        else:
            regex += re.escape(part)
    return Route(method, re.compile(f"^{regex}$"), handler, service)


def parse_target(target: str) -> tuple[str, str, dict[str, list[str]]]:
    raw_path, _, query = target.partition("?")
    return raw_path, unquote(raw_path), parse_qs(query, keep_blank_values=True)


def match(routes: list[Route], method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
    """Match on the raw path, then decode each parameter (object names may contain `%2F`)."""
    for r in routes:
        if r.method != method:
            continue
        m = r.pattern.match(raw_path)
        if m:
            return r, {k: unquote(v) for k, v in m.groupdict().items()}
    return None


def iter_file(f: BinaryIO, start: int, length: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    f.seek(start)
    remaining = length
    try:
        while remaining > 0:
            data = f.read(min(chunk, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        f.close()
