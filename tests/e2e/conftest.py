"""End-to-end fixtures: `make_pipeline(env=..., **localcloud options)` and `pipeline`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from e2e_pipeline import FAST_ENV, FUNCTION, Pipeline


@pytest.fixture
def make_pipeline(make_localcloud: Callable[..., Any], tmp_path: Path) -> Callable[..., Pipeline]:
    def make(env: dict[str, str] | None = None, **options: Any) -> Pipeline:
        cloud = make_localcloud(function_path=FUNCTION, function_env={**FAST_ENV, **(env or {})}, **options)
        return Pipeline(cloud, tmp_path)

    return make


@pytest.fixture
def pipeline(make_pipeline: Callable[..., Pipeline]) -> Pipeline:
    return make_pipeline()
