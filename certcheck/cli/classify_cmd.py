"""``certcheck classify``: electricity, gas, other or unknown, for every certificate."""

from enum import StrEnum

import typer

from certcheck.cli.options import PATH, Color, ColorChoice, ConfigFile, NoConfig


class ClassifyFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"


COLUMNS = (
    "source",
    "where",
    "sha256",
    "serial",
    "entity_id",
    "role",
    "role_name",
    "key_usage",
    "issuer",
    "party",
    "user_role",
    "network_kind",
    "mpids",
    "reason",
)


def classify(
    paths: list[str] = typer.Argument(
        ..., metavar="PATH...", help="Certificate files, payloads, directories or -."
    ),
    operators: str = typer.Option(
        None, "--operators", click_type=PATH, help="operators.csv, the organisation registry."
    ),
    fmt: ClassifyFormat = typer.Option(
        ClassifyFormat.TABLE, "-f", "--format", help="table, json, jsonl or csv."
    ),
    color: Color = ColorChoice.AUTO,
    config: ConfigFile = None,
    no_config: NoConfig = False,
) -> int:
    """Classify each certificate as electricity, gas, other or unknown, with the reason.

    \b
    Example, in the test world 'certcheck demo world' writes:
    certcheck classify world/pki/orgs --operators world/operators.csv
    """
    import json
    import sys

    from certcheck.audit.classify import classify as classify_certificate
    from certcheck.audit.decoding import decode_raw
    from certcheck.audit.sources import NoInput, iter_raw
    from certcheck.cli.common import ExitCode, UsageProblem, say
    from certcheck.output.csvcell import row as csv_row

    registry = None
    if operators:
        from certcheck.market.operators import load_operators

        registry = load_operators(operators)
    rows: list[dict[str, object]] = []
    unreadable = 0
    count = 0
    out = sys.stdout
    csv = fmt == "csv"
    if csv:
        out.write(csv_row(COLUMNS))
    try:
        for raw in iter_raw(paths):
            item = decode_raw(raw)
            count += 1
            for problem in item.problems:
                unreadable += 1
                where = f" ({problem.where})" if problem.where else ""
                say(f"{item.source}: {problem.message}{where}")
            for placement in item.placements:
                cert = placement.certificate
                result = classify_certificate(cert, registry)
                row = {
                    "source": item.source,
                    "where": placement.where,
                    "sha256": cert.sha256,
                    "serial": cert.serial,
                    "entity_id": cert.entity_id,
                    "role": cert.role,
                    "role_name": cert.role_name,
                    "key_usage": list(cert.key_usage),
                    "issuer": cert.issuer,
                    "party": result.party,
                    "user_role": result.user_role,
                    "network_kind": result.network_kind,
                    "mpids": list(result.mpids),
                    "reason": result.reason,
                }
                if fmt == "jsonl":
                    out.write(json.dumps(row) + "\n")
                elif csv:
                    row["key_usage"] = ";".join(cert.key_usage)
                    row["mpids"] = ";".join(result.mpids)
                    out.write(csv_row(row[c] for c in COLUMNS))
                else:
                    rows.append(row)
    except NoInput as exc:
        raise UsageProblem(str(exc)) from exc
    if count == 0:
        raise UsageProblem("no input found")
    if fmt == "json":
        out.write(json.dumps(rows, indent=1) + "\n")
    elif fmt == "table":
        _table(rows)
    return ExitCode.FINDINGS if unreadable else ExitCode.OK


def _table(rows: list[dict[str, object]]) -> None:
    import sys

    from rich.table import Table

    from certcheck.output.console import terminal_console
    from certcheck.output.terminal import plain

    table = Table(header_style="bold", box=None)
    for column in ("entity_id", "role_name", "key_usage", "party", "network_kind", "reason"):
        table.add_column(column.replace("_", " "))
    style = {"electricity": "yellow", "gas": "blue", "unknown": "red"}
    for row in rows:
        kind = str(row["network_kind"])
        table.add_row(
            str(row["entity_id"] or "-"),
            str(row["role_name"] or "-"),
            ",".join(row["key_usage"]),  # type: ignore[arg-type]
            str(row["party"] or "-"),
            plain(kind, style=style.get(kind, "white")),
            str(row["reason"]),
        )
    terminal_console(sys.stdout, width=200).print(table)
