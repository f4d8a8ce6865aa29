"""The progress line: only after a second, throttled, and cleared at the end."""

from __future__ import annotations

import io

from certcheck.cli import progress


def test_progress_line_waits_then_shows_and_clears(monkeypatch) -> None:
    clock = iter([100.0, 100.5, 101.5, 101.55, 101.7])
    monkeypatch.setattr(progress.time, "monotonic", lambda: next(clock))
    stream = io.StringIO()
    line = progress.ProgressLine(stream)  # started at 100.0
    line.update(10)  # 0.5 s: too early
    assert stream.getvalue() == ""
    line.update(1500)  # 1.5 s: shown
    assert "verified 1,500 items (1,000/s)" in stream.getvalue()
    line.update(1600)  # 0.05 s later: throttled
    assert "1,600" not in stream.getvalue()
    line.update(1700)  # shown again
    assert "1,700" in stream.getvalue()
    line.close()
    assert stream.getvalue().endswith("\r\033[K")


def test_no_progress_on_a_pipe_or_for_json(monkeypatch) -> None:
    monkeypatch.setattr(progress.sys.stderr, "isatty", lambda: False, raising=False)
    assert progress.progress_line("table") is None
    monkeypatch.setattr(progress.sys.stderr, "isatty", lambda: True, raising=False)
    assert progress.progress_line("jsonl") is None
    assert progress.progress_line("table") is not None
