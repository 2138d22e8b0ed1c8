"""`findings` lists the catalogue; `findings CODE` shows that code with its remedy."""

from __future__ import annotations

import pytest

from cli.main import main
from shared.findings import CATALOGUE


def test_one_code_shows_its_remedy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["findings", "CONFIG_MISSING"]) == 0
    out = capsys.readouterr().out
    assert CATALOGUE["CONFIG_MISSING"].remedy in out and "remedy" in out


def test_the_list_says_how_to_see_a_remedy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["findings"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("CODE") and "findings CODE" in captured.err
