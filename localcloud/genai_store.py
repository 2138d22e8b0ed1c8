"""Persistence of the emulated Generative AI control plane.

One JSON document per resource under `<state_dir>/genai/<kind>/<id>.json`, written
atomically (temp file + rename) so a crash never leaves half a document. Hugging Face
access tokens are sealed with a key kept in `<state_dir>/genai/token.key` (mode 0600),
the way OCI keeps them in a vault: documents on disk hold only the ciphertext, and the
retry-token table holds only keyed hashes of request bodies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

KINDS = ("importedModels", "dedicatedAiClusters", "endpoints", "workRequests")
RETRY_TOKEN_TTL = 24 * 3600.0


def write_json_atomic(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, sort_keys=True, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class TokenVault:
    """Seals secrets with a per-state-dir key; the clear text never reaches a file."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        key_file = folder / "token.key"
        if not key_file.exists():
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(Fernet.generate_key())
        self._key = key_file.read_bytes().strip()
        self._fernet = Fernet(self._key)

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def unseal(self, sealed: str) -> str | None:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None

    def keyed_hash(self, data: bytes) -> str:
        """A hash that cannot be brute-forced offline without the key (bodies may hold a token)."""
        return hmac.new(self._key, data, hashlib.sha256).hexdigest()


class GenAiStore:
    """In-memory documents mirrored to disk; callers hold `lock` around read-modify-write."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.RLock()
        self.docs: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
        self.retry_tokens: dict[str, dict[str, Any]] = {}
        self.vault = TokenVault(folder)
        self._load()

    def _load(self) -> None:
        for kind in KINDS:
            for path in sorted((self.folder / kind).glob("*.json")):
                try:
                    doc = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, json.JSONDecodeError):
                    continue  # a foreign or damaged file must not stop the cloud from starting
                if isinstance(doc, dict) and isinstance(doc.get("id"), str):
                    self.docs[kind][doc["id"]] = doc
        # one small file per retry token: a create never rewrites the whole table
        for path in sorted((self.folder / "retry").glob("*.json")):
            try:
                entry = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            if isinstance(entry, dict):
                self.retry_tokens[path.stem] = entry

    def get(self, kind: str, ocid: str) -> dict[str, Any] | None:
        return self.docs[kind].get(ocid)

    def all(self, kind: str) -> Iterator[dict[str, Any]]:
        return iter(list(self.docs[kind].values()))

    def put(self, kind: str, doc: dict[str, Any]) -> None:
        self.docs[kind][doc["id"]] = doc
        write_json_atomic(self.folder / kind / f"{doc['id']}.json", doc)

    def find_retry(self, key: str, now: float) -> dict[str, Any] | None:
        entry = self.retry_tokens.get(key)
        if entry and entry.get("expires", 0) > now:
            return entry
        return None

    def remember_retry(self, key: str, entry: dict[str, Any], now: float) -> None:
        for old in [k for k, v in self.retry_tokens.items() if v.get("expires", 0) <= now]:
            del self.retry_tokens[old]
            (self.folder / "retry" / f"{old}.json").unlink(missing_ok=True)
        self.retry_tokens[key] = {**entry, "expires": now + RETRY_TOKEN_TTL}
        write_json_atomic(self.folder / "retry" / f"{key}.json", self.retry_tokens[key])
