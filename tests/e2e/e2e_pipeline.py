"""End-to-end helpers: the local cloud with the real fdk function runner on functions/func.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localcloud.demo_models import write_broken, write_model
from shared.contract.paths import LEDGER_OBJECT, manifest_object
from shared.contract.state import ImportState
from shared.pipeline.genai_ops import GenAiOps, Kind, Resource
from shared.pipeline.store import StateStore, read_object

FUNCTION = Path(__file__).resolve().parents[2] / "functions" / "func.py"
FAST_ENV = {
    "POLL_SECONDS": "2",
    "POLL_INTERVAL_SECONDS": "0.05",
    "AI_UNIT_PRICE_PER_HOUR": "2.5",
    "SWEEP_EVERY_SECONDS": "3600",
    "SMOKE_NOT_AUTHORIZED_SECONDS": "2",  # how long a 401/404 on the smoke test is asked again
    "LOG_LEVEL": "INFO",
}


@dataclass
class Pipeline:
    """The local cloud running the function, with what the tests look at."""

    cloud: Any  # LocalCloudHandle
    tmp: Path

    @property
    def os(self) -> Any:
        return self.cloud.factory.object_storage()

    @property
    def uploader_os(self) -> Any:
        """Object Storage as an uploader: the watched bucket only (the state bucket is read-only)."""
        return self.cloud.uploader_factory.object_storage()

    @property
    def state_bucket(self) -> str:
        return str(self.cloud.info.state_bucket)

    @property
    def store(self) -> StateStore:
        return StateStore(
            self.os, self.cloud.info.namespace, self.state_bucket, watched_bucket=self.cloud.info.bucket
        )

    @property
    def ops(self) -> GenAiOps:
        return GenAiOps(self.cloud.factory.generative_ai(), self.cloud.info.compartment_id)

    def put(self, name: str, body: bytes) -> str:
        resp = self.os.put_object(self.cloud.info.namespace, self.cloud.info.bucket, name, body)
        return str(resp.headers["etag"])

    def delete(self, name: str) -> None:
        self.os.delete_object(self.cloud.info.namespace, self.cloud.info.bucket, name)

    def put_state_object(self, name: str, body: bytes, **kwargs: Any) -> str:
        """Write an object of the state bucket as an operator would (uploaders cannot)."""
        resp = self.os.put_object(self.cloud.info.namespace, self.state_bucket, name, body, **kwargs)
        return str(resp.headers["etag"])

    def upload_model(self, name: str, kind: str = "chat", manifest: dict[str, Any] | None = None) -> str:
        folder = write_model(self.tmp / f"src-{name}", kind)
        self.cloud.stage(folder, f"models/{name}/")
        return self.put(manifest_object(name), json.dumps(manifest or {}).encode())

    def upload_broken(self, name: str, flaw: str) -> str:
        folder = write_broken(self.tmp / f"src-{name}", flaw)
        self.cloud.stage(folder, f"models/{name}/")
        return self.put(manifest_object(name), b"{}")

    def state(self, name: str) -> ImportState | None:
        found = self.store.get(name)
        return found[0] if found else None

    def wait_stage(self, name: str, *stages: str, timeout: float = 60.0) -> ImportState:
        def reached() -> ImportState | None:
            s = self.state(name)
            return s if s is not None and s.stage.value in stages else None

        try:
            return self.cloud.wait_for(reached, timeout=timeout, interval=0.1)  # type: ignore[no-any-return]
        except AssertionError:
            s = self.state(name)
            history = [(t.stage.value, t.note) for t in (s.history if s else [])]
            raise AssertionError(
                f"{name} never reached {stages}; now {s.stage if s else None}: {history} "
                f"last_error={s.last_error if s else None}"
            ) from None

    def idle(self, timeout: float = 60.0) -> None:
        assert self.cloud.cloud.runner.wait_idle(timeout), "the function runner never went idle"

    def live(self, kind: Kind) -> list[Resource]:
        return self.ops.list_managed(kind)

    def ledger_text(self) -> str:
        info = self.cloud.info
        found = read_object(self.os, info.namespace, self.state_bucket, LEDGER_OBJECT, 1 << 20)
        return found[0].decode() if found else ""

    def function_log(self) -> str:
        """What the function processes wrote to stderr (our JSON log lines)."""
        logs = sorted((self.cloud.state_dir / "functions").glob("*.log"))
        return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in logs)

    def messages(self) -> list[dict[str, Any]]:
        return self.cloud.messages(self.cloud.info.topic_id)  # type: ignore[no-any-return]

    def wait_messages(self, count: int = 1, timeout: float = 30.0) -> list[dict[str, Any]]:
        """The messages once at least `count` are published: a stage is written before its notice
        is published (in the same invocation), so a stage seen is no message sent yet."""
        found: list[dict[str, Any]] = self.cloud.wait_for(
            lambda: len(m := self.messages()) >= count and m, timeout=timeout
        )
        return found
