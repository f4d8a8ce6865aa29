"""Render a report view as a terminal table (rich), CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from certcheck.report.aggregate import Column, Report, View, view


def cell_text(column: Column, value: Any) -> str:
    """A value as text for a table or CSV cell."""
    if value is None:
        return ""
    if column.kind == "rate":
        return f"{value * 100:.2f}%"
    if column.kind == "counter":
        return "; ".join(f"{name} ({count})" for name, count in value.items())
    return str(value)


def render_table(report: Report, by: str, width: int | None = None) -> str:
    """The view as a rich table in plain text, at least ``width`` columns wide.

    The table is as wide as its columns need rather than drop or squeeze one.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    shown = view(report, by)
    table = Table(title=_title(report, shown), box=box.SIMPLE_HEAVY, show_footer=False)
    cells = [[cell_text(c, row.get(c.key)) for c in shown.columns] for row in shown.rows]
    total = None
    if shown.totals is not None:
        total = [cell_text(c, shown.totals.get(c.key)) for c in shown.columns]
    lines = [*cells, total] if total is not None else cells
    needed = 4
    for index, column in enumerate(shown.columns):
        numeric = column.kind in ("count", "rate")
        natural = max([len(column.label), *(len(row[index]) for row in lines)])
        needed += min(natural, 40) + 3
        table.add_column(
            column.label,
            justify="right" if numeric else "left",
            overflow="fold",
            no_wrap=index == 0,
            min_width=min(natural, 40) if column.kind != "counter" else 30,
        )
    for row in cells:
        table.add_row(*row)
    if total is not None:
        table.add_section()
        table.add_row(*total, style="bold")
    buffer = io.StringIO()
    width = max(width or 0, needed)
    Console(file=buffer, width=width, color_system=None, emoji=False).print(table)
    return buffer.getvalue()


def _title(report: Report, shown: View) -> str:
    since = f" since {report.since}" if report.since else ""
    return f"{shown.title}{since}"


def render_csv(report: Report, by: str) -> str:
    """The view as CSV with a header row of column keys; rates as fractions."""
    shown = view(report, by)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.key for c in shown.columns])
    rows = [*shown.rows, *([shown.totals] if shown.totals else [])]
    for row in rows:
        writer.writerow(
            [
                row.get(c.key) if c.kind != "counter" else cell_text(c, row.get(c.key))
                for c in shown.columns
            ]
        )
    return buffer.getvalue()


def report_json(report: Report, by: str) -> dict[str, Any]:
    """The view as a JSON-ready object with stable keys."""
    shown = view(report, by)
    document: dict[str, Any] = {
        "by": shown.by,
        "since": report.since,
        "title": shown.title,
        "columns": [c.key for c in shown.columns],
        "rows": shown.rows,
        "totals": shown.totals,
    }
    if by == "supplier":
        document["affected_devices"] = affected_devices(report)
    return document


def affected_devices(report: Report) -> dict[str, Any]:
    """Per Supplier, the devices its incident items targeted (sorted by device id)."""
    return {
        supplier: {
            "devices": [
                {
                    "device_id": d.device_id,
                    "mpan": d.mpan,
                    "expected_network": d.expected_network,
                    "codes": sorted(d.codes),
                    "items": d.items,
                }
                for d in sorted(listed.devices.values(), key=lambda d: d.device_id)
            ],
            "omitted_items": listed.omitted_items,
        }
        for supplier, listed in sorted(report.devices.items())
    }


def render_json(report: Report, by: str) -> str:
    return json.dumps(report_json(report, by), indent=2, ensure_ascii=False) + "\n"
