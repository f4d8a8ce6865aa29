"""Blocks: JSON Lines read as runs of whole lines, split into the same items as line by line."""

from __future__ import annotations

import gc
import json
import os
from itertools import pairwise
from pathlib import Path

import pytest

from certcheck.audit.limits import Limits
from certcheck.audit.pairing import WANT, BatchPairing
from certcheck.audit.pipeline import BATCH_GC_ALLOCATIONS, verify_blocks
from certcheck.audit.sources import (
    BLOCK_BYTES,
    READ_BYTES,
    LineBlock,
    block_items,
    iter_blocks,
    iter_raw,
)
from certcheck.cli.verify_run import VerifyRequest, build_context

ROOT = Path(__file__).resolve().parents[2]
WORLD = ROOT / "fixtures" / "world"


def _entry(name: str, size: int = 0) -> bytes:
    return json.dumps({"id": name, "payload": "A" * size or "00"}).encode()


def _expected(lines: list[bytes], source: str, longest: int) -> list[tuple[str, bytes | None]]:
    """What a line-by-line reader gives: blank lines skipped, over-long lines as errors."""
    found = []
    for number, line in enumerate(lines, 1):
        if len(line) > longest:
            found.append((f"{source}#{number}", None))
        elif line.strip():
            found.append((f"{source}#{number}", line))
    return found


@pytest.mark.parametrize("final_newline", [True, False])
def test_blocks_split_into_the_items_of_each_line(tmp_path: Path, final_newline: bool) -> None:
    lines = [_entry(f"a{i}") for i in range(10)]
    lines[3] = b"   "  # blank: counted, not an item
    lines[5] = _entry("long", 500)  # over the limit, inside a block
    lines[7] = _entry("huge", 20000)  # over the limit and over the first read: skipped
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(b"\n".join(lines) + (b"\n" if final_newline else b""))
    limits = Limits(max_line_bytes=200)
    blocks = list(iter_blocks([str(batch)], limits, items=3))
    line_blocks = [b for b in blocks if isinstance(b, LineBlock)]
    assert len(line_blocks) >= 3
    assert all(sum(1 for x in b.data.split(b"\n") if x.strip()) <= 3 for b in line_blocks)
    got = [(r.source, r.data) for b in blocks for r in block_items(b, limits)]
    assert got == _expected(lines, str(batch), 200)
    errors = [r for b in blocks for r in block_items(b, limits) if r.data is None]
    assert [r.where for r in errors] == ["line 6", "line 8"]
    assert all("exceeds max_line_bytes=200" in (r.error or "") for r in errors)
    assert [(r.source, r.data) for r in iter_raw([str(batch)], limits)] == got


def test_blank_lines_make_no_blocks_of_their_own(tmp_path: Path) -> None:
    """Millions of blank lines cost a few C-level scans, not a block (or a loop turn) each:
    blank runs with no item are dropped as they are read, and numbering stays exact."""
    batch = tmp_path / "blank.jsonl"
    blank = b"\n" * 3_000_000 + b" \t\r\n" * 100_000
    batch.write_bytes(_entry("a") + b"\n" + blank + _entry("b") + b"\n" + blank)
    blocks = list(iter_blocks([str(batch)], items=256))
    assert len(blocks) == 1
    (block,) = blocks
    assert isinstance(block, LineBlock)
    assert len(block.data) <= BLOCK_BYTES + READ_BYTES  # the trailing blank run is not held
    second = 2 + 3_100_000
    assert [r.source for r in block_items(block)] == [f"{batch}#1", f"{batch}#{second}"]


def test_files_and_batches_keep_their_order(tmp_path: Path) -> None:
    (tmp_path / "a.hex").write_text("00")
    (tmp_path / "b.jsonl").write_bytes(b"\n".join(_entry(f"b{i}") for i in range(5)))
    (tmp_path / "c.hex").write_text("00")
    (tmp_path / "d.hex").write_text("00")
    blocks = list(iter_blocks([str(tmp_path)], items=2))
    kinds = [type(b).__name__ for b in blocks]
    assert kinds == ["tuple", "LineBlock", "LineBlock", "LineBlock", "tuple"]
    sources = [r.source for b in blocks for r in block_items(b)]
    names = [s.rpartition("/")[2] for s in sources]
    assert names == ["a.hex", *(f"b.jsonl#{i}" for i in range(1, 6)), "c.hex", "d.hex"]


def test_workers_return_the_same_text_as_one_process(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    payloads = sorted((WORLD / "payloads").rglob("*.xml"))[:20]
    assert payloads, "fixtures/world is part of the repository"
    batch.write_text(
        "".join(json.dumps({"id": p.name, "payload": p.read_text()}) + "\n" for p in payloads)
    )
    context = build_context(
        VerifyRequest(
            paths=[], mapping=str(WORLD / "meters.csv"), operators=str(WORLD / "operators.csv")
        )
    )
    paths = [str(WORLD / "payloads"), str(batch)]
    one = list(verify_blocks(iter_blocks(paths, items=7), context, jobs=1, digests=True))
    two = list(verify_blocks(iter_blocks(paths, items=7), context, jobs=2, digests=True))
    assert [r.as_text() for r in one] == [r.as_text() for r in two]
    assert [r.digests for r in one] == [r.digests for r in two]
    records = [record for r in one for record in r.records()]
    assert len(records) == sum(r.items for r in one) == sum(len(r.digests) for r in one)
    assert records[-1]["source"] == f"{batch}#{len(payloads)}"
    verdicts = {v: sum(r.verdicts[v] for r in one) for v in ("pass", "warn", "fail")}
    assert verdicts == {v: sum(rec["verdict"] == v for rec in records) for v in verdicts}
    worst = max(r.worst for r in one)
    assert worst == 2 and verdicts["fail"] > 0


@pytest.mark.parametrize("seed", range(40))
def test_blank_lines_anywhere_give_the_items_of_each_line(tmp_path: Path, seed: int) -> None:
    """Blank lines (of any blank bytes), indented entries and CRLF ends, at random places: the
    blocks hold the items a line-by-line reader finds, ``items`` at a time until the end."""
    import random

    rng = random.Random(seed)
    blanks = [b"", b" ", b"\t", b"\r", b" \x0b\x0c ", b"  \r"]
    lines: list[bytes] = []
    for number in range(rng.randrange(1, 60)):
        roll = rng.random()
        if roll < 0.3:
            lines.append(rng.choice(blanks))
        elif roll < 0.4:
            lines.append(rng.choice(blanks) + _entry(f"i{number}"))  # indented: an item
        else:
            lines.append(_entry(f"e{number}") + (b"\r" if rng.random() < 0.2 else b""))
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(b"\n".join(lines) + (b"\n" if rng.random() < 0.5 else b""))
    items = rng.choice([1, 2, 3, 5])
    limits = Limits()
    blocks = [b for b in iter_blocks([str(batch)], limits, items=items)]
    got = [(r.source, r.data) for b in blocks for r in block_items(b, limits)]
    assert got == _expected(lines, str(batch), limits.max_line_bytes)
    counts = [sum(1 for _ in block_items(b, limits)) for b in blocks]
    assert all(count == items for count in counts[:-1]), counts
    assert 0 < counts[-1] <= items if counts else not got


@pytest.mark.parametrize("seed", range(30))
def test_blocks_spanning_many_reads_give_the_items_of_each_line(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads far shorter than a block, so that the search for a block's end is cut short
    by the buffer's end many times and goes on after each read: the blocks still hold the
    items a line-by-line reader finds, ``items`` at a time, each line once."""
    import random

    from certcheck.audit import sources

    rng = random.Random(seed)
    monkeypatch.setattr(sources, "READ_BYTES", rng.choice([7, 64, 300, 4096]))
    blanks = [b"", b" ", b"\r", b" \x0b "]
    lines: list[bytes] = []
    for number in range(rng.randrange(20, 300)):
        roll = rng.random()
        if roll < 0.1:
            lines.append(rng.choice(blanks))
        elif roll < 0.12:
            lines.append(_entry(f"long{number}", rng.randrange(600, 3000)))  # over the limit
        else:
            lines.append(_entry(f"e{number}", rng.randrange(0, 400)))
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(b"\n".join(lines) + (b"\n" if rng.random() < 0.5 else b""))
    items = rng.choice([2, 5, 16])
    limits = Limits(max_line_bytes=2000)
    for lazy in (False, True):
        blocks = [
            b.read() if isinstance(b, LineBlock) else b
            for b in iter_blocks([str(batch)], limits, items=items, lazy=lazy)
        ]
        got = [(r.source, r.data) for b in blocks for r in block_items(b, limits)]
        assert got == _expected(lines, str(batch), limits.max_line_bytes)
        counts = [
            len(list(block_items(b, limits))) if isinstance(b, LineBlock) else None for b in blocks
        ]
        # full blocks, but where an over-long line (an error of its own) or the end cut one
        full = [a for a, b in pairwise(counts) if a is not None and b is not None]
        assert all(count == items for count in full), counts


@pytest.mark.parametrize("prefix", [b"\x0c\n", b"\n" * 5000, b" \r\n" * 600_000])
def test_a_batch_starting_with_blank_lines_is_still_json_lines(
    tmp_path: Path, prefix: bytes
) -> None:
    """Blank lines before the first entry, of any blank bytes and past the first read."""
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(prefix + _entry("a") + b"\n" + _entry("b") + b"\n")
    first = prefix.count(b"\n") + 1
    blocks = list(iter_blocks([str(batch)]))
    assert [(r.source, r.data) for b in blocks for r in block_items(b)] == [
        (f"{batch}#{first}", _entry("a")),
        (f"{batch}#{first + 1}", _entry("b")),
    ]


def test_workers_serialise_the_json_array_s_elements() -> None:
    """For -f json, a worker's block that pairing leaves as it is comes as the array's
    elements (JSON's default spelling), the same records as its JSON Lines; the first block,
    audited before the workers exist, and blocks awaiting a Supplier come as JSON Lines."""
    context = build_context(
        VerifyRequest(
            paths=[], mapping=str(WORLD / "meters.csv"), operators=str(WORLD / "operators.csv")
        )
    )
    paths = [str(WORLD / "payloads")]
    lines = list(verify_blocks(iter_blocks(paths, items=7), context, jobs=2))
    arrays = list(verify_blocks(iter_blocks(paths, items=7), context, jobs=2, elements=True))
    assert [r.elements for r in lines] == [False] * len(lines)
    assert not arrays[0].elements and sum(r.elements for r in arrays) >= len(arrays) // 2
    for line, array in zip(lines, arrays, strict=True):
        records = line.as_text().split("\n")[:-1]
        expected = (
            records
            if not array.elements
            else [json.dumps(json.loads(record), ensure_ascii=False) for record in records]
        )
        assert array.as_text().split("\n")[:-1] == expected


def test_workers_hold_every_block_for_a_file_and_place_it_with_its_suppliers(
    tmp_path: Path,
) -> None:
    """With a regular file to place into, every worker's block is held by its worker, those
    with commands awaiting a Supplier too: the reading process takes none of their bytes.
    Placed in order with what pairing found (some after later blocks came), the file holds
    what --jobs 1 writes; the batch's last result is marked, so that pairing places what it
    held back while the workers are there."""
    context = build_context(
        VerifyRequest(
            paths=[], mapping=str(WORLD / "meters.csv"), operators=str(WORLD / "operators.csv")
        )
    )
    paths = [str(WORLD / "payloads")]
    one = BatchPairing().feed(verify_blocks(iter_blocks(paths, items=7), context, jobs=1))
    expected = "".join(result.as_text() for result in one).encode()
    output = tmp_path / "out.jsonl"
    fd = os.open(output, os.O_RDWR | os.O_CREAT)
    offset, lasts, held_wants, edited = 0, [], 0, 0
    try:
        stream = verify_blocks(iter_blocks(paths, items=7), context, jobs=2, place=fd)
        for result in BatchPairing().feed(stream):
            lasts.append(result.last)
            if result.held is None:  # the first block, audited before the workers
                data = result.as_text().encode()
                os.pwrite(fd, data, offset)
                offset += len(data)
                continue
            held_wants += any(role == WANT for _, role, _, _ in result.pairing)
            edited += bool(result.suppliers)
            offset += result.place(offset)
    finally:
        os.close(fd)
    assert output.read_bytes() == expected
    assert held_wants >= 2 and edited >= 1
    assert lasts[-1] and not any(lasts[:-1])


@pytest.mark.parametrize("ending", ["exhausted", "closed early"])
def test_a_batch_collects_garbage_less_often_and_restores_the_collector(ending: str) -> None:
    context = build_context(
        VerifyRequest(
            paths=[], mapping=str(WORLD / "meters.csv"), operators=str(WORLD / "operators.csv")
        )
    )
    saved = gc.get_threshold()
    seen = []
    stream = verify_blocks(iter_blocks([str(WORLD / "payloads")], items=3), context)
    for _ in stream:
        seen.append(gc.get_threshold())
        if ending == "closed early":
            stream.close()
            break
    assert seen and all(t == (BATCH_GC_ALLOCATIONS, *saved[1:]) for t in seen)
    assert gc.get_threshold() == saved
