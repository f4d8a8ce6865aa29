"""Peak RSS of a command and its worker processes, measured without the caller's own memory.

``os.wait4`` reports ``ru_maxrss`` as the largest of the child's resident sets, and Linux keeps,
across ``exec``, the high-water mark of the memory the child started with. A child spawned
(vfork) by a large process (a test runner, or the benchmark after generating its inputs) would
report the caller's size. So the command is started from a small launcher that forks a fresh
process for it and reports that process's ``wait4`` usage: its own peak and its workers'.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import IO, Any

LAUNCHER = """
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_pid, status, usage = os.wait4(pid, 0)
sys.stderr.write("\\n" + json.dumps({"code": os.waitstatus_to_exitcode(status),
    "maxrss_kb": usage.ru_maxrss, "cpu": usage.ru_utime + usage.ru_stime}) + "\\n")
"""


@dataclass(frozen=True)
class Usage:
    """Exit code, peak RSS (MB, largest of the process and its workers) and CPU seconds."""

    exit_code: int
    peak_rss_mb: float
    cpu_seconds: float
    stderr: str


def run_with_usage(
    argv: list[str], stdout: IO[Any] | int | None = subprocess.DEVNULL, **kw: Any
) -> Usage:
    """Run ``argv`` (argv[0] an absolute executable path) and measure it."""
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *argv],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        **kw,
    )
    text, _, last = done.stderr.rstrip("\n").rpartition("\n")
    report = json.loads(last)
    return Usage(report["code"], report["maxrss_kb"] / 1024, report["cpu"], text)
