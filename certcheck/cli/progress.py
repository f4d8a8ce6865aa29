"""A progress line for long batches: on an interactive standard error only, never on a pipe.

It appears once a batch has run for a second, shows items verified and the rate, updates at
most ten times a second, and is cleared when the batch ends, so the report is never mixed
with it.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

SHOW_AFTER = 1.0
INTERVAL = 0.1


class ProgressLine:
    """Items verified so far, written over itself on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False

    def update(self, count: int) -> None:
        now = time.monotonic()
        elapsed = now - self.started
        if elapsed < SHOW_AFTER or now - self.last < INTERVAL:
            return
        self.last = now
        self.shown = True
        self.stream.write(f"\r\033[Kverified {count:,} items ({count / elapsed:,.0f}/s)")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False


def progress_line(fmt: str) -> ProgressLine | None:
    """A progress line when standard error is a terminal and the format is not JSON."""
    if not sys.stderr.isatty() or fmt in ("json", "jsonl"):
        return None
    return ProgressLine(sys.stderr)
