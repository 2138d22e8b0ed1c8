"""docs/cli.md is the parser's: every command (nested ones too) has a generated block equal to what
cli.docgen makes of the parser now, and every option has help text."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from cli.docgen import COMMON, blocks, keys_in, render, subcommands
from cli.main import build_parser

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
WITH_JSON = (
    "upload", "import-hf", "status", "retry", "cancel", "sweep",
    "list", "get", "update", "move", "delete", "teardown", "cost", "findings", "inspect",
)  # fmt: skip


def test_every_command_has_a_generated_block() -> None:
    missing = sorted(set(blocks()) - set(keys_in(DOC.read_text(encoding="utf-8"))))
    assert not missing, f"docs/cli.md has no generated block for {missing}"
    assert COMMON in keys_in(DOC.read_text(encoding="utf-8"))


def test_the_generated_blocks_are_what_the_parser_says() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert render(text) == text, "docs/cli.md drifted from the parser: run `make docs` and commit it"


def test_the_checker_sees_a_drift() -> None:
    text = "<!-- generated: model-import status -->\nold usage\n<!-- end generated -->\n"
    assert render(text) != text and "--stall-after" in render(text)


@pytest.mark.parametrize("name", [n for n, _ in subcommands(build_parser())])
def test_every_option_has_help(name: str) -> None:
    sub = dict(subcommands(build_parser()))[name]
    bare = [
        a.option_strings or a.dest
        for a in sub._actions
        if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction) and not a.help
    ]
    assert not bare, f"{name}: {bare} have no help text"


@pytest.mark.parametrize("command", WITH_JSON)
def test_every_command_says_what_its_json_is(command: str) -> None:
    parts = re.split(r"^## `model-import ([a-z-]+)`$", DOC.read_text(encoding="utf-8"), flags=re.M)
    sections = {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}
    assert "JSON" in sections[command]
