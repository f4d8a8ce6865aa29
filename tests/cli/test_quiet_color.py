"""-q/--quiet, --color with NO_COLOR and FORCE_COLOR, demo --batch, and shell completion."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.verify.cli import WORLD, certcheck, world_arguments

ESCAPE = "\x1b["


def run(*args: str, cwd: Path = WORLD, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return certcheck(*args, cwd=cwd, env={**clean, **env})


def verify_table(*options: str, **env: str) -> str:
    done = run(*world_arguments(), "-f", "table", *options, **env)
    assert done.returncode == 1, done.stderr
    return done.stdout


def test_color_auto_on_a_pipe_is_plain_and_always_colours() -> None:
    assert ESCAPE not in verify_table()
    assert ESCAPE in verify_table("--color", "always")


def test_no_color_and_force_color_steer_auto_but_not_an_explicit_choice() -> None:
    assert ESCAPE in verify_table(FORCE_COLOR="1")
    assert ESCAPE not in verify_table(FORCE_COLOR="1", NO_COLOR="1")
    assert ESCAPE in verify_table("--color", "always", NO_COLOR="1")
    assert ESCAPE not in verify_table("--color", "never", FORCE_COLOR="1")


def test_quiet_verify_prints_the_items_without_the_summary() -> None:
    full = verify_table()
    quiet = verify_table("-q")
    assert "item(s):" in full and "item(s):" not in quiet
    failing = [line for line in full.splitlines() if line.startswith("FAIL")]
    assert failing and failing == [line for line in quiet.splitlines() if line.startswith("FAIL")]


def test_demo_batch_sets_the_batch_length_and_quiet_silences_notes(tmp_path: Path) -> None:
    done = run("demo", str(tmp_path / "w"), "--size", "10", "--batch", "30", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = (tmp_path / "w" / "payloads" / "batch.jsonl").read_text().splitlines()
    assert len(lines) == 30
    truth = json.loads((tmp_path / "w" / "truth.json").read_text())["items"]
    assert sum("batch.jsonl#" in source for source in truth) == 30
    loud = run("demo", str(tmp_path / "w"), "--size", "10", cwd=tmp_path)
    assert "a batch of 12 lines" in loud.stderr


def test_shell_completion_completes_commands_and_options() -> None:
    commands = run(_CERTCHECK_COMPLETE="complete_bash", COMP_WORDS="certcheck ver", COMP_CWORD="1")
    assert commands.stdout.split() == ["verify"]
    options = run(
        _CERTCHECK_COMPLETE="complete_bash", COMP_WORDS="certcheck verify --sel", COMP_CWORD="2"
    )
    assert options.stdout.split() == ["--select"]
    shown = run("--show-completion", "bash")
    assert shown.returncode == 0 and "_CERTCHECK_COMPLETE" in shown.stdout
