"""The audit contract: decoded items, findings and records (SPEC.md, "Output").

Readers turn bytes into :class:`Item` values; checks turn an item and a context into
:class:`Finding` values; the pipeline assembles a :class:`Record` per item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from certcheck.smki.certificate import SmkiCertificate


class Severity(StrEnum):
    """Finding severity, ordered error > warning > info."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """2 for error, 1 for warning, 0 for info."""
        return {"error": 2, "warning": 1, "info": 0}[self.value]


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


@dataclass(frozen=True, slots=True)
class SignatureInfo:
    """A GBCS signature: the signed bytes and the raw r||s value (None if absent/null)."""

    signer: str | None
    signed: bytes
    value: bytes | None
    state: str = "absent"  # absent | null | present


@dataclass(frozen=True, slots=True)
class Problem:
    """A decoding problem: why the item (or part of it) could not be read, and where."""

    message: str
    where: str | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One decoded audited item: a certificate file, a DUIS message or a GBCS message."""

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
    details: dict[str, Any] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    inner: Item | None = None

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


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding on an item (SPEC.md ``findings`` entry)."""

    code: str
    severity: Severity
    message: str
    certificate: str | None = None
    where: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "certificate": self.certificate,
            "where": self.where,
        }


def verdict_of(findings: list[Finding] | tuple[Finding, ...]) -> str:
    """``fail`` with any error, ``warn`` with any warning, else ``pass``."""
    worst = max((f.severity.rank for f in findings), default=0)
    return {2: "fail", 1: "warn", 0: "pass"}[worst]


@dataclass(frozen=True, slots=True)
class Record:
    """The audit result for one item: SPEC.md's record, ready to serialise.

    ``certificates`` holds SPEC.md certificate dicts (with ``cell``, ``party``,
    ``network_kind`` and ``mpids``) in the order the item carries them.
    """

    source: str
    kind: str | None
    service: str | None
    message_code: str | None
    originator: str | None
    supplier: str | None
    device_id: str | None
    device_type: str | None
    mpan: str | None
    expected_network: str | None
    certificates: tuple[dict[str, Any], ...]
    findings: tuple[Finding, ...]
    digest: str = ""

    @property
    def verdict(self) -> str:
        return verdict_of(self.findings)

    def as_dict(self) -> dict[str, Any]:
        """The SPEC.md JSON object (stable key order)."""
        return {
            "source": self.source,
            "kind": self.kind,
            "service": self.service,
            "message_code": self.message_code,
            "originator": self.originator,
            "supplier": self.supplier,
            "device_id": self.device_id,
            "device_type": self.device_type,
            "mpan": self.mpan,
            "expected_network": self.expected_network,
            "certificates": list(self.certificates),
            "findings": [f.as_dict() for f in self.findings],
            "verdict": self.verdict,
            "schema_version": "1",
        }
