"""The incident report as one self-contained HTML page for the SEC Panel.

Inline CSS and inline SVG only: no scripts, no external assets, no web fonts. Every piece of
text from the data is escaped. The page holds the summary table of the chosen view, a bar chart
of incorrect Network Operator certificate loads per Supplier, the trend by day and the devices
each Supplier's incidents affected. It prints on A4 without the screen colours bleeding.
"""

from __future__ import annotations

from html import escape

from certcheck.report.aggregate import Report, View, view
from certcheck.report.render import cell_text

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
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  table, svg, section.supplier { break-inside: avoid; }
  th, tr.total td { background: none; }
  svg .bar rect.value { fill: #555; }
  svg .bar rect.track { fill: #ddd; }
}
"""


def render_html(report: Report, by: str, *, source: str = "") -> str:
    """The whole page as text."""
    shown = view(report, by)
    since = f" since {report.since}" if report.since else ""
    meta = (
        f"{report.totals.items} items sent{since}; {report.totals.incorrect} attempts to load "
        "incorrect Network Operator certificates (findings NO_CERT_* and CELL_* at error)."
    )
    if source:
        meta += f" Source: {source}."
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Network Operator certificate incidents</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Network Operator certificate incidents</h1>",
        f'<p class="meta">{escape(meta)}</p>',
        '<section id="summary">',
        f"<h2>{escape(shown.title)}</h2>",
        _table(shown),
        "</section>",
        '<section id="suppliers-chart">',
        "<h2>Incorrect Network Operator certificate loads per Supplier</h2>",
        _supplier_chart(report),
        "</section>",
        '<section id="trend">',
        "<h2>Trend by day</h2>",
        _day_chart(report),
        '<p class="note">Incorrect loads per day. Stored items are dated by the start of the run '
        "that audited them; JSON Lines results by their file's day.</p>",
        "</section>",
        '<section id="devices">',
        "<h2>Affected devices per Supplier</h2>",
        _devices(report),
        "</section>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _table(shown: View) -> str:
    head = "".join(f'<th scope="col">{escape(c.label)}</th>' for c in shown.columns)
    lines = [f'<table class="summary" data-by="{escape(shown.by)}"><thead><tr>{head}</tr></thead>']
    lines.append("<tbody>")
    rows = [(row, "") for row in shown.rows]
    if shown.totals is not None:
        rows.append((shown.totals, ' class="total"'))
    for row, attributes in rows:
        cells = []
        for c in shown.columns:
            css = ' class="num"' if c.kind in ("count", "rate") else ""
            cells.append(f"<td{css}>{escape(cell_text(c, row.get(c.key)))}</td>")
        lines.append(f"<tr{attributes}>{''.join(cells)}</tr>")
    if not rows:
        lines.append(f'<tr><td colspan="{len(shown.columns)}">No items.</td></tr>')
    lines.append("</tbody></table>")
    return "\n".join(lines)


def _supplier_chart(report: Report) -> str:
    ordered = sorted(
        report.suppliers.items(), key=lambda kv: (-kv[1].incorrect, -kv[1].items, kv[0])
    )
    if not ordered:
        return '<p class="note">No items.</p>'
    shown = ordered[:MAX_CHART_SUPPLIERS]
    label_width, bar_width, row_height = 300, 560, 26
    width = label_width + bar_width + 120
    height = row_height * len(shown) + 10
    top = max(tally.incorrect for _, tally in shown) or 1
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart suppliers" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        "<title>Incorrect Network Operator certificate loads per Supplier</title>",
    ]
    for index, (name, tally) in enumerate(shown):
        y = 5 + index * row_height
        length = round(bar_width * tally.incorrect / top, 1)
        label = escape(_clip(name, 44))
        out.append(
            f'<g class="bar" data-supplier="{escape(name)}" data-incorrect="{tally.incorrect}" '
            f'data-items="{tally.items}">'
            f'<text class="label" x="{label_width - 8}" y="{y + 17}" text-anchor="end">'
            f"{label}</text>"
            f'<rect class="track" x="{label_width}" y="{y + 4}" width="{bar_width}" height="16"/>'
            f'<rect class="value" x="{label_width}" y="{y + 4}" width="{length}" height="16"/>'
            f'<text class="count" x="{label_width + length + 6}" y="{y + 17}">'
            f"{tally.incorrect} of {tally.items}</text></g>"
        )
    out.append("</svg>")
    if len(ordered) > len(shown):
        out.append(
            f'<p class="note">{len(ordered) - len(shown)} more Suppliers in the table above '
            "(--by supplier).</p>"
        )
    return "\n".join(out)


def _day_chart(report: Report) -> str:
    days = sorted(report.days)
    if not days:
        return '<p class="note">No items.</p>'
    left, bottom, plot_height = 50, 60, 200
    step = max(8, min(48, 900 // len(days)))
    width = left + step * len(days) + 20
    height = plot_height + bottom + 20
    top = max(report.days[d].incorrect for d in days) or 1
    every = max(1, len(days) // 30)
    base = 10 + plot_height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart days" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        "<title>Incorrect Network Operator certificate loads per day</title>",
        f'<line class="axis" x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}"/>',
        f'<line class="axis" x1="{left}" y1="10" x2="{left}" y2="{base}"/>',
        f'<text x="{left - 6}" y="16" text-anchor="end">{top}</text>',
        f'<text x="{left - 6}" y="{base}" text-anchor="end">0</text>',
    ]
    for index, day in enumerate(days):
        tally = report.days[day]
        x = left + index * step + 2
        bar = round(plot_height * tally.incorrect / top, 1)
        out.append(
            f'<g class="bar" data-day="{escape(day)}" data-incorrect="{tally.incorrect}" '
            f'data-items="{tally.items}"><title>{escape(day)}: {tally.incorrect} incorrect of '
            f"{tally.items} items</title>"
            f'<rect class="value" x="{x}" y="{base - bar}" width="{step - 4}" height="{bar}"/>'
        )
        if index % every == 0:
            cx = x + (step - 4) / 2
            out.append(
                f'<text x="{cx}" y="{base + 12}" text-anchor="end" '
                f'transform="rotate(-45 {cx} {base + 12})">{escape(day)}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def _devices(report: Report) -> str:
    if not report.devices:
        return '<p class="note">No device received an incorrect certificate.</p>'
    out = []
    for supplier in sorted(report.devices):
        listed = report.devices[supplier]
        out.append(f'<section class="supplier" data-supplier="{escape(supplier)}">')
        out.append(f"<h3>{escape(supplier)}</h3>")
        out.append(
            '<table class="devices"><thead><tr><th scope="col">Device</th>'
            '<th scope="col">MPAN</th><th scope="col">Expected network</th>'
            '<th scope="col">Items</th><th scope="col">Codes</th></tr></thead><tbody>'
        )
        for device in sorted(listed.devices.values(), key=lambda d: d.device_id):
            out.append(
                f'<tr><td class="id">{escape(device.device_id)}</td>'
                f'<td class="id">{escape(device.mpan or "")}</td>'
                f"<td>{escape(device.expected_network or '')}</td>"
                f'<td class="num">{device.items}</td>'
                f"<td>{escape(', '.join(sorted(device.codes)))}</td></tr>"
            )
        out.append("</tbody></table>")
        if listed.omitted_items:
            out.append(
                f'<p class="note">{listed.omitted_items} more incident items on devices not '
                "listed here.</p>"
            )
        out.append("</section>")
    return "\n".join(out)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
