"""`make demo` tells the whole story and exits 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_the_whole_story() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "localcloud.demo"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    stages = ("VALIDATING", "IMPORTING", "PROVISIONING", "DEPLOYING", "SMOKE_TESTING", "DONE", "TORN_DOWN")
    for stage in stages:
        assert f" {stage} " in out, stage
    assert "Title: Model tiny-chat is live" in out
    assert 'last user message: "What is the capital of France?"' in out
    assert "upload tiny-chat [" in proc.stderr and "100.0%" in proc.stderr  # the progress bar
    assert "Local cloud stopped." in out
