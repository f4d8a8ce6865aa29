"""``certcheck report``: incidents per Supplier, network, finding code or day."""

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from certcheck.cli.options import PATH, ConfigFile, NoConfig

if TYPE_CHECKING:
    from certcheck.report.aggregate import Report


class ReportBy(StrEnum):
    SUPPLIER = "supplier"
    RESPONSIBLE = "responsible"
    DEVICE = "device"
    NETWORK = "network"
    CODE = "code"
    DAY = "day"


class ReportFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    HTML = "html"


def _date(text: str | None, option: str) -> date | None:
    from certcheck.cli.common import UsageProblem

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageProblem(f"{option} {text!r}: expected a date as YYYY-MM-DD") from None


def report(
    results: list[Path] = typer.Argument(
        None,
        metavar="[RESULTS.jsonl...]",
        help="Results written by 'certcheck verify -f jsonl' (instead of --store).",
    ),
    store: str | None = typer.Option(
        None,
        "--store",
        click_type=PATH,
        metavar="AUDIT.DB|URL",
        help="Audit store written by 'verify --store': an SQLite file or a postgresql:// URL.",
    ),
    by: ReportBy = typer.Option(
        ReportBy.SUPPLIER,
        "--by",
        help="supplier (the SEC Panel's figures), responsible (the worklist), device (the "
        "estate), network, code or day.",
    ),
    since: str | None = typer.Option(
        None, "--since", metavar="DATE", help="Only items sent on this day (YYYY-MM-DD) or later."
    ),
    until: str | None = typer.Option(
        None, "--until", metavar="DATE", help="Only items sent on this day (YYYY-MM-DD) or before."
    ),
    day: str | None = typer.Option(
        None,
        "--day",
        metavar="DATE",
        help="Date JSON Lines items by this day instead of each file's modification day.",
    ),
    fmt: ReportFormat = typer.Option(
        ReportFormat.TABLE,
        "-f",
        "--format",
        help="table (terminal), json, csv, or html (one self-contained page with charts).",
    ),
    output: str | None = typer.Option(
        None,
        "-o",
        "--output",
        click_type=PATH,
        metavar="OUT",
        help="Write to OUT (atomically) instead of stdout.",
    ),
    config: ConfigFile = None,
    no_config: NoConfig = False,
) -> int:
    """Report incorrect Network Operator certificates: per Supplier, who must fix which meter,
    and each meter's cells as last seen.

    Incorrect: an item with an error finding NO_CERT_* or CELL_* (an incident).
    Rate: incorrect / items. Other senders than Suppliers are counted apart.

    Each item (source and content) counts once, with its latest audit.
    Auditing the same items again does not double the figures.
    A killed run's committed records count, and the report says so.

    Items are dated and ordered by when they were sent; without it, by their run's start
    (JSON Lines results: their file's modification day, or --day).

    \b
    Example: certcheck report --store audit.db --since 2026-01-01 -f html -o panel.html
    """
    from certcheck.cli.common import ExitCode, UsageProblem
    from certcheck.report.load import ResultsError, report_from_results, report_from_store
    from certcheck.store import StoreError
    from certcheck.store.engine import shown

    if store is not None and results:
        raise UsageProblem("give either --store or RESULTS.jsonl files, not both")
    if store is None and not results:
        raise UsageProblem(
            "nothing to report: give --store AUDIT.DB or RESULTS.jsonl files "
            "(example: certcheck report --store audit.db)"
        )
    since_day = _date(since, "--since")
    until_day = _date(until, "--until")
    item_day = _date(day, "--day")
    if store is not None and item_day is not None:
        raise UsageProblem("--day applies to JSON Lines results, not to --store")
    try:
        if store is not None:
            aggregated = report_from_store(store, since_day, until_day)
            source = shown(store)
        else:
            for path in results:
                if not path.is_file():
                    raise UsageProblem(f"{path}: no such file")
            aggregated = report_from_results(results, since_day, item_day, until_day)
            source = ", ".join(str(p) for p in results)
    except (StoreError, ResultsError) as problem:
        raise UsageProblem(str(problem)) from None
    text = _render(aggregated, by.value, fmt, source)
    _write(text, output, str(store) if store is not None else None)
    return ExitCode.OK


def _render(aggregated: "Report", by: str, fmt: ReportFormat, source: str) -> str:
    if fmt is ReportFormat.HTML:
        from certcheck.report.html import render_html

        return render_html(aggregated, by, source=source)
    from certcheck.report import render

    if fmt is ReportFormat.JSON:
        return render.render_json(aggregated, by)
    if fmt is ReportFormat.CSV:
        return render.render_csv(aggregated, by)
    return render.render_table(aggregated, by)


def _write(text: str, output: str | None, store: str | None) -> None:
    from certcheck.output.writers import AtomicOutput

    out = AtomicOutput(output, refuse=[store])
    try:
        out.stream.write(text)
        out.commit()
    except BaseException:
        out.discard()
        raise
