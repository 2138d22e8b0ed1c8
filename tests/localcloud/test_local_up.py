"""`model-import local up` and `local stage` as a user runs them: foreground, localcloud.json, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from shared.clients import ClientFactory, LocalCloudInfo

REQUIRED_KEYS = {
    "endpoint",
    "region",
    "namespace",
    "bucket",
    "compartment_id",
    "topic_id",
    "hf_token_secret_id",
    "hub_endpoint",
    "admin",
    "config_file",
    "profile",
}


def test_local_up_serves_until_ctrl_c(tmp_path: Path) -> None:
    state = tmp_path / "state"
    token_file = tmp_path / "token"
    token_file.write_text("hf_secret_from_file\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "local",
            "up",
            "--port",
            "0",
            "--state-dir",
            str(state),
            "--no-function",
            "--hf-token-file",
            str(token_file),
            "--import-seconds",
            "0.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        info_file = state / "localcloud.json"
        deadline = time.monotonic() + 60
        while not info_file.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "localcloud.json never appeared"
            time.sleep(0.05)
        doc = json.loads(info_file.read_text())
        assert doc.keys() >= REQUIRED_KEYS
        info = LocalCloudInfo.load(info_file)
        factory = ClientFactory(env={"MODEL_IMPORT_LOCALCLOUD": str(info_file)})
        assert factory.object_storage().get_namespace().data == info.namespace
        bundle = factory.secrets().get_secret_bundle(info.hf_token_secret_id).data
        import base64

        assert base64.b64decode(bundle.secret_bundle_content.content) == b"hf_secret_from_file"
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert info.endpoint in out and "MODEL_IMPORT_LOCALCLOUD" in out
    assert "stopped" in err
    # the token is never written to the state directory
    for path in state.rglob("*"):
        if path.is_file():
            assert b"hf_secret_from_file" not in path.read_bytes(), path


def test_local_stage_command(localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = tmp_path / "tiny-model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    (model / "import.json").write_text("{}")
    env = {**os.environ, **localcloud.env}
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "local", "stage", str(model), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [o["name"] for o in result["objects"]] == [
        "models/tiny-model/config.json",
        "models/tiny-model/import.json",
    ]
    assert result["bytes_copied"] == 0
    assert localcloud.cloud.router.history()[-1]["rules"] == ["manifest-written"]

    missing = subprocess.run(
        [sys.executable, "-m", "cli.main", "local", "stage", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert missing.returncode == 1 and "InvalidParameter" in missing.stderr and "nope" in missing.stderr
