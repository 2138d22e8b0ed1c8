"""Re-running `upload`/`import-hf` never surprises with money (issue 16): a rerun keeps the existing
manifest's options, and replacing a live import asks first (terminal), or needs --yes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from shared.contract.manifest import Capability
from shared.contract.state import Plan, Resources, Stage


class Terminal(io.StringIO):
    """stdin of a person at a terminal who types `answer`."""

    def isatty(self) -> bool:
        return True


def manifest_of(cli: Any, name: str) -> dict[str, Any]:
    raw = bytes(cli.os.get_object(cli.namespace, cli.bucket, f"models/{name}/import.json").data.content)
    doc: dict[str, Any] = json.loads(raw)
    return doc


def make_live(cli: Any, name: str) -> None:
    """A DONE import of `name` on A10_X1 holding a cluster and an endpoint (what the pipeline writes)."""
    cli.put_state(
        name,
        Stage.DONE,
        plan=Plan(capability=Capability.TEXT_TO_TEXT, unit_shape="A10_X1", ai_units=1.77),
        resources=Resources(
            imported_model_id="ocid1.generativeaiimportedmodel.oc1..m",
            cluster_id="ocid1.generativeaidedicatedaicluster.oc1..c",
            endpoint_id="ocid1.generativeaiendpoint.oc1..e",
        ),
    )


def test_a_rerun_that_changes_only_the_part_size_keeps_the_shape(cli: Any, tiny_model: Any) -> None:
    folder = tiny_model("keep")
    first = cli("upload", str(folder), "--unit-shape", "A10_X1", "--part-size", "1", "--no-progress")
    assert first.code == 0, first.err
    make_live(cli, "keep")
    rerun = cli("upload", str(folder), "--part-size", "2", "--no-progress", "--json")
    assert rerun.code == 0, rerun.err
    assert rerun.json()["manifest_status"] == "unchanged"
    assert manifest_of(cli, "keep") == {"unit_shape": "A10_X1"}
    assert 'keeping unit_shape="A10_X1" from the existing models/keep/import.json' in rerun.err


def test_replacing_a_live_import_refuses_without_a_terminal_and_shows_the_change(
    cli: Any, tiny_model: Any
) -> None:
    folder = tiny_model("live")
    assert cli("upload", str(folder), "--unit-shape", "A10_X1", "--part-size", "1", "--no-progress").code == 0
    make_live(cli, "live")
    before = cli.os.list_objects(cli.namespace, cli.bucket, prefix="models/live/").data.objects
    res = cli("upload", str(folder), "--unit-shape", "A100_80G_X1", "--price", "10", "--no-progress")
    assert res.code == 2
    last = res.err.strip().splitlines()[-1]
    assert last.startswith(
        "error: models/live/import.json not written: it would replace the live import live"
    )
    assert "(DONE: A10_X1, 1.77 AI units, 17.70/h) -> A100_80G_X1, " in last
    assert "--yes" in last
    assert manifest_of(cli, "live") == {"unit_shape": "A10_X1"}  # nothing replaced
    after = cli.os.list_objects(cli.namespace, cli.bucket, prefix="models/live/").data.objects
    assert [o.name for o in after] == [o.name for o in before]

    yes = cli("upload", str(folder), "--unit-shape", "A100_80G_X1", "--yes", "--no-progress", "--json")
    assert yes.code == 0, yes.err
    assert yes.json()["manifest_status"] == "replaced"
    assert manifest_of(cli, "live") == {"unit_shape": "A100_80G_X1"}


def test_replacing_a_live_import_asks_on_a_terminal(
    cli: Any, tiny_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tiny_model("ask")
    assert cli("upload", str(folder), "--part-size", "1", "--no-progress").code == 0
    make_live(cli, "ask")
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    no = cli("upload", str(folder), "--no-deploy", "--no-progress")
    assert no.code == 1 and "replace ask? [y/N]" in no.err  # no is no usage error
    assert "you answered no" in no.err and "models/ask/import.json not written" in no.err
    assert "no price configured" in no.err  # said once, not "unknown"
    assert manifest_of(cli, "ask") == {}
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    yes = cli("upload", str(folder), "--no-deploy", "--no-progress", "--json")
    assert yes.code == 0, yes.err
    assert manifest_of(cli, "ask") == {"deploy": False}
    assert json.loads(yes.out)["manifest_status"] == "replaced"  # stdout is only the JSON


def test_changed_files_under_a_live_import_ask_and_a_refused_run_is_finished_by_the_next(
    cli: Any, tiny_model: Any
) -> None:
    folder: Path = tiny_model("files")
    assert cli("upload", str(folder), "--part-size", "1", "--no-progress").code == 0
    make_live(cli, "files")
    (folder / "generation_config.json").write_text(json.dumps({"bos_token_id": 1, "eos_token_id": 3}))
    refused = cli("upload", str(folder), "--part-size", "1", "--no-progress")
    assert refused.code == 2 and "would replace the live import files" in refused.err
    # the file went up, the manifest did not: the next run, with --yes, still starts the import
    yes = cli("upload", str(folder), "--part-size", "1", "--yes", "--no-progress", "--json")
    assert yes.code == 0, yes.err
    assert yes.json()["objects"]["uploaded"] == 0 and yes.json()["manifest_status"] == "replaced"


def test_no_live_import_writes_without_asking(cli: Any, tiny_model: Any) -> None:
    folder = tiny_model("fresh")
    assert cli("upload", str(folder), "--part-size", "1", "--no-progress").code == 0
    cli.put_state("fresh", Stage.REJECTED)
    res = cli("upload", str(folder), "--capability", "TEXT_TO_TEXT", "--no-progress", "--json")
    assert res.code == 0, res.err
    assert res.json()["manifest_status"] == "replaced"
