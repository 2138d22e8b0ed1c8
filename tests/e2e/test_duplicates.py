"""Every event delivered three times, in shuffled order: still exactly one of everything."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from e2e_pipeline import Pipeline

from shared.contract.state import Stage
from shared.pipeline.genai_ops import Kind


class ShuffledTriplicates:
    """Wraps the router's delivery: each event goes out 3 times, each copy after a random delay."""

    def __init__(
        self, deliver: Callable[[str, dict[str, Any]], Any], seed: int, max_delay: float = 0.3
    ) -> None:
        self._deliver = deliver
        self._rng = random.Random(seed)
        self._max_delay = max_delay
        self._timers: list[threading.Timer] = []
        self._lock = threading.Lock()
        self.copies = 0

    def __call__(self, rule: str, event: dict[str, Any]) -> None:
        with self._lock:
            for _ in range(3):
                timer = threading.Timer(self._rng.uniform(0, self._max_delay), self._deliver, (rule, event))
                timer.daemon = True
                self._timers.append(timer)
                self.copies += 1
                timer.start()

    def settle(self, pipeline: Pipeline, timeout: float = 60.0) -> None:
        """Wait until no copy is waiting and the function runner is idle, twice in a row."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 2:
            assert time.monotonic() < deadline, "deliveries never settled"
            with self._lock:
                timers = list(self._timers)
            for t in timers:
                t.join(timeout=5)
            pipeline.idle()
            with self._lock:
                quiet = quiet + 1 if len(self._timers) == len(timers) else 0
            time.sleep(0.2)


@pytest.mark.parametrize("seed", [1, 2])
def test_triplicated_shuffled_events_make_one_of_everything(make_pipeline, seed: int) -> None:  # type: ignore[no-untyped-def]
    pipeline: Pipeline = make_pipeline(pool_size=3)
    router = pipeline.cloud.cloud.router
    chaos = ShuffledTriplicates(router.deliver, seed)
    router.deliver = chaos

    pipeline.upload_model("tiny-chat", "chat")
    state = pipeline.wait_stage("tiny-chat", "DONE", "FAILED", "REJECTED")
    chaos.settle(pipeline)
    state = pipeline.state("tiny-chat")  # type: ignore[assignment]
    assert state.stage is Stage.DONE, state.last_error
    assert chaos.copies >= 3 * 6  # the manifest and at least five state writes, each three times
    assert [m.id for m in pipeline.live(Kind.IMPORTED_MODEL)] == [state.resources.imported_model_id]
    assert [c.id for c in pipeline.live(Kind.CLUSTER)] == [state.resources.cluster_id]
    assert [e.id for e in pipeline.live(Kind.ENDPOINT)] == [state.resources.endpoint_id]
    for kind in Kind:  # not one extra create, not even one deleted afterwards
        assert len(pipeline.ops.list_all(kind)) == 1, kind
    titles = [m["title"] for m in pipeline.messages()]
    assert len(titles) == 1 and "is live" in titles[0]
    assert [t.stage.value for t in state.history] == [
        "VALIDATING",
        "IMPORTING",
        "PROVISIONING",
        "DEPLOYING",
        "SMOKE_TESTING",
        "DONE",
    ]
