"""`sweep` lists, then with --fix nudges stalled imports, deletes orphans and resends lost manifests."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from shared.contract.state import Stage, utcnow

FUNCTION = Path(__file__).resolve().parents[3] / "functions" / "func.py"
FAST_ENV = {"POLL_SECONDS": "2", "POLL_INTERVAL_SECONDS": "0.05", "SWEEP_EVERY_SECONDS": "3600"}


def test_sweep_lists_then_fixes_stalled_imports_and_orphans(cli: Any) -> None:
    cli.put_state("lost", Stage.DEPLOYING, stage_deadline=utcnow() - timedelta(minutes=5))
    cli.put_state("fresh", Stage.IMPORTING)
    orphan = cli.deploy("orphan", endpoint=False)
    cli.store.delete("orphan", cli.store.get("orphan")[1])  # its import is gone: the model is an orphan

    dry = cli("sweep", "--json")
    assert dry.code == 0, dry.err
    doc = dry.json()
    assert doc["fixed"] is False
    assert [n.split(":")[0] for n in doc["nudged"]] == ["lost"]
    assert any(orphan.model_id in o for o in doc["orphans_deleted"])
    assert cli.store.get("lost")[0].attempt == 0  # a dry run changes nothing
    assert cli.genai.get_imported_model(orphan.model_id).data.lifecycle_state == "ACTIVE"
    table = cli("sweep")
    assert "would nudge" in table.out and "sweep --fix" in table.err

    fixed = cli("sweep", "--fix")
    assert fixed.code == 0, fixed.err
    assert cli.store.get("lost")[0].attempt == 1
    assert cli.genai.get_imported_model(orphan.model_id).data.lifecycle_state in ("DELETING", "DELETED")
    assert cli("sweep", "--json").json()["orphans_deleted"] == []


def test_sweep_resends_a_lost_manifest(cli: Any) -> None:
    put = cli.os.put_object(cli.namespace, cli.bucket, "requests/lost-hf.json", b'{"model_id": "acme/x"}')
    dry = cli("sweep", "--stall-after", "0", "--json").json()
    assert dry["resent"] == ["lost-hf"] and dry["fixed"] is False
    etag = cli.os.head_object(cli.namespace, cli.bucket, "requests/lost-hf.json").headers["etag"]
    assert etag == put.headers["etag"]
    table = cli("sweep", "--stall-after", "0")
    assert "would resend  requests/lost-hf.json" in table.out
    fixed = cli("sweep", "--stall-after", "0", "--fix", "--json")
    assert fixed.code == 0 and fixed.json()["resent"] == ["lost-hf"]
    assert cli.os.head_object(cli.namespace, cli.bucket, "requests/lost-hf.json").headers["etag"] != etag
