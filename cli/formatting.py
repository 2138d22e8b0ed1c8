"""Small renderers shared by the table outputs: ages, money, AI units, SDK models as JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cli.progress import human_seconds
from shared.shapes import get_shape


def now_utc() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def age_seconds(since: datetime | None, now: datetime | None = None) -> float | None:
    since = as_utc(since)
    if since is None:
        return None
    return max(0.0, ((now or now_utc()) - since).total_seconds())


def age(since: datetime | None, now: datetime | None = None) -> str:
    seconds = age_seconds(since, now)
    return "-" if seconds is None else human_seconds(seconds)


def money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def units(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def iso(value: datetime | None) -> str | None:
    value = as_utc(value)
    return value.isoformat().replace("+00:00", "Z") if value else None


def cluster_ai_units(unit_shape: str | None, unit_count: int | None) -> float | None:
    """AI units a hosting cluster holds: the shape's AI unit count times its units (replicas)."""
    shape = get_shape(unit_shape or "")
    if shape is None:
        return None
    return round(shape.ai_units * max(1, int(unit_count or 1)), 4)


def hourly(ai_units: float | None, price: float | None) -> float | None:
    if ai_units is None or price is None:
        return None
    return round(ai_units * price, 4)


def sdk_dict(model: Any) -> Any:
    """An SDK model as plain JSON-ready data with the SDK's snake_case names and ISO times."""
    import oci  # here, not at the top: a command's --help loads no SDK

    data = oci.util.to_dict(model)
    return _iso_times(data)


def _iso_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _iso_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso_times(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    return value
