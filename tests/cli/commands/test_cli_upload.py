"""`model-import upload`: a real small model to the local cloud's bucket, refused, interrupted, resumed."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from shared.contract.manifest import parse_manifest

REPO = Path(__file__).resolve().parents[3]
MODEL_IMPORT = REPO / ".venv" / "bin" / "model-import"
PART_PUT = re.compile(r"PUT /n/[^ ]+/u/[^ ]*uploadPartNum=(\d+)[^ ]* -> 200")


def bucket_objects(cli: Any, prefix: str) -> dict[str, int]:
    out: dict[str, int] = {}
    start = None
    while True:
        kw: dict[str, Any] = {"prefix": prefix, "fields": "name,size"}
        if start:
            kw["start"] = start
        page = cli.os.list_objects(cli.namespace, cli.bucket, **kw).data
        out.update({o.name: o.size for o in page.objects})
        start = page.next_start_with
        if not start:
            return out


def manifest_of(cli: Any, name: str) -> dict[str, Any]:
    raw = bytes(cli.os.get_object(cli.namespace, cli.bucket, f"models/{name}/import.json").data.content)
    parse_manifest(raw, "import.json")  # the pipeline's own parser accepts it
    doc: dict[str, Any] = json.loads(raw)
    return doc


def settled_part_puts(caplog: pytest.LogCaptureFixture) -> int:
    seen, quiet = -1, time.monotonic()
    while time.monotonic() - quiet < 0.3:
        n = sum(1 for r in list(caplog.records) if PART_PUT.search(r.getMessage()))
        if n != seen:
            seen, quiet = n, time.monotonic()
        time.sleep(0.02)
    return seen


def test_upload_sends_the_folder_and_writes_the_manifest_last(cli: Any, tiny_model: Any) -> None:
    folder = tiny_model("tiny")
    res = cli("upload", str(folder), "--part-size", "1", "--parallel", "3", "--price", "2")
    assert res.code == 0, res.err
    local = {p.relative_to(folder).as_posix(): p.stat().st_size for p in folder.rglob("*") if p.is_file()}
    stored = bucket_objects(cli, "models/tiny/")
    assert stored == {**{f"models/tiny/{k}": v for k, v in local.items()}, "models/tiny/import.json": 3}
    assert manifest_of(cli, "tiny") == {}
    # the manifest is the last object event: the import starts only once everything is there
    names = [e["data"]["resourceName"] for e in cli.handle.events()]
    assert names[-1] == "models/tiny/import.json" and len(names) == len(stored)
    assert "wrote models/tiny/import.json" in res.out and "model-import status tiny --watch" in res.out
    # findings and progress go to stderr, never to stdout
    assert "inspection: TEXT_TO_TEXT" in res.err and "100.0%" in res.err and "/s ETA" in res.err
    assert "%" not in res.out


def test_upload_json_output_and_manifest_with_only_the_given_options(cli: Any, tiny_model: Any) -> None:
    folder = tiny_model("some folder!")
    res = cli(
        "upload",
        str(folder),
        "--display-name",
        "Tiny Chat",
        "--no-deploy",
        "--keep-model",
        "--tag",
        "team=ml",
        "--part-size",
        "1",
        "--no-progress",
        "--json",
    )
    assert res.code == 0, res.err
    doc = res.json()
    assert doc["name"] == "some-folder"  # cleaned from the folder name
    expected = {
        "display_name": "Tiny Chat",
        "deploy": False,
        "keep_model": True,
        "freeform_tags": {"team": "ml"},
    }
    assert doc["manifest"] == expected == manifest_of(cli, "some-folder")
    assert doc["manifest_status"] == "created" and doc["manifest_written"] is True
    assert doc["objects"] == {"total": 7, "uploaded": 7, "skipped": 0}
    assert doc["parts"]["sent"] >= 8 and doc["parts"]["reused"] == 0
    assert doc["bytes"]["sent"] == doc["bytes"]["total"] == sum(p.stat().st_size for p in folder.iterdir())
    assert doc["inspection"]["ok"] is True and doc["inspection"]["capability"] == "TEXT_TO_TEXT"
    assert res.err == "" or "upload" not in res.err  # --no-progress: no bar

    again = cli(
        "upload",
        str(folder),
        "--name",
        "some-folder",
        "--display-name",
        "Tiny Chat",
        "--no-deploy",
        "--keep-model",
        "--tag",
        "team=ml",
        "--part-size",
        "1",
        "--json",
    )
    assert again.code == 0
    assert again.json()["manifest_status"] == "unchanged" and again.json()["objects"]["skipped"] == 7
    forced = cli("upload", str(folder), "--name", "some-folder", "--again", "--part-size", "1", "--json")
    assert forced.json()["manifest_status"] == "replaced"
    assert manifest_of(cli, "some-folder") == expected  # a rerun keeps the options it is not given
    reset = cli(
        "upload", str(folder), "--name", "some-folder", "--reset-options", "--part-size", "1", "--json"
    )
    assert reset.json()["manifest_status"] == "replaced"
    assert manifest_of(cli, "some-folder") == {}


def test_upload_refuses_a_model_the_pipeline_would_reject(cli: Any, tiny_model: Any) -> None:
    folder = tiny_model("pickled")
    config = json.loads((folder / "config.json").read_text())
    # a model_type transformers lacks: loading needs the remote code (issue 11)
    config["model_type"] = "custom"
    config["auto_map"] = {"AutoConfig": "configuration_custom.CustomConfig"}
    (folder / "config.json").write_text(json.dumps(config))
    res = cli("upload", str(folder), "--part-size", "1")
    assert res.code == 1
    last = res.err.strip().splitlines()[-1]
    assert last == (
        "error: the pipeline would reject this model (REMOTE_CODE); fix it, "
        "see `model-import findings CODE`, "
        "or pass --force to upload anyway"
    )
    assert re.search(r"^error: REMOTE_CODE config.json", res.err, re.M)  # the finding, with its hint
    assert bucket_objects(cli, "models/pickled/") == {}  # nothing was sent

    forced = cli("upload", str(folder), "--part-size", "1", "--force", "--no-progress")
    assert forced.code == 0, forced.err
    assert "models/pickled/import.json" in bucket_objects(cli, "models/pickled/")


def test_upload_usage_errors_exit_2(cli: Any, tiny_model: Any, tmp_path: Path) -> None:
    folder = tiny_model("ok")
    assert cli("upload", str(tmp_path / "missing")).code == 2
    bad_name = cli("upload", str(folder), "--name", "../x")
    assert bad_name.code == 2 and "not a valid import name" in bad_name.err
    bad_shape = cli("upload", str(folder), "--unit-shape", "a10")
    assert bad_shape.code == 2 and "unit_shape" in bad_shape.err
    bad_tag = cli("upload", str(folder), "--tag", "managed-by=me")
    assert bad_tag.code == 2 and "reserved" in bad_tag.err
    assert cli("upload", str(folder), "--capability", "VIDEO").code == 2


def test_upload_killed_mid_way_resumes_without_resending_finished_parts(
    cli: Any, tiny_model: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A real interruption: the CLI process is killed while parts are on the wire."""
    caplog.set_level(logging.DEBUG, logger="localcloud")
    folder = tiny_model("killed")
    cli.handle.set_fault(action="latency", latency_seconds=0.25, method="PUT", resource="/u/")
    env = {**os.environ, **cli.handle.env}
    proc = subprocess.Popen(
        [str(MODEL_IMPORT), "upload", str(folder), "--part-size", "1", "--parallel", "1", "--no-inspect"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def held_parts() -> int:
        total = 0
        for u in cli.os.list_multipart_uploads(cli.namespace, cli.bucket).data:
            total += len(
                cli.os.list_multipart_upload_parts(cli.namespace, cli.bucket, u.object, u.upload_id).data
            )
        return total

    try:
        cli.handle.wait_for(lambda: held_parts() >= 2, timeout=60)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    cli.handle.clear_faults()
    time.sleep(0.3)  # a part on the wire when the process died may still land
    assert "models/killed/import.json" not in bucket_objects(cli, "models/killed/")  # no import started
    held = held_parts() + sum(
        int(cli.os.head_object(cli.namespace, cli.bucket, n).headers["opc-multipart-md5"].rsplit("-", 1)[1])
        for n in bucket_objects(cli, "models/killed/")
        if "opc-multipart-md5" in cli.os.head_object(cli.namespace, cli.bucket, n).headers
    )
    total_parts = sum(
        -(-p.stat().st_size // (1 << 20)) for p in folder.iterdir() if p.stat().st_size > 1 << 20
    )
    assert 2 <= held < total_parts

    caplog.clear()
    res = cli("upload", str(folder), "--part-size", "1", "--json")
    assert res.code == 0, res.err
    doc = res.json()
    assert settled_part_puts(caplog) == total_parts - held == doc["parts"]["sent"]
    assert doc["parts"]["reused"] >= 1
    for p in folder.iterdir():
        got = bytes(cli.os.get_object(cli.namespace, cli.bucket, f"models/killed/{p.name}").data.content)
        assert got == p.read_bytes(), p.name
    assert manifest_of(cli, "killed") == {}


def test_the_installed_entry_point_against_the_local_cloud(cli: Any, tiny_model: Any) -> None:
    env = {**os.environ, **cli.handle.env}
    folder = tiny_model("viaproc")
    run = subprocess.run(
        [str(MODEL_IMPORT), "upload", str(folder), "--part-size", "1", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["manifest_status"] == "created"
    err = subprocess.run(
        [str(MODEL_IMPORT), "get", "no-such-model"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert err.returncode == 1
    assert err.stderr.count("\n") == 1 and err.stderr.startswith("error: no imported model named")


def test_objects_left_from_an_earlier_upload_are_reported_or_deleted(cli: Any, tiny_model: Any) -> None:
    folder = tiny_model("stale")
    cli.os.put_object(cli.namespace, cli.bucket, "models/stale/model-00001-of-00009.safetensors", b"old")
    res = cli("upload", str(folder), "--part-size", "1", "--no-progress", "--json")
    assert res.code == 0, res.err
    assert res.json()["extra_objects"] == ["models/stale/model-00001-of-00009.safetensors"]
    assert res.json()["extra_deleted"] is False
    assert "1 object(s) under models/stale/ are not in" in res.err and "--delete-extra" in res.err

    cleaned = cli("upload", str(folder), "--part-size", "1", "--delete-extra", "--json")
    assert cleaned.code == 0 and cleaned.json()["extra_deleted"] is True
    assert "models/stale/model-00001-of-00009.safetensors" not in bucket_objects(cli, "models/stale/")
    assert "models/stale/import.json" in bucket_objects(cli, "models/stale/")


def test_upload_to_a_missing_bucket_is_one_line_with_the_remedy(cli: Any, tiny_model: Any) -> None:
    res = cli("upload", str(tiny_model("nob")), "--bucket", "no-such-bucket", "--no-progress")
    assert res.code == 1
    last = res.err.strip().splitlines()[-1]
    assert last.startswith("error: 404 ") and "— check" in last and "resume" not in last
    assert "Traceback" not in res.err


def test_links_out_of_the_folder_are_named_and_not_sent(cli: Any, tiny_model: Any, tmp_path: Path) -> None:
    folder = tiny_model("linked")
    outside = tmp_path / "outside.txt"
    outside.write_text("not part of the model")
    (folder / "notes.txt").symlink_to(outside)
    res = cli("upload", str(folder), "--part-size", "1", "--no-progress", "--json")
    assert res.code == 0, res.err
    assert "1 file(s) are symbolic links out of" in res.err and "notes.txt" in res.err
    assert "models/linked/notes.txt" not in bucket_objects(cli, "models/linked/")
