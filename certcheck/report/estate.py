"""The estate: each device's Network Operator cells as last seen, and who must act on them.

Events are the items that show what a device's Network Operator cells hold, taken in the order
they happened (``sent``, else the run, then the order audited):

- a request (a DUIS request or GBCS command placing certificates) is an *attempt*: its
  evidence is ``request``;
- a response or alert reporting the cells' new occupants is the device's word: ``response``;
- a read of the credentials (CS02a/CS02f, SR 6.24.1) is the device's word too: ``read``.

Each event replaces what is known of the cells it names. A cell is ``wrong`` when an incident
finding (``Rule.incident``) names its certificate or reported occupant, ``unknown`` when the
meter's network was not known or the occupant's organisation is not in operators.csv, and
``right`` otherwise. A device is wrong when any cell is, else unknown when any cell is, else
right; so a later right placement or read closes an earlier wrong one. ``responsible`` is the
organisations whose certificates sit in its wrong cells now (SECMP0063: only they can replace
them).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from certcheck.audit.model import ItemKind
from certcheck.formats.gbcs.messages import message_info
from certcheck.smki.roles import RemotePartyRole

WRONG = "wrong"
RIGHT = "right"
UNKNOWN = "unknown"
REQUEST = "request"
RESPONSE = "response"
READ = "read"
_NO = int(RemotePartyRole.NETWORK_OPERATOR)
_REQUEST_KINDS = frozenset({ItemKind.DUIS_REQUEST.value, ItemKind.GBCS_COMMAND.value})
# CS02a and CS02f report the cells' current occupants (reference/payloads.md section 2.8).
_READ_USE_CASES = frozenset({"CS02a", "CS02f"})
_APPLIED = frozenset({None, "success"})
_UNJUDGED = frozenset({"NO_CERT_UNKNOWN_ORGANISATION"})


def evidence_of(record: dict[str, Any]) -> str:
    """``request``, ``read`` or ``response`` for a record's kind and message code."""
    if record.get("kind") in _REQUEST_KINDS:
        return REQUEST
    code = record.get("message_code")
    if isinstance(code, str):
        try:
            info = message_info(int(code, 16))
        except ValueError:
            info = None
        if info is not None and info.use_case in _READ_USE_CASES:
            return READ
    return RESPONSE


@dataclass(frozen=True)
class CellState:
    """What one Network Operator cell holds, as the latest event that named it showed."""

    key_usage: str
    cell_usage: str
    entity_id: str | None
    party: str | None
    state: str
    codes: frozenset[str] = frozenset()
    responsible: tuple[tuple[str, dict[str, Any]], ...] = ()  # (entity id, organisation)

    def occupant(self) -> dict[str, Any]:
        return {
            "key_usage": self.key_usage,
            "cell_usage": self.cell_usage,
            "entity_id": self.entity_id,
            "party": self.party,
            "state": self.state,
        }


@dataclass
class DeviceState:
    """One device's Network Operator cells and the event that last showed them."""

    device_id: str
    cells: dict[tuple[str, str], CellState] = field(default_factory=dict)
    state: str = UNKNOWN
    evidence: str = REQUEST
    since: str | None = None
    source: str = ""
    sent: str | None = None
    mpan: str | None = None
    expected_network: str | None = None
    expected_parties: list[dict[str, Any]] = field(default_factory=list)
    items_by_org: Counter[str] = field(default_factory=Counter)  # incident items since right

    def responsible(self) -> dict[str, dict[str, Any]]:
        """Entity id -> organisation, for every organisation holding a wrong cell now."""
        found: dict[str, dict[str, Any]] = {}
        for cell in self.cells.values():
            if cell.state == WRONG:
                found.update(cell.responsible)
        return dict(sorted(found.items()))

    def codes_of(self, entity_id: str) -> list[str]:
        """The incident codes of the wrong cells this organisation answers for."""
        return sorted(
            {
                code
                for cell in self.cells.values()
                if cell.state == WRONG and any(e == entity_id for e, _ in cell.responsible)
                for code in cell.codes
            }
        )

    def row(self) -> dict[str, Any]:
        """SPEC.md ``--by device`` entry."""
        return {
            "device_id": self.device_id,
            "state": self.state,
            "evidence": self.evidence,
            "since": self.since,
            "occupants": [self.cells[key].occupant() for key in sorted(self.cells)],
            "expected_network": self.expected_network,
            "responsible": list(self.responsible().values()),
            "source": self.source,
        }


def _organisation(responsible: Any) -> tuple[str, dict[str, Any]] | None:
    if not isinstance(responsible, dict) or not responsible.get("entity_id"):
        return None
    return responsible["entity_id"], {
        "party": responsible.get("party"),
        "entity_id": responsible["entity_id"],
        "user_role": responsible.get("user_role"),
    }


def _named_cells(record: dict[str, Any]) -> list[tuple[tuple[str, str], str | None, Any, str]]:
    """(cell, occupant entity id, occupant party, how findings name it) per Network Operator
    cell the record shows: ``sha256`` of a placed certificate, else a reported cell's ``where``."""
    shown = []
    for entry in record.get("certificates") or ():
        cell = entry.get("cell") if isinstance(entry, dict) else None
        if entry.get("path") or not isinstance(cell, dict) or cell.get("role") != _NO:
            continue
        key = (str(cell.get("key_usage")), str(cell.get("cell_usage") or "management"))
        shown.append((key, entry.get("entity_id"), entry.get("party"), entry.get("sha256")))
    for entry in record.get("occupants") or ():
        cell = entry.get("cell") if isinstance(entry, dict) else None
        if (
            not isinstance(cell, dict)
            or cell.get("role") != _NO
            or entry.get("status") not in _APPLIED
            or not entry.get("entity_id")
        ):
            continue
        key = (str(cell.get("key_usage")), str(cell.get("cell_usage") or "management"))
        shown.append((key, entry.get("entity_id"), entry.get("party"), entry.get("where")))
    return shown


class Estate:
    """Every device's state, fed one record at a time in the order events happened."""

    def __init__(self, incident_codes: frozenset[str]) -> None:
        self.incident_codes = incident_codes
        self.devices: dict[str, DeviceState] = {}

    def observe(self, record: dict[str, Any], when: str) -> None:
        """Apply one record (an event at ``when``) to its device, if it shows NO cells."""
        device_id = record.get("device_id")
        if not device_id:
            return
        shown = _named_cells(record)
        if not shown:
            return
        device = self.devices.get(device_id)
        if device is None:
            device = self.devices[device_id] = DeviceState(device_id)
        before = (device.state, tuple(device.cells.items()))
        judged = record.get("expected_network") is not None
        findings = [f for f in record.get("findings") or () if isinstance(f, dict)]
        named_orgs: set[str] = set()
        for key, entity_id, party, handle in shown:
            mine = [
                f for f in findings if handle and handle in (f.get("certificate"), f.get("where"))
            ]
            incidents = [
                f
                for f in mine
                if f.get("code") in self.incident_codes and f.get("severity") == "error"
            ]
            organisations = map(_organisation, (f.get("responsible") for f in incidents))
            responsible = tuple(dict(o for o in organisations if o).items())
            if incidents:
                state = WRONG
            elif not judged or any(f.get("code") in _UNJUDGED for f in mine):
                state = UNKNOWN
            else:
                state = RIGHT
            device.cells[key] = CellState(
                key[0],
                key[1],
                entity_id,
                party,
                state,
                frozenset(str(f.get("code")) for f in incidents),
                responsible,
            )
            named_orgs.update(entity for entity, _ in responsible)
        states = {cell.state for cell in device.cells.values()}
        device.state = WRONG if WRONG in states else UNKNOWN if UNKNOWN in states else RIGHT
        if device.state == RIGHT:
            device.items_by_org.clear()
        device.items_by_org.update(named_orgs)
        if (device.state, tuple(device.cells.items())) != before or device.since is None:
            device.since = when
        device.evidence = evidence_of(record)
        device.source = str(record.get("source"))
        device.sent = record.get("sent")
        device.mpan = record.get("mpan")
        device.expected_network = record.get("expected_network")
        expected = record.get("expected")
        parties = expected.get("parties") if isinstance(expected, dict) else None
        device.expected_parties = list(parties) if isinstance(parties, list) else []

    def rows(self) -> list[dict[str, Any]]:
        """SPEC.md ``--by device`` entries, wrong devices first, then by device id."""
        order = {WRONG: 0, UNKNOWN: 1, RIGHT: 2}
        ordered = sorted(self.devices.values(), key=lambda d: (order[d.state], d.device_id))
        return [device.row() for device in ordered]

    def worklist(self) -> list[dict[str, Any]]:
        """SPEC.md ``--by responsible`` entries: per organisation, the wrong devices it must fix."""
        orgs: dict[str, dict[str, Any]] = {}
        for device in sorted(self.devices.values(), key=lambda d: d.device_id):
            if device.state != WRONG:
                continue
            for entity_id, organisation in device.responsible().items():
                entry = orgs.get(entity_id)
                if entry is None:
                    entry = orgs[entity_id] = {
                        **organisation,
                        "devices": 0,
                        "items": 0,
                        "worklist": [],
                    }
                entry["devices"] += 1
                entry["items"] += device.items_by_org.get(entity_id, 0)
                entry["worklist"].append(
                    {
                        "device_id": device.device_id,
                        "mpan": device.mpan,
                        "expected_network": device.expected_network,
                        "expected_parties": device.expected_parties,
                        "codes": device.codes_of(entity_id),
                        "source": device.source,
                        "sent": device.sent,
                    }
                )
        return sorted(
            orgs.values(), key=lambda o: (-o["devices"], str(o["party"] or ""), o["entity_id"])
        )
