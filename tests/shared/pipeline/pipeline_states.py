"""Import states for tests: `make_state(name, stage, **manifest options)`."""

from __future__ import annotations

from datetime import UTC, datetime

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
