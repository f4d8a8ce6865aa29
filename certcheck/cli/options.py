"""Option types shared by several commands."""

from __future__ import annotations

from enum import StrEnum


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"


FORMAT_HELP = "Output format: table (terminal), json (one array) or jsonl (one record a line)."
