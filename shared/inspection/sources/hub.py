"""A Hugging Face Hub repository at a revision, read through the real `huggingface_hub` client.

The listing (names and sizes) comes from the model-info API with file metadata; file
contents are read with ranged GETs on the resolve URL through the client's own HTTP
session, so `HF_ENDPOINT`, proxies and headers behave as in every other Hub call.
The token goes into the request headers only: it is never logged nor put in a message.
"""

from __future__ import annotations

import os
from typing import Any

from huggingface_hub import HfApi, constants, get_session, hf_hub_url
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import build_hf_headers, hf_raise_for_status

from shared.inspection.sources.base import ArtifactSource, FileEntry, SourceError

_CHUNK = 64 * 1024

# huggingface_hub's user-agent code fetches an "agent harness" registry from huggingface.co
# (constants.ENDPOINT, not the endpoint we use) unless telemetry is off. An import pointed at
# a private mirror or the local Hub must not reach out to huggingface.co, so turn it off.
constants.HF_HUB_DISABLE_TELEMETRY = True


class HubSource(ArtifactSource):
    """`repo_id` at `revision` on the Hub at `endpoint` (default: `HF_ENDPOINT`, else huggingface.co)."""

    max_concurrency = 16

    def __init__(
        self, repo_id: str, revision: str = "main", endpoint: str | None = None, token: str | None = None
    ) -> None:
        super().__init__()
        self.repo_id = repo_id
        self.revision = revision
        self.endpoint = (endpoint or os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")
        self._token = token
        self._api = HfApi(endpoint=self.endpoint, token=token if token else False)
        self.commit: str | None = None  # the full commit the Hub resolved `revision` to, once listed

    def __repr__(self) -> str:  # never shows the token
        return f"HubSource({self.repo_id!r}, revision={self.revision!r}, endpoint={self.endpoint!r})"

    @property
    def description(self) -> str:
        return f"hf://{self.repo_id}@{self.revision}"

    def _headers(self) -> dict[str, str]:
        # token=False stops huggingface_hub from picking up a token saved on this machine.
        return build_hf_headers(token=self._token if self._token else False)

    def _list(self) -> list[FileEntry]:
        try:
            info = self._api.model_info(self.repo_id, revision=self.revision, files_metadata=True)
        except Exception as exc:
            raise _hub_error(exc, self.description) from exc
        self.commit = info.sha if isinstance(info.sha, str) else None
        return [FileEntry(s.rfilename, int(s.size or 0)) for s in (info.siblings or [])]

    def _read(self, name: str, start: int, length: int) -> bytes:
        url = hf_hub_url(self.repo_id, name, revision=self.revision, endpoint=self.endpoint)
        headers = {**self._headers(), "Range": f"bytes={start}-{start + length - 1}"}
        try:
            with get_session().stream("GET", url, headers=headers, follow_redirects=True) as response:
                if response.status_code == 416:
                    return b""
                if response.status_code >= 400:
                    response.read()
                    hf_raise_for_status(response)
                chunks: list[bytes] = []
                got = 0
                for chunk in response.iter_bytes(chunk_size=min(_CHUNK, length)):
                    chunks.append(chunk)
                    got += len(chunk)
                    if got >= length:
                        break
                return b"".join(chunks)[:length]
        except SourceError:
            raise
        except Exception as exc:
            raise _hub_error(exc, name) from exc


def _hub_error(exc: Exception, subject: str) -> SourceError:
    status = _status(exc)
    # GatedRepoError is a RepositoryNotFoundError: test it first. The Hub answers 401 with
    # RepoNotFound for repos that do not exist *or* that the token may not see.
    if isinstance(exc, GatedRepoError):
        return SourceError("HF_ACCESS_DENIED", subject, "the repository is gated and the token was refused")
    if isinstance(exc, RepositoryNotFoundError | RevisionNotFoundError):
        return SourceError(
            "HF_REPO_NOT_FOUND",
            subject,
            f"the Hub has no such repository or revision (or it is private){_code(status)}",
        )
    if status in (401, 403):
        return SourceError("HF_ACCESS_DENIED", subject, f"the Hub refused access ({status})")
    if status == 404:
        return SourceError("HF_REPO_NOT_FOUND", subject, "the Hub has no such file")
    return SourceError(
        "SOURCE_UNREADABLE", subject, f"the Hub could not be read: {type(exc).__name__}{_code(status)}"
    )


def _code(status: int | None) -> str:
    return f" ({status})" if status else ""


def _status(exc: Exception) -> int | None:
    if isinstance(exc, HfHubHTTPError):
        response: Any = getattr(exc, "response", None)
        code = getattr(response, "status_code", None)
        return int(code) if code else None
    return None
