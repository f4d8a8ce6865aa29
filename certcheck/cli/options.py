"""Option types shared by several commands."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from certcheck.audit.limits import DEFAULT_LIMITS


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"


FORMAT_HELP = "Output format: table (terminal), json (one array) or jsonl (one record a line)."


LIMITS_PANEL = "Input limits (an item over one is reported INPUT_UNREADABLE)"


def limit_option(flag: str, what: str, default: int) -> Any:
    """A ``--max-...`` option: None keeps certcheck.audit.limits.DEFAULT_LIMITS."""
    return typer.Option(
        flag,
        min=1,
        metavar="N",
        help=f"{what} (default {default}).",
        rich_help_panel=LIMITS_PANEL,
    )


# The input limits shared by decode and verify; each defaults to None (DEFAULT_LIMITS applies).
MaxItemBytes = Annotated[
    int | None,
    limit_option(
        "--max-item-bytes", "Largest item (file or payload) in bytes", DEFAULT_LIMITS.max_item_bytes
    ),
]
MaxLineBytes = Annotated[
    int | None,
    limit_option(
        "--max-line-bytes", "Longest JSON Lines line in bytes", DEFAULT_LIMITS.max_line_bytes
    ),
]
MaxDerDepth = Annotated[
    int | None,
    limit_option(
        "--max-der-depth",
        "Deepest DER nesting of a certificate or GBCS content",
        DEFAULT_LIMITS.max_der_depth,
    ),
]
MaxCertificates = Annotated[
    int | None,
    limit_option(
        "--max-certificates", "Most certificates in one item", DEFAULT_LIMITS.max_certificates
    ),
]
