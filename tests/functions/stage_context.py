"""A StageContext for pure stage logic: a Runtime whose clients are never called."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared" / "pipeline"))

from functions.common import StageContext
from functions.runtime import Runtime
from shared.clients import ClientFactory
from shared.settings import Settings

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def make_ctx(**settings: object) -> StageContext:
    base = {
        "compartment_id": "ocid1.compartment..c",
        "bucket_name": "model-drop",
        "state_bucket_name": "model-import-state",
        "topic_id": "t",
        "namespace": "ns",
    }
    rt = Runtime(
        settings=Settings.model_validate({**base, **settings}),
        factory=ClientFactory(endpoint="https://inference.example", region="us-chicago-1", env={}),
        now=lambda: NOW,
    )
    return StageContext(rt, "event-1", NOW)
