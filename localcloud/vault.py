"""Vault secret bundles (`/20190301/secretbundles/{secretId}`), for the Hugging Face token.

Secret contents live in memory only: they are given at start-up (environment variable or
file) and never written to the state directory or logged.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass

from localcloud.objectstore import rfc3339
from localcloud.web import Request, Response, Route, ServiceError, route

SERVICE = "secrets"


@dataclass
class Secret:
    secret_id: str
    content: bytes
    version: int
    created: float

    def __repr__(self) -> str:  # never print the content
        return f"Secret({self.secret_id!r}, version={self.version})"


class VaultService:
    def __init__(self) -> None:
        self._secrets: dict[str, Secret] = {}
        self._lock = threading.Lock()

    def put_secret(self, secret_id: str, content: bytes) -> Secret:
        with self._lock:
            previous = self._secrets.get(secret_id)
            secret = Secret(secret_id, content, (previous.version + 1) if previous else 1, time.time())
            self._secrets[secret_id] = secret
            return secret

    def routes(self) -> list[Route]:
        return [route("GET", "/20190301/secretbundles/{secretId}", self.get_secret_bundle, SERVICE)]

    def get_secret_bundle(self, req: Request) -> Response:
        secret = self._secrets.get(req.params["secretId"])
        if secret is None:
            raise ServiceError(
                404,
                "NotAuthorizedOrNotFound",
                f"secret {req.params['secretId']!r} does not exist or you are not authorized to read it",
            )
        stage = req.q("stage")
        if stage not in (None, "CURRENT", "LATEST"):
            raise ServiceError(404, "NotAuthorizedOrNotFound", f"no secret version in stage {stage!r}")
        return Response.json(
            {
                "secretId": secret.secret_id,
                "versionNumber": secret.version,
                "versionName": None,
                "secretBundleContent": {
                    "contentType": "BASE64",
                    "content": base64.b64encode(secret.content).decode(),
                },
                "stages": ["CURRENT", "LATEST"],
                "timeCreated": rfc3339(secret.created),
                "metadata": None,
            },
            headers={"etag": f"{secret.secret_id}-{secret.version}"},
        )
