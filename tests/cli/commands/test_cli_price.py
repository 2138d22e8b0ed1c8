"""The price set on `local up` reaches every command on that cloud; without one, outputs say "no price
configured" instead of showing an unknown cost (issue 16)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.cli.conftest import CliHarness


def test_the_local_clouds_price_reaches_every_command(
    make_localcloud: Callable[..., Any], make_cli: Callable[[Any], CliHarness], tiny_model: Any
) -> None:
    handle = make_localcloud(ai_unit_price=10.0)
    cli = make_cli(handle)
    assert handle.cloud.function_env()["AI_UNIT_PRICE_PER_HOUR"] == "10"  # the function's price too
    cli.monkeypatch.delenv("AI_UNIT_PRICE_PER_HOUR")  # only localcloud.json says it now
    cli.deploy("priced")
    assert cli("status", "priced", "--json").json()["cost_per_hour"] == 17.7
    cost = cli("cost", "--json").json()
    assert cost["price_per_ai_unit_hour"] == 10.0 and cost["total_cost_per_hour"] == 17.7
    inspected = cli("inspect", str(tiny_model("priced-model")), "--json").json()
    assert inspected["cost_per_hour"] is not None and inspected["price_per_ai_unit"] == 10.0
    assert cli("cost", "--price", "2", "--json").json()["price_per_ai_unit_hour"] == 2.0  # --price wins


def test_without_a_price_outputs_say_so_once(cli: Any) -> None:
    cli.deploy("unpriced")
    detail = cli("status", "unpriced")
    assert detail.code == 0
    assert "unknown" not in detail.out and "- per hour" not in detail.out
    assert detail.out.count("no price configured") == 1
    cost = cli("cost")
    assert (cost.out + cost.err).count("no price configured") == 1
