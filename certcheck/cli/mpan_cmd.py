"""``certcheck mpan``: check MPANs (and MPRNs) and name the distributor behind each."""

from enum import StrEnum
from typing import Any

import typer

from certcheck.cli.options import ConfigFile, NoConfig

# Keys of every JSON object, in order; null where a key does not apply.
RESULT_KEYS: tuple[str, ...] = (
    "input",
    "type",
    "core",
    "mprn",
    "valid",
    "check_expected",
    "check_actual",
    "distributor_id",
    "mpid",
    "operator",
    "area",
    "group",
    "kind",
    "profile_class",
    "mtc",
    "llfc",
    "problems",
    "warnings",
)


class MpanFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def describe(text: str) -> dict[str, Any]:
    """Everything certcheck can say about one MPAN or MPRN, under RESULT_KEYS."""
    from certcheck.market.mpan import looks_like_mpan, parse_mpan
    from certcheck.market.mprn import looks_like_mprn, parse_mprn

    result: dict[str, Any] = dict.fromkeys(RESULT_KEYS)
    result.update(input=text, problems=[], warnings=[])
    if looks_like_mpan(text):
        mpan = parse_mpan(text)
        dist = mpan.distributor
        result.update(
            type="mpan",
            core=mpan.core,
            valid=mpan.valid,
            check_expected=str(mpan.check_expected),
            check_actual=str(mpan.check_actual),
            distributor_id=mpan.distributor_id,
            mpid=dist.mpid if dist else None,
            operator=dist.operator if dist else None,
            area=dist.area if dist else None,
            group=dist.group if dist else None,
            kind=dist.kind if dist else None,
            profile_class=mpan.profile_class,
            mtc=mpan.mtc,
            llfc=mpan.llfc,
            problems=list(mpan.problems),
            warnings=list(mpan.warnings),
        )
    elif looks_like_mprn(text):
        mprn = parse_mprn(text)
        result.update(
            type="mprn",
            mprn=mprn.mprn,
            valid=mprn.check_ok,
            check_expected=mprn.check_expected,
            check_actual=mprn.check_actual,
            problems=list(mprn.warnings),
        )
    else:
        result.update(
            type="unrecognised",
            valid=False,
            problems=[
                "not an MPAN (13-digit core or 21-character full MPAN) nor an MPRN (6 to 11 digits)"
            ],
        )
    return result


def _table(results: list[dict[str, Any]]) -> str:
    """One block a result: the input, then aligned ``label  value`` lines."""
    blocks = []
    for r in results:
        lines = [r["input"]]

        def add(label: str, value: object) -> None:
            lines.append(f"  {label:<13}{value}")  # noqa: B023 - used within the iteration

        add("type", r["type"])
        add("valid", "yes" if r["valid"] else "no")
        if r["type"] == "mpan":
            add("core", r["core"])
            if r["profile_class"] is not None:
                add("top line", f"PC {r['profile_class']}  MTC {r['mtc']}  LLFC {r['llfc']}")
        if r["type"] == "mprn":
            add("mprn", r["mprn"])
        if r["check_expected"] is not None:
            add("check digit", f"{r['check_actual']} (expected {r['check_expected']})")
        if r["type"] == "mpan":
            if r["mpid"]:
                add("distributor", f"{r['distributor_id']} {r['mpid']} ({r['kind']})")
                add("operator", r["operator"])
                add("area", r["area"])
            else:
                add("distributor", f"{r['distributor_id']} unknown distributor")
        for problem in r["problems"]:
            add("problem", problem)
        for warning in r["warnings"]:
            add("warning", warning)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def mpan(
    identifiers: list[str] = typer.Argument(
        None,
        metavar="MPAN...",
        help="MPAN cores (13 digits), full MPANs (21 characters, 'S' and spaces ignored) "
        "or MPRNs (6 to 11 digits).",
    ),
    fmt: MpanFormat = typer.Option(
        MpanFormat.TABLE, "-f", "--format", help="Output format: table or json (one array)."
    ),
    config: ConfigFile = None,
    no_config: NoConfig = False,
) -> int:
    """Check MPAN check digits and name each MPAN's distributor; check MPRNs too.

    Exit 0 when every input is valid, 1 when any is not; an unknown distributor id is a warning.

    \b
    Example: certcheck mpan 2000024512368 "S 00 111 222 1312345678907" 3938424403 -f json
    """
    import json
    import sys

    from certcheck.cli.common import ExitCode, UsageProblem
    from certcheck.output.escape import printable

    if not identifiers:
        raise UsageProblem("no MPAN given (example: certcheck mpan 2000024512368)")
    results = [describe(text) for text in identifiers]
    if fmt is MpanFormat.JSON:
        sys.stdout.write(json.dumps(results, indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(map(printable, _table(results).split("\n"))))
    return ExitCode.OK if all(r["valid"] for r in results) else ExitCode.FINDINGS
