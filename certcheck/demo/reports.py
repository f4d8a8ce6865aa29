"""What ``certcheck report`` must show for a demonstration world, from what the world holds.

Worked out from the cases themselves (who sent what, which certificate went into which cell,
which findings truth.py expects), never from certcheck.report, following SPEC.md ("Output",
"Audit store and reporting"):

* attribution: an item counts for its ``supplier``: the sender when it is a Supplier; for a
  CS02b command the DCC Access Control Broker signed, the Supplier of the 6.21 request with the
  same device and certificates (the world has at most one, see
  ``payloads.one_supplier_per_handover``); any other item counts for its sender (its originator
  when the sender is not in operators.csv: a device answering a read) under ``other_senders``;
* the estate: events in the order they happened (``sent``; an item without a date is dated by
  the verify run, after every dated item; then the order audited); each event replaces what
  is known of the Network Operator cells it shows; a cell is wrong when an incident finding is
  about it, unknown when the device is not mapped or the occupant's organisation is not
  listed, right otherwise; ``since`` is the first event of the device's current cells and
  states (None when that event carries no date: the report shows the run's time);
* the worklist: for each device wrong now, one row per organisation whose certificate is in a
  wrong cell, with the incident codes of those cells and the incident items naming it since
  the device was last right.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from certcheck.demo.history import READ_FORMS
from certcheck.demo.identities import DCC, SUPPLIER, Organisation
from certcheck.demo.payloads import DUIS_HANDOVER, GBCS_NO_BY_NO, Case, handover_key
from certcheck.demo.truth import (
    INCIDENT,
    Expected,
    case_findings,
    expected_of,
    meter_of,
    originator_of,
    sender_of,
)
from certcheck.demo.world import Meter, World
from certcheck.smki.eui import format_eui64
from certcheck.smki.roles import RemotePartyRole

WRONG, RIGHT, UNKNOWN = "wrong", "right", "unknown"
_NO = int(RemotePartyRole.NETWORK_OPERATOR)
_CELL_USAGE = "management"  # every cell the world fills is a management cell


@dataclass(frozen=True)
class Audited:
    """One audited item of the world: its source, case, ``sent`` and history (if any)."""

    source: str
    case: Case
    sent: str | None
    story: str | None = None

    @property
    def order(self) -> tuple[Any, ...]:
        """Where verify meets it in a walk of payloads/: sorted names, then line number."""
        path, _, line = self.source.partition("#")
        return (*path.split("/"), int(line or 0))


def attribute(audited: list[Audited]) -> dict[str, Organisation | None]:
    """Source -> the Supplier each item counts for, or None."""
    offers: dict[tuple[bytes, frozenset[str]], set[Organisation]] = {}
    for entry in audited:
        if entry.case.form == DUIS_HANDOVER and entry.case.sender.user_role == SUPPLIER:
            offers.setdefault(handover_key(entry.case), set()).add(entry.case.sender)
    found: dict[str, Organisation | None] = {}
    for entry in audited:
        case = entry.case
        sender = sender_of(case)
        supplier = None
        if sender is not None and sender.user_role == SUPPLIER:
            supplier = sender
        elif case.form == GBCS_NO_BY_NO and sender is not None and sender.user_role == DCC:
            paired = offers.get(handover_key(case), set())
            if len(paired) > 1:  # pragma: no cover - one_supplier_per_handover prevents it
                raise ValueError(f"{entry.source}: several Suppliers asked for this handover")
            supplier = next(iter(paired), None)
        found[entry.source] = supplier
    return found


@dataclass
class _Tally:
    party: str | None
    entity_id: str | None
    user_role: str | None
    items: int = 0
    incorrect: int = 0
    by_code: Counter[str] = field(default_factory=Counter)

    def add(self, incidents: set[str]) -> None:
        self.items += 1
        self.incorrect += bool(incidents)
        self.by_code.update(incidents)

    def row(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "entity_id": self.entity_id,
            "user_role": self.user_role,
            "items": self.items,
            "incorrect": self.incorrect,
            "by_code": dict(sorted(self.by_code.items())),
        }


@dataclass
class _Device:
    cells: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=dict
    )  # cell -> (occupant entity id, state, incident codes, responsible entity ids)
    state: str = UNKNOWN
    evidence: str = "request"
    since: str | None = None
    source: str = ""
    sent: str | None = None
    seen: bool = False
    items: Counter[str] = field(default_factory=Counter)


def expected_reports(
    world: World, audited: list[Audited]
) -> tuple[dict[str, Any], dict[str, str | None]]:
    """(truth.json's ``reports``, source -> Supplier party) for the world's audited items."""
    suppliers = attribute(audited)
    tallies: dict[str, _Tally] = {}
    others: dict[str, _Tally] = {}
    devices: dict[str, _Device] = {}
    ordered = sorted(audited, key=lambda e: (e.sent is None, e.sent or "", e.order))
    for entry in ordered:
        case = entry.case
        findings = [f for f in case_findings(world, case) if f.code in INCIDENT]
        incidents = {f.code for f in findings}
        supplier = suppliers[entry.source]
        if supplier is not None:
            tally = tallies.setdefault(
                supplier.party, _Tally(supplier.party, supplier.eui, SUPPLIER)
            )
        else:
            sender = sender_of(case)
            key = originator_of(case)
            tally = others.setdefault(
                key,
                _Tally(sender.party, key, sender.user_role) if sender else _Tally(None, key, None),
            )
        tally.add(incidents)
        meter = meter_of(world, case)
        judged = meter is not None and bool(meter.expected_network)
        _observe(world, devices, entry, findings, judged)
    rows = {}
    worklist = []
    by_org: dict[str, dict[str, Any]] = {}
    meters = {m.eui: m for m in world.meters}
    for device_id, device in sorted(devices.items()):
        responsible = sorted(
            {e for _, state, _, who in device.cells.values() if state == WRONG for e in who}
        )
        meter = meters.get(device_id)
        rows[device_id] = {
            "state": device.state,
            "evidence": device.evidence,
            "since": device.since,
            "source": device.source,
            "occupants": {cell: v[0] for cell, v in sorted(device.cells.items())},
            "responsible": responsible,
            "expected_network": meter.expected_network if meter else None,
        }
        if device.state != WRONG:
            continue
        for entity in responsible:
            org = _organisation(world, entity)
            codes = sorted(
                {
                    code
                    for _, state, cell_codes, who in device.cells.values()
                    if state == WRONG and entity in who
                    for code in cell_codes
                }
            )
            expected = expected_of(world, meter)
            worklist.append(
                {
                    "organisation": entity,
                    "party": org.party,
                    "device_id": device_id,
                    "mpan": _meter_point(meter),
                    "expected_network": expected["network"] if expected else None,
                    "expected_parties": expected["parties"] if expected else [],
                    "codes": codes,
                    "source": device.source,
                    "sent": device.sent,
                }
            )
            summary = by_org.setdefault(
                entity,
                {
                    "party": org.party,
                    "user_role": org.user_role,
                    "devices": 0,
                    "items": 0,
                },
            )
            summary["devices"] += 1
            summary["items"] += device.items[entity]
    reports = {
        "suppliers": {party: t.row() for party, t in sorted(tallies.items())},
        "other_senders": {key: t.row() for key, t in sorted(others.items())},
        "devices": rows,
        "worklist": sorted(worklist, key=lambda r: (r["organisation"], r["device_id"])),
        "responsible": dict(sorted(by_org.items())),
    }
    return reports, {source: s.party if s else None for source, s in suppliers.items()}


def _meter_point(meter: Meter | None) -> str | None:
    """The record's ``mpan``: the MPAN's 13-digit core (a full MPAN ends with it), else the
    MPRN of a gas meter."""
    if meter is None:
        return None
    return meter.mpan[-13:] if meter.mpan else meter.mprn


def _organisation(world: World, entity: str) -> Organisation:
    return next(org for org in world.orgs.values() if org.eui == entity)


def _observe(
    world: World,
    devices: dict[str, _Device],
    entry: Audited,
    incidents: list[Expected],
    judged: bool,
) -> None:
    """Apply one event to its device's cells (see the module docstring)."""
    case = entry.case
    shown = [(i, p) for i, p in enumerate(case.placements) if p.cell_role == _NO]
    if not shown:
        return
    device = devices.setdefault(format_eui64(case.device_id), _Device())
    before = (device.state, dict(device.cells))
    unknown_orgs = {
        f.placement for f in case_findings(world, case) if f.code == "NO_CERT_UNKNOWN_ORGANISATION"
    }
    named: set[str] = set()
    for index, placement in shown:
        mine = [f for f in incidents if f.placement == index]
        who = tuple(
            sorted(
                {
                    case.placements[f.placement].holder.eui
                    for f in mine
                    if case.placements[f.placement].holder.listed
                }
            )
        )
        if mine:
            state = WRONG
        elif not judged or index in unknown_orgs:
            state = UNKNOWN
        else:
            state = RIGHT
        cell = f"{placement.cell_usage}/{_CELL_USAGE}"
        device.cells[cell] = (
            placement.holder.eui,
            state,
            tuple(sorted({f.code for f in mine})),
            who,
        )
        named.update(who)
    states = {state for _, state, _, _ in device.cells.values()}
    device.state = WRONG if WRONG in states else UNKNOWN if UNKNOWN in states else RIGHT
    if device.state == RIGHT:
        device.items.clear()
    device.items.update(named)
    if (device.state, device.cells) != before or not device.seen:
        device.since = entry.sent
    device.seen = True
    device.evidence = "read" if case.form in READ_FORMS else "request"
    device.source = entry.source
    device.sent = entry.sent
