"""checkov over terraform/ (module, example, Resource Manager stack) finds nothing, and every
skip carries a written justification. checkov runs from its own virtual environment: its
bc-python-hcl2 and our python-hcl2 both install a package named hcl2."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tfmodel import MODULE_DIR, REPO

SKIP_COMMENT = re.compile(r"#checkov:skip=(?P<id>[A-Z0-9_]+):(?P<why>.*)")


def _checkov() -> Path:
    path = Path(os.environ.get("CHECKOV") or REPO / ".venv-checkov" / "bin" / "checkov")
    if not path.exists():
        pytest.fail(
            f"checkov not found at {path}: run `make checkov-setup` (or set CHECKOV=/path/to/checkov)"
        )
    return path


def test_checkov_is_installed() -> None:
    # Fails (never skips) without checkov: the Makefile installs it, CI must run it.
    assert _checkov().is_file()


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    command = [
        str(_checkov()),
        "-d",
        str(MODULE_DIR),
        "--framework",
        "terraform",
        "--skip-download",
        "--compact",
        "-o",
        "json",
    ]
    # No --quiet: the report must also list the passed and the skipped checks.
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=REPO, check=False)
    assert done.stdout.strip(), f"checkov printed nothing (exit {done.returncode}): {done.stderr[-2000:]}"
    parsed = json.loads(done.stdout)
    reports = parsed if isinstance(parsed, list) else [parsed]
    (terraform,) = [r for r in reports if r.get("check_type") == "terraform"]
    return dict(terraform)


@pytest.mark.checkov
def test_checkov_finds_no_failed_check(report: dict[str, Any]) -> None:
    failed = report["results"]["failed_checks"]
    listing = "\n".join(
        f"{c['check_id']} {c['resource']} {c['file_path']}: {c['check_name']}" for c in failed
    )
    assert not failed, f"checkov failed checks:\n{listing}"
    assert report["summary"]["parsing_errors"] == 0
    # It really looked: the bucket and the security list checks ran.
    passed = {c["check_id"] for c in report["results"]["passed_checks"]}
    assert {"CKV_OCI_7", "CKV_OCI_8", "CKV_OCI_10", "CKV_OCI_19"} <= passed


@pytest.mark.checkov
def test_every_skip_is_justified_beside_the_resource(report: dict[str, Any]) -> None:
    for skipped in report["results"]["skipped_checks"]:
        why = skipped["check_result"].get("suppress_comment") or ""
        assert len(why.split()) >= 5, (
            f"{skipped['check_id']} on {skipped['resource']} is skipped without a reason"
        )
    written = [
        m
        for path in MODULE_DIR.rglob("*.tf")
        for m in SKIP_COMMENT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert written, "no inline skip found: if none is needed any more, delete this test's skip expectations"
    for match in written:
        assert len(match["why"].split()) >= 5, f"skip of {match['id']} needs a justification"
