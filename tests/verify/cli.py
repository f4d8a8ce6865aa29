"""Running the real ``certcheck`` CLI in a subprocess, and the demo world's verify arguments."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

from tests.conftest import FIXTURES

WORLD = FIXTURES / "world"


def certcheck(
    *args: str,
    cwd: Path | None = None,
    timeout: float | None = None,
    preexec: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m certcheck ARGS`` with captured text output; never raises on exit codes.

    ``preexec`` runs in the child before certcheck starts (a resource limit, say); ``env``
    replaces the environment.
    """
    return subprocess.run(
        [sys.executable, "-m", "certcheck", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        preexec_fn=preexec,
        env=env,
    )


def world_arguments() -> list[str]:
    """truth.json's verify arguments (``verify PATH --mapping ...``), run from inside WORLD."""
    return list(json.loads((WORLD / "truth.json").read_text())["verify_arguments"])


def world_options() -> list[str]:
    """The world's verify options without the command and its PATH."""
    args = world_arguments()
    assert args[:2] == ["verify", "payloads"], args
    return args[2:]


def world_options_anywhere() -> list[str]:
    """The world's verify options with its files as absolute paths, to run from any folder."""
    return [
        str(WORLD / value) if not value.startswith("-") and (WORLD / value).exists() else value
        for value in world_options()
    ]


@cache
def world_output(fmt: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of verify on the whole demo world in one format."""
    done = certcheck(*world_arguments(), "-f", fmt, cwd=WORLD)
    return done.returncode, done.stdout, done.stderr


def world_records() -> list[dict]:
    """The demo world's records, from the jsonl format."""
    code, out, err = world_output("jsonl")
    assert code == 1, err
    return [json.loads(line) for line in out.splitlines()]
