"""Special files as inputs: FIFOs, devices and endless streams never hang a run or eat memory.

A directory walk skips what is not a regular file (with a note); a FIFO named on its own is read
as a stream; meters.csv and operators.csv are read under a line limit, so an endless stream
without line ends (``/dev/zero``) is a usage error, not a hang (SPEC.md, "Output safety").
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
from pathlib import Path

import pytest

from certcheck.market.csvread import MAX_LINE_CHARS
from tests.verify.cli import certcheck


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return certcheck(*args, cwd=cwd, timeout=120)


def _feed(fifo: Path, chunk: bytes, limit: int) -> threading.Thread:
    """Write ``chunk`` into ``fifo`` until the reader goes away or ``limit`` bytes are out."""

    def pump() -> None:
        with contextlib.suppress(BrokenPipeError, OSError), fifo.open("wb") as handle:
            written = 0
            while written < limit:
                handle.write(chunk)
                written += len(chunk)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def test_directory_walk_skips_a_fifo_with_a_note(demo_world, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.xml").write_bytes(demo_world.duis[0])
    os.mkfifo(folder / "b.fifo")  # nobody ever writes: reading it would block for ever
    done = _run("verify", "in", *demo_world.verify_args(), "-f", "jsonl", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert [json.loads(line)["source"] for line in done.stdout.splitlines()] == ["in/a.xml"]
    assert "in/b.fifo: skipped, a FIFO is not a regular file" in done.stderr


def test_a_fifo_named_explicitly_is_read_as_a_stream(demo_world, tmp_path: Path) -> None:
    fifo = tmp_path / "payload"
    os.mkfifo(fifo)
    feeder = _feed(fifo, demo_world.duis[0], len(demo_world.duis[0]))
    done = _run("verify", "payload", *demo_world.verify_args(), "-f", "jsonl", cwd=tmp_path)
    feeder.join(timeout=30)
    assert done.returncode == 1, done.stderr
    (record,) = map(json.loads, done.stdout.splitlines())
    assert record["source"] == "payload" and record["kind"] == "duis-request"


@pytest.mark.parametrize("which", ["--mapping", "--operators"])
def test_an_endless_stream_without_line_ends_is_a_usage_error(
    demo_world, tmp_path: Path, which: str
) -> None:
    """A FIFO fed with NUL bytes for ever (what /dev/zero gives) stops at the line limit."""
    fifo = tmp_path / "endless.csv"
    os.mkfifo(fifo)
    feeder = _feed(fifo, bytes(65536), 1 << 30)
    args = demo_world.verify_args()
    args[args.index(which) + 1] = str(fifo)
    (tmp_path / "a.xml").write_bytes(demo_world.duis[0])
    done = _run("verify", "a.xml", *args, cwd=tmp_path)
    feeder.join(timeout=30)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"certcheck: error: {fifo}:1: line of more than {MAX_LINE_CHARS} characters: "
        "not a CSV file of this kind"
    ]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_symlink_to_an_endless_device_is_a_usage_error(
    demo_world, tmp_path: Path, device: str
) -> None:
    link = tmp_path / "meters.csv"
    link.symlink_to(device)  # only ever read
    args = demo_world.verify_args()
    args[args.index("--mapping") + 1] = str(link)
    (tmp_path / "a.xml").write_bytes(demo_world.duis[0])
    done = _run("verify", "a.xml", *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"certcheck: error: {link}")
    assert "line of more than" in line or "not UTF-8" in line or "not valid CSV" in line, line
