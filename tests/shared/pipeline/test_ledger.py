"""The AI-unit ledger against the local cloud: ceilings, idempotence, and a real race."""

from __future__ import annotations

import threading

import pytest

from shared.pipeline.ledger import Ledger


@pytest.fixture
def ledger(localcloud) -> Ledger:  # type: ignore[no-untyped-def]
    return Ledger(
        localcloud.factory.object_storage(), localcloud.info.namespace, localcloud.info.state_bucket
    )


def test_reserve_is_idempotent_per_import(ledger: Ledger) -> None:
    first = ledger.reserve("a-1", "a", 4.0, max_per_import=10, max_total=10)
    again = ledger.reserve("a-1", "a", 4.0, max_per_import=10, max_total=10)
    assert first.granted and again.granted
    assert ledger.read()[0].total == 4.0


def test_per_import_ceiling_refuses_without_writing(ledger: Ledger) -> None:
    r = ledger.reserve("big-1", "big", 12.0, max_per_import=10, max_total=100)
    assert not r.granted and r.code == "AI_UNITS_CEILING_IMPORT"
    assert "per-import ceiling of 10" in r.reason
    assert ledger.read() == (ledger.read()[0], None)  # still no ledger object at all


def test_total_ceiling_counts_other_holds(ledger: Ledger) -> None:
    assert ledger.reserve("a-1", "a", 6.0, max_per_import=10, max_total=10).granted
    refused = ledger.reserve("b-1", "b", 6.0, max_per_import=10, max_total=10)
    assert not refused.granted and refused.code == "AI_UNITS_CEILING_TOTAL"
    assert refused.held_by_others == 6.0
    assert ledger.release("a-1") is True
    assert ledger.release("a-1") is False
    assert ledger.reserve("b-1", "b", 6.0, max_per_import=10, max_total=10).granted


def test_racing_for_the_last_units_only_one_wins(ledger: Ledger) -> None:
    assert ledger.reserve("base-1", "base", 4.0, max_per_import=10, max_total=10).granted
    results: dict[str, bool] = {}
    barrier = threading.Barrier(6)

    def contend(i: int) -> None:
        barrier.wait()
        results[f"r{i}"] = ledger.reserve(f"r{i}", f"r{i}", 6.0, max_per_import=10, max_total=10).granted

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results.values()) == 1
    doc = ledger.read()[0]
    assert doc.total == 10.0
    assert set(doc.holds) == {"base-1"} | {k for k, v in results.items() if v}
