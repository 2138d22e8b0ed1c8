"""Tables fit the terminal (issue 16): OCIDs shortened as the console lists them, the widest cells cut
to the terminal's width; a pipe gets whole cells, one row per line."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import pytest

from cli.main import main
from cli.output import format_table
from shared.contract.state import Stage


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def on_terminal(columns: int, monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, str]:
    monkeypatch.setenv("COLUMNS", str(columns))
    out = Terminal()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        code = main(list(argv))
    return code, out.getvalue()


def test_status_fits_an_80_column_terminal(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    d = cli.deploy("llama-3-8b-instruct-finetuned-for-support")
    cli.put_state("stuck-import", Stage.PROVISIONING, desired="absent")
    code, out = on_terminal(80, monkeypatch, "status", "--price", "10")
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80, out
    assert lines[0].split()[:2] == ["NAME", "STAGE"]
    live = next(line for line in lines if line.startswith("llama-3"))
    assert "…" in live and live.endswith("..." + str(d.endpoint_id)[-6:])  # the name cut, the id short
    piped = cli("status", "--price", "10").out  # not a terminal: whole cells for grep and awk
    assert "llama-3-8b-instruct-finetuned-for-support" in piped and str(d.endpoint_id) not in piped


def test_list_on_a_wide_terminal_is_not_cut(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    d = cli.deploy("alpha", endpoint=False)
    code, out = on_terminal(200, monkeypatch, "list")
    assert code == 0 and "…" not in out and out.splitlines()[1].endswith("..." + d.model_id[-6:])
    full = cli("get", "alpha").out  # `get` keeps the full OCIDs
    assert d.model_id in full


def test_format_table_narrows_the_widest_column_first() -> None:
    text = format_table(["name", "what"], [("a", "x" * 100)], max_width=40)
    assert text.splitlines()[1] == "a     " + "x" * 33 + "…"
    assert max(len(line) for line in text.splitlines()) == 40
