"""The folder uploader against the local cloud's Object Storage: parts, resume, skip.

Requests are counted from the local cloud's own request log (logger `localcloud`), so a
"not re-sent" claim is checked on the server side, not from the uploader's own report.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import Any

import oci
import pytest

from cli.uploader import FolderUploader, LocalFile, MiB, multipart_md5
from shared.inspection.sources.local import LocalFolderSource

PART_PUT = re.compile(r"PUT /n/[^ ]+/u/[^ ]*uploadPartNum=(\d+)[^ ]* -> 200")
OBJECT_PUT = re.compile(r"PUT /n/[^ ]+/o/([^ ?]+)[^ ]* -> 200")


class Boom(Exception):
    pass


def files_of(folder: Path, prefix: str) -> list[LocalFile]:
    return [
        LocalFile(folder / e.name, prefix + e.name, e.size) for e in LocalFolderSource(folder).list_files()
    ]


def _settled(caplog: pytest.LogCaptureFixture, pattern: re.Pattern[str]) -> list[str]:
    """Matching request-log lines once the log stops growing: the server logs after it answers."""
    seen, quiet_since = -1, time.monotonic()
    while time.monotonic() - quiet_since < 0.3:
        found = [m.group(1) for r in list(caplog.records) if (m := pattern.search(r.getMessage()))]
        if len(found) != seen:
            seen, quiet_since = len(found), time.monotonic()
        time.sleep(0.02)
    return found


def part_puts(caplog: pytest.LogCaptureFixture) -> list[int]:
    return [int(n) for n in _settled(caplog, PART_PUT)]


def object_puts(caplog: pytest.LogCaptureFixture) -> list[str]:
    return _settled(caplog, OBJECT_PUT)


def expected_parts(files: list[LocalFile], part_size: int) -> int:
    return sum(-(-f.size // part_size) for f in files if f.size > part_size)


def read_back(cli: Any, name: str) -> bytes:
    return bytes(cli.os.get_object(cli.namespace, cli.bucket, name).data.content)


@pytest.fixture
def model(tiny_model: Any) -> Path:
    path: Path = tiny_model()
    return path


def test_fresh_upload_sends_every_part_and_the_bucket_holds_the_same_bytes(
    cli: Any, model: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="localcloud")
    files = files_of(model, "models/tiny/")
    up = FolderUploader(cli.os, cli.namespace, cli.bucket, part_size=1 * MiB, parallel=3)
    report = up.upload(files)

    want_parts = expected_parts(files, MiB)
    assert want_parts >= 8  # the model really is multipart at this part size
    assert sorted(report.objects_uploaded) == sorted(f.object_name for f in files)
    assert report.parts_sent == want_parts == len(part_puts(caplog))
    for f in files:
        assert read_back(cli, f.object_name) == f.path.read_bytes(), f.object_name
    shard = next(f for f in files if f.object_name.endswith("00002.safetensors"))
    head = cli.os.head_object(cli.namespace, cli.bucket, shard.object_name)
    assert head.headers["opc-multipart-md5"] == multipart_md5(shard.path, shard.size, MiB)
    assert cli.os.list_multipart_uploads(cli.namespace, cli.bucket).data == []


def test_interrupted_upload_resumes_without_resending_finished_parts(
    cli: Any, model: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="localcloud")
    files = files_of(model, "models/tiny/")
    sent: list[tuple[str, int]] = []

    def stop_after_three(obj: str, number: int) -> None:
        sent.append((obj, number))
        if len(sent) == 3:
            raise Boom("network gone")

    first = FolderUploader(
        cli.os, cli.namespace, cli.bucket, part_size=1 * MiB, parallel=1, on_part_sent=stop_after_three
    )
    with pytest.raises(Boom):
        first.upload(files)
    assert len(part_puts(caplog)) >= 3
    # what the server holds after the interruption: parts of unfinished uploads, committed objects
    held_parts = 0
    pending = cli.os.list_multipart_uploads(cli.namespace, cli.bucket).data
    assert pending, "the interruption left an unfinished multipart upload"
    for upload in pending:
        held_parts += len(
            cli.os.list_multipart_upload_parts(
                cli.namespace, cli.bucket, upload.object, upload.upload_id
            ).data
        )
    for f in files:
        try:
            head = cli.os.head_object(cli.namespace, cli.bucket, f.object_name)
        except oci.exceptions.ServiceError:
            continue
        if "opc-multipart-md5" in head.headers:
            held_parts += int(head.headers["opc-multipart-md5"].rsplit("-", 1)[1])
    assert held_parts == len(part_puts(caplog))

    caplog.clear()
    second = FolderUploader(cli.os, cli.namespace, cli.bucket, part_size=1 * MiB, parallel=2)
    report = second.upload(files)
    # the finished parts never travel again
    assert len(part_puts(caplog)) == expected_parts(files, MiB) - held_parts
    assert report.parts_sent == len(part_puts(caplog))
    for f in files:
        assert read_back(cli, f.object_name) == f.path.read_bytes(), f.object_name
    assert cli.os.list_multipart_uploads(cli.namespace, cli.bucket).data == []


def test_second_run_skips_identical_objects_and_resends_a_changed_one(
    cli: Any, model: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="localcloud")
    files = files_of(model, "models/tiny/")
    FolderUploader(cli.os, cli.namespace, cli.bucket, part_size=1 * MiB, parallel=2).upload(files)
    caplog.clear()

    again = FolderUploader(cli.os, cli.namespace, cli.bucket, part_size=1 * MiB, parallel=2).upload(files)
    assert sorted(again.objects_skipped) == sorted(f.object_name for f in files)
    assert part_puts(caplog) == [] and object_puts(caplog) == []

    # same size, different bytes: the MD5 tells them apart
    cfg = model / "tokenizer_config.json"
    cfg.write_text(cfg.read_text().replace("t1", "t3"))
    shard = model / "model-00001-of-00002.safetensors"
    with shard.open("r+b") as fh:
        fh.seek(shard.stat().st_size - 10)
        fh.write(b"0123456789")
    caplog.clear()
    third = FolderUploader(cli.os, cli.namespace, cli.bucket, part_size=1 * MiB, parallel=2).upload(files)
    assert sorted(third.objects_uploaded) == [
        "models/tiny/model-00001-of-00002.safetensors",
        "models/tiny/tokenizer_config.json",
    ]
    assert read_back(cli, "models/tiny/model-00001-of-00002.safetensors") == shard.read_bytes()


def test_resume_keeps_the_part_size_of_the_interrupted_run(cli: Any, model: Path) -> None:
    files = [
        f
        for f in files_of(model, "models/tiny/")
        if f.object_name.endswith("/model-00002-of-00002.safetensors")
    ]

    def stop(obj: str, number: int) -> None:
        raise Boom("stop")

    with pytest.raises(Boom):
        FolderUploader(
            cli.os, cli.namespace, cli.bucket, part_size=1 * MiB, parallel=1, on_part_sent=stop
        ).upload(files)
    [upload] = cli.os.list_multipart_uploads(cli.namespace, cli.bucket).data
    held = cli.os.list_multipart_upload_parts(cli.namespace, cli.bucket, upload.object, upload.upload_id).data
    assert held and all(p.size == MiB for p in held)
    report = FolderUploader(cli.os, cli.namespace, cli.bucket, part_size=2 * MiB, parallel=1).upload(files)
    assert report.parts_reused == len(held)  # 1 MiB parts kept although this run asked for 2 MiB
    assert report.parts_sent == expected_parts(files, MiB) - len(held)
    assert read_back(cli, files[0].object_name) == files[0].path.read_bytes()
