"""``certcheck checks`` and ``verify --list-checks``: the check registry as a table, JSON or CSV,
and one check explained."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from typing import TYPE_CHECKING

from certcheck.output.csvcell import row as csv_row

if TYPE_CHECKING:
    from certcheck.checks.registry import Rule

# The columns of the CSV listing, and the keys of each JSON object (Rule.as_dict).
COLUMNS = (
    "code",
    "severity",
    "family",
    "description",
    "source",
    "meaning",
    "why",
    "remedy",
    "example",
    "help_uri",
)



def print_checks(rules: list[Rule], fmt: str = "table") -> None:
    """Print ``rules``: a terminal table, a JSON array of objects, or CSV with a header row."""
    if fmt == "json":
        sys.stdout.write(json.dumps([r.as_dict() for r in rules], indent=2) + "\n")
    elif fmt == "csv":
        sys.stdout.write(csv_row(COLUMNS))
        for r in rules:
            fields = r.as_dict()
            sys.stdout.write(csv_row(fields.get(c) for c in COLUMNS))
    else:
        _table(rules)


def _table(rules: list[Rule]) -> None:
    from rich.table import Table

    from certcheck.output.console import terminal_console

    table = Table(header_style="bold", show_lines=False)
    for column in ("code", "severity", "family", "what it finds", "source"):
        table.add_column(column, overflow="fold")
    for rule in rules:
        table.add_row(rule.code, rule.severity.label, rule.family, rule.description, rule.source)
    terminal_console(sys.stdout, width=200).print(table, markup=False, highlight=False)


def explain(rule: Rule, fmt: str = "table") -> None:
    """Print one check's explanation: text on a terminal, or one JSON object, or one CSV row."""
    if fmt != "table":
        if fmt == "json":
            sys.stdout.write(json.dumps(rule.as_dict(), indent=2) + "\n")
        else:
            print_checks([rule], fmt)
        return
    width = min(shutil.get_terminal_size((100, 24)).columns, 100) - 2
    lines = [f"{rule.code} ({rule.severity.label}, family {rule.family})", ""]
    lines += [*textwrap.wrap(rule.description, width), ""]
    for heading, text in rule.sections():
        lines.append(heading)
        lines += textwrap.wrap(text, width, initial_indent="  ", subsequent_indent="  ")
        lines.append("")
    lines.append(f"More: {rule.help_uri}")
    sys.stdout.write("\n".join(lines) + "\n")
