"""verify --jobs 2 writes exactly what --jobs 1 writes, however the JSON Lines are laid out.

The batch is over a megabyte (several reads) and several blocks long, so that workers audit
most of it and lines straddle both read and block edges: CRLF lines, runs of blank lines (one
of them at the first block's edge), an indented item, lines over --max-line-bytes, a line that
is not JSON, ACB commands whose Supplier is found by pairing, and a last line without a newline.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from certcheck.audit.limits import Limits
from certcheck.audit.sources import BLOCK_ITEMS, READ_BYTES, LineBlock, block_items, iter_blocks
from tests.verify.cli import WORLD, certcheck, world_options_anywhere

BATCH = WORLD / "payloads" / "batch.jsonl"
HISTORY = WORLD / "payloads" / "history.jsonl"
LONGEST = 20000
ITEMS = 3 * BLOCK_ITEMS + 100 + 2 + 1  # the lines, the two over-long ones and the last


def _tricky_batch(tmp_path: Path) -> Path:
    lines = BATCH.read_bytes().splitlines() + HISTORY.read_bytes().splitlines()
    out = []
    for index in range(3 * BLOCK_ITEMS + 100):
        line = lines[index % len(lines)]
        match index % 50:
            case 3:
                out.append(line + b"\r\n")
            case 7:
                out.append(b"\n \t\r\n\x0b\x0c\n" + line + b"\n")
            case 11:
                out.append(b"   " + line + b"\n")
            case 17:
                out.append(b"not json\r\n")
            case _:
                out.append(line + b"\n")
        if index in (BLOCK_ITEMS + 90, 2 * BLOCK_ITEMS + 200):
            out.append(b'{"id": "big", "payload": "' + b"A" * 2 * LONGEST + b'"}\n')
    out.insert(BLOCK_ITEMS, b"\n\r\n  \n")  # blank lines where the first block ends
    path = tmp_path / "tricky.jsonl"
    path.write_bytes(b"".join(out) + lines[0])  # the last line has no newline
    assert path.stat().st_size > 2 * READ_BYTES
    return path


def _run(cwd: Path, *args: str, stdin: bytes | Path | None = None) -> tuple[int, str, str]:
    """Exit code, stdout and stderr; ``stdin`` a pipe's data (bytes) or a file redirected."""
    cwd.mkdir()
    if stdin is None:
        done = certcheck(*args, cwd=cwd, timeout=300)
        return done.returncode, done.stdout, done.stderr
    command = [sys.executable, "-m", "certcheck", *args]
    if isinstance(stdin, bytes):
        piped = subprocess.run(command, cwd=cwd, input=stdin, capture_output=True, timeout=300)
        return piped.returncode, piped.stdout.decode(), piped.stderr.decode()
    with stdin.open("rb") as handle:
        done = subprocess.run(
            command, cwd=cwd, stdin=handle, capture_output=True, text=True, timeout=300
        )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "json", "table"])
def test_two_jobs_write_what_one_writes(tmp_path: Path, fmt: str) -> None:
    batch = _tricky_batch(tmp_path)
    options = [*world_options_anywhere(), "--max-line-bytes", str(LONGEST), "-f", fmt]
    gate = ["--passed", "passed.jsonl", "--failed", "failed.jsonl"]
    one = _run(tmp_path / "one", "verify", str(batch), *options, *gate, "--jobs", "1")
    two = _run(tmp_path / "two", "verify", str(batch), *options, *gate, "--jobs", "2")
    assert one[0] == 1, one[2]
    assert two == one
    for name in ("passed.jsonl", "failed.jsonl"):
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    if fmt == "jsonl":
        records = [json.loads(line) for line in one[1].splitlines()]
        assert len(records) == ITEMS
        last = batch.read_bytes().count(b"\n") + 1
        assert records[-1]["source"] == f"{batch}#{last}"
        too_long = [r for r in records if r["id"] is None and r["verdict"] == "fail"]
        assert len(too_long) >= 3  # two over-long lines and one that is not JSON, at least
        paired = [r for r in records if r["kind"] == "gbcs-command" and r["supplier"]]
        assert len(paired) > 2 * BLOCK_ITEMS // 24  # ACB commands after the first block too


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_json_array_holds_the_json_lines_records(tmp_path: Path, jobs: str) -> None:
    """-f json writes the records -f jsonl writes, each a line of the array in JSON's default
    spelling (", " and ": "), however many jobs serialised them."""
    batch = _tricky_batch(tmp_path)
    options = [*world_options_anywhere(), "--max-line-bytes", str(LONGEST), "--jobs", jobs]
    lines = _run(tmp_path / "lines", "verify", str(batch), *options, "-f", "jsonl")
    array = _run(tmp_path / "array", "verify", str(batch), *options, "-f", "json", "-o", "a.json")
    assert lines[0] == array[0] == 1, array[2]
    records = lines[1].splitlines()
    assert len(records) == ITEMS
    elements = [json.dumps(json.loads(record), ensure_ascii=False) for record in records]
    written = (tmp_path / "array" / "a.json").read_text()
    assert written == "[\n" + ",\n".join(elements) + "\n]\n"


@pytest.mark.parametrize("gated", [False, True])
def test_two_jobs_write_the_same_file(tmp_path: Path, gated: bool) -> None:
    """With -o a regular file, workers write their blocks into the file themselves, with the
    Suppliers pairing found for their commands."""
    batch = _tricky_batch(tmp_path)
    options = [*world_options_anywhere(), "--max-line-bytes", str(LONGEST), "-f", "jsonl"]
    options += ["-o", "out.jsonl"]
    if gated:
        options += ["--passed", "passed.jsonl", "--failed", "failed.jsonl"]
    one = _run(tmp_path / "one", "verify", str(batch), *options, "--jobs", "1")
    two = _run(tmp_path / "two", "verify", str(batch), *options, "--jobs", "2")
    assert one[0] == 1, one[2]
    assert two == one
    names = ["out.jsonl", *(["passed.jsonl", "failed.jsonl"] if gated else [])]
    for name in names:
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    records = (tmp_path / "one" / "out.jsonl").read_text().splitlines()
    assert len(records) == ITEMS
    paired = [r for r in map(json.loads, records) if r["kind"] == "gbcs-command" and r["supplier"]]
    assert len(paired) > 2 * BLOCK_ITEMS // 24


def test_two_jobs_place_blocks_held_back_for_a_later_request(tmp_path: Path) -> None:
    """ACB commands whose Supplier's request comes blocks later, and commands no request
    answers up to the batch's end: the blocks held back for them are placed by the workers
    that audited them, with the Supplier found, as --jobs 1 writes them."""
    history = HISTORY.read_bytes().splitlines()
    command, request, unanswered = history[2], history[3], history[5]  # see fixtures/world
    filler = BATCH.read_bytes().splitlines()
    lines = [command] * (2 * BLOCK_ITEMS + 10)
    lines += [filler[index % len(filler)] for index in range(BLOCK_ITEMS)]
    lines += [request] + [unanswered] * (BLOCK_ITEMS + 5)
    batch = tmp_path / "held.jsonl"
    batch.write_bytes(b"\n".join(lines) + b"\n")
    options = [*world_options_anywhere(), "-f", "jsonl", "-o", "out.jsonl"]
    one = _run(tmp_path / "one", "verify", str(batch), *options, "--jobs", "1")
    two = _run(tmp_path / "two", "verify", str(batch), *options, "--jobs", "2")
    assert one[0] == 1, one[2]
    assert two == one
    written = (tmp_path / "two" / "out.jsonl").read_bytes()
    assert written == (tmp_path / "one" / "out.jsonl").read_bytes()
    records = [json.loads(line) for line in written.splitlines()]
    assert len(records) == len(lines)
    first = records[: 2 * BLOCK_ITEMS + 10]
    assert {(r["kind"], r["supplier"]) for r in first} == {("gbcs-command", "Kestrel Power")}
    assert {r["supplier"] for r in records[-BLOCK_ITEMS:]} == {None}


@pytest.mark.parametrize("through", ["pipe", "file"])
def test_two_jobs_on_standard_input(tmp_path: Path, through: str) -> None:
    """A pipe cannot be read twice: its blocks go to the workers as they are read; standard
    input redirected from a file is read by the workers at their offsets, like a file."""
    batch = _tricky_batch(tmp_path)
    stdin = batch.read_bytes() if through == "pipe" else batch
    options = [*world_options_anywhere(), "--max-line-bytes", str(LONGEST), "-f", "jsonl"]
    one = _run(tmp_path / "one", "verify", "-", *options, "--jobs", "1", stdin=stdin)
    two = _run(tmp_path / "two", "verify", "-", *options, "--jobs", "2", stdin=stdin)
    assert one[0] == 1, one[2]
    assert two == one
    assert one[1].count('"source":"<stdin>#') == ITEMS


def test_two_jobs_on_a_folder_of_mixed_files(tmp_path: Path) -> None:
    """Files one by one: an XML request first, then two JSON Lines batches (only the one open
    when the workers start is shared with them) and a GBCS command."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.xml").write_bytes(next((WORLD / "payloads" / "duis").glob("*.xml")).read_bytes())
    _tricky_batch(tmp_path).rename(folder / "b.jsonl")
    (folder / "c.jsonl").write_bytes((folder / "b.jsonl").read_bytes()[: 3 * READ_BYTES // 2])
    (folder / "d.hex").write_bytes(next((WORLD / "payloads" / "gbcs").glob("*")).read_bytes())
    options = [*world_options_anywhere(), "--max-line-bytes", str(LONGEST), "-f", "jsonl"]
    one = _run(tmp_path / "one", "verify", str(folder), *options, "--jobs", "1")
    two = _run(tmp_path / "two", "verify", str(folder), *options, "--jobs", "2")
    assert one[0] == 1, one[2]
    assert two == one
    sources = [json.loads(line)["source"].rpartition("/")[2] for line in one[1].splitlines()]
    assert sources[0] == "a.xml" and sources[-1].startswith("d.")
    assert f"c.jsonl#{BLOCK_ITEMS * 2}" in sources


def test_blocks_hold_whole_lines_and_full_counts(tmp_path: Path) -> None:
    """The blocks of a JSON Lines file are cut after exactly BLOCK_ITEMS items (blank lines
    not counted), except before an over-long line and at the end; their items are the file's
    lines read one by one."""
    batch = _tricky_batch(tmp_path)
    limits = Limits(max_line_bytes=LONGEST)
    blocks = list(iter_blocks([str(batch)], limits))
    expected = []
    for number, line in enumerate(batch.read_bytes().split(b"\n"), 1):
        if len(line) > LONGEST:
            expected.append((f"{batch}#{number}", None))
        elif line.strip():
            expected.append((f"{batch}#{number}", line))
    got = [(r.source, r.data) for b in blocks for r in block_items(b, limits)]
    assert got == expected
    counts = [sum(1 for _ in block_items(b, limits)) for b in blocks]
    for block, count, following in zip(blocks, counts, [*blocks[1:], None], strict=True):
        if isinstance(block, LineBlock) and isinstance(following, LineBlock):
            assert count == BLOCK_ITEMS
    assert counts.count(BLOCK_ITEMS) >= 2
