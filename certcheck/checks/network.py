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
from certcheck.checks.mapping import relevant
from certcheck.checks.registry import Rule, rule
from certcheck.checks.subject import NetworkOperatorEntry, Subject
from certcheck.market.operators import Operator, UserRole

NO_CERT_GAS_ON_ESME = rule(
    "NO_CERT_GAS_ON_ESME",
    Severity.ERROR,
    "A gas transporter's certificate in a Network Operator cell of an ESME.",
    (
        "SECMP0063 (the DCC check proposed for SR 6.15.1 and 6.21 to an ESME); SEC ID allocation "
        "(User Role Gas Transporter)"
    ),
    "network",
    incident=True,
    meaning=(
        "A certificate placed in a Network Operator cell (remote party role 3) of an electricity "
        "meter belongs to an organisation whose user_role in operators.csv is gas_transporter. "
        "Electricity distributors and gas transporters share role 3 and one issuing OCA, so only "
        "the organisation registry tells them apart."
    ),
    why=(
        "An ESME must trust the electricity distributor registered for its MPAN. SECMP0063 found "
        "a wrong Network Operator certificate on about one ESME in ten, which stops the true "
        "distributor from communicating with the meter; the meter accepts a replacement of that "
        "cell only when signed by the organisation it now trusts."
    ),
    remedy=(
        "Tell the organisation named in `responsible` (the gas transporter): only it can replace "
        "its certificates with the registered distributor's. The Supplier that sent the request "
        "should correct the Network Operator certificates it sends in SR 6.21 handovers."
    ),
    example=(
        "An SR 6.21 handover to an ESME whose MPAN is registered to SEEB carries the "
        "digital-signing and key-agreement certificates of a gas transporter."
    ),
)
NO_CERT_ELECTRICITY_ON_GAS_DEVICE = rule(
    "NO_CERT_ELECTRICITY_ON_GAS_DEVICE",
    Severity.ERROR,
    "An electricity distributor's certificate in a Network Operator cell of a GSME or GPF.",
    (
        "SECMP0063 (the DCC check proposed for SR 6.21 to a GPF); SEC modification MP128A (gas "
        "network operator certificates)"
    ),
    "network",
    incident=True,
    meaning=(
        "A certificate placed in a Network Operator cell of a gas meter (GSME) or gas proxy "
        "function (GPF) belongs to an organisation whose user_role in operators.csv is "
        "electricity_distributor."
    ),
    why=(
        "A gas device must trust the gas transporter responsible for its MPRN. SECMP0063 proposed "
        "the same check for GPF targets, and modification MP128A covers gas network operator "
        "certificates on devices; an electricity distributor's certificate there locks the gas "
        "transporter out."
    ),
    remedy=(
        "Tell the organisation named in `responsible` (the electricity distributor): only it can "
        "replace its certificates with the gas transporter's. Check the meter's device_type and "
        "network in meters.csv."
    ),
    example=(
        "An SR 6.21 handover to a GPF carries the certificates of the electricity distributor LOND."
    ),
)
NO_CERT_WRONG_NETWORK = rule(
    "NO_CERT_WRONG_NETWORK",
    Severity.ERROR,
    "A network operator's certificate, but not that of the network registered for the meter.",
    (
        "SECMP0063: the Network Operator certificate must belong to the Network Operator recorded "
        "in Registration Data for the meter's MPAN or MPRN"
    ),
    "network",
    incident=True,
    meaning=(
        "The certificate belongs to a network operator of the right kind (electricity for an "
        "ESME), but not to the one that answers for the network registered for the meter "
        "(meters.csv `network`, or the MPAN's distributor id)."
    ),
    why=(
        "This is the error SECMP0063 set out to stop: a Supplier loads one distributor's "
        "certificates onto a meter in another distributor's area (about one ESME in ten). The "
        "registered distributor then cannot read or control its own meter, and only the wrongly "
        "placed organisation can put it right."
    ),
    remedy=(
        "Tell the organisation named in `responsible`: it replaces its certificates with those of "
        "the organisations listed in `expected`. Check the Supplier's source of Network Operator "
        "certificates for the meter's MPAN."
    ),
    example=(
        "An ESME registered to network SEEB receives the certificates of distributor LOND in an "
        "SR 6.21 handover."
    ),
)
NO_CERT_UNKNOWN_ORGANISATION = rule(
    "NO_CERT_UNKNOWN_ORGANISATION",
    Severity.WARNING,
    "The entity id of a Network Operator certificate is not in operators.csv.",
    (
        "SEC ID allocation (the Party and User Role behind each EUI-64 entity id); GBCS section "
        "12 (role 3 covers electricity and gas network operators)"
    ),
    "network",
    meaning=(
        "The entity id (EUI-64, from the certificate's x500UniqueIdentifier) of a Network "
        "Operator certificate is not in operators.csv, so certcheck cannot say whose it is, nor "
        "whether it is electricity or gas."
    ),
    why=(
        "An SMKI Organisation Certificate names its organisation only by entity id, and "
        "electricity and gas network operators share one remote party role: without the registry "
        "entry the network checks cannot be done for this certificate."
    ),
    remedy=(
        "Add the organisation to operators.csv from your extract of the SEC ID allocation "
        "(entity_id, party, user_role, mpids), then verify again."
    ),
    example=(
        "A handover carries a Network Operator certificate of entity 90-B3-D5-1F-30-02-00-99, "
        "which operators.csv does not list."
    ),
)


NETWORK_UNDETERMINED = rule(
    "NETWORK_UNDETERMINED",
    Severity.WARNING,
    "The device is mapped but its network cannot be told, so the wrong-network check is not "
    "done (the gas/electricity checks still are).",
    (
        "SECMP0063 (the Network Operator recorded in Registration Data for the meter's MPAN or "
        "MPRN); MRA Market Domain Data (distributor ids); SEC ID allocation (who answers for a "
        "network); certcheck reports a check it cannot do"
    ),
    "network",
    meaning=(
        "The device is in the mapping but its network is unknown: no network is registered and "
        "the MPAN's distributor id is not a known one, a gas meter has no network, or the "
        "registered network is one no organisation in operators.csv answers for."
    ),
    why=(
        "Without the network certcheck cannot say whose certificates belong on the meter, so "
        "it does not call them wrong (a mistyped network would flag every right certificate) "
        "nor right."
    ),
    remedy=(
        "Fill in or correct the meter's network in meters.csv from Registration Data, or add "
        "the organisation answering for it (its MPIDs) to operators.csv."
    ),
    example="An ESME registered to network IPNX, which no organisation in operators.csv lists.",
)


@NETWORK_UNDETERMINED.check
def network_undetermined(subject: Subject) -> Iterator[Finding]:
    reason = subject.undetermined if relevant(subject) else None
    if reason is not None:
        yield NETWORK_UNDETERMINED.finding(f"{reason}: the wrong-network check was not done")


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
    if meter is None or not subject.network_operators or subject.undetermined is not None:
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
