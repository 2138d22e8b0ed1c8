"""Fixtures for the stage logic tests."""

from __future__ import annotations

import pytest
from stage_context import make_ctx

from functions.common import StageContext


@pytest.fixture
def ctx() -> StageContext:
    return make_ctx()
