"""The demonstration payloads: what each one places where, then its DUIS XML or GBCS hex.

A :class:`Case` says who sends a payload to which device and which certificate goes into
which trust-anchor cell; most are correct, the others break one rule each (the ``kind``).
:func:`plan_cases` draws the cases from the world's seed; :func:`render_payloads` turns them
into files and JSON Lines entries. ``certcheck.demo.truth`` states what verify must find.
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from certcheck.demo import pki
from certcheck.demo.identities import (
    ELECTRICITY_DISTRIBUTOR,
    GAS_TRANSPORTER,
    SUPPLIER,
    Organisation,
)
from certcheck.demo.world import DS, ESME, GPF, GSME, KA, Meter, World
from certcheck.smki.eui import format_eui64
from certcheck.smki.roles import DIGITAL_SIGNATURE, KEY_AGREEMENT, RemotePartyRole

# Payload forms.
DUIS_HANDOVER = "duis-6.21"  # Supplier asks DCC to hand the NO cells over (payloads.md 0.2)
DUIS_KRP = "duis-6.15.1"  # the Network Operator replaces its own credentials (payloads.md 0.1)
GBCS_NO_BY_NO = "gbcs-0x0103"  # CS02b networkOperatorByNetworkOperator (payloads.md 2.3)

# Case kinds: "correct" and one per rule broken.
CORRECT = "correct"
WRONG_NETWORK = "wrong-network"
GAS_ON_ESME = "gas-on-esme"
ELECTRICITY_ON_GAS = "electricity-on-gas"
USAGE_SWAPPED = "usage-swapped"
PAIR_MISMATCH = "pair-mismatch"
UNTRUSTED_CA = "untrusted-ca"
SUPPLIER_IN_NO_CELL = "supplier-in-no-cell"
NOT_IN_MAPPING = "not-in-mapping"
BAD_SIGNATURE = "bad-signature"
UNKNOWN_ORGANISATION = "unknown-organisation"
PREFIX_DISAGREES = "prefix-disagrees"

# (kind, form, count) of the deliberate mistakes written as files: each kind several times.
_MISTAKES: tuple[tuple[str, str, int], ...] = (
    (WRONG_NETWORK, DUIS_HANDOVER, 3),
    (WRONG_NETWORK, DUIS_KRP, 2),
    (WRONG_NETWORK, GBCS_NO_BY_NO, 2),
    (GAS_ON_ESME, DUIS_HANDOVER, 2),
    (GAS_ON_ESME, DUIS_KRP, 1),
    (GAS_ON_ESME, GBCS_NO_BY_NO, 1),
    (ELECTRICITY_ON_GAS, DUIS_HANDOVER, 2),
    (ELECTRICITY_ON_GAS, DUIS_KRP, 1),
    (ELECTRICITY_ON_GAS, GBCS_NO_BY_NO, 1),
    (USAGE_SWAPPED, DUIS_HANDOVER, 2),
    (USAGE_SWAPPED, GBCS_NO_BY_NO, 2),
    (PAIR_MISMATCH, DUIS_HANDOVER, 3),
    (PAIR_MISMATCH, GBCS_NO_BY_NO, 1),
    (UNTRUSTED_CA, DUIS_HANDOVER, 2),
    (UNTRUSTED_CA, DUIS_KRP, 1),
    (UNTRUSTED_CA, GBCS_NO_BY_NO, 1),
    (SUPPLIER_IN_NO_CELL, DUIS_HANDOVER, 3),
    (SUPPLIER_IN_NO_CELL, GBCS_NO_BY_NO, 1),
    (NOT_IN_MAPPING, DUIS_HANDOVER, 2),
    (NOT_IN_MAPPING, GBCS_NO_BY_NO, 1),
    (BAD_SIGNATURE, GBCS_NO_BY_NO, 3),
    (UNKNOWN_ORGANISATION, DUIS_HANDOVER, 2),
)
_BATCH_KINDS = (
    WRONG_NETWORK, GAS_ON_ESME, ELECTRICITY_ON_GAS, USAGE_SWAPPED, PAIR_MISMATCH,
    UNTRUSTED_CA, SUPPLIER_IN_NO_CELL, NOT_IN_MAPPING, BAD_SIGNATURE,
)

_NO = int(RemotePartyRole.NETWORK_OPERATOR)
# credentialsReplacementMode networkOperatorByNetworkOperator, code 0x0103 (payloads.md 2.3).
_NO_BY_NO_MODE = 3


@dataclass(frozen=True)
class Placement:
    """One certificate and the trust-anchor cell {role, key usage, management} it goes into."""

    certificate: pki.Issued
    holder: Organisation
    cell_role: int
    cell_usage: str
    trusted: bool = True

    @property
    def key_usage(self) -> str:
        """The certificate's own key usage."""
        usage = self.certificate.certificate.extensions.get_extension_for_class(x509.KeyUsage)
        return DIGITAL_SIGNATURE if usage.value.digital_signature else KEY_AGREEMENT


@dataclass(frozen=True)
class Case:
    """One payload: sender, target device, placements and how it is sent."""

    name: str
    kind: str
    form: str
    sender: Organisation
    device_id: bytes
    placements: tuple[Placement, ...]
    path: tuple[pki.Issued, ...]
    counter: int
    signer: pki.Issued | None = None
    corrupt_signature: bool = False


@dataclass(frozen=True)
class PayloadFile:
    path: str
    content: bytes
    case: Case


@dataclass
class Rendered:
    """The rendered payload files and JSON Lines batch."""

    files: list[PayloadFile] = field(default_factory=list)
    batch: list[tuple[str, Case]] = field(default_factory=list)
    batch_path: str = "payloads/batch.jsonl"

    @property
    def batch_text(self) -> str:
        """One ``{"id", "payload", "time"}`` entry a line (SPEC.md, "Inputs")."""
        return "".join(
            json.dumps({"id": c.name, "payload": p, "time": batch_time(n)}) + "\n"
            for n, (p, c) in enumerate(self.batch, start=1)
        )


BATCH_SENT_FROM = datetime(2026, 5, 31, 22, 0, tzinfo=UTC)  # the batch's night before VERIFY_AT
BASE64_EVERY = 5  # every fifth DUIS entry of the batch is base64 of its XML (SPEC.md, "Inputs")


def batch_time(number: int) -> str:
    """The ``time`` of batch line ``number``: a minute apart from BATCH_SENT_FROM."""
    return (BATCH_SENT_FROM + timedelta(minutes=number)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Planner:
    """Draws cases from the world; one instance per plan so counters run on."""

    def __init__(self, world: World, purpose: str) -> None:
        self.world = world
        self.rng: random.Random = world.rng(purpose)
        self.counter = 1000
        orgs = world.orgs.values()
        self.suppliers = [o for o in orgs if o.user_role == SUPPLIER]
        self.distributors = [
            o for o in orgs if o.user_role == ELECTRICITY_DISTRIBUTOR and o.listed
        ]
        self.transporters = [o for o in orgs if o.user_role == GAS_TRANSPORTER]
        kept = {m.device_id for m in world.history}  # the histories' own devices
        self.plain_esmes = [
            m for m in world.meters_of(ESME) if not m.prefix_disagrees and m.device_id not in kept
        ]
        self.gas = world.meters_of(GSME) + world.meters_of(GPF)
        self.untrusted_holders = sorted({h for h, _ in world.untrusted_certs})

    # -- helpers ---------------------------------------------------------------------------
    def next_counter(self) -> int:
        self.counter += 1
        return self.counter

    def pair(self, org: Organisation, *, trusted: bool = True) -> tuple[Placement, Placement]:
        certs = self.world.certs if trusted else self.world.untrusted_certs
        return (
            Placement(certs[(org.handle, DS)], org, _NO, DIGITAL_SIGNATURE, trusted),
            Placement(certs[(org.handle, KA)], org, _NO, KEY_AGREEMENT, trusted),
        )

    def owner(self, meter: Meter) -> Organisation:
        return self.world.network_owner(meter.expected_network)

    def other_distributor(self, meter: Meter) -> Organisation:
        choices = [d for d in self.distributors if meter.expected_network not in d.mpids]
        return self.rng.choice(choices)

    def case(
        self,
        kind: str,
        form: str,
        meter_or_id: Meter | bytes,
        placements: tuple[Placement, ...],
        *,
        sender: Organisation | None = None,
        corrupt: bool = False,
    ) -> Case:
        device_id = meter_or_id if isinstance(meter_or_id, bytes) else meter_or_id.device_id
        trusted = all(p.trusted for p in placements)
        path = (self.world.oca,) if trusted else (self.world.untrusted_oca,)
        signer = None
        if form == DUIS_HANDOVER:
            sender = sender or self.rng.choice(self.suppliers)
        elif form == DUIS_KRP:
            sender = sender or placements[0].holder
        else:
            # The ACB signs handover commands; a Network Operator signs its own renewal.
            sender = sender or self.world.orgs["ACB"]
            signer = self.world.certs[(sender.handle, DS)]
        return Case(
            name="",
            kind=kind,
            form=form,
            sender=sender,
            device_id=device_id,
            placements=placements,
            path=path,
            counter=self.next_counter(),
            signer=signer,
            corrupt_signature=corrupt,
        )

    # -- one case of each kind ---------------------------------------------------------------
    def make(self, kind: str, form: str) -> Case:
        rng = self.rng
        krp = form == DUIS_KRP
        if kind == CORRECT:
            meter = rng.choice(self.plain_esmes + self.gas)
            owner = self.owner(meter)
            sender = owner if form == GBCS_NO_BY_NO and rng.random() < 0.5 else None
            return self.case(kind, form, meter, self.pair(owner), sender=sender)
        if kind == WRONG_NETWORK:
            meter = rng.choice(self.plain_esmes)
            wrong = self.other_distributor(meter)
            sender = wrong if form == GBCS_NO_BY_NO else None
            return self.case(kind, form, meter, self.pair(wrong), sender=sender)
        if kind == GAS_ON_ESME:
            meter = rng.choice(self.plain_esmes)
            gt = rng.choice(self.transporters)
            sender = gt if form == GBCS_NO_BY_NO else None
            return self.case(kind, form, meter, self.pair(gt), sender=sender)
        if kind == ELECTRICITY_ON_GAS:
            meter = rng.choice(self.gas)
            ed = rng.choice(self.distributors)
            sender = ed if form == GBCS_NO_BY_NO else None
            return self.case(kind, form, meter, self.pair(ed), sender=sender)
        if kind == USAGE_SWAPPED:
            meter = rng.choice(self.plain_esmes)
            ds, ka = self.pair(self.owner(meter))
            swapped = (
                Placement(ka.certificate, ka.holder, _NO, DIGITAL_SIGNATURE),
                Placement(ds.certificate, ds.holder, _NO, KEY_AGREEMENT),
            )
            return self.case(kind, form, meter, swapped)
        if kind == PAIR_MISMATCH:
            meter = rng.choice(self.plain_esmes)
            right = self.pair(self.owner(meter))
            foreign = self.pair(self.other_distributor(meter))
            placements = (right[0], foreign[1]) if rng.random() < 0.5 else (foreign[0], right[1])
            return self.case(kind, form, meter, placements)
        if kind == UNTRUSTED_CA:
            holder, meter = rng.choice([
                (self.world.orgs[h], m)
                for h in self.untrusted_holders
                for m in self.plain_esmes + self.gas
                if m.expected_network in self.world.orgs[h].mpids
            ])
            return self.case(kind, form, meter, self.pair(holder, trusted=False),
                             sender=holder if krp else None)
        if kind == SUPPLIER_IN_NO_CELL:
            meter = rng.choice(self.plain_esmes)
            supplier = rng.choice(self.suppliers)
            ds, ka = self.pair(supplier)
            return self.case(kind, form, meter, (ds, ka), sender=supplier
                             if form == DUIS_HANDOVER else None)
        if kind == NOT_IN_MAPPING:
            device = rng.choice(self.world.unmapped)
            return self.case(kind, form, device, self.pair(rng.choice(self.distributors)))
        if kind == BAD_SIGNATURE:
            meter = rng.choice(self.plain_esmes)
            owner = self.owner(meter)
            sender = owner if rng.random() < 0.67 else None
            return self.case(kind, form, meter, self.pair(owner), sender=sender, corrupt=True)
        if kind == UNKNOWN_ORGANISATION:
            meter = rng.choice(self.plain_esmes)
            return self.case(kind, form, meter, self.pair(self.world.orgs["UNLISTED"]))
        if kind == PREFIX_DISAGREES:
            meter = rng.choice([m for m in self.world.meters if m.prefix_disagrees])
            return self.case(CORRECT, form, meter, self.pair(self.owner(meter)))
        raise ValueError(f"unknown case kind {kind!r}")


def _correct_counts(size: int) -> tuple[tuple[str, int], ...]:
    return (
        (DUIS_HANDOVER, max(4, size // 7)),
        (DUIS_KRP, max(2, size // 25)),
        (GBCS_NO_BY_NO, max(3, size // 12)),
    )


def batch_size(world: World) -> int:
    """The JSON Lines batch's default length: a tenth of the ESMEs, at least 12."""
    return max(12, world.size // 10)


def plan_cases(world: World, batch_lines: int | None = None) -> tuple[list[Case], list[Case]]:
    """The payload-file cases and the JSON Lines batch cases (``batch_lines`` of them, by
    default :func:`batch_size`), in a fixed order."""
    planner = Planner(world, "payloads")
    drafts: list[Case] = []
    for form, count in _correct_counts(world.size):
        drafts += [planner.make(CORRECT, form) for _ in range(count)]
    for form in (DUIS_HANDOVER, DUIS_KRP, GBCS_NO_BY_NO):
        drafts.append(planner.make(PREFIX_DISAGREES, form))
    for kind, form, count in _MISTAKES:
        drafts += [planner.make(kind, form) for _ in range(count)]
    planner.rng.shuffle(drafts)
    files = [_named(c, i + 1) for i, c in enumerate(drafts)]

    batch_planner = Planner(world, "batch")
    batch_planner.counter = 5000
    batch: list[Case] = []
    for i in range(batch_size(world) if batch_lines is None else batch_lines):
        form = (DUIS_HANDOVER, GBCS_NO_BY_NO, DUIS_HANDOVER, DUIS_KRP)[i % 4]
        kind = CORRECT if i % 3 else _BATCH_KINDS[(i // 3) % len(_BATCH_KINDS)]
        if kind == BAD_SIGNATURE:
            form = GBCS_NO_BY_NO
        elif form == DUIS_KRP and kind not in (CORRECT, WRONG_NETWORK, UNTRUSTED_CA):
            form = DUIS_HANDOVER
        batch.append(_named(batch_planner.make(kind, form), i + 1))
    files, batch = one_supplier_per_handover(files, batch)
    return files, batch


def handover_key(case: Case) -> tuple[bytes, frozenset[str]]:
    """What an ACB handover command shares with the Supplier's DUIS request it carries out:
    the device and the certificates placed (payloads.md sections 0.2 and 2.7)."""
    return case.device_id, frozenset(p.certificate.sha256 for p in case.placements)


def one_supplier_per_handover(*groups: list[Case]) -> tuple[list[Case], ...]:
    """``groups`` with every 6.21 request sharing a :func:`handover_key` sent by the first
    one's Supplier, so an ACB command with that key has exactly one Supplier to pair with."""
    first: dict[tuple[bytes, frozenset[str]], Organisation] = {}
    out: list[list[Case]] = []
    for group in groups:
        kept = []
        for case in group:
            if case.form == DUIS_HANDOVER:
                sender = first.setdefault(handover_key(case), case.sender)
                if sender != case.sender:
                    case = replace(case, sender=sender)
            kept.append(case)
        out.append(kept)
    return tuple(out)


def _named(case: Case, number: int) -> Case:
    return replace(case, name=f"{number:04d}-{case.kind}-{case.form}")


# -- rendering ------------------------------------------------------------------------------

def render_case(case: Case) -> bytes:
    """The payload bytes of one case: DUIS XML (UTF-8) or GBCS as upper-case hex text."""
    if case.form in (DUIS_HANDOVER, DUIS_KRP):
        return _duis_request(case)
    return _gbcs_command(case)


# DUIS replacement elements per target cell key usage (payloads.md section 1.3).
_DUIS_ELEMENTS = {
    DIGITAL_SIGNATURE: "DigitalSigningCertificate",
    KEY_AGREEMENT: "KeyAgreementCertificate",
}


def _duis_request(case: Case) -> bytes:
    from certcheck.demo.duis_build import build_duis_request

    service = "6.21" if case.form == DUIS_HANDOVER else "6.15.1"
    return build_duis_request(
        service,
        case.sender.eui,
        format_eui64(case.device_id),
        case.counter,
        "NetworkOperator",
        {_DUIS_ELEMENTS[p.cell_usage]: p.certificate.der for p in case.placements},
        [ca.der for ca in case.path],
    )


def _gbcs_command(case: Case) -> bytes:
    """CS02b 0x0103 with a deterministic (RFC 6979) signature, as upper-case hex.

    A Network Operator's own command is written as a signed pre-command (payloads.md 1.4,
    CV 5); one generated and signed by the ACB carries the MAC header (payloads.md 2.2).
    """
    from certcheck.audit.model import Cell
    from certcheck.formats.gbcs.builder import (
        append_signature,
        build_cs02b_command,
        wrap_mac_header,
    )

    if case.signer is None:  # pragma: no cover - every GBCS case has a signer
        raise ValueError(f"{case.name}: a GBCS command needs a signer")
    unsigned = build_cs02b_command(
        mode=_NO_BY_NO_MODE,
        originator=case.sender.entity_id,
        recipient=case.device_id,
        counter=case.counter,
        authorising_cell=Cell(_NO, DIGITAL_SIGNATURE),
        replacements=[
            (p.certificate.der, Cell(p.cell_role, p.cell_usage)) for p in case.placements
        ],
        path_certificates=[ca.der for ca in case.path],
    )
    r, s = decode_dss_signature(pki.sign_ecdsa(case.signer.key, unsigned[1:]))
    signature = bytearray(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    if case.corrupt_signature:
        signature[-1] ^= 0x01
    apdu = append_signature(unsigned, bytes(signature))
    if case.sender.handle == "ACB":
        apdu = wrap_mac_header(apdu)
    return apdu.hex().upper().encode() + b"\n"


def render_payloads(world: World, batch_lines: int | None = None) -> Rendered:
    """Render every planned case: files under payloads/duis and payloads/gbcs, and the batch."""
    files, batch = plan_cases(world, batch_lines)
    rendered = Rendered()
    for case in files:
        folder, ext = ("gbcs", "hex") if case.form == GBCS_NO_BY_NO else ("duis", "xml")
        rendered.files.append(
            PayloadFile(f"payloads/{folder}/{case.name}.{ext}", render_case(case), case)
        )
    for number, case in enumerate(batch, start=1):
        payload = render_case(case)
        if case.form != GBCS_NO_BY_NO and number % BASE64_EVERY == 0:
            payload = base64.b64encode(payload)
        rendered.batch.append((payload.decode().strip(), case))
    return rendered


__all__ = [
    "Case",
    "Placement",
    "Rendered",
    "plan_cases",
    "render_case",
    "render_payloads",
]
