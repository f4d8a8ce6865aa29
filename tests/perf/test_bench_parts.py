"""The bench's baseline for --jobs speed-ups: the batch cut into parts, run at once."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.run import Measure, fastest_rounds, run_at_once, split_lines


def test_a_batch_is_cut_into_consecutive_even_parts_once(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    lines = [f'{{"n": {n}}}\n'.encode() for n in range(7)]
    batch.write_bytes(b"".join(lines))
    parts = split_lines(batch, 3, tmp_path)
    assert [len(part.read_bytes().splitlines()) for part in parts] == [3, 2, 2]
    assert b"".join(part.read_bytes() for part in parts) == batch.read_bytes()
    written = [part.stat().st_mtime_ns for part in parts]
    assert split_lines(batch, 3, tmp_path) == parts  # kept: not cut again
    assert [part.stat().st_mtime_ns for part in parts] == written


def test_commands_at_once_sum_their_cpu_and_keep_the_worst_exit() -> None:
    spin = "x = 0\nfor i in range(2_000_000): x += i\nraise SystemExit({code})"
    argvs = [[sys.executable, "-c", spin.format(code=code)] for code in (0, 1)]
    both = run_at_once("two", argvs, 10)
    alone = run_at_once("one", argvs[:1], 10)
    assert both.exit_code == 1 and alone.exit_code == 0
    assert both.items == 10
    assert both.cpu_seconds > alone.cpu_seconds > 0


def _wall(seconds: float) -> Measure:
    return Measure("run", 1, seconds, seconds, 1.0, 0)


def test_the_fastest_rounds_are_compared_each_on_its_own() -> None:
    """The least --jobs 1 wall time over the least --jobs N one, whichever rounds they ran in."""
    ones = [_wall(3.6), _wall(3.2), _wall(3.9)]
    twos = [_wall(1.9), _wall(2.4), _wall(2.0)]
    assert fastest_rounds(ones, twos) == "fastest rounds 1.68x (3.20 s against 1.90 s)"
