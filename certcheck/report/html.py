"""The report as one self-contained HTML page for the SEC Panel.

Inline CSS and inline SVG only: no scripts, no external assets, no web fonts. Every piece of
text from the data is escaped. The page holds the period, generation time and tool version;
the per-Supplier table and bar chart, with the other senders apart; the trend by day sent;
incidents per network; the worklist by responsible organisation; and the devices wrong now.
It prints on A4 without the screen colours bleeding.
"""

from __future__ import annotations

from html import escape
from typing import Any

from certcheck.report.aggregate import Report, day_rows, network_rows, supplier_rows
from certcheck.report.render import SHORT_CODES, by_code_text

MAX_CHART_SUPPLIERS = 40

_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #1b1f24; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1rem; margin-bottom: .25rem; }
p.meta { color: #57606a; margin-top: 0; }
table { border-collapse: collapse; font-size: .85rem; margin: .5rem 0; }
th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.id { white-space: nowrap; font-family: ui-monospace, Menlo, Consolas, monospace; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; background: #f6f8fa; }
svg { max-width: 100%; height: auto; }
svg text { font-family: inherit; font-size: 12px; fill: #1b1f24; }
svg .bar rect.value { fill: #cf222e; }
svg .bar rect.track { fill: #eaeef2; }
svg .axis { stroke: #8c959f; stroke-width: 1; }
p.note { color: #57606a; font-size: .85rem; }
p.warning { color: #9a6700; font-weight: 600; }
td.wrong { color: #cf222e; font-weight: 600; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  table, svg, section.supplier { break-inside: avoid; }
  th, tr.total td { background: none; }
  svg .bar rect.value { fill: #555; }
  svg .bar rect.track { fill: #ddd; }
}
"""


def render_html(report: Report, by: str = "supplier", *, source: str = "") -> str:
    """The whole page as text (the same page for every ``--by``)."""
    suppliers, others = supplier_rows(report)
    period = report.period
    meta = (
        f"Period {period['from'] or '-'} to {period['to'] or '-'} (by day sent). "
        f"Generated {report.generated} by certcheck {report.tool_version}. "
        f"{report.totals.items} items; {report.totals.incorrect} incorrect (an error finding "
        "NO_CERT_* or CELL_*)."
    )
    if source:
        meta += f" Source: {source}."
    wrong_now = [d for d in report.estate.rows() if d["state"] == "wrong"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Network Operator certificate incidents</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Network Operator certificate incidents</h1>",
        f'<p class="meta" id="meta" data-from="{escape(str(period["from"] or ""))}" '
        f'data-to="{escape(str(period["to"] or ""))}" '
        f'data-generated="{escape(report.generated)}" '
        f'data-version="{escape(report.tool_version)}">{escape(meta)}</p>',
    ]
    if report.incomplete_runs:
        parts.append(
            f'<p class="warning" id="incomplete">Includes {report.incomplete_runs} run(s) that '
            "did not finish: their figures may be partial.</p>"
        )
    parts += [
        '<section id="suppliers">',
        "<h2>Incorrect Network Operator certificates per Supplier</h2>",
        _senders(suppliers, "suppliers"),
        _supplier_chart(suppliers),
        "</section>",
        '<section id="other-senders">',
        "<h2>Other senders</h2>",
        '<p class="note">Not Suppliers: Network Operators replacing their own certificates, '
        "DCC commands not paired with a Supplier's request, senders not in operators.csv.</p>",
        _senders(others, "other-senders"),
        "</section>",
        '<section id="trend">',
        "<h2>Trend by day sent</h2>",
        _day_chart(day_rows(report)),
        '<p class="note">Incorrect items per day sent; an item without a sending time is '
        "dated by the run that audited it.</p>",
        "</section>",
        '<section id="networks">',
        "<h2>Incidents per network</h2>",
        _networks(network_rows(report)),
        "</section>",
        '<section id="worklist">',
        "<h2>Worklist by responsible organisation</h2>",
        '<p class="note">Only the organisation whose certificate sits in the wrong cell can '
        "replace it (SECMP0063).</p>",
        _worklist(report.estate.worklist()),
        "</section>",
        '<section id="wrong-now">',
        f"<h2>Devices wrong now ({len(wrong_now)})</h2>",
        _devices(wrong_now),
        "</section>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _table(table_id: str, headings: list[str], rows: list[list[tuple[str, str]]]) -> str:
    """A table; each cell is (css class, text), the text escaped here."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
    lines = [f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>']
    for row in rows:
        cells = "".join(
            f'<td class="{css}">{escape(text)}</td>' if css else f"<td>{escape(text)}</td>"
            for css, text in row
        )
        lines.append(f"<tr>{cells}</tr>")
    if not rows:
        lines.append(f'<tr><td colspan="{len(headings)}">None.</td></tr>')
    lines.append("</tbody></table>")
    return "\n".join(lines)


def _senders(rows: list[dict[str, Any]], table_id: str) -> str:
    return _table(
        table_id + "-table",
        ["Party", "Entity id", "Role", "Items", "Incorrect", "Rate", "Incorrect by code"],
        [
            [
                ("", str(r["party"] or "(not in operators.csv)")),
                ("id", str(r["entity_id"] or "")),
                ("", str(r["user_role"] or "")),
                ("num", str(r["items"])),
                ("num", str(r["incorrect"])),
                ("num", f"{r['rate'] * 100:.2f}%"),
                ("", by_code_text(r["by_code"])),
            ]
            for r in rows
        ],
    )


def _supplier_chart(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return '<p class="note">No items from Suppliers.</p>'
    shown = rows[:MAX_CHART_SUPPLIERS]
    label_width, bar_width, row_height = 300, 560, 26
    width = label_width + bar_width + 120
    height = row_height * len(shown) + 10
    top = max(r["incorrect"] for r in shown) or 1
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart suppliers" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        "<title>Incorrect Network Operator certificates per Supplier</title>",
    ]
    for index, row in enumerate(shown):
        name = str(row["party"])
        y = 5 + index * row_height
        length = round(bar_width * row["incorrect"] / top, 1)
        out.append(
            f'<g class="bar" data-supplier="{escape(name)}" data-incorrect="{row["incorrect"]}" '
            f'data-items="{row["items"]}">'
            f'<text class="label" x="{label_width - 8}" y="{y + 17}" text-anchor="end">'
            f"{escape(_clip(name, 44))}</text>"
            f'<rect class="track" x="{label_width}" y="{y + 4}" width="{bar_width}" height="16"/>'
            f'<rect class="value" x="{label_width}" y="{y + 4}" width="{length}" height="16"/>'
            f'<text class="count" x="{label_width + length + 6}" y="{y + 17}">'
            f"{row['incorrect']} of {row['items']}</text></g>"
        )
    out.append("</svg>")
    if len(rows) > len(shown):
        out.append(f'<p class="note">{len(rows) - len(shown)} more Suppliers in the table.</p>')
    return "\n".join(out)


def _day_chart(days: list[dict[str, Any]]) -> str:
    if not days:
        return '<p class="note">No items.</p>'
    left, bottom, plot_height = 50, 60, 200
    step = max(8, min(48, 900 // len(days)))
    width = left + step * len(days) + 20
    height = plot_height + bottom + 20
    top = max(d["incorrect"] for d in days) or 1
    every = max(1, len(days) // 30)
    base = 10 + plot_height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart days" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        "<title>Incorrect items per day sent</title>",
        f'<line class="axis" x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}"/>',
        f'<line class="axis" x1="{left}" y1="10" x2="{left}" y2="{base}"/>',
        f'<text x="{left - 6}" y="16" text-anchor="end">{top}</text>',
        f'<text x="{left - 6}" y="{base}" text-anchor="end">0</text>',
    ]
    for index, row in enumerate(days):
        day = escape(str(row["day"]))
        x = left + index * step + 2
        bar = round(plot_height * row["incorrect"] / top, 1)
        out.append(
            f'<g class="bar" data-day="{day}" data-incorrect="{row["incorrect"]}" '
            f'data-items="{row["items"]}"><title>{day}: {row["incorrect"]} incorrect of '
            f"{row['items']} items</title>"
            f'<rect class="value" x="{x}" y="{base - bar}" width="{step - 4}" height="{bar}"/>'
        )
        if index % every == 0:
            cx = x + (step - 4) / 2
            out.append(
                f'<text x="{cx}" y="{base + 12}" text-anchor="end" '
                f'transform="rotate(-45 {cx} {base + 12})">{day}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def _networks(rows: list[dict[str, Any]]) -> str:
    return _table(
        "networks-table",
        ["Network", "Items", "Incorrect", "Rate", "Certificates placed from"],
        [
            [
                ("", str(r["network"])),
                ("num", str(r["items"])),
                ("num", str(r["incorrect"])),
                ("num", f"{r['rate'] * 100:.2f}%"),
                ("", ", ".join(f"{p} ({n})" for p, n in r["wrong_parties"].items())),
            ]
            for r in rows
        ],
    )


def _org(entry: dict[str, Any]) -> str:
    party, entity = entry.get("party"), entry.get("entity_id")
    return f"{party} ({entity})" if party else str(entity or "")


def _worklist(orgs: list[dict[str, Any]]) -> str:
    if not orgs:
        return '<p class="note">No device holds a wrong Network Operator certificate.</p>'
    out = []
    for org in orgs:
        out.append(
            f'<section class="organisation" data-entity="{escape(str(org["entity_id"]))}" '
            f'data-devices="{org["devices"]}">'
        )
        out.append(
            f"<h3>{escape(_org(org))}: {org['devices']} device(s), {org['items']} item(s)</h3>"
        )
        out.append(
            _table(
                "worklist-" + escape(str(org["entity_id"])),
                ["Device", "MPxN", "Network", "Should be there", "Codes", "Sent", "Source"],
                [
                    [
                        ("id", str(w["device_id"])),
                        ("id", str(w["mpan"] or "")),
                        ("", str(w["expected_network"] or "")),
                        ("", "; ".join(_org(p) for p in w["expected_parties"])),
                        ("", ", ".join(SHORT_CODES.get(c, c) for c in w["codes"])),
                        ("", str(w["sent"] or "")),
                        ("", str(w["source"])),
                    ]
                    for w in org["worklist"]
                ],
            )
        )
        out.append("</section>")
    return "\n".join(out)


def _devices(rows: list[dict[str, Any]]) -> str:
    return _table(
        "wrong-now-table",
        ["Device", "Evidence", "Since", "Occupants", "Network", "Must act"],
        [
            [
                ("id", str(d["device_id"])),
                ("", str(d["evidence"])),
                ("", str(d["since"] or "")),
                ("", "; ".join(f"{o['key_usage']}: {_org(o)}" for o in d["occupants"])),
                ("", str(d["expected_network"] or "")),
                ("wrong", "; ".join(_org(r) for r in d["responsible"])),
            ]
            for d in rows
        ],
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
