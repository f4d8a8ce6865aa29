"""Lazy blocks: where a regular file's lines are, for a process that reads them itself.

The reading process of a ``--jobs`` run only finds where each block of lines begins and ends;
the workers read the lines through the descriptor they share. The blocks must be the ones the
lines themselves make, at every read size, and a file that changes under the run must give
an error record, not a crash."""

from __future__ import annotations

import json
import os
import random
import threading
from pathlib import Path

import pytest

from certcheck.audit import sources
from certcheck.audit.limits import Limits
from certcheck.audit.sources import LineBlock, block_items, iter_blocks


def _entry(name: str, size: int) -> bytes:
    return json.dumps({"id": name, "payload": "A" * size}).encode()


def _batch(rng: random.Random) -> bytes:
    """Items of many sizes (some longer than a read, some over the line limit), blank runs
    and CRLF ends."""
    lines = []
    for number in range(rng.randrange(50, 400)):
        roll = rng.random()
        if roll < 0.15:
            lines.append(rng.choice([b"", b" ", b"\r", b"\t \x0c"]) * rng.randrange(1, 4))
        elif roll < 0.2:
            lines.extend([b""] * rng.randrange(1, 3000))  # a run of blank lines
        elif roll < 0.25:
            lines.append(_entry(f"big{number}", rng.randrange(3000, 20000)))
        else:
            line = _entry(f"e{number}", rng.randrange(1, 600))
            lines.append(line + (b"\r" if rng.random() < 0.1 else b""))
    return b"\n".join(lines) + (b"\n" if rng.random() < 0.5 else b"")


def _read_while_handed_out(blocks) -> list[LineBlock]:  # type: ignore[no-untyped-def]
    """Each block with its lines, read before the next block is asked for (the file is
    closed after its last one)."""
    return [b.read() if isinstance(b, LineBlock) else b for b in blocks]


@pytest.fixture
def small_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads and blocks far smaller than a batch, so that every file here takes many reads,
    moves of what is left to the buffer's start and growths of the buffer."""
    monkeypatch.setattr(sources, "READ_BYTES", 4096)
    monkeypatch.setattr(sources, "BLOCK_BYTES", 16384)


@pytest.mark.usefixtures("small_reads")
@pytest.mark.parametrize("seed", range(12))
def test_lazy_blocks_are_the_blocks_of_the_lines(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    data = _batch(rng)
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(data)
    limits = Limits(max_line_bytes=10_000)
    items = rng.choice([1, 3, 16, 256])
    eager = list(iter_blocks([str(batch)], limits, items=items))
    lazy = list(iter_blocks([str(batch)], limits, items=items, lazy=True))
    assert [type(b) for b in lazy] == [type(b) for b in eager]
    assert len(eager) > 3
    for was, now in zip(eager, lazy, strict=True):
        if isinstance(was, LineBlock):
            assert now.data is None and was.data is not None  # type: ignore[union-attr]
            assert (now.first_line, now.offset, now.size) == (  # type: ignore[union-attr]
                was.first_line,
                was.offset,
                was.size,
            )
            assert data[was.offset : was.offset + was.size] == was.data
        else:
            assert now == was
    read = _read_while_handed_out(iter_blocks([str(batch)], limits, items=items, lazy=True))
    got = [(r.source, r.data, r.error) for b in read for r in block_items(b, limits)]
    assert got == [(r.source, r.data, r.error) for b in eager for r in block_items(b, limits)]


def test_lazy_blocks_of_a_stream_hold_their_lines(tmp_path: Path) -> None:
    """A FIFO cannot be read again: its blocks come with their lines, lazy or not."""
    data = b"".join(_entry(f"e{i}", 100) + b"\n" for i in range(600))
    fifo = tmp_path / "batch.fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(data,))
    writer.start()
    try:
        blocks = list(iter_blocks([str(fifo)], lazy=True))
    finally:
        writer.join()
    assert len(blocks) == 3
    assert all(isinstance(b, LineBlock) and b.data is not None and b.fd == -1 for b in blocks)
    assert b"".join(b.data for b in blocks) == data  # type: ignore[union-attr, misc]


def test_a_file_cut_short_under_a_lazy_block_is_an_error_record(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(b"".join(_entry(f"e{i}", 100) + b"\n" for i in range(600)))
    blocks = iter_blocks([str(batch)], lazy=True)
    first, second = next(blocks), next(blocks)
    assert isinstance(second, LineBlock) and second.first_line == 257
    with open(batch, "r+b") as handle:
        handle.truncate(second.offset + 10)
    assert len(list(block_items(first))) == 256  # still whole
    (error,) = block_items(second)
    assert error.source == f"{batch}#257" and error.data is None
    assert error.error == "cannot read lines 257 on: the file was cut short while it was read"
    assert error.where == "line 257"
    blocks.close()
