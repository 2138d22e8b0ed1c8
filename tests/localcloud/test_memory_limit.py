"""Workers run under the function's 256 MB: an overrun is stopped and not delivered again.

Before issue 12 a worker had no limit (FN_MEMORY said 1024): a 24.9 MB safetensors header
took one to 294 MB and three to 570 MB, and nothing noticed.
"""

from __future__ import annotations

from pathlib import Path

from localcloud.runner import FUNCTION_MEMORY_MB

FUNCTION = Path(__file__).with_name("fn_hog") / "func.py"


def test_a_worker_over_256_mb_is_killed_and_the_event_not_redelivered(make_localcloud) -> None:  # type: ignore[no-untyped-def]
    cloud = make_localcloud(function_path=FUNCTION, pool_size=1, backoff_seconds=0.05)
    client = cloud.factory.object_storage()
    ns, bucket = cloud.info.namespace, cloud.info.bucket
    client.put_object(ns, bucket, f"models/hog-{FUNCTION_MEMORY_MB + 64}/import.json", b"{}")
    assert cloud.cloud.runner.wait_idle(60)
    client.put_object(ns, bucket, "models/hog-20/import.json", b"{}")
    assert cloud.cloud.runner.wait_idle(60)
    over, fine = cloud.deliveries()
    assert over["outcome"] == "failed" and over["killed_for_memory"] and over["attempts"] == 1
    assert over["peak_rss_mb"] > FUNCTION_MEMORY_MB
    assert any("memory" in e for e in over["errors"])
    assert fine["outcome"] == "delivered" and not fine["killed_for_memory"]  # the worker came back
    assert fine["peak_rss_mb"] < FUNCTION_MEMORY_MB
