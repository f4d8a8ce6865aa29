"""No lost work: an interrupted or killed verify leaves the previous output file intact.

Each run reads a batch of a few thousand DUIS requests and then a FIFO that never delivers,
so the signal always arrives mid-run, after records were written to the temporary file. The
tests wait on what the run has done (the FIFO opened, records in the temporary file, which
is flushed block by block), never on a fixed delay, so a loaded machine only makes them slower.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PREVIOUS = '{"previous": "run"}\n'
SIZE = 3000


def _temp_files(directory: Path) -> list[Path]:
    return sorted(directory.glob(".certcheck-*.tmp"))


def _written(directory: Path) -> int:
    """Complete records in the run's temporary output file so far."""
    found = _temp_files(directory)
    return found[0].read_bytes().count(b"\n") if found else 0


@contextmanager
def _pinned_run(demo_world, tmp_path: Path, jobs: str) -> Iterator[subprocess.Popen[bytes]]:
    """A verify run that has read the whole batch and waits on a FIFO with no data."""
    batch = demo_world.batch(tmp_path / "batch.jsonl", SIZE)
    fifo = tmp_path / "more.jsonl"
    os.mkfifo(fifo)
    out = tmp_path / "out.jsonl"
    out.write_text(PREVIOUS, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "certcheck", "verify", str(batch), str(fifo),
         *demo_world.verify_args(), "-f", "jsonl", "-o", str(out), "--jobs", jobs],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    writer = None
    try:
        deadline = time.monotonic() + 60
        while writer is None:
            if process.poll() is not None:
                pytest.fail(f"verify ended early: {process.communicate()[1].decode()}")
            if time.monotonic() > deadline:
                pytest.fail("verify never reached its second input")
            try:  # succeeds once certcheck has opened the FIFO, after reading the batch
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.01)
        # In-process (jobs 1), the batch's blocks were all written before the FIFO was opened;
        # with workers, at least one block is out.
        expected = SIZE if jobs == "1" else 1
        while _written(tmp_path) < expected:
            assert process.poll() is None, process.communicate()[1].decode()
            assert time.monotonic() < deadline, "the records were not written"
            time.sleep(0.01)
        yield process
    finally:
        if writer is not None:
            os.close(writer)
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.parametrize(
    ("jobs", "stop"),
    [("1", signal.SIGINT), ("2", signal.SIGINT), ("1", signal.SIGTERM), ("2", signal.SIGTERM)],
)
def test_interrupt_mid_batch_keeps_previous_output(
    demo_world, tmp_path: Path, jobs: str, stop: signal.Signals
) -> None:
    """Ctrl-C reaches the whole process group (the parent and every worker); SIGTERM, as a
    service manager sends it, reaches the parent alone. Both end the run the same way."""
    out = tmp_path / "out.jsonl"
    with _pinned_run(demo_world, tmp_path, jobs) as process:
        if stop == signal.SIGINT:
            os.killpg(process.pid, stop)
        else:
            process.send_signal(stop)
        stdout, stderr = process.communicate(timeout=60)
    message = stderr.decode()
    assert process.returncode == 130, message
    assert out.read_text(encoding="utf-8") == PREVIOUS
    assert _temp_files(tmp_path) == []
    found = re.search(r"interrupted after (\d+) item\(s\)", message)
    assert found, message
    done = int(found.group(1))
    assert 0 < done < SIZE + 1
    if jobs == "1":  # the batch's blocks were all written; reading the FIFO then waits
        assert done == SIZE
    assert f"{out} was left as it was" in message
    assert "Traceback" not in message and "KeyboardInterrupt" not in message
    assert stdout == b""


def test_sigkill_mid_batch_leaves_previous_output_intact(demo_world, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with _pinned_run(demo_world, tmp_path, "2") as process:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert out.read_text(encoding="utf-8") == PREVIOUS
    # A killed process cannot clean up; what it leaves is one hidden temporary file.
    assert len(_temp_files(tmp_path)) <= 1


def test_completed_run_replaces_previous_output(demo_world, tmp_path: Path) -> None:
    batch = demo_world.batch(tmp_path / "batch.jsonl", SIZE)
    out = tmp_path / "out.jsonl"
    out.write_text(PREVIOUS, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "certcheck", "verify", str(batch), *demo_world.verify_args(),
         "-f", "jsonl", "-o", str(out), "--jobs", "2"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr.decode()
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == SIZE
    assert [json.loads(line)["source"] for line in lines[:2]] == [f"{batch}#1", f"{batch}#2"]
    assert _temp_files(tmp_path) == []
