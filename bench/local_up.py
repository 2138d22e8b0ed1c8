"""Start `model-import local up` in its own process for a benchmark, and wait until it serves.

A benchmark measures the local cloud from outside, as a user's tools see it: the server runs
in a separate process so its CPU and memory are not counted with the client's.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_SECONDS = 60


def start_local_up(state_dir: Path, *options: str) -> tuple[subprocess.Popen[bytes], Path]:
    """`local up --port 0 --state-dir D [options]`; returns the process and its localcloud.json."""
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
            str(state_dir),
            *options,
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    info_file = state_dir / "localcloud.json"
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not info_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("the local cloud did not start")
        time.sleep(0.05)
    return proc, info_file
