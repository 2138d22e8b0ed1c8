"""A byte progress bar on stderr: done / total, rate, ETA.

On a terminal it is a `rich` progress bar whose bar fills the terminal's width and follows it
when the window is resized (rich is imported only then, so start-up stays fast); elsewhere (CI,
a pipe, a log) it prints a plain line every 10 % so logs stay readable. Thread-safe: upload
workers call `advance` from several threads.

The rate counts only bytes sent in this run, from the moment the first part landed (a part's
bytes are counted when it has landed, so the first one says nothing of the rate; planning and
hashing before it are no transfer time either). Until a second has passed since then, the ETA
is "--" rather than a guess from one burst.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # unreachable; keeps type checkers content


def human_seconds(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Progress:
    """Counts bytes sent (and bytes found already there, which do not count toward the rate)."""

    def __init__(
        self,
        total: int,
        *,
        label: str = "upload",
        stream: TextIO | None = None,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = max(0, total)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and bool(getattr(self.stream, "isatty", lambda: False)())
        self._clock = clock
        self._lock = threading.Lock()
        self._started = clock()
        self._sent = 0
        self._skipped = 0
        self._last_draw = 0.0
        self._last_decile = -1
        self._first_landed: float | None = None  # when the first sent bytes landed
        self._first_bytes = 0
        self._rich: Any = None

    @property
    def done(self) -> int:
        return self._sent + self._skipped

    @property
    def sent(self) -> int:
        return self._sent

    def skip(self, n: int) -> None:
        """Bytes already in the bucket (a finished part or object from an earlier run)."""
        with self._lock:
            self._skipped += n
            self._maybe_draw()

    def advance(self, n: int) -> None:
        with self._lock:
            if self._first_landed is None:
                self._first_landed, self._first_bytes = self._clock(), n
            self._sent += n
            self._maybe_draw()

    def rate(self) -> float:
        """Bytes per second sent since the first part landed (0 until that can be measured)."""
        if self._first_landed is None:
            return 0.0
        elapsed = self._clock() - self._first_landed
        return (self._sent - self._first_bytes) / elapsed if elapsed > 0 else 0.0

    def eta(self) -> str:
        remaining = self.total - self.done
        if remaining <= 0:
            return "0s"
        rate = self.rate()
        if self._first_landed is None or self._clock() - self._first_landed < 1.0 or rate <= 0:
            return "--"
        return human_seconds(remaining / rate)

    def percent(self) -> float:
        return 100.0 * self.done / self.total if self.total else 100.0

    def stats(self) -> str:
        """`50.0% 50.0 MiB/100.0 MiB 5.0 MiB/s ETA 10s`"""
        return (
            f"{self.percent():5.1f}% {human_bytes(self.done)}/{human_bytes(self.total)}"
            f" {human_bytes(self.rate())}/s ETA {self.eta()}"
        )

    def line(self) -> str:
        width = 24
        filled = int(width * self.percent() / 100)
        bar = "#" * filled + "-" * (width - filled)
        return f"{self.label} [{bar}] {self.stats()}"

    def _maybe_draw(self) -> None:
        if not self.enabled:
            return
        now = self._clock()
        if self.tty:
            if self._rich is None:
                self._rich = _RichBar(self)
            if now - self._last_draw >= 0.2 or self.done >= self.total:
                self._last_draw = now
                self._rich.update()
            return
        decile = int(10 * self.done / self.total) if self.total else 10
        if decile > self._last_decile:
            self._last_decile = decile
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def close(self) -> None:
        if not self.enabled:
            return
        with self._lock:
            if self.tty:
                if self._rich is None:
                    self._rich = _RichBar(self)
                self._rich.stop()
            elif self._last_decile < 10:
                self.stream.write(self.line() + "\n")
            self.stream.flush()


class _RichBar:
    """The terminal view: label, a bar as wide as the terminal leaves room for, then `stats()`."""

    def __init__(self, owner: Progress) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, ProgressColumn, TextColumn
        from rich.progress import Progress as RichProgress
        from rich.table import Column
        from rich.text import Text

        class Stats(ProgressColumn):
            def render(self, task: Any) -> Text:
                return Text(owner.stats())

        self.owner = owner
        console = Console(file=owner.stream, highlight=False)
        self.progress = RichProgress(
            TextColumn(owner.label, table_column=Column(no_wrap=True, overflow="ellipsis", max_width=24)),
            # bar_width None and a ratio: the bar takes the width the other columns leave
            BarColumn(bar_width=None, table_column=Column(ratio=1)),
            Stats(table_column=Column(no_wrap=True)),
            console=console,
            expand=True,
            refresh_per_second=5,  # also redraws on a window resize and while no part lands
            get_time=owner._clock,
        )
        self.task = self.progress.add_task(owner.label, total=owner.total or 1)
        self.progress.start()

    def update(self) -> None:
        self.progress.update(self.task, completed=self.owner.done if self.owner.total else 1)

    def stop(self) -> None:
        self.update()
        self.progress.refresh()
        self.progress.stop()
