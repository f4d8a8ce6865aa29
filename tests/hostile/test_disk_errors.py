"""Outputs that cannot be written: a full disk or a missing directory is exit 2 with one line.

A full disk is made with RLIMIT_FSIZE (writes past the limit fail with EFBIG, as they fail with
ENOSPC on a full disk), so the tests need no mount. No temporary file is left behind.
"""

from __future__ import annotations

import resource
import signal
import subprocess
from pathlib import Path

import pytest

from certcheck.audit.sources import BLOCK_ITEMS
from tests.hostile.disk import LIMIT, audited_store, one_line, run, small_disk
from tests.verify.cli import WORLD, world_options_anywhere

# --- full disks ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "sarif", "table"])
def test_a_full_disk_under_o_is_exit_2_with_one_line_and_no_temporary_file(
    demo_world, tmp_path: Path, fmt: str
) -> None:
    batch = demo_world.batch(tmp_path / "batch.jsonl", 400)
    assert batch.stat().st_size > LIMIT  # the output will not fit either
    previous = tmp_path / "out"
    previous.write_text("previous\n")
    done = run(
        "verify",
        "batch.jsonl",
        *demo_world.verify_args(),
        "-f",
        fmt,
        "-o",
        "out",
        cwd=tmp_path,
        preexec=small_disk,
    )
    assert done.returncode == 2, done.stderr
    assert one_line(done) == "certcheck: error: out: cannot write (File too large)"
    assert previous.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch.jsonl", "out"]


def _two_jobs_on_a_disk_that_fills_after_the_first_block(
    tmp_path: Path, arguments: list[str]
) -> list[bytes]:
    """Run ``arguments`` (writing ``-o out``) with --jobs 1, then with --jobs 2 on a disk
    that fills just past the first block, which the reading process audits and writes: the
    later blocks are the workers' to write, and their failing is exit 2 with one line, the
    previous output kept. The --jobs 1 report's lines."""
    whole = run(*arguments, "--jobs", "1", cwd=tmp_path)
    assert whole.returncode == 1, whole.stderr
    lines = (tmp_path / "out").read_bytes().splitlines(keepends=True)
    first_block = len(b"".join(lines[:BLOCK_ITEMS]))
    (tmp_path / "out").write_text("previous\n")

    def fills_in_the_second_block() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        limit = first_block + 1000
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = run(*arguments, "--jobs", "2", cwd=tmp_path, preexec=fills_in_the_second_block)
    assert done.returncode == 2, done.stderr
    assert one_line(done) == "certcheck: error: out: cannot write (File too large)"
    assert (tmp_path / "out").read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch.jsonl", "out"]
    return lines


def test_a_disk_that_fills_while_a_worker_writes_is_exit_2(demo_world, tmp_path: Path) -> None:
    """With --jobs 2 the workers write their blocks into -o themselves: the disk filling
    under the second block, the reader's first block written, is the same one-line error."""
    demo_world.batch(tmp_path / "batch.jsonl", 3 * BLOCK_ITEMS)
    arguments = ["verify", "batch.jsonl", *demo_world.verify_args(), "-f", "jsonl", "-o", "out"]
    _two_jobs_on_a_disk_that_fills_after_the_first_block(tmp_path, arguments)


def test_a_disk_that_fills_as_workers_write_held_back_blocks_is_exit_2(tmp_path: Path) -> None:
    """ACB commands no request answers are held back by pairing to the batch's end, by the
    workers that audited them, which write them then: the disk filling under those writes,
    after the last result, is the same one-line error, and the previous output stays."""
    command = (WORLD / "payloads" / "history.jsonl").read_bytes().splitlines()[5]
    (tmp_path / "batch.jsonl").write_bytes(b"\n".join([command] * (3 * BLOCK_ITEMS)) + b"\n")
    arguments = ["verify", "batch.jsonl", *world_options_anywhere(), "-f", "jsonl", "-o", "out"]
    lines = _two_jobs_on_a_disk_that_fills_after_the_first_block(tmp_path, arguments)
    assert all(b'"supplier":null' in line for line in lines)  # every one waited to the end


def test_a_full_disk_under_report_o_is_exit_2(demo_world, tmp_path: Path) -> None:
    """A real full disk: a one-page tmpfs (needs mount rights, as root in CI containers)."""
    audited_store(demo_world, tmp_path)
    full = tmp_path / "full"
    full.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(full)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        done = run(
            "report", "--store", "audit.db", "-f", "html", "-o", "full/page.html", cwd=tmp_path
        )
        left = sorted(p.name for p in full.iterdir())
    finally:
        subprocess.run(["umount", str(full)], check=True)
    assert done.returncode == 2, done.stderr
    assert one_line(done) == (
        "certcheck: error: full/page.html: cannot write (No space left on device)"
    )
    assert left == []


def test_an_unwritable_output_directory_is_exit_2(demo_world, tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(demo_world.duis[0])
    done = run("verify", "a.xml", *demo_world.verify_args(), "-o", "missing/out.json", cwd=tmp_path)
    assert done.returncode == 2
    assert one_line(done) == (
        "certcheck: error: missing/out.json: cannot write (No such file or directory)"
    )
