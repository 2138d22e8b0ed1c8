"""The progress bar: plain lines when not a terminal, one redrawn line on a terminal; rate and ETA."""

from __future__ import annotations

import io

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
    p = Progress(10 * 1024, stream=out, clock=clock)
    p.skip(8 * 1024)
    clock.now += 2.0
    p.advance(1024)
    assert p.done == 9 * 1024 and p.sent == 1024
    assert p.rate() == 512.0
    assert "ETA 2s" in p.line()


def test_terminal_output_redraws_one_line() -> None:
    clock, out = FakeClock(), Tty()
    p = Progress(1000, stream=out, clock=clock)
    for _ in range(4):
        clock.now += 0.5
        p.advance(250)
    p.close()
    text = out.getvalue()
    assert text.count("\r") == 5 and text.endswith("\n") and text.count("\n") == 1
    assert "100.0%" in text


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
