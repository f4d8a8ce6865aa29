"""A worker process killed mid-run (by the OOM killer, say) ends the run with one line, at
once, and leaves the previous output as it was: it never hangs waiting for lost results."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PREVIOUS = '{"previous": "run"}\n'


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def test_killed_worker_stops_the_run(demo_world, tmp_path: Path) -> None:
    batch = demo_world.batch(tmp_path / "batch.jsonl", 4000)
    out = tmp_path / "out.jsonl"
    out.write_text(PREVIOUS, encoding="utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "certcheck",
            "verify",
            str(batch),
            *demo_world.verify_args(),
            "-f",
            "jsonl",
            "-o",
            str(out),
            "--jobs",
            "2",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while len(workers := _children(process.pid)) < 2:
            assert process.poll() is None, process.communicate()[1].decode()
            assert time.monotonic() < deadline, "no workers started"
            time.sleep(0.005)
        os.kill(workers[0], signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    message = stderr.decode()
    assert process.returncode == 3, message
    assert message.count("\n") == 1, message
    assert f"worker process {workers[0]} was killed by SIGKILL" in message
    assert f"{out} was left as it was" in message
    assert "Traceback" not in message and "bug" not in message
    assert out.read_text(encoding="utf-8") == PREVIOUS
    assert sorted(tmp_path.glob(".certcheck-*.tmp")) == []
    assert stdout == b""
