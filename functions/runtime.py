"""Everything one function process needs, built once and lazily: settings, clients, store, ledger.

A hot OCI Functions container serves many invocations; building the SDK clients (and, in
OCI, the resource-principal signer) once per container keeps each invocation cheap.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from shared.clients import ClientFactory
from shared.contract.state import utcnow
from shared.pipeline.genai_ops import GenAiOps
from shared.pipeline.ledger import Ledger
from shared.pipeline.notifier import Notifier
from shared.pipeline.secrets import read_hf_token
from shared.pipeline.store import StateStore
from shared.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    factory: ClientFactory
    env: Mapping[str, str] = field(default_factory=dict)
    now: Callable[[], datetime] = utcnow
    sleep: Callable[[float], None] = time.sleep

    @cached_property
    def object_storage(self) -> Any:
        return self.factory.object_storage()

    @cached_property
    def namespace(self) -> str:
        if self.settings.namespace:
            return self.settings.namespace
        return str(self.object_storage.get_namespace().data)

    @property
    def bucket(self) -> str:
        return self.settings.bucket_name

    @cached_property
    def store(self) -> StateStore:
        return StateStore(self.object_storage, self.namespace, self.bucket)

    @cached_property
    def ledger(self) -> Ledger:
        return Ledger(self.object_storage, self.namespace, self.bucket)

    @cached_property
    def ops(self) -> GenAiOps:
        return GenAiOps(self.factory.generative_ai(), self.settings.compartment_id, sleep=self.sleep)

    @cached_property
    def notifier(self) -> Notifier:
        return Notifier(self.factory.notifications(), self.settings.topic_id)

    @cached_property
    def inference(self) -> Any:
        return self.factory.inference()

    @cached_property
    def signer(self) -> Any:
        return self.factory.signer()

    @property
    def openai_base_url(self) -> str:
        return self.factory.openai_base_url()

    @property
    def inference_url(self) -> str:
        return self.factory.inference_base_url()

    @property
    def hub_endpoint(self) -> str | None:
        if self.env.get("HF_ENDPOINT"):
            return self.env["HF_ENDPOINT"]
        return self.factory.local.hub_endpoint if self.factory.local else None

    def hf_token(self) -> str | None:
        """Read from Vault on each use, never cached on disk or in the state."""
        if not self.settings.hf_token_secret_id:
            return None
        return read_hf_token(self.factory.secrets(), self.settings.hf_token_secret_id)


_runtime: Runtime | None = None


def runtime_from_env(env: Mapping[str, str] | None = None) -> Runtime:
    """The process-wide Runtime; settings are validated once, at the first invocation."""
    global _runtime
    if _runtime is None:
        env = dict(os.environ if env is None else env)
        _runtime = Runtime(settings=Settings.from_env(env), factory=ClientFactory(env=env), env=env)
    return _runtime


def reset_runtime() -> None:
    global _runtime
    _runtime = None
