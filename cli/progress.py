"""A byte progress bar on stderr: done / total, rate, ETA.

On a terminal it redraws one line at most every 0.2 s; elsewhere (CI, a pipe, a log) it
prints a plain line every 10 % so logs stay readable. Thread-safe: upload workers call
`advance` from several threads.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO


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
            self._sent += n
            self._maybe_draw()

    def rate(self) -> float:
        elapsed = self._clock() - self._started
        return self._sent / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        done = self.done
        pct = 100.0 * done / self.total if self.total else 100.0
        rate = self.rate()
        remaining = self.total - done
        eta = (
            human_seconds(remaining / rate)
            if rate > 0 and remaining > 0
            else ("0s" if remaining <= 0 else "?")
        )
        width = 24
        filled = int(width * pct / 100)
        bar = "#" * filled + "-" * (width - filled)
        return (
            f"{self.label} [{bar}] {pct:5.1f}% {human_bytes(done)}/{human_bytes(self.total)}"
            f" {human_bytes(rate)}/s ETA {eta}"
        )

    def _maybe_draw(self) -> None:
        if not self.enabled:
            return
        now = self._clock()
        if self.tty:
            if now - self._last_draw >= 0.2 or self.done >= self.total:
                self._last_draw = now
                self.stream.write("\r" + self.line() + "\x1b[K")
                self.stream.flush()
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
                self.stream.write("\r" + self.line() + "\x1b[K\n")
            elif self._last_decile < 10:
                self.stream.write(self.line() + "\n")
            self.stream.flush()
