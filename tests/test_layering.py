"""The core and the function never reach into their clients: shared/, events/ and functions/ import
nothing from cli/ or localcloud/ (DESIGN.md, Layout). The function image copies only those three
folders (Dockerfile), so an import that crossed the line would fail there, not here, without this."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ("shared", "events", "functions")
CLIENTS = ("cli", "localcloud")


def imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", CORE)
def test_core_imports_no_client(package: str) -> None:
    crossing = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in imported_modules(path)
        if name.split(".")[0] in CLIENTS
    ]
    assert crossing == []


def test_the_checker_sees_a_crossing(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("import json\nfrom cli.main import main\nimport localcloud.server as s\n")
    crossing = [n for n in imported_modules(sample) if n.split(".")[0] in CLIENTS]
    assert crossing == ["cli.main", "localcloud.server"]


def test_function_image_copies_only_the_core() -> None:
    copies = [
        line.split()[1]
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ") and "--from" not in line
    ]
    assert not [c for c in copies if c.rstrip("/").split("/")[0] in CLIENTS or c == "."]
    assert {"shared", "events", "functions"} <= set(copies)
