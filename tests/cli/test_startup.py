"""Start-up stays light: `--help`, every `COMMAND --help`, `findings` and `inspect FOLDER` never import
the OCI SDK, and `inspect FOLDER` not the Hugging Face client either. Each runs `cli.main.main` in a fresh
interpreter (an import made by another test cannot hide one here) and reports `sys.modules`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cli.commands import COMMANDS
from cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
from cli.main import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = ("oci", "huggingface_hub", "pydantic")
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules]}), file=sys.stderr)
"""


def loaded_by(*argv: str) -> tuple[int, list[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return report["code"], report["loaded"]


def test_help_imports_no_sdk_and_no_pydantic() -> None:
    assert loaded_by("--help") == (0, [])


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_commands_help_imports_no_sdk(name: str) -> None:
    """`model-import COMMAND --help` answers without the OCI SDK: a command module imports at its
    top only what its parser needs, and its handler the rest when it runs."""
    code, loaded = loaded_by(name, "--help")
    assert code == 0 and "oci" not in loaded


def test_findings_imports_no_sdk() -> None:
    code, loaded = loaded_by("findings", "CONFIG_MISSING")
    assert code == 0 and "oci" not in loaded and "huggingface_hub" not in loaded


def test_inspect_of_a_folder_imports_neither_the_sdk_nor_the_hub_client(
    tiny_model: Callable[..., Path],
) -> None:
    code, loaded = loaded_by("inspect", str(tiny_model("startup")))
    assert code == 0 and "oci" not in loaded and "huggingface_hub" not in loaded


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_command_list_says_what_each_module_says(name: str) -> None:
    """cli/commands/__init__.py lists each command without importing it: its help must not drift."""
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    helps = {a.dest: a.help for a in sub._choices_actions}  # type: ignore[attr-defined]
    assert helps[name] == COMMANDS[name].help
