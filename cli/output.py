"""Printing for every command: `--output table` for people, `--output json` for scripts."""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Sequence
from typing import Any, TextIO


class CliError(Exception):
    """A failure the user can act on: one readable line, then exit with `exit_code`."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def to_jsonable(value: Any) -> Any:
    # Duck-typed rather than isinstance(pydantic.BaseModel): importing pydantic costs every
    # command start-up, and a value with model_dump can only be a model already imported.
    if callable(getattr(value, "model_dump", None)) and not isinstance(value, type):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def print_json(value: Any, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    json.dump(to_jsonable(value), out, indent=2, sort_keys=False, default=str)
    out.write("\n")


# An OCID: ocid1.<type>.<realm>.[region][.future].<unique>; the unique part is what tells two apart.
_OCID = re.compile(r"\bocid1\.[a-z0-9_]+\.[a-z0-9_-]*\.[a-z0-9_-]*\.(?:[a-z0-9_-]*\.)?[A-Za-z0-9_-]{7,}")
MIN_COLUMN = 8


def short_ocids(text: str) -> str:
    """Each OCID in `text` as `...` and its last 6 characters, as the OCI console shows them in lists;
    the full ones are in `--json` and in `get`."""
    return _OCID.sub(lambda m: "..." + m.group(0)[-6:], text)


def _fit(widths: list[int], headers: Sequence[str], limit: int) -> list[int]:
    """Narrow the widest columns until the table fits `limit` characters (2 between columns)."""
    widths = list(widths)
    while sum(widths) + 2 * (len(widths) - 1) > limit:
        i = max(range(len(widths)), key=lambda j: widths[j])
        floor = max(len(headers[i]), MIN_COLUMN)
        if widths[i] <= floor:
            break
        widths[i] -= 1
    return widths


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    full_ids: bool = False,
    max_width: int | None = None,
) -> str:
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    if not full_ids:
        cells = [[short_ocids(c) for c in row] for row in cells]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    if max_width is not None:
        widths = _fit(widths, headers, max_width)
        cells = [[_cut(c, w) for c, w in zip(row, widths, strict=True)] for row in cells]
    line = "  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line.rstrip()]
    for row in cells:
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(out)


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    out: TextIO | None = None,
    *,
    full_ids: bool = False,
) -> None:
    """A table for people: OCIDs shortened (unless `full_ids`), and on a terminal no wider than it.
    A pipe gets every cell whole, one row per line, for grep and awk."""
    out = out or sys.stdout
    tty = bool(getattr(out, "isatty", lambda: False)())
    limit = shutil.get_terminal_size().columns if tty else None
    print(format_table(headers, rows, full_ids=full_ids, max_width=limit), file=out)
