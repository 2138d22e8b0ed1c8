"""Helpers for pipeline tests: states, and a model folder staged in the local cloud's bucket."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from localcloud.demo_models import write_model
from shared.contract.manifest import Capability, ImportOptions
from shared.contract.paths import SourceKind
from shared.contract.state import ImportState, Plan, Source, Stage


def make_state(
    name: str = "tiny-chat", stage: Stage = Stage.IMPORTING, import_id: str | None = None, **options: object
) -> ImportState:
    now = datetime.now(UTC)
    return ImportState(
        name=name,
        import_id=import_id or f"{name}-0123456789ab",
        source=Source(
            kind=SourceKind.OBJECT_STORAGE,
            namespace="localcloud",
            bucket="model-drop",
            object_name=f"models/{name}/import.json",
            etag="e1",
            prefix=f"models/{name}/",
        ),
        options=ImportOptions.model_validate(options),
        stage=stage,
        stage_started_at=now,
        created_at=now,
        updated_at=now,
        plan=Plan(capability=Capability.TEXT_TO_TEXT, unit_shape="A10_X1", ai_units=1.0, cost_per_hour=1.0),
    )


@pytest.fixture
def staged_model(localcloud, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """A tiny chat model under models/tiny-chat/ in the local bucket; returns the prefix."""
    localcloud.stage(write_model(tmp_path / "tiny-chat", "chat"), "models/tiny-chat/")
    return "models/tiny-chat/"
