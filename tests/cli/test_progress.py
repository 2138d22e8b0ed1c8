"""The progress bar: plain lines when not a terminal, one redrawn line on a terminal; rate and ETA."""

from __future__ import annotations

import io
import re

import pytest

from cli.progress import Progress, human_bytes, human_seconds


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_output_prints_a_line_per_tenth_with_rate_and_eta() -> None:
    clock, out = FakeClock(), io.StringIO()
    p = Progress(100 * 1024 * 1024, label="up", stream=out, clock=clock)
    for _ in range(10):
        clock.now += 1.0
        p.advance(5 * 1024 * 1024)  # 5 MiB/s
    lines = out.getvalue().splitlines()
    assert lines[-1].startswith("up [############------------]  50.0% 50.0 MiB/100.0 MiB 5.0 MiB/s ETA 10s")
    assert len(lines) == 6  # 0 %, then one per 10 % (10 .. 50 %)
    p.close()
    assert out.getvalue().splitlines()[-1].startswith("up [")
    assert "\r" not in out.getvalue()


def test_bytes_already_there_count_as_done_but_not_toward_the_rate() -> None:
    clock, out = FakeClock(), io.StringIO()
    p = Progress(20 * 1024, stream=out, clock=clock)
    p.skip(8 * 1024)
    clock.now += 2.0
    p.advance(1024)  # the first part lands: no rate can be told from it alone
    assert p.done == 9 * 1024 and p.sent == 1024
    assert p.rate() == 0.0 and "ETA --" in p.line()
    clock.now += 2.0
    p.advance(1024)
    assert p.rate() == 512.0
    assert "ETA 20s" in p.line()  # 10 KiB left at 512 B/s


def test_the_first_eta_is_not_a_guess_from_one_burst() -> None:
    """Hashing and planning before the first part, or parts landing together, say nothing of the rate."""
    clock = FakeClock()
    p = Progress(1000 * 1024 * 1024, stream=io.StringIO(), clock=clock)
    clock.now += 600  # ten minutes of hashing files already in the bucket
    p.advance(64 * 1024 * 1024)
    clock.now += 0.01
    p.advance(64 * 1024 * 1024)  # two parts landing together: 6 GiB/s for an instant
    assert p.eta() == "--"
    clock.now += 2.0
    p.advance(64 * 1024 * 1024)
    assert p.eta() == human_seconds((1000 - 192) / (128 / 2.01))


def _plain(text: str) -> list[str]:
    """The lines a terminal shows at the end: escape sequences out, last redraw kept."""
    last = text.split("\x1b[2K")[-1]
    return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", last).splitlines()


@pytest.mark.parametrize("columns", [80, 132])
def test_terminal_bar_follows_the_terminal_width(monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    clock, out = FakeClock(), Tty()
    p = Progress(1000 * 1024 * 1024, label="upload a-model-with-a-long-name", stream=out, clock=clock)
    for _ in range(4):
        clock.now += 0.5
        p.advance(250 * 1024 * 1024)
    p.close()
    [line] = _plain(out.getvalue())
    assert len(line) == columns  # one line, exactly as wide as the terminal
    assert "100.0% 1000.0 MiB/1000.0 MiB" in line and line.endswith("ETA 0s")
    assert "\n" in out.getvalue()[-12:]  # the bar stays on screen, the cursor below it


def test_disabled_progress_prints_nothing() -> None:
    out = io.StringIO()
    p = Progress(10, stream=out, enabled=False)
    p.advance(10)
    p.close()
    assert out.getvalue() == ""


def test_human_units() -> None:
    assert human_bytes(512) == "512 B"
    assert human_bytes(1536) == "1.5 KiB"
    assert human_bytes(3 * 1024**3) == "3.0 GiB"
    assert human_seconds(59.4) == "59s"
    assert human_seconds(61) == "1m01s"
    assert human_seconds(7260) == "2h01m"
