"""Ground truth: the findings ``certcheck verify`` must report for each demonstration payload.

The rules below restate SPEC.md's finding codes for the world's cases, independently of the
checks themselves, so a test can compare verify's output with them exactly. Decisions taken:

* network rules apply to Network Operator certificates (role 3) in Network Operator cells:
  a Gas Transporter's on an ESME is ``NO_CERT_GAS_ON_ESME`` only, an electricity
  distributor's on a GSME/GPF is ``NO_CERT_ELECTRICITY_ON_GAS_DEVICE`` only, another
  distributor's is ``NO_CERT_WRONG_NETWORK``; an entity missing from operators.csv is
  ``NO_CERT_UNKNOWN_ORGANISATION`` only; a certificate of another role in a Network Operator
  cell is ``CELL_ROLE_MISMATCH`` only;
* ``NO_CERT_PAIR_MISMATCH`` is one finding per item, on the key-agreement cell's certificate,
  when the digital-signing and key-agreement Network Operator cells receive certificates of
  two entities; the foreign certificate also gets its own network finding;
* the meter mapping matters only to a payload that puts a Network Operator certificate into a
  Network Operator cell; for such a payload, a device missing from meters.csv gets
  ``DEVICE_NOT_IN_MAPPING`` and no network finding, a meter whose registered network differs
  from its MPAN's home distributor gets ``MPAN_PREFIX_DISAGREES``, and one without a
  registered network gets the info ``NETWORK_FROM_MPAN_PREFIX``; one whose network cannot be
  told (none registered and none from the MPAN, or a registered one no listed organisation
  answers for) gets ``NETWORK_UNDETERMINED`` and no ``NO_CERT_WRONG_NETWORK`` (the
  gas/electricity rules still apply);
* a read (CS02a/CS02f, ``certcheck.demo.history``) reports each cell's occupant by entity id
  and subject key id only: the network rules apply to each Network Operator occupant (the
  finding names no certificate), the cell, chain, pair and signature rules do not;
* an incident finding (SPEC.md "Audit store and reporting": an error of a ``NO_CERT_*`` or
  ``CELL_*`` code) names as ``responsible`` the organisation whose certificate it is about.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from certcheck.demo.history import GBCS_READ, READ_FORMS
from certcheck.demo.identities import ELECTRICITY_DISTRIBUTOR, GAS_TRANSPORTER, Organisation
from certcheck.demo.payloads import Case
from certcheck.demo.world import Meter, World
from certcheck.smki.eui import format_eui64
from certcheck.smki.roles import DIGITAL_SIGNATURE, KEY_AGREEMENT, RemotePartyRole

ERROR = "error"
WARNING = "warning"
INFO = "info"

# Severity of each code (SPEC.md, "Finding codes").
SEVERITY: dict[str, str] = {
    "NO_CERT_GAS_ON_ESME": ERROR,
    "NO_CERT_ELECTRICITY_ON_GAS_DEVICE": ERROR,
    "NO_CERT_WRONG_NETWORK": ERROR,
    "NO_CERT_UNKNOWN_ORGANISATION": WARNING,
    "CELL_ROLE_MISMATCH": ERROR,
    "CELL_KEY_USAGE_MISMATCH": ERROR,
    "NO_CERT_PAIR_MISMATCH": ERROR,
    "CERT_PROFILE_VIOLATION": ERROR,
    "CERT_CHAIN_UNTRUSTED": ERROR,
    "CERT_EXPIRED": WARNING,
    "CERT_NOT_YET_VALID": WARNING,
    "COMMAND_SIGNATURE_INVALID": ERROR,
    "DEVICE_NOT_IN_MAPPING": WARNING,
    "MPAN_PREFIX_DISAGREES": WARNING,
    "NETWORK_UNDETERMINED": WARNING,
    "MAPPING_ROW_INVALID": WARNING,
    "NETWORK_FROM_MPAN_PREFIX": INFO,
    "CHAIN_NOT_CHECKED": INFO,
    "INPUT_UNREADABLE": ERROR,
}
# The codes that make an item an incident (SPEC.md "Audit store and reporting": the error
# codes starting NO_CERT_ or CELL_).
INCIDENT = frozenset(
    code
    for code, severity in SEVERITY.items()
    if severity == ERROR and code.startswith(("NO_CERT_", "CELL_"))
)

_NO = int(RemotePartyRole.NETWORK_OPERATOR)


class Expected(NamedTuple):
    """One finding a case must produce: its code, the certificate it names (sha256) and the
    placement it is about (an index into ``case.placements``), each None for the whole item."""

    code: str
    certificate: str | None
    placement: int | None


def meter_of(world: World, case: Case) -> Meter | None:
    return next((m for m in world.meters if m.device_id == case.device_id), None)


def case_findings(world: World, case: Case) -> list[Expected]:
    """Every finding the case must produce, info included."""
    found: list[Expected] = []
    meter = meter_of(world, case)
    read = case.form in READ_FORMS
    places_no = any(p.cell_role == _NO and (read or p.holder.role == _NO) for p in case.placements)
    if places_no and meter is None:
        found.append(Expected("DEVICE_NOT_IN_MAPPING", None, None))
    if places_no and meter is not None and meter.network_from_prefix:
        found.append(Expected("NETWORK_FROM_MPAN_PREFIX", None, None))
    if places_no and meter is not None and meter.prefix_disagrees:
        found.append(Expected("MPAN_PREFIX_DISAGREES", None, None))
    undetermined = meter is not None and (
        not meter.expected_network
        or (meter.network is not None and not _answered(world, meter.network))
    )
    if places_no and undetermined:
        found.append(Expected("NETWORK_UNDETERMINED", None, None))
    if case.corrupt_signature:
        found.append(Expected("COMMAND_SIGNATURE_INVALID", None, None))
    for index, p in enumerate(case.placements):
        sha = None if read else p.certificate.sha256

        def add(code: str, sha: str | None = sha, index: int = index) -> None:
            found.append(Expected(code, sha, index))

        if not read and p.holder.role != p.cell_role:
            add("CELL_ROLE_MISMATCH")
        if not read and p.key_usage != p.cell_usage:
            add("CELL_KEY_USAGE_MISMATCH")
        if not read and not p.trusted:
            add("CERT_CHAIN_UNTRUSTED")
        if p.cell_role != _NO or (not read and p.holder.role != _NO):
            continue
        if not p.holder.listed:
            add("NO_CERT_UNKNOWN_ORGANISATION")
            continue
        if meter is None:
            continue
        if not meter.is_gas and p.holder.user_role == GAS_TRANSPORTER:
            add("NO_CERT_GAS_ON_ESME")
        elif meter.is_gas and p.holder.user_role == ELECTRICITY_DISTRIBUTOR:
            add("NO_CERT_ELECTRICITY_ON_GAS_DEVICE")
        elif not undetermined and meter.expected_network not in p.holder.mpids:
            add("NO_CERT_WRONG_NETWORK")
    cells = {
        p.cell_usage: (i, p)
        for i, p in enumerate(case.placements)
        if p.cell_role == _NO and p.holder.role == _NO
    }
    if not read and len(cells) == 2:
        (_, ds), (ka_index, ka) = cells[DIGITAL_SIGNATURE], cells[KEY_AGREEMENT]
        if ds.holder.entity_id != ka.holder.entity_id:
            found.append(Expected("NO_CERT_PAIR_MISMATCH", ka.certificate.sha256, ka_index))
    return found


def _answered(world: World, network: str) -> bool:
    """Whether a listed organisation answers for ``network`` ("" when none is known)."""
    return bool(network) and any(org.listed and network in org.mpids for org in world.orgs.values())


def expected_of(world: World, meter: Meter | None) -> dict[str, Any] | None:
    """The record's ``expected``: the meter's network and the organisations answering for it."""
    if meter is None or not meter.expected_network:
        return None
    parties = [
        {"party": org.party, "entity_id": org.eui}
        for org in world.orgs.values()
        if org.listed and meter.expected_network in org.mpids
    ]
    return {"network": meter.expected_network, "parties": parties}


def sender_of(case: Case) -> Organisation | None:
    """The listed organisation that sent the item (None for a device's bare GBCS response)."""
    if case.form == GBCS_READ or not case.sender.listed:
        return None
    return case.sender


def originator_of(case: Case) -> str:
    """The record's ``originator``: the device for a bare GBCS response, else the sender."""
    return format_eui64(case.device_id) if case.form == GBCS_READ else case.sender.eui


def truth_entry(
    world: World,
    case: Case,
    entry_id: str | None = None,
    sent: str | None = None,
    supplier: str | None = None,
) -> dict[str, Any]:
    """The ground-truth record of one payload (``entry_id`` and ``sent`` of a JSON Lines
    entry; ``supplier``: the Supplier it is attributed to, see certcheck.demo.reports)."""
    findings = case_findings(world, case)
    reported = [f for f in findings if SEVERITY[f.code] != INFO]
    codes = sorted({f.code for f in reported})
    severities = {SEVERITY[c] for c in codes}
    verdict = "fail" if ERROR in severities else "warn" if WARNING in severities else "pass"
    sender = sender_of(case)

    def responsible(f: Expected) -> str | None:
        if f.code not in INCIDENT or f.placement is None:
            return None
        holder = case.placements[f.placement].holder
        return holder.eui if holder.listed else None

    return {
        "case": case.kind,
        "form": case.form,
        "id": entry_id,
        "sent": sent,
        "originator": originator_of(case),
        "sender": sender.eui if sender else None,
        "supplier": supplier,
        "device_id": format_eui64(case.device_id),
        "expected": expected_of(world, meter_of(world, case)),
        "codes": codes,
        "findings": [
            {"code": f.code, "certificate": f.certificate, "responsible": responsible(f)}
            for f in sorted(reported, key=_order)
        ],
        "info": sorted({f.code for f in findings if SEVERITY[f.code] == INFO}),
        "incident": any(f.code in INCIDENT for f in reported),
        "verdict": verdict,
    }


def _order(item: Expected) -> tuple[str, str, int]:
    return item.code, item.certificate or "", -1 if item.placement is None else item.placement
