"""The audit contract: decoded items, findings and records (SPEC.md, "Output").

Readers turn bytes into :class:`Item` values; checks turn an item and a context into
:class:`Finding` values; the pipeline assembles a :class:`Record` per item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from certcheck.smki.certificate import SmkiCertificate


class Severity(IntEnum):
    """Finding severity, ordered ``INFO < WARNING < ERROR``; SPEC.md spells it in lower case.

    The number orders and compares; :attr:`label` is the JSON value (``"error"``).
    """

    INFO = 0
    WARNING = 1
    ERROR = 2

    @property
    def label(self) -> str:
        """``info``, ``warning`` or ``error`` (SPEC.md ``findings[].severity``)."""
        return _SEVERITY_LABELS[self]

    def __str__(self) -> str:
        return _SEVERITY_LABELS[self]

    @classmethod
    def parse(cls, label: str) -> Severity:
        """The severity SPEC.md spells ``label``; ``KeyError`` for anything else."""
        return cls[label.upper()]


class Verdict(IntEnum):
    """An item's verdict, ordered ``PASS < WARN < FAIL``: the rank of its worst finding."""

    PASS = 0
    WARN = 1
    FAIL = 2

    @property
    def label(self) -> str:
        """``pass``, ``warn`` or ``fail`` (SPEC.md ``verdict``)."""
        return _VERDICT_LABELS[self]

    def __str__(self) -> str:
        return _VERDICT_LABELS[self]

    @classmethod
    def parse(cls, label: str) -> Verdict:
        """The verdict SPEC.md spells ``label``; ``KeyError`` for anything else."""
        return cls[label.upper()]

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Verdict:
        """``FAIL`` with any error, ``WARN`` with any warning, else ``PASS``."""
        return _VERDICTS[max([f.severity for f in findings], default=Severity.INFO)]


_SEVERITY_LABELS = ("info", "warning", "error")
_VERDICT_LABELS = ("pass", "warn", "fail")
_VERDICTS = tuple(Verdict)  # by rank, without the cost of calling the enum


class ItemKind(StrEnum):
    """What an audited item is (SPEC.md field ``kind``)."""

    CERTIFICATE = "certificate"
    DUIS_REQUEST = "duis-request"
    DUIS_RESPONSE = "duis-response"
    DUIS_ALERT = "duis-alert"
    GBCS_COMMAND = "gbcs-command"
    GBCS_RESPONSE = "gbcs-response"
    GBCS_ALERT = "gbcs-alert"


@dataclass(frozen=True, slots=True)
class Cell:
    """A device trust-anchor cell: {remote party role, key usage, cell usage}."""

    role: int
    key_usage: str
    cell_usage: str = "management"

    def as_dict(self) -> dict[str, Any]:
        return {"role": self.role, "key_usage": self.key_usage, "cell_usage": self.cell_usage}

    def label(self) -> str:
        """Short label such as ``networkOperator/digitalSignature``."""
        from certcheck.smki.roles import role_name

        text = f"{role_name(self.role)}/{self.key_usage}"
        return text if self.cell_usage == "management" else f"{text}/{self.cell_usage}"


@dataclass(frozen=True, slots=True)
class Placement:
    """A certificate an item carries, with the cell it is meant for.

    ``cell`` is None for certification-path certificates and for a bare certificate file.
    ``path`` marks certification-path (CA) certificates, which are never trusted.
    """

    certificate: SmkiCertificate
    cell: Cell | None
    where: str
    path: bool = False
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Placements are shared across a batch and key its per-placement-set memos: their
        # hash is taken once, not once per lookup.
        key = (self.certificate, self.cell, self.where, self.path)
        object.__setattr__(self, "_hash", hash(key))

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True, slots=True)
class CellOccupant:
    """A cell as a device reports it: the occupant's entity id and subject key id."""

    cell: Cell
    entity_id: str | None
    subject_key_id: str | None


@dataclass(frozen=True, slots=True)
class CellOutcome:
    """One cell in a response or alert: its status and its old and new occupants.

    For CS02a/CS02f listings only ``replacing`` (the current occupant) is set and
    ``status`` is the per-role status.
    """

    cell: Cell
    status: str | None
    existing: CellOccupant | None
    replacing: CellOccupant | None
    where: str


@dataclass(frozen=True, slots=True, init=False)
class SignatureInfo:
    """A GBCS signature: the signed bytes and the raw r||s value (None if absent/null)."""

    signer: str | None
    signed: bytes
    value: bytes | None
    state: str = "absent"  # absent | null | present

    def __init__(
        self, signer: str | None, signed: bytes, value: bytes | None, state: str = "absent"
    ) -> None:  # the dataclass's own, filled in as a draft (as an Item is: _ItemDraft)
        _set_class(self, _SignatureDraft)
        self.signer = signer
        self.signed = signed
        self.value = value
        self.state = state
        self.__class__ = SignatureInfo


@dataclass(frozen=True, slots=True)
class Problem:
    """A decoding problem: why the item (or part of it) could not be read, and where.

    ``defect`` marks a problem made by a reader's last-resort handler: an exception no reader
    expected, so a bug in certcheck rather than a property of the input. The batch goes on
    either way; fuzzing fails on a defect.
    """

    message: str
    where: str | None = None
    defect: bool = False

    @classmethod
    def of_defect(cls, exc: BaseException, where: str | None = "offset 0x0") -> Problem:
        """What a reader's last-resort handler reports for an exception nobody expected."""
        text = str(exc)
        first = text.splitlines()[0] if text else ""
        return cls(
            f"internal error while decoding: {type(exc).__name__}: {first} (a bug in "
            "certcheck; please report it)",
            where,
            defect=True,
        )


@dataclass(frozen=True, slots=True, init=False)
class Item:
    """One decoded audited item: a certificate file, a DUIS message or a GBCS message.

    ``request_id`` is the DUIS RequestID as written; ``sent`` the payload's own date-time
    (ISO 8601 UTC) when it carries one. ``entry_id`` and ``entry_time`` come from the
    JSON Lines entry that held the payload, if any.
    """

    source: str
    kind: ItemKind | None
    digest: str = ""
    service: str | None = None
    message_code: str | None = None
    message_name: str | None = None
    originator: str | None = None
    device_id: str | None = None
    counter: int | None = None
    remote_party_role: int | None = None
    placements: tuple[Placement, ...] = ()
    outcomes: tuple[CellOutcome, ...] = ()
    signature: SignatureInfo | None = None
    execution_time: str | None = None
    request_id: str | None = None
    sent: str | None = None
    entry_id: str | int | None = None
    entry_time: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    inner: Item | None = None

    def __init__(  # the dataclass's own, filled in as an _ItemDraft
        self,
        source: str,
        kind: ItemKind | None,
        digest: str = "",
        service: str | None = None,
        message_code: str | None = None,
        message_name: str | None = None,
        originator: str | None = None,
        device_id: str | None = None,
        counter: int | None = None,
        remote_party_role: int | None = None,
        placements: tuple[Placement, ...] = (),
        outcomes: tuple[CellOutcome, ...] = (),
        signature: SignatureInfo | None = None,
        execution_time: str | None = None,
        request_id: str | None = None,
        sent: str | None = None,
        entry_id: str | int | None = None,
        entry_time: str | None = None,
        details: dict[str, Any] | None = None,
        problems: tuple[Problem, ...] = (),
        inner: Item | None = None,
    ) -> None:
        _set_class(self, _ItemDraft)  # plain slots until made an Item again below
        self.source = source
        self.kind = kind
        self.digest = digest
        self.service = service
        self.message_code = message_code
        self.message_name = message_name
        self.originator = originator
        self.device_id = device_id
        self.counter = counter
        self.remote_party_role = remote_party_role
        self.placements = placements
        self.outcomes = outcomes
        self.signature = signature
        self.execution_time = execution_time
        self.request_id = request_id
        self.sent = sent
        self.entry_id = entry_id
        self.entry_time = entry_time
        self.details = {} if details is None else details
        self.problems = problems
        self.inner = inner
        self.__class__ = Item

    @property
    def sent_at(self) -> str | None:
        """When the item was sent: its own date-time, else its JSON Lines entry's ``time``."""
        return self.sent or self.entry_time

    @property
    def readable(self) -> bool:
        """True when the item decoded at all (it has a kind)."""
        return self.kind is not None

    @property
    def replacements(self) -> tuple[Placement, ...]:
        """Certificates placed into cells (certification-path certificates excluded)."""
        return tuple(p for p in self.placements if not p.path)

    @property
    def path_certificates(self) -> tuple[Placement, ...]:
        """Certification-path certificates supplied by the sender (untrusted)."""
        return tuple(p for p in self.placements if p.path)


class _ItemDraft:
    """An :class:`Item` being filled in: Item's slots, in Item's order, without the frozen
    dataclass's ``__setattr__``. Every reader builds an Item per item; stored as a draft's
    plain attributes, then made an Item, its 21 fields cost less than through each slot's
    setter: a GBCS command's Item (17 keywords) takes 16 thousand instructions against 27
    thousand (and more through ``object.__setattr__``, the dataclass's way).
    """

    __slots__ = tuple(Item.__dataclass_fields__)


class _SignatureDraft:
    """A :class:`SignatureInfo` being filled in, as :class:`_ItemDraft` is for an Item: about
    7 thousand instructions against 10 thousand through ``object.__setattr__``."""

    __slots__ = tuple(SignatureInfo.__dataclass_fields__)


# Sets the class of an Item or SignatureInfo, whose frozen __setattr__ refuses any attribute.
_set_class = object.__dict__["__class__"].__set__


@dataclass(frozen=True, slots=True)
class Organisation:
    """An organisation identity as operators.csv names it (SPEC.md ``sender``, ``responsible``).

    ``party`` and ``user_role`` are None for an entity id that operators.csv does not list.
    """

    entity_id: str
    party: str | None = None
    user_role: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """SPEC.md ``responsible``: {party, entity_id, user_role}."""
        return {"party": self.party, "entity_id": self.entity_id, "user_role": self.user_role}


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding on an item (SPEC.md ``findings`` entry).

    ``responsible`` is set on incident findings only (see ``Rule.incident``): the organisation
    whose certificate sits in the wrong cell, the only one that can replace it (SECMP0063).
    """

    code: str
    severity: Severity
    message: str
    certificate: str | None = None
    where: str | None = None
    responsible: Organisation | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.label,
            "message": self.message,
            "certificate": self.certificate,
            "responsible": self.responsible.as_dict() if self.responsible else None,
            "where": self.where,
        }


# The record schema (SPEC.md ``schema_version``): "2" since ``supplier`` names Suppliers only.
SCHEMA_VERSION = "2"


@dataclass(frozen=True, slots=True)
class Record:
    """The audit result for one item: SPEC.md's record, ready to serialise.

    ``certificates`` holds SPEC.md certificate dicts (with ``cell``, ``party``,
    ``network_kind`` and ``mpids``) in the order the item carries them. ``occupants`` holds the
    cells a response, alert or read reports, each with its new (or current) occupant.
    """

    source: str
    kind: str | None
    service: str | None
    message_code: str | None
    originator: str | None
    sender: dict[str, Any] | None
    supplier: str | None
    device_id: str | None
    device_type: str | None
    mpan: str | None
    expected_network: str | None
    certificates: tuple[dict[str, Any], ...]
    findings: tuple[Finding, ...]
    id: str | int | None = None
    request_id: str | None = None
    sent: str | None = None
    expected: dict[str, Any] | None = None
    digest: str = ""
    occupants: tuple[dict[str, Any], ...] = ()

    @property
    def verdict(self) -> Verdict:
        return Verdict.of(self.findings)

    def as_dict(self) -> dict[str, Any]:
        """The SPEC.md JSON object (stable key order)."""
        return {
            "source": self.source,
            "id": self.id,
            "request_id": self.request_id,
            "sent": self.sent,
            "kind": self.kind,
            "service": self.service,
            "message_code": self.message_code,
            "originator": self.originator,
            "sender": self.sender,
            "supplier": self.supplier,
            "expected": self.expected,
            "device_id": self.device_id,
            "device_type": self.device_type,
            "mpan": self.mpan,
            "expected_network": self.expected_network,
            "occupants": list(self.occupants),
            "certificates": list(self.certificates),
            "findings": [f.as_dict() for f in self.findings],
            "verdict": self.verdict.label,
            "schema_version": SCHEMA_VERSION,
        }
