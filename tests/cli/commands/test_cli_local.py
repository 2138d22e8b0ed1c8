"""`model-import local up --json`: the startup info is one JSON line, the same as localcloud.json."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_local_up_json_prints_the_info_file_as_one_json_line(tmp_path: Path) -> None:
    state = tmp_path / "state"
    argv = ["local", "up", "--port", "0", "--state-dir", str(state), "--no-function", "--bucket", "json-drop"]
    argv += ["--price", "10"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", *argv, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the cloud serves (or the process dies: "")
        assert line, proc.communicate(timeout=30)
        info = json.loads(line)
        on_disk = json.loads((state / "localcloud.json").read_text(encoding="utf-8"))
        assert info == on_disk
        assert info["bucket"] == "json-drop" and info["endpoint"].startswith("http://127.0.0.1:")
        assert info["ai_unit_price_per_hour"] == 10.0  # `local up --price` is recorded for every command
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out == ""  # nothing but the JSON line on stdout: the banner is not printed
    assert "stopped" in err


def test_local_up_runs_the_repository_function_by_default() -> None:
    # `local up` quietly routes events to no function when its default file is missing, so a
    # wrong default (it once pointed outside the repository after a package move) would pass
    # every other test that names --function explicitly.
    from cli.commands.local import DEFAULT_FUNCTION

    assert DEFAULT_FUNCTION == REPO / "functions" / "func.py"
    assert DEFAULT_FUNCTION.is_file()
