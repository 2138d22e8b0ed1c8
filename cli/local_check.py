"""Is the local cloud that localcloud.json describes running? Asked before the first client is built.

Without this check a stopped local cloud shows as an SDK connection error after the retries
have run out (18 s and a 600-character message). localcloud.json holds the server's pid and its
admin URL: a dead pid, or no answer from `<admin>/health` within a second, is one line saying how
to start it.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from cli.output import CliError

HEALTH_TIMEOUT_SECONDS = 1.0


def ensure_running(info: Any, info_file: str | Path) -> None:
    """Raise CliError unless the local cloud of `info` (a shared.clients.LocalCloudInfo) answers."""
    state_dir = info.extra.get("state_dir") or str(Path(info_file).parent)
    start = f"start it with `model-import local up --state-dir {state_dir}`"
    pid = info.extra.get("pid")
    if isinstance(pid, int) and not _alive(pid):
        raise CliError(
            f"the local cloud in {state_dir} is not running (its process {pid} has ended): {start}"
        )
    try:
        with urllib.request.urlopen(f"{info.admin}/health", timeout=HEALTH_TIMEOUT_SECONDS) as resp:
            resp.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CliError(
            f"the local cloud in {state_dir} does not answer at {info.endpoint} ({reason}): {start}"
        ) from None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process holds the pid: it exists
        return True
    return True
