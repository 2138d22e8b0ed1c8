from __future__ import annotations

import re
from pathlib import Path

from shared.findings import CATALOGUE, Severity, finding, has_errors, render_reference

ROOT = Path(__file__).resolve().parents[2]


def test_reference_page_is_generated_from_the_catalogue() -> None:
    page = (ROOT / "docs" / "findings.md").read_text()
    assert page == render_reference(), "run `python -m shared.findings > docs/findings.md`"
    for code in CATALOGUE:
        assert f"`{code}`" in page


def test_codes_are_upper_snake_with_meaning_and_remedy() -> None:
    for code, rule in CATALOGUE.items():
        assert re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", code), code
        assert rule.severity in (Severity.ERROR, Severity.WARNING)
        assert rule.meaning.strip() and rule.remedy.strip()


def test_every_code_used_in_the_code_is_catalogued() -> None:
    used: set[str] = set()
    for path in [*ROOT.glob("shared/**/*.py"), *ROOT.glob("functions/**/*.py"), *ROOT.glob("events/**/*.py")]:
        used |= set(re.findall(r"finding\(\s*\"([A-Z_0-9]+)\"", path.read_text()))
    assert used, "no finding() calls found: the scan is broken"
    assert used <= set(CATALOGUE), used - set(CATALOGUE)


def test_finding_defaults_come_from_the_catalogue() -> None:
    f = finding("CONFIG_MISSING", "models/x/config.json")
    assert f.severity is Severity.ERROR and f.hint == CATALOGUE["CONFIG_MISSING"].remedy
    assert has_errors([f])
    assert not has_errors([finding("PARAMETERS_ESTIMATED", "x")])
