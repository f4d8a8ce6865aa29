"""Every command's --help: real defaults, whole choice lists, and an example
that works where only the installed package is (it runs here, in an empty folder)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from certcheck.cli.app import app

COMMANDS = ("demo", "decode", "classify", "verify", "report", "mpan", "checks")


def help_text(name: str, columns: int = 80) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "certcheck", name, "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1", "TERM": "dumb"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def example(name: str) -> list[str]:
    """The command line after 'Example' in a command's help text."""
    text = " ".join(typer.main.get_command(app).commands[name].help.split())  # type: ignore[attr-defined]
    found = re.search(r"Example[^:]*: (certcheck .*)$", text)
    assert found, f"{name}: no example"
    return shlex.split(found.group(1))


@pytest.mark.parametrize("name", COMMANDS)
def test_help_shows_no_empty_default_and_an_example(name: str) -> None:
    text = help_text(name)
    assert "[default: None]" not in text
    assert "Example" in text
    assert "fixtures/" not in text


def test_format_choices_are_listed_whole() -> None:
    text = help_text("verify", 80)
    assert "[table|json|jsonl|csv|sarif]" in text


def test_examples_run_from_an_empty_folder(tmp_path: Path) -> None:
    for name in COMMANDS:
        args = example(name)
        assert args[0] == "certcheck" and args[1] == name
        done = subprocess.run(
            [sys.executable, "-m", "certcheck", *args[1:]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode in (0, 1), f"{shlex.join(args)}: {done.stderr}"
        assert "error" not in done.stderr.lower(), f"{shlex.join(args)}: {done.stderr}"
    assert (tmp_path / "audit.db").is_file()
    assert (tmp_path / "panel.html").read_text(encoding="utf-8").startswith("<!")
