"""Device histories: what happened to a few meters over two weeks, as ``payloads/history.jsonl``.

Each history has its own ESME (``World.history``), so its events alone decide the device's
state; every line carries the time it was sent, and the lines are not all in time order
(reports order events by ``sent``, never by the order audited):

- ``paired-handover``: a Supplier's 6.21 handover, then the CS02b command the DCC Access
  Control Broker generated and signed for it, carrying the same device and certificates
  (payloads.md sections 0.2, 1.2 and 2.7): the command is the Supplier's;
- ``paired-wrong-handover``: the same with another distributor's certificates, the command's
  line written before the request's;
- ``near-miss``: a 6.21 for a device and an ACB command for the same device with other
  certificates: not the same handover, so the command stays the ACB's;
- ``corrected-by-krp``: a wrong 6.21 (a gas transporter's certificates on an ESME), then the
  distributor's own 6.15.1 a week later: the device is right again, the incident stays;
- ``corrected-by-read``: a wrong 6.21, then a DUIS 6.24.1 read (CS02f, dated by its
  ResponseDateTime) showing the distributor's certificates in place;
- ``read-shows-wrong``: a right 6.21, then a bare CS02f read showing another distributor's
  key-agreement certificate: the device's word, so the device is wrong now.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from cryptography import x509

from certcheck.demo.identities import Organisation
from certcheck.demo.payloads import (
    CORRECT,
    DUIS_HANDOVER,
    DUIS_KRP,
    GAS_ON_ESME,
    GBCS_NO_BY_NO,
    WRONG_NETWORK,
    Case,
    Placement,
    Planner,
    render_case,
)
from certcheck.demo.world import Meter, World
from certcheck.formats.gbcs.messages import MESSAGES
from certcheck.smki.eui import format_eui64
from certcheck.smki.roles import RemotePartyRole

# Read Security Credentials (SR 6.24.1): an ESME answers with CS02f, message code 0x011B
# (payloads.md sections 1.5 and 2.3), as the message table has it.
DUIS_READ = "duis-6.24.1"  # the CS02f response inside a DUIS 6.24.1 response
GBCS_READ = "gbcs-0x011B"  # the bare CS02f response
READ_FORMS = frozenset({DUIS_READ, GBCS_READ})
_CS02F = next(code for code, info in MESSAGES.items() if info.use_case == "CS02f")
_READ_SERVICE = "6.24.1"

PAIRED = "paired-handover"
PAIRED_WRONG = "paired-wrong-handover"
NEAR_MISS = "near-miss"
CORRECTED_BY_KRP = "corrected-by-krp"
CORRECTED_BY_READ = "corrected-by-read"
READ_SHOWS_WRONG = "read-shows-wrong"
STORIES = (PAIRED, PAIRED_WRONG, NEAR_MISS, CORRECTED_BY_KRP, CORRECTED_BY_READ, READ_SHOWS_WRONG)

HISTORY_PATH = "payloads/history.jsonl"
HISTORY_FROM = datetime(2026, 5, 11, 9, 0, tzinfo=UTC)  # two weeks before the batch night
ACB_DELAY = timedelta(minutes=5)  # from a Supplier's request to the ACB's command
LATER = timedelta(days=7)  # from a wrong placement to its correction or read


@dataclass(frozen=True)
class Event:
    """One line of history.jsonl: a case, when it was sent, and the history it belongs to."""

    case: Case
    sent: datetime
    story: str

    @property
    def sent_text(self) -> str:
        return self.sent.strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def is_read(self) -> bool:
        return self.case.form in READ_FORMS

    def line(self) -> str:
        """The JSON Lines entry; a DUIS read carries its own date-time, so no ``time``."""
        entry = {"id": self.case.name, "payload": render_event(self.case, self.sent).strip()}
        if self.case.form != DUIS_READ:
            entry["time"] = self.sent_text
        return json.dumps(entry) + "\n"


def plan_history(world: World) -> list[Event]:
    """The histories' events, in the order history.jsonl lists them."""
    planner = Planner(world, "history")
    planner.counter = 9000
    acb = world.orgs["ACB"]
    suppliers = planner.suppliers
    meters = world.history
    events: list[Event] = []

    def at(day: int, later: timedelta = timedelta()) -> datetime:
        return HISTORY_FROM + timedelta(days=day) + later

    def handover(kind: str, meter: Meter, placements: tuple[Placement, ...], n: int) -> Case:
        return planner.case(kind, DUIS_HANDOVER, meter, placements, sender=suppliers[n % 3])

    def by_acb(kind: str, meter: Meter, placements: tuple[Placement, ...]) -> Case:
        return planner.case(kind, GBCS_NO_BY_NO, meter, placements, sender=acb)

    # paired-handover: request, then the ACB's command with the same certificates.
    meter = meters[0]
    right = planner.pair(planner.owner(meter))
    events.append(Event(handover(CORRECT, meter, right, 0), at(0), PAIRED))
    events.append(Event(by_acb(CORRECT, meter, right), at(0, ACB_DELAY), PAIRED))
    # paired-wrong-handover: the command's line comes first.
    meter = meters[1]
    wrong = planner.pair(planner.other_distributor(meter))
    request = Event(handover(WRONG_NETWORK, meter, wrong, 1), at(1), PAIRED_WRONG)
    events.append(Event(by_acb(WRONG_NETWORK, meter, wrong), at(1, ACB_DELAY), PAIRED_WRONG))
    events.append(request)
    # near-miss: same device, other certificates.
    meter = meters[2]
    events.append(
        Event(handover(CORRECT, meter, planner.pair(planner.owner(meter)), 2), at(2), NEAR_MISS)
    )
    other = planner.pair(planner.other_distributor(meter))
    events.append(Event(by_acb(WRONG_NETWORK, meter, other), at(2, ACB_DELAY), NEAR_MISS))
    # corrected-by-krp: the correction's line comes first.
    meter = meters[3]
    owner = planner.owner(meter)
    fix = planner.case(CORRECT, DUIS_KRP, meter, planner.pair(owner), sender=owner)
    events.append(Event(fix, at(3, LATER), CORRECTED_BY_KRP))
    gas = planner.pair(planner.rng.choice(planner.transporters))
    events.append(Event(handover(GAS_ON_ESME, meter, gas, 0), at(3), CORRECTED_BY_KRP))
    # corrected-by-read: a wrong handover, then the device reports its distributor's pair.
    meter = meters[4]
    owner = planner.owner(meter)
    wrong = planner.pair(planner.other_distributor(meter))
    events.append(Event(handover(WRONG_NETWORK, meter, wrong, 1), at(4), CORRECTED_BY_READ))
    read = _read(planner, DUIS_READ, CORRECT, meter, planner.pair(owner), owner)
    events.append(Event(read, at(4, LATER), CORRECTED_BY_READ))
    # read-shows-wrong: a right handover, then a read with another distributor's KA.
    meter = meters[5]
    owner = planner.owner(meter)
    right = planner.pair(owner)
    events.append(Event(handover(CORRECT, meter, right, 2), at(5), READ_SHOWS_WRONG))
    shown = (right[0], planner.pair(planner.other_distributor(meter))[1])
    read = _read(planner, GBCS_READ, WRONG_NETWORK, meter, shown, owner)
    events.append(Event(read, at(5, LATER), READ_SHOWS_WRONG))
    return [
        replace(e, case=replace(e.case, name=f"h{n:03d}-{e.story}-{e.case.form}"))
        for n, e in enumerate(events, start=1)
    ]


def _read(
    planner: Planner,
    form: str,
    kind: str,
    meter: Meter,
    shown: tuple[Placement, ...],
    requester: Organisation,
) -> Case:
    """A read's case: ``shown`` are the cells' occupants the device reports; the sender is
    the organisation that asked (the device itself originates the GBCS response)."""
    case = planner.case(kind, GBCS_NO_BY_NO, meter, shown, sender=requester)
    return replace(case, form=form, signer=None, path=())


def render_event(case: Case, sent: datetime) -> str:
    """The payload text of a history case: a read's response, else the usual payload."""
    if case.form not in READ_FORMS:
        return render_case(case).decode()
    from certcheck.audit.model import Cell, CellOccupant
    from certcheck.formats.gbcs.builder import RoleListing, build_cs02a_response

    cells = tuple(
        CellOccupant(
            Cell(p.cell_role, p.cell_usage),
            p.holder.eui,
            p.certificate.certificate.extensions.get_extension_for_class(
                x509.SubjectKeyIdentifier
            ).value.digest.hex(),
        )
        for p in case.placements
    )
    gbcs = build_cs02a_response(
        device=case.device_id,
        recipient=case.sender.entity_id,
        counter=case.counter,
        listings=[RoleListing(int(RemotePartyRole.NETWORK_OPERATOR), cells=cells)],
        message_code=_CS02F,
    )
    if case.form == GBCS_READ:
        return gbcs.hex().upper()
    from certcheck.demo.duis_build import build_duis_response

    request_id = f"{case.sender.eui}:{format_eui64(case.device_id)}:{case.counter}"
    return build_duis_response(_READ_SERVICE, request_id, sent, gbcs).decode()


def history_text(events: list[Event]) -> str:
    """history.jsonl: one ``{"id", "payload", "time"}`` entry a line."""
    return "".join(event.line() for event in events)


__all__ = [
    "DUIS_READ",
    "GBCS_READ",
    "HISTORY_PATH",
    "READ_FORMS",
    "STORIES",
    "Event",
    "history_text",
    "plan_history",
]
