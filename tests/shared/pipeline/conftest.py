"""Pipeline test fixtures: a model folder staged in the local cloud's bucket."""

from __future__ import annotations

from pathlib import Path

import pytest

from localcloud.demo_models import write_model


@pytest.fixture
def staged_model(localcloud, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """A tiny chat model under models/tiny-chat/ in the local bucket; returns the prefix."""
    localcloud.stage(write_model(tmp_path / "tiny-chat", "chat"), "models/tiny-chat/")
    return "models/tiny-chat/"
