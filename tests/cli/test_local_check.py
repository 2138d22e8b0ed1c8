"""A stopped local cloud is named in one line that says how to start it, before any SDK call."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli.main import main
from shared.clients import LocalCloudInfo


def describe(tmp_path: Path, *, pid: int, port: int) -> Path:
    """A localcloud.json as `local up` writes it, for a server at `port` run by process `pid`."""
    base = f"http://127.0.0.1:{port}"
    doc: dict[str, object] = {name: "x" for name in LocalCloudInfo.__dataclass_fields__ if name != "extra"}
    doc.update(
        endpoint=base, admin=f"{base}/_admin", region="us-chicago-1", config_file=str(tmp_path / "cfg")
    )
    doc.update(pid=pid, state_dir=str(tmp_path))
    path = tmp_path / "localcloud.json"
    path.write_text(json.dumps(doc))
    return path


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setenv("MODEL_IMPORT_LOCALCLOUD", str(path))
    started = time.monotonic()
    code = main(["status"])
    assert time.monotonic() - started < 5  # no SDK retries against a dead port
    return code, capsys.readouterr().err


def test_a_local_cloud_whose_process_has_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    path = describe(tmp_path, pid=int(ended.stdout), port=closed_port())
    code, err = run(path, monkeypatch, capsys)
    assert code == 1 and err.count("\n") == 1
    assert "is not running" in err and f"model-import local up --state-dir {tmp_path}" in err


def test_a_local_cloud_that_does_not_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = describe(tmp_path, pid=os.getpid(), port=closed_port())
    code, err = run(path, monkeypatch, capsys)
    assert code == 1 and err.count("\n") == 1
    assert "does not answer" in err and "model-import local up" in err
    assert len(err) < 200 + 2 * len(str(tmp_path))  # not the 600-character SDK error
