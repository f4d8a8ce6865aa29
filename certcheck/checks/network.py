"""Is each Network Operator certificate the one registered for the meter's network?

The check SECMP0063 proposed and the DCC never made (reference/market.md section 4): the NO
certificate on an ESME must belong to the electricity distributor registered for its MPAN, and
on a GSME/GPF to the gas transporter of its MPRN. An SMKI certificate cannot say which; the
organisation registry (operators.csv) maps its entity id to a party, user role and MPIDs
(reference/smki.md section 2; market.md section 5.3).
"""

from __future__ import annotations

from collections.abc import Iterator

from certcheck.audit.model import Finding, Severity
from certcheck.checks.registry import Rule, rule
from certcheck.checks.subject import NetworkOperatorEntry, Subject
from certcheck.market.operators import Operator, UserRole

NO_CERT_GAS_ON_ESME = rule(
    "NO_CERT_GAS_ON_ESME",
    Severity.ERROR,
    "A gas transporter's certificate in a Network Operator cell of an ESME.",
    "SECMP0063 (DCC check on SR 6.15.1/6.21 to an ESME); market.md 3.3",
    "network",
    incident=True,
)
NO_CERT_ELECTRICITY_ON_GAS_DEVICE = rule(
    "NO_CERT_ELECTRICITY_ON_GAS_DEVICE",
    Severity.ERROR,
    "An electricity distributor's certificate in a Network Operator cell of a GSME or GPF.",
    "SECMP0063 (NO recorded for the MPRN of a GPF); MP128A gas network operator certificates",
    "network",
    incident=True,
)
NO_CERT_WRONG_NETWORK = rule(
    "NO_CERT_WRONG_NETWORK",
    Severity.ERROR,
    "A network operator's certificate, but not that of the network registered for the meter.",
    "SECMP0063: the NO certificate must belong to the NO in Registration Data for the MPxN",
    "network",
    incident=True,
)
NO_CERT_UNKNOWN_ORGANISATION = rule(
    "NO_CERT_UNKNOWN_ORGANISATION",
    Severity.WARNING,
    "The entity id of a Network Operator certificate is not in operators.csv.",
    "smki.md 2: only the organisation registry tells electricity from gas",
    "network",
)


def _what(entry: NetworkOperatorEntry) -> str:
    """A placed certificate, or a cell occupant a device reported (entity id and SKI only)."""
    return "certificate" if entry.certificate is not None else "reported cell occupant"


def _label(entry: NetworkOperatorEntry, operator: Operator | None) -> str:
    return f"{operator.party} ({entry.entity_id})" if operator else str(entry.entity_id)


def _sha(entry: NetworkOperatorEntry) -> str | None:
    return entry.certificate.sha256 if entry.certificate else None


def _kind_crossing(
    subject: Subject, rule: Rule, gas_device: bool, user_role: UserRole, who: str
) -> Iterator[Finding]:
    """Findings for organisations of ``user_role`` in the NO cells of a gas (or electricity)
    device."""
    meter = subject.meter
    if meter is None or meter.device_type.is_gas != gas_device:
        return
    for entry, operator in subject.network_operators:
        if operator is not None and operator.user_role == user_role:
            yield rule.finding(
                f"{who} {_label(entry, operator)} in a Network Operator cell of "
                f"{meter.device_type} {subject.item.device_id}",
                _sha(entry),
                entry.where,
                subject.context.organisation(entry.entity_id),
            )


@NO_CERT_GAS_ON_ESME.check
def gas_on_esme(subject: Subject) -> Iterator[Finding]:
    return _kind_crossing(
        subject, NO_CERT_GAS_ON_ESME, False, UserRole.GAS_TRANSPORTER, "gas transporter"
    )


@NO_CERT_ELECTRICITY_ON_GAS_DEVICE.check
def electricity_on_gas_device(subject: Subject) -> Iterator[Finding]:
    return _kind_crossing(
        subject,
        NO_CERT_ELECTRICITY_ON_GAS_DEVICE,
        True,
        UserRole.ELECTRICITY_DISTRIBUTOR,
        "electricity distributor",
    )


_NETWORK_ROLES = frozenset({UserRole.GAS_TRANSPORTER, UserRole.ELECTRICITY_DISTRIBUTOR})


@NO_CERT_WRONG_NETWORK.check
def wrong_network(subject: Subject) -> Iterator[Finding]:
    meter = subject.meter
    if meter is None or not meter.expected_network:
        return
    expected = meter.expected_network
    wanted_role = meter.device_type.network_role
    for entry, operator in subject.network_operators:
        if operator is None:
            continue
        if operator.user_role in _NETWORK_ROLES and operator.user_role != wanted_role:
            continue  # the gas/electricity rules above report a crossing of kinds
        if expected in operator.mpids:
            continue
        source = "MPAN distributor id" if meter.network_from_prefix else "registered network"
        yield NO_CERT_WRONG_NETWORK.finding(
            f"{_what(entry)} of {_label(entry, operator)} (networks "
            f"{', '.join(operator.mpids) or 'none'}) on {meter.device_type} "
            f"{meter.device_id}, whose {source} is {expected}",
            _sha(entry),
            entry.where,
            subject.context.organisation(entry.entity_id),
        )


@NO_CERT_UNKNOWN_ORGANISATION.check
def unknown_organisation(subject: Subject) -> Iterator[Finding]:
    if subject.context.registry is None:
        return
    for entry, operator in subject.network_operators:
        if operator is None:
            yield NO_CERT_UNKNOWN_ORGANISATION.finding(
                f"Network Operator entity {entry.entity_id} is not in the organisation registry; "
                "cannot tell its network",
                _sha(entry),
                entry.where,
            )
