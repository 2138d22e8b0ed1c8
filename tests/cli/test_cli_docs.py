"""docs/cli.md documents every command this part owns, with every one of its options."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli.main import build_parser

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
COMMANDS = (
    "upload", "import-hf", "status", "retry", "cancel", "sweep",
    "list", "get", "update", "move", "delete", "teardown", "cost",
)  # fmt: skip
COMMON = {"-h", "--help", "--profile", "--config-file", "--region", "--compartment-id", "--auth", "--output",
          "--json", "--debug", "--bucket-name", "--namespace-name"}  # fmt: skip


def sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^## `model-import ([a-z-]+)`$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_is_documented_in_its_section(command: str) -> None:
    doc = sections()
    assert command in doc, f"docs/cli.md has no section for {command}"
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    options = {o for a in sub.choices[command]._actions for o in a.option_strings} - COMMON  # type: ignore[attr-defined]
    missing = sorted(o for o in options if o not in doc[command])
    assert not missing, f"{command}: {missing} not in its section"
    assert "JSON" in doc[command]
