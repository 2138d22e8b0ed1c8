"""An interrupted upload never resumed is visible to `status` and `sweep`; `sweep --fix` aborts the
stale ones (issue 16): their parts cost storage and appear in no object listing."""

from __future__ import annotations

from typing import Any

from oci.object_storage.models import CreateMultipartUploadDetails

from shared.contract.state import Stage


def interrupted_upload(cli: Any, object_name: str, part: bytes = b"x" * 4096) -> str:
    """What a killed `upload` leaves: a multipart upload with one part sent, never committed."""
    upload = cli.os.create_multipart_upload(
        cli.namespace, cli.bucket, CreateMultipartUploadDetails(object=object_name)
    ).data
    cli.os.upload_part(cli.namespace, cli.bucket, object_name, upload.upload_id, 1, part)
    return str(upload.upload_id)


def pending(cli: Any) -> list[str]:
    return [u.object for u in cli.os.list_multipart_uploads(cli.namespace, cli.bucket).data]


def test_status_shows_unfinished_uploads(cli: Any) -> None:
    interrupted_upload(cli, "models/half/model-00001-of-00002.safetensors")
    interrupted_upload(cli, "models/again/model.safetensors")
    cli.put_state("again", Stage.DONE)  # a re-upload of a known import, interrupted

    res = cli("status", "--json")
    assert res.code == 0, res.err
    docs = {d["name"]: d for d in res.json()}
    assert docs["half"]["stage"] == "UPLOAD_UNFINISHED" and docs["half"]["source"] == "models/half/"
    assert docs["half"]["unfinished_uploads"]["count"] == 1
    assert docs["half"]["unfinished_uploads"]["bytes"] == 4096
    assert docs["again"]["stage"] == "DONE" and docs["again"]["unfinished_uploads"]["parts"] == 1

    table = cli("status")
    assert any(line.split()[:2] == ["half", "UPLOAD_UNFINISHED"] for line in table.out.splitlines())
    assert "half: 1 unfinished multipart upload(s) holding 4.0 KiB" in table.err
    assert "sweep --fix" in table.err and "run the same `model-import upload` again" in table.err

    one = cli("status", "half")
    assert one.code == 0 and "upload not finished" in one.out


def test_sweep_lists_then_aborts_stale_uploads(cli: Any) -> None:
    upload_id = interrupted_upload(cli, "models/old/model.safetensors")
    young = cli("sweep", "--json").json()  # started just now: not stale at the 24 h default
    assert young["uploads_aborted"] == []

    dry = cli("sweep", "--abort-uploads-after", "0", "--json")
    assert dry.code == 0, dry.err
    [item] = dry.json()["uploads_aborted"]
    assert item.startswith(f"models/old/model.safetensors (upload {upload_id}, 1 parts, 4.0 KiB")
    assert pending(cli) == ["models/old/model.safetensors"]  # a dry run aborts nothing
    assert "would abort upload" in cli("sweep", "--abort-uploads-after", "0").out

    fixed = cli("sweep", "--abort-uploads-after", "0", "--fix")
    assert fixed.code == 0, fixed.err
    assert "abort upload" in fixed.out
    assert pending(cli) == []
    assert cli("sweep", "--abort-uploads-after", "-1").code == 2
