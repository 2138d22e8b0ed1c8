"""Persistence of the emulated Generative AI control plane.

One JSON document per resource under `<state_dir>/genai/<kind>/<id>.json`, written
atomically (temp file + rename) so a crash never leaves half a document. Hugging Face
access tokens are sealed with a key kept *outside* the state directory (see `vault_key_file`),
the way OCI keeps them in a vault whose keys live elsewhere: documents on disk hold only the
ciphertext, which nothing inside the state directory can open, and the retry-token table
holds only keyed hashes of request bodies.
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


VAULT_KEY_ENV = "MODEL_IMPORT_LOCAL_VAULT_KEY_FILE"


def vault_key_file() -> Path:
    """Where the sealing key lives: `$MODEL_IMPORT_LOCAL_VAULT_KEY_FILE`, else a per-user file.

    Never inside a state directory: copying or reading a state directory must not be enough
    to recover a token. The key survives restarts, so an import sealed before one still starts.
    """
    configured = os.environ.get(VAULT_KEY_ENV)
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "model-import" / "localcloud-vault.key"


class TokenVault:
    """Seals secrets with a key kept outside the state directory; clear text never reaches a file."""

    def __init__(self, folder: Path, key_file: Path | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        key_file = key_file or vault_key_file()
        if folder.resolve() in key_file.resolve().parents:
            raise ValueError(f"the vault key {key_file} must not live inside the state directory {folder}")
        key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not key_file.exists():
            try:
                fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another local cloud created it first
            else:
                with os.fdopen(fd, "wb") as f:
                    f.write(Fernet.generate_key())
        self.key_file = key_file
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
