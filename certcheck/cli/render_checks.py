"""``verify --list-checks``: the check registry as a table."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def print_checks() -> None:
    """Print every registered check: code, severity, description, source."""
    from certcheck.checks.registry import all_rules

    table = Table(header_style="bold", show_lines=False)
    for column in ("code", "severity", "what it finds", "source"):
        table.add_column(column, overflow="fold")
    for rule in all_rules():
        table.add_row(rule.code, rule.severity.label, rule.description, rule.source)
    Console(width=None if Console().is_terminal else 200).print(table)
