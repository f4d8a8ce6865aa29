"""Shared CLI plumbing: the stderr console, usage errors, exit codes."""

from __future__ import annotations

from enum import IntEnum


# Exit codes (SPEC.md, "Exit codes").
class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2
    INTERNAL = 3
    INTERRUPTED = 130


class UsageProblem(Exception):
    """A usage error: bad arguments, unreadable configuration, no input (exit 2)."""


def say(message: str) -> None:
    """One line on standard error, never on standard output (control characters escaped)."""
    from certcheck.output.escape import note

    note(message)
