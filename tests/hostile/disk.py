"""What the full-disk and store tests share: a run under a file-size limit, one-line errors and
a store written by a real verify run.

A full disk is made with RLIMIT_FSIZE (writes past the limit fail with EFBIG, as they fail with
ENOSPC on a full disk), so the tests need no mount.
"""

from __future__ import annotations

import resource
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.verify.cli import certcheck

LIMIT = 96 * 1024  # bytes any file of the run may grow to


def run(
    *args: str, cwd: Path, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI in ``cwd``, given three minutes."""
    return certcheck(*args, cwd=cwd, timeout=180, preexec=preexec)


def small_disk() -> None:
    """In the child: files may not grow past LIMIT (EFBIG), as on a nearly full disk."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The run's only line on standard error, which is neither a traceback nor a defect."""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    return lines[0]


def audited_store(demo_world, tmp_path: Path, name: str = "audit.db") -> Path:  # type: ignore[no-untyped-def]
    """An SQLite store in ``tmp_path`` holding one verify run of 40 demo requests."""
    batch = demo_world.batch(tmp_path / "batch.jsonl", 40)
    done = run("verify", str(batch), *demo_world.verify_args(), "--store", name, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    return tmp_path / name
