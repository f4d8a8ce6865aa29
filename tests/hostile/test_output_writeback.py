"""A file written with -o is sent on to the disk as it grows (its final sync has little left):
what lands in place is every byte written, in order, text and UTF-8 bytes alike."""

from __future__ import annotations

from pathlib import Path

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
