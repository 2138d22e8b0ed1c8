"""Everything one function process needs, built once and lazily: settings, clients, store, ledger.

A hot OCI Functions container serves many invocations; building the SDK clients (and, in
OCI, the resource-principal signer) once per container keeps each invocation cheap.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from shared.clients import ClientFactory
from shared.contract.state import utcnow
from shared.pipeline.creates import CreateLog
from shared.pipeline.genai_ops import GenAiOps
from shared.pipeline.ledger import Ledger
from shared.pipeline.notifier import Notifier
from shared.pipeline.secrets import read_hf_token
from shared.pipeline.store import StateStore
from shared.settings import Settings

# OCI Functions stops an invocation at 300 s (func.yaml timeout, the service's maximum); leave
# room for the answer. Every wait inside one invocation (the stage's poll, the publish retry)
# fits in what is left of this budget.
FUNCTION_TIMEOUT_SECONDS = 300.0
INVOCATION_BUDGET_SECONDS = 270.0
# What one stage needs after its wait: the If-Match write, the publish and its one retry.
RESERVE_AFTER_WAIT_SECONDS = 30.0


@dataclass
class Runtime:
    settings: Settings  # as configured, with poll_seconds cut to fit the invocation (see fit_waits)
    factory: ClientFactory
    env: Mapping[str, str] = field(default_factory=dict)
    now: Callable[[], datetime] = utcnow
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    budget_ends: float | None = None  # clock() value at which this invocation must be answering
    configured: Settings | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.configured is None:
            self.configured = self.settings

    def begin_invocation(self, deadline: datetime | None = None) -> None:
        """Start one invocation's time budget; the platform's deadline, if given, can only shorten it."""
        start = self.clock()
        ends = start + INVOCATION_BUDGET_SECONDS
        if deadline is not None:
            ends = min(ends, start + (deadline - self.now()).total_seconds() - 5.0)
        self.budget_ends = ends
        self.fit_waits()

    def remaining_seconds(self) -> float:
        return math.inf if self.budget_ends is None else max(0.0, self.budget_ends - self.clock())

    def fit_waits(self) -> None:
        """Cut the stage wait (poll_seconds) to what is left of the budget, keeping the reserve."""
        base = self.configured or self.settings
        room = self.remaining_seconds() - RESERVE_AFTER_WAIT_SECONDS
        poll = base.poll_seconds if room >= base.poll_seconds else max(0, int(room))
        self.settings = base if poll == base.poll_seconds else base.model_copy(update={"poll_seconds": poll})

    def nap(self, seconds: float) -> None:
        """Sleep, but never past the invocation's budget."""
        self.sleep(max(0.0, min(seconds, self.remaining_seconds() - RESERVE_AFTER_WAIT_SECONDS / 2)))

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

    @property
    def state_bucket(self) -> str:
        return self.settings.state_bucket_name

    @cached_property
    def store(self) -> StateStore:
        # The state bucket, never the watched one: only the function writes what it trusts.
        return StateStore(self.object_storage, self.namespace, self.state_bucket, watched_bucket=self.bucket)

    @cached_property
    def ledger(self) -> Ledger:
        return Ledger(self.object_storage, self.namespace, self.state_bucket)

    @cached_property
    def creates(self) -> CreateLog:
        """Creates in flight and orphans of lost races, in the state bucket (shared/pipeline/creates.py)."""
        return CreateLog(self.object_storage, self.namespace, self.state_bucket)

    @cached_property
    def ops(self) -> GenAiOps:
        # An import's Object Storage data source names the bucket's region when Generative AI is
        # elsewhere (ObjectStorageObject.region: "The full canonical region id ... where the bucket lives").
        home, genai = self.factory.region, self.factory.genai_region
        return GenAiOps(
            self.factory.generative_ai(),
            self.settings.compartment_id,
            sleep=self.sleep,
            bucket_region=home if genai != home else None,
            deployment=self.bucket,  # acts only on resources tagged import-bucket=<watched bucket>
        )

    @cached_property
    def limits(self) -> Any:
        """The Limits API client (Generative AI's region): dedicated-unit limits before a create."""
        return self.factory.limits()

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
        settings = Settings.from_env(env)
        factory = ClientFactory(env=env, genai_region=settings.region)
        _runtime = Runtime(settings=settings, factory=factory, env=env)
    return _runtime


def reset_runtime() -> None:
    global _runtime
    _runtime = None
