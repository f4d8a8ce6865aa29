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
    "SPEC.md meters.csv; SECMP0063 (Registration Data for the target device)",
    "mapping",
)
MPAN_PREFIX_DISAGREES = rule(
    "MPAN_PREFIX_DISAGREES",
    Severity.WARNING,
    "The registered network is not the home distributor of the MPAN's distributor id.",
    "market.md 1.3.7 (distributors outside their home GSP group; IDNOs GB-wide)",
    "mapping",
)
NETWORK_FROM_MPAN_PREFIX = rule(
    "NETWORK_FROM_MPAN_PREFIX",
    Severity.INFO,
    "No registered network; the MPAN's distributor id was used.",
    "market.md 0.3 (prefix is a fallback, with a note)",
    "mapping",
)


def _relevant(subject: Subject) -> bool:
    """The mapping matters for items that put (or report) Network Operator certificates on a
    named device: only there is a network to check."""
    return (
        bool(subject.item.device_id)
        and subject.context.mapping is not None
        and bool(subject.network_operator_entries)
    )


@DEVICE_NOT_IN_MAPPING.check
def device_not_in_mapping(subject: Subject) -> Iterator[Finding]:
    if _relevant(subject) and subject.meter is None:
        yield DEVICE_NOT_IN_MAPPING.finding(
            f"device {subject.item.device_id} is not in the meter mapping", None, None
        )


@MPAN_PREFIX_DISAGREES.check
def prefix_disagrees(subject: Subject) -> Iterator[Finding]:
    meter = subject.meter if _relevant(subject) else None
    if meter is not None and meter.prefix_disagrees:
        home = meter.distributor
        yield MPAN_PREFIX_DISAGREES.finding(
            f"MPAN {meter.mpan} has distributor id {meter.mpan[:2] if meter.mpan else '?'} "
            f"({home.mpid if home else 'unknown'}) but its registered network is {meter.network}",
        )


@NETWORK_FROM_MPAN_PREFIX.check
def network_from_prefix(subject: Subject) -> Iterator[Finding]:
    meter = subject.meter if _relevant(subject) else None
    if meter is not None and meter.network_from_prefix:
        yield NETWORK_FROM_MPAN_PREFIX.finding(
            f"no registered network for {meter.device_id}; MPAN {meter.mpan} distributor id gives "
            f"{meter.expected_network}",
        )
