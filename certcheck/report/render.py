"""Render a report view as a terminal table (rich), CSV or JSON.

The table fits the terminal: long cells wrap, code names are abbreviated and details are left
to CSV, which carries every column in full (one row per Supplier or sender, per organisation
and device of the worklist, per device of the estate).
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterable
from typing import Any

from certcheck.output.csvcell import row as csv_row
from certcheck.output.escape import printable
from certcheck.report.aggregate import (
    Report,
    code_rows,
    day_rows,
    document,
    network_rows,
    supplier_rows,
)

# Short names of the incident codes for the terminal table (CSV and JSON use the codes).
SHORT_CODES: dict[str, str] = {
    "NO_CERT_WRONG_NETWORK": "wrong network",
    "NO_CERT_GAS_ON_ESME": "gas on ESME",
    "NO_CERT_ELECTRICITY_ON_GAS_DEVICE": "electricity on gas",
    "CELL_ROLE_MISMATCH": "cell role",
    "CELL_KEY_USAGE_MISMATCH": "cell key usage",
    "NO_CERT_PAIR_MISMATCH": "pair mismatch",
}
TITLES: dict[str, str] = {
    "supplier": "Incorrect Network Operator certificates per Supplier",
    "responsible": "Worklist: devices to fix, per organisation whose certificate is wrong",
    "device": "Devices: Network Operator cells as last seen",
    "network": "Incidents per network wronged",
    "code": "Findings per code",
    "day": "Incidents per day sent",
}


def by_code_text(by_code: dict[str, int]) -> str:
    """``wrong network 3, gas on ESME 1``."""
    return ", ".join(f"{SHORT_CODES.get(code, code)} {n}" for code, n in by_code.items())


def _org(entry: dict[str, Any] | None) -> str:
    if not entry:
        return ""
    party, entity = entry.get("party"), entry.get("entity_id")
    return f"{party} ({entity})" if party and entity else str(party or entity or "")


def _rate(value: float) -> str:
    return f"{value * 100:.1f}%"


# ----- rows per view: (headings, rows of cells) for the table, and full rows for CSV -------


def _sender_cells(row: dict[str, Any]) -> list[str]:
    return [
        str(row["party"] or "(not in operators.csv)"),
        str(row["entity_id"] or ""),
        str(row["user_role"] or ""),
        str(row["items"]),
        str(row["incorrect"]),
        _rate(row["rate"]),
        by_code_text(row["by_code"]),
    ]


_SENDER_HEADINGS = ("Party", "Entity id", "Role", "Items", "Incorrect", "Rate", "Incorrect by code")


def table_parts(report: Report, by: str) -> list[tuple[str, tuple[str, ...], list[list[str]]]]:
    """(title, headings, rows) of each table the view shows."""
    if by == "supplier":
        suppliers, others = supplier_rows(report)
        return [
            (TITLES[by], _SENDER_HEADINGS, [_sender_cells(r) for r in suppliers]),
            (
                "Other senders (not Suppliers: Network Operators, DCC commands not paired)",
                _SENDER_HEADINGS,
                [_sender_cells(r) for r in others],
            ),
        ]
    if by == "responsible":
        rows = [
            [
                _org(org),
                w["device_id"],
                str(w["mpan"] or ""),
                str(w["expected_network"] or ""),
                "; ".join(_org(p) for p in w["expected_parties"]),
                ", ".join(SHORT_CODES.get(c, c) for c in w["codes"]),
                str(w["sent"] or ""),
            ]
            for org in report.estate.worklist()
            for w in org["worklist"]
        ]
        headings = ("Must act", "Device", "MPxN", "Network", "Should be there", "Codes", "Sent")
        return [(TITLES[by], headings, rows)]
    if by == "device":
        rows = [
            [
                d["device_id"],
                d["state"],
                d["evidence"],
                str(d["since"] or ""),
                "; ".join(
                    f"{o['key_usage']}: {o['party'] or o['entity_id']}" for o in d["occupants"]
                ),
                str(d["expected_network"] or ""),
                "; ".join(_org(r) for r in d["responsible"]),
            ]
            for d in report.estate.rows()
        ]
        headings = ("Device", "State", "Evidence", "Since", "Occupants", "Network", "Must act")
        return [(TITLES[by], headings, rows)]
    if by == "network":
        rows = [
            [
                r["network"],
                str(r["items"]),
                str(r["incorrect"]),
                _rate(r["rate"]),
                ", ".join(f"{p} {n}" for p, n in r["wrong_parties"].items()),
            ]
            for r in network_rows(report)
        ]
        return [(TITLES[by], ("Network", "Items", "Incorrect", "Rate", "Placed from"), rows)]
    if by == "code":
        rows = [
            [r["code"], r["severity"], str(r["items"]), str(r["findings"])]
            for r in code_rows(report)
        ]
        return [(TITLES[by], ("Code", "Severity", "Items", "Findings"), rows)]
    if by == "day":
        rows = [
            [
                r["day"],
                str(r["items"]),
                str(r["incorrect"]),
                _rate(r["rate"]),
                by_code_text(r["by_code"]),
            ]
            for r in day_rows(report)
        ]
        return [(TITLES[by], ("Day", "Items", "Incorrect", "Rate", "Incorrect by code"), rows)]
    raise ValueError(f"unknown view {by!r}")


def _period(report: Report) -> str:
    period = report.period
    text = f"{period['from'] or '-'} to {period['to'] or '-'}"
    if report.incomplete_runs:
        text += f"; includes {report.incomplete_runs} incomplete run(s)"
    return text


def render_table(report: Report, by: str, width: int | None = None) -> str:
    """The view as plain-text tables at most ``width`` columns wide (default: the terminal's).

    Cells wrap within their column; data is never read as markup.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    width = width or shutil.get_terminal_size((100, 24)).columns
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, emoji=False, markup=False)
    console.print(Text(f"Period {_period(report)}; generated {report.generated}"))
    for title, headings, rows in table_parts(report, by):
        table = Table(title=Text(title), box=box.SIMPLE_HEAVY, expand=False)
        for heading in headings:
            numeric = heading in ("Items", "Incorrect", "Rate", "Findings")
            table.add_column(Text(heading), justify="right" if numeric else "left", overflow="fold")
        for row in rows:
            table.add_row(*(Text(printable(cell)) for cell in row))
        if not rows:
            table.add_row(Text("(none)"), *([Text("")] * (len(headings) - 1)))
        console.print(table)
    return buffer.getvalue()


def _csv(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    return csv_row(header) + "".join(csv_row(values) for values in rows)


def _codes(by_code: dict[str, int]) -> str:
    return ";".join(f"{code}={n}" for code, n in by_code.items())


def render_csv(report: Report, by: str) -> str:
    """The view in full as CSV with a header row of field names."""
    if by == "supplier":
        suppliers, others = supplier_rows(report)
        header = (
            "part",
            "party",
            "entity_id",
            "user_role",
            "items",
            "incorrect",
            "rate",
            "by_code",
        )
        rows = [
            [
                part,
                r["party"],
                r["entity_id"],
                r["user_role"],
                r["items"],
                r["incorrect"],
                r["rate"],
                _codes(r["by_code"]),
            ]
            for part, group in (("supplier", suppliers), ("other_sender", others))
            for r in group
        ]
        return _csv(header, rows)
    if by == "responsible":
        header = (
            "party",
            "entity_id",
            "user_role",
            "device_id",
            "mpan",
            "expected_network",
            "expected_parties",
            "codes",
            "source",
            "sent",
        )
        rows = [
            [
                org["party"],
                org["entity_id"],
                org["user_role"],
                w["device_id"],
                w["mpan"],
                w["expected_network"],
                ";".join(f"{p.get('party')} ({p.get('entity_id')})" for p in w["expected_parties"]),
                ";".join(w["codes"]),
                w["source"],
                w["sent"],
            ]
            for org in report.estate.worklist()
            for w in org["worklist"]
        ]
        return _csv(header, rows)
    if by == "device":
        header = (
            "device_id",
            "state",
            "evidence",
            "since",
            "occupants",
            "expected_network",
            "responsible",
            "source",
        )
        rows = [
            [
                d["device_id"],
                d["state"],
                d["evidence"],
                d["since"],
                ";".join(f"{o['key_usage']}={o['entity_id']}" for o in d["occupants"]),
                d["expected_network"],
                ";".join(str(r["entity_id"]) for r in d["responsible"]),
                d["source"],
            ]
            for d in report.estate.rows()
        ]
        return _csv(header, rows)
    rows_of = {"network": network_rows, "code": code_rows, "day": day_rows}[by]
    rows = rows_of(report)
    header = (
        list(rows[0]) if rows else {"network": ["network"], "code": ["code"], "day": ["day"]}[by]
    )
    return _csv(
        header,
        ([_codes(v) if isinstance(v, dict) else v for v in row.values()] for row in rows),
    )


def report_json(report: Report, by: str) -> dict[str, Any]:
    """The view as a JSON-ready document (SPEC.md shapes)."""
    return document(report, by)


def render_json(report: Report, by: str) -> str:
    return json.dumps(report_json(report, by), indent=2, ensure_ascii=False) + "\n"
