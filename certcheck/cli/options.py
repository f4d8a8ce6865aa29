"""Option types shared by several commands."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"


FORMAT_HELP = "Output format: table (terminal), json (one array) or jsonl (one record a line)."


LIMITS_PANEL = "Input limits (an item over one is reported INPUT_UNREADABLE)"


def limit_option(flag: str, what: str, default: int) -> Any:
    """A ``--max-...`` option: None keeps certcheck.audit.limits.DEFAULT_LIMITS."""
    import typer

    return typer.Option(
        None,
        flag,
        min=1,
        metavar="N",
        help=f"{what} (default {default}).",
        rich_help_panel=LIMITS_PANEL,
    )
