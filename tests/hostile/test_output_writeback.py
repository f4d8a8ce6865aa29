"""A file written with -o is sent on to the disk, and synced, as it grows (its final sync has
little left): what lands in place is every byte written, in order, text and UTF-8 bytes alike;
a sync that fails in the background fails the output."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from certcheck.errors import OutputError
from certcheck.output import writers
from certcheck.output.writers import WRITEBACK_BYTES, AtomicOutput


def test_a_large_output_lands_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("previous\n")
    out = AtomicOutput(str(target))
    expected = []
    for number in range(3 * WRITEBACK_BYTES // (1 << 20) + 2):
        line = f'{{"n":{number},"text":"{"é" * 40}"}}\n' * 12000  # about 1 MB a block
        if number % 2:
            out.stream.write_utf8(line.encode())
        else:
            out.stream.write(line)
        out.stream.flush()
        expected.append(line)
    assert target.read_text() == "previous\n"
    assert out.stream._written >= 3 * WRITEBACK_BYTES  # sent on as it grew
    out.commit()
    assert target.read_text(encoding="utf-8") == "".join(expected)
    assert target.stat().st_size > 3 * WRITEBACK_BYTES


def _write_blocks(out: AtomicOutput, count: int) -> str:
    written = []
    for number in range(count):
        line = f'{{"n":{number},"text":"{"x" * 80}"}}\n' * 6000  # about 0.5 MB a block
        out.stream.write(line)
        out.stream.flush()
        written.append(line)
    return "".join(written)


def test_a_large_output_is_synced_in_the_background_as_it_grows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writers, "WRITEBACK_BYTES", 1 << 20)
    monkeypatch.setattr(writers, "SYNC_BYTES", 2 << 20)
    target = tmp_path / "out.jsonl"
    out = AtomicOutput(str(target))
    expected = _write_blocks(out, 12)
    # a sync was asked for as it grew (the next one only once that one has ended)
    assert out.stream._synced >= writers.SYNC_BYTES
    out.commit()
    assert target.read_text() == expected
    assert out.stream._syncing is None  # waited for before the final sync


def test_a_failed_background_sync_fails_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Linux reports a write-back error to one sync only: the one in the background must
    not be lost, and the previous file stays."""
    monkeypatch.setattr(writers, "SYNC_BYTES", 1 << 20)

    def failing(fd: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fdatasync", failing)
    target = tmp_path / "out.jsonl"
    target.write_text("previous\n")
    out = AtomicOutput(str(target))
    _write_blocks(out, 6)
    with pytest.raises(OutputError, match=r"out.jsonl: cannot write \(Input/output error\)"):
        out.commit()
    assert target.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]
