"""Is the target device in the MPAN/network mapping, and how was its network found?

Source: reference/market.md section 0 item 3 and 1.3 item 7 (the MPAN prefix is a heuristic;
Registration Data is the real source).
"""

from __future__ import annotations

from collections.abc import Iterator

from certcheck.audit.model import Finding, Severity
from certcheck.checks.registry import rule
from certcheck.checks.subject import Subject

DEVICE_NOT_IN_MAPPING = rule(
    "DEVICE_NOT_IN_MAPPING",
    Severity.WARNING,
    "The target device is not in meters.csv, so its network cannot be checked.",
    (
        "SECMP0063 (the responsible Network Operator comes from Registration Data for the "
        "device's MPAN or MPRN); DUIS RequestID (the target device's EUI-64)"
    ),
    "mapping",
    meaning=(
        "The target device's EUI-64 is not in meters.csv, so its network is unknown and the "
        "network checks were not done."
    ),
    why=(
        "Payloads name the device only by its EUI-64: without its mapping row certcheck cannot "
        "tell which network operator's certificates belong on it."
    ),
    remedy=(
        "Add the device to meters.csv (device_id, mpan or mprn, network, device_type) from your "
        "inventory and Registration Data."
    ),
    example="An SR 6.21 handover to device 00-DB-12-34-56-78-90-FF, not listed in meters.csv.",
)
MPAN_PREFIX_DISAGREES = rule(
    "MPAN_PREFIX_DISAGREES",
    Severity.WARNING,
    "The registered network is not the home distributor of the MPAN's distributor id.",
    ("MRA Market Domain Data (distributor ids and GSP groups); SEC Section E (Registration Data)"),
    "mapping",
    meaning=(
        "The network registered for the meter is not the home distributor of its MPAN's "
        "distributor id (the first two digits of the core)."
    ),
    why=(
        "Distributors can operate outside their home area and IDNOs operate GB-wide, so this can "
        "be right; but it is also how a mistyped network or MPAN shows."
    ),
    remedy=(
        "Confirm the meter's network against Registration Data; correct meters.csv if it is wrong."
    ),
    example="An MPAN with distributor id 19 (SEEB's) registered to network LOND.",
)
NETWORK_FROM_MPAN_PREFIX = rule(
    "NETWORK_FROM_MPAN_PREFIX",
    Severity.INFO,
    "No registered network; the MPAN's distributor id was used.",
    (
        "MRA Market Domain Data (the distributor id in an MPAN core); SEC Section E (Registration "
        "Data names the network)"
    ),
    "mapping",
    meaning=(
        "meters.csv gives no network for the meter, so certcheck used the home distributor of its "
        "MPAN's distributor id."
    ),
    why=(
        "The distributor id is a fallback: an MPAN can belong to a distributor outside its home "
        "area, so the network checks rest on an assumption that this note makes visible."
    ),
    remedy="Fill in the `network` column of meters.csv from Registration Data.",
    example=(
        "A meter with MPAN core 2000024512368 and no network: certcheck expects the distributor "
        "of id 20."
    ),
)


MAPPING_ROW_INVALID = rule(
    "MAPPING_ROW_INVALID",
    Severity.WARNING,
    "The device's meters.csv row was invalid and skipped, so its network cannot be checked.",
    (
        "SEC Section E (Registration Data: the MPAN or MPRN and network of a meter point); "
        "MRA Market Domain Data (MPAN check digit); certcheck reports a check it cannot do"
    ),
    "mapping",
    meaning=(
        "The meters.csv row naming the target device was invalid (a malformed or mistyped MPAN "
        "or MPRN, a bad device type, or the device listed again with a different row), so it "
        "was skipped and the device's network is unknown."
    ),
    why=(
        "A bad row no longer stops a whole run, but the network checks of its device were not "
        "done: a wrong certificate on that meter would pass unseen."
    ),
    remedy=(
        "Correct the row the run listed on standard error (file, line, column, reason) and run "
        "again; --strict-mapping refuses any bad row."
    ),
    example="Row 'meters.csv:2: column mpan: MPAN 1990880840461: check digit' for the device.",
)


def relevant(subject: Subject) -> bool:
    """The mapping matters for items that put (or report) Network Operator certificates on a
    named device: only there is a network to check."""
    return (
        bool(subject.item.device_id)
        and subject.context.mapping is not None
        and bool(subject.network_operator_entries)
    )


@DEVICE_NOT_IN_MAPPING.check
def device_not_in_mapping(subject: Subject) -> Iterator[Finding]:
    if relevant(subject) and subject.meter is None and subject.bad_row is None:
        yield DEVICE_NOT_IN_MAPPING.finding(
            f"device {subject.item.device_id} is not in the meter mapping", None, None
        )


@MAPPING_ROW_INVALID.check
def mapping_row_invalid(subject: Subject) -> Iterator[Finding]:
    bad = subject.bad_row if relevant(subject) else None
    if bad is not None:
        column = f", column {bad.column}" if bad.column else ""
        yield MAPPING_ROW_INVALID.finding(
            f"the mapping row for device {subject.item.device_id} ({bad.path} line {bad.line}"
            f"{column}: {bad.reason}) was invalid and skipped; its network was not checked",
        )


@MPAN_PREFIX_DISAGREES.check
def prefix_disagrees(subject: Subject) -> Iterator[Finding]:
    meter = subject.meter if relevant(subject) else None
    if meter is not None and meter.prefix_disagrees:
        home = meter.distributor
        yield MPAN_PREFIX_DISAGREES.finding(
            f"MPAN {meter.mpan} has distributor id {meter.mpan[:2] if meter.mpan else '?'} "
            f"({home.mpid if home else 'unknown'}) but its registered network is {meter.network}",
        )


@NETWORK_FROM_MPAN_PREFIX.check
def network_from_prefix(subject: Subject) -> Iterator[Finding]:
    meter = subject.meter if relevant(subject) else None
    if meter is not None and meter.network_from_prefix:
        yield NETWORK_FROM_MPAN_PREFIX.finding(
            f"no registered network for {meter.device_id}; MPAN {meter.mpan} distributor id gives "
            f"{meter.expected_network}",
        )
