"""``certcheck verify``: check Network Operator certificates against the MPAN/network mapping."""

import os
from enum import StrEnum

import typer

from certcheck.cli.options import (
    CHECK_NAMES,
    PATH,
    CacheDir,
    Color,
    ColorChoice,
    ConfigFile,
    ListFormat,
    MaxCertificates,
    MaxDerDepth,
    MaxItemBytes,
    MaxLineBytes,
    NoCache,
    NoConfig,
    Quiet,
)


class VerifyFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    SARIF = "sarif"


class FailOn(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NEVER = "never"


def verify(
    paths: list[str] = typer.Argument(
        None, metavar="PATH...", help="Files, directories (recursive), JSON Lines batches or -."
    ),
    mapping: str = typer.Option(
        None,
        "--mapping",
        click_type=PATH,
        help="meters.csv: device_id, mpan|mprn, network, device_type.",
    ),
    meter: list[str] = typer.Option(
        [],
        "--meter",
        metavar="DEVICE=MPAN[:NETWORK]",
        help="One meter's mapping row instead of --mapping (repeatable; an MPRN for gas).",
    ),
    strict_mapping: bool = typer.Option(
        False, "--strict-mapping", help="Any bad meters.csv row is a usage error (exit 2)."
    ),
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    operators: str = typer.Option(
        None,
        "--operators",
        click_type=PATH,
        help="operators.csv: entity_id, party, user_role, mpids.",
    ),
    trust: list[str] = typer.Option(
        [], "--trust", click_type=PATH, help="Trusted root or OCA certificate(s); repeatable."
    ),
    certs: list[str] = typer.Option(
        [],
        "--certs",
        click_type=PATH,
        help="Signing certificates (files or directories) to check GBCS signatures.",
    ),
    at: str = typer.Option(
        None, "--at", help="Audit time for validity checks (ISO 8601; default now)."
    ),
    fail_on: FailOn = typer.Option(
        FailOn.ERROR, "--fail-on", help="Lowest severity that makes the exit code 1."
    ),
    fmt: VerifyFormat = typer.Option(
        VerifyFormat.TABLE, "-f", "--format", help="table, json, jsonl, csv or sarif."
    ),
    output: str = typer.Option(
        None,
        "-o",
        "--output",
        click_type=PATH,
        help="Write the report here (atomically) instead of stdout.",
    ),
    store: str = typer.Option(
        None,
        "--store",
        click_type=PATH,
        help="Append the run and its records to this audit store: an SQLite file or a "
        "postgresql:// URL.",
    ),
    passed: str = typer.Option(
        None,
        "--passed",
        metavar="FILE",
        click_type=PATH,
        help="Write the input lines that pass --fail-on here (a Supplier's gate).",
    ),
    failed: str = typer.Option(
        None,
        "--failed",
        metavar="FILE",
        click_type=PATH,
        help="Write the input lines that fail --fail-on here.",
    ),
    jobs: int = typer.Option(
        0,
        "--jobs",
        "-j",
        help="Worker processes: 0 (the default) one per core, 1 in-process.",
        show_default=False,
    ),
    select: list[str] = typer.Option(
        [], "--select", metavar="CODE,...", help=f"Run only these checks: {CHECK_NAMES}."
    ),
    ignore: list[str] = typer.Option(
        [],
        "--ignore",
        metavar="CODE,...",
        help="Skip these checks: codes or families, as --select takes them.",
    ),
    list_checks: bool = typer.Option(
        False,
        "--list-checks",
        help="List the checks (those --select/--ignore keep) and exit; -f table, json or csv.",
    ),
    quiet: Quiet = False,
    color: Color = ColorChoice.AUTO,
    max_item_bytes: MaxItemBytes = None,
    max_line_bytes: MaxLineBytes = None,
    max_der_depth: MaxDerDepth = None,
    max_certificates: MaxCertificates = None,
    config: ConfigFile = None,
    no_config: NoConfig = False,
) -> int:
    """Verify the Network Operator certificates that payloads place on meters.

    \b
    Example, in the test world 'certcheck demo world' writes:
    certcheck verify world/payloads --mapping world/meters.csv --operators world/operators.csv
    --trust world/pki/root.pem --trust world/pki/oca.pem --certs world/pki/orgs --at 2026-06-01
    --store audit.db
    """
    from certcheck.checks.registry import UnknownCheck, select_rules
    from certcheck.cli.common import UsageProblem

    try:
        rules = select_rules(select, ignore)
    except UnknownCheck as exc:
        raise UsageProblem(str(exc)) from None
    if list_checks:
        from certcheck.cli.render_checks import print_checks

        if fmt.value not in tuple(ListFormat):
            raise UsageProblem(f"--list-checks takes -f {', '.join(ListFormat)}, not {fmt.value}")
        print_checks(rules, fmt.value)
        return 0
    if not paths:
        raise UsageProblem("no PATH given (files, directories, JSON Lines batches or -)")
    if mapping and meter and _from_configuration("mapping"):
        mapping = None  # --meter on the command line wins over a configured --mapping
    if bool(mapping) == bool(meter):
        raise UsageProblem(
            "verify needs either --mapping meters.csv or --meter DEVICE=MPAN[:NETWORK], not both"
            if mapping
            else "verify needs --mapping meters.csv or --meter DEVICE=MPAN[:NETWORK]"
        )
    if not operators:
        raise UsageProblem("verify needs --operators operators.csv")
    from certcheck.audit.limits import limits_with
    from certcheck.cli.verify_run import VerifyRequest, run_verify

    return run_verify(
        VerifyRequest(
            paths=paths,
            mapping=mapping or None,
            meters=meter,
            strict_mapping=strict_mapping,
            cache_dir=cache_dir or None,
            no_cache=no_cache,
            operators=operators,
            trust=trust,
            certs=certs,
            at=at,
            fail_on=fail_on.value,
            fmt=fmt.value,
            output=output,
            store=store,
            passed=passed,
            failed=failed,
            jobs=jobs or (os.cpu_count() or 1),
            rules=rules,
            quiet=quiet,
            limits=limits_with(
                max_item_bytes=max_item_bytes,
                max_line_bytes=max_line_bytes,
                max_der_depth=max_der_depth,
                max_certificates=max_certificates,
            ),
        )
    )


def _from_configuration(name: str) -> bool:
    """Whether option ``name`` took its value from a configuration file, not the command line."""
    import click

    context = click.get_current_context(silent=True)
    source = context.get_parameter_source(name) if context is not None else None
    return source is click.core.ParameterSource.DEFAULT_MAP
