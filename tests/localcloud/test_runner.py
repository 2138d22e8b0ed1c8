"""The function runner delivers routed events to a real fdk process over its unix socket."""

from __future__ import annotations

import json
from pathlib import Path

FUNCTION = Path(__file__).with_name("fn_echo") / "func.py"


def _records(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def test_runner_delivers_matching_events_to_fdk(make_localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "echo"
    out.mkdir()
    cloud = make_localcloud(function_path=FUNCTION, pool_size=2, function_env={"ECHO_DIR": str(out)})
    client = cloud.factory.object_storage()
    ns, bucket = cloud.info.namespace, cloud.info.bucket
    client.put_object(ns, bucket, "models/tiny/config.json", b"{}")  # no rule (config trigger off)
    client.put_object(ns, bucket, "models/tiny/import.json", b"{}")
    client.put_object(ns, bucket, "requests/hf.json", b'{"model_id": "org/x"}')
    assert cloud.cloud.runner.wait_idle(60)

    records = _records(out)
    names = sorted(r["event"]["data"]["resourceName"] for r in records)
    assert names == ["models/tiny/import.json", "requests/hf.json"]
    settings = records[0]["settings"]
    assert settings["BUCKET_NAME"] == bucket and settings["NAMESPACE"] == ns
    assert settings["STATE_BUCKET_NAME"] == cloud.info.state_bucket != bucket
    assert settings["TOPIC_ID"] == cloud.info.topic_id and settings["REGION"] == cloud.info.region
    assert settings["HF_TOKEN_SECRET_ID"] == cloud.info.hf_token_secret_id
    assert settings["MODEL_IMPORT_LOCALCLOUD"] == cloud.env["MODEL_IMPORT_LOCALCLOUD"]
    assert settings["HF_ENDPOINT"] == cloud.info.hub_endpoint
    deliveries = cloud.deliveries()
    assert {d["rule"] for d in deliveries} == {"manifest-written", "request-written"}
    assert all(d["outcome"] == "delivered" and d["attempts"] == 1 for d in deliveries)


def test_runner_retries_a_failing_delivery(make_localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "echo"
    out.mkdir()
    cloud = make_localcloud(
        function_path=FUNCTION, pool_size=1, backoff_seconds=0.05, function_env={"ECHO_DIR": str(out)}
    )
    client = cloud.factory.object_storage()
    client.put_object(cloud.info.namespace, cloud.info.bucket, "models/flaky/import.json", b"{}")
    assert cloud.cloud.runner.wait_idle(60)
    (delivery,) = cloud.deliveries()
    assert delivery["outcome"] == "delivered" and delivery["attempts"] == 2
    assert "502" in delivery["errors"][0]
    assert len(_records(out)) == 1
    log_lines = (cloud.state_dir / "functions" / "deliveries.jsonl").read_text().splitlines()
    assert len(log_lines) >= 2


def test_runner_restarts_a_dead_worker(make_localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "echo"
    out.mkdir()
    cloud = make_localcloud(
        function_path=FUNCTION, pool_size=1, backoff_seconds=0.05, function_env={"ECHO_DIR": str(out)}
    )
    worker = cloud.cloud.runner.workers[0]
    first_pid = worker.proc.pid
    worker.proc.kill()
    worker.proc.wait(10)
    cloud.factory.object_storage().put_object(
        cloud.info.namespace, cloud.info.bucket, "requests/r.json", b"{}"
    )
    assert cloud.cloud.runner.wait_idle(60)
    (record,) = _records(out)
    assert record["pid"] != first_pid
    assert cloud.deliveries()[0]["outcome"] == "delivered"


def test_stop_does_not_wait_for_calls_in_flight(make_localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import time

    cloud = make_localcloud(
        function_path=FUNCTION,
        entry_point="slow_handler",
        pool_size=1,
        function_env={"ECHO_DIR": str(tmp_path)},
    )
    cloud.factory.object_storage().put_object(
        cloud.info.namespace, cloud.info.bucket, "requests/slow.json", b"{}"
    )
    cloud.wait_for(lambda: cloud.deliveries() and cloud.deliveries()[0]["attempts"] == 1)
    procs = [w.proc for w in cloud.cloud.runner.workers]
    started = time.monotonic()
    cloud.cloud.stop()
    assert time.monotonic() - started < 60  # the handler sleeps 120 s
    assert all(p.poll() is not None for p in procs)
    assert cloud.deliveries()[0]["outcome"] == "failed"


def test_event_faults_deliver_twice_and_late(make_localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "echo"
    out.mkdir()
    cloud = make_localcloud(
        function_path=FUNCTION,
        pool_size=2,
        function_env={"ECHO_DIR": str(out)},
        event_faults=[{"duplicate_rate": 1.0, "resource": "requests/twice"}],
    )
    client = cloud.factory.object_storage()
    ns, bucket = cloud.info.namespace, cloud.info.bucket
    client.put_object(ns, bucket, "requests/twice.json", b"{}")
    client.put_object(ns, bucket, "requests/once.json", b"{}")
    cloud.wait_for(lambda: len(cloud.deliveries()) == 3 and cloud.cloud.runner.wait_idle(1))
    names = sorted(r["event"]["data"]["resourceName"] for r in _records(out))
    assert names == ["requests/once.json", "requests/twice.json", "requests/twice.json"]
    twice = [r["event"]["eventID"] for r in _records(out) if "twice" in r["event"]["data"]["resourceName"]]
    assert twice[0] == twice[1]  # the same event, delivered twice

    cloud.clear_faults()
    cloud.set_event_fault(delay_seconds=1.0, resource="requests/late", count=1)
    client.put_object(ns, bucket, "requests/late.json", b"{}")
    client.put_object(ns, bucket, "requests/after.json", b"{}")
    cloud.wait_for(lambda: len(cloud.deliveries()) == 5 and cloud.cloud.runner.wait_idle(1), timeout=30)
    order = [d["resource_name"] for d in cloud.deliveries()[3:]]
    assert order == ["requests/after.json", "requests/late.json"]  # written first, delivered last
    assert cloud.cloud.faults.describe()["event_faults"] == []  # count 1: used up


def test_a_broken_function_fails_its_deliveries_after_retries(make_localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The fdk imports the function lazily, as on OCI: a broken one answers 502 to each call."""
    broken = tmp_path / "broken.py"
    broken.write_text("import module_that_does_not_exist_anywhere\n")
    cloud = make_localcloud(function_path=broken, pool_size=1, max_attempts=3, backoff_seconds=0.01)
    cloud.factory.object_storage().put_object(
        cloud.info.namespace, cloud.info.bucket, "requests/r.json", b"{}"
    )
    assert cloud.cloud.runner.wait_idle(60)
    (delivery,) = cloud.deliveries()
    assert delivery["outcome"] == "failed" and delivery["attempts"] == 3
    assert len(delivery["errors"]) == 3 and "502" in delivery["errors"][-1]
    assert cloud.cloud.runner.failed == 1


def test_event_fault_copies_deliver_every_event_n_times(make_localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "echo"
    out.mkdir()
    cloud = make_localcloud(
        function_path=FUNCTION,
        pool_size=2,
        function_env={"ECHO_DIR": str(out)},
        event_faults=[{"copies": 3}],
    )
    client = cloud.factory.object_storage()
    client.put_object(cloud.info.namespace, cloud.info.bucket, "requests/thrice.json", b"{}")
    cloud.wait_for(lambda: len(cloud.deliveries()) == 3 and cloud.cloud.runner.wait_idle(1))
    delivered = cloud.deliveries()
    assert len({d["event_id"] for d in delivered}) == 1  # one event, three copies
    assert all(d["outcome"] == "delivered" for d in delivered)
    assert {r["event"]["eventID"] for r in _records(out)} == {delivered[0]["event_id"]}
