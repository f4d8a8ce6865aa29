"""Signing and key-agreement certificates of one role must come from one organisation.

Source: reference/smki.md section 6 item 2 (expect DS and KA of the same Entity ID on an
ESME); SECMP0063 problem statement (reference/market.md section 4).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from certcheck.audit.model import Finding, Placement, Severity
from certcheck.checks.registry import rule
from certcheck.checks.subject import Subject
from certcheck.smki.roles import role_name

NO_CERT_PAIR_MISMATCH = rule(
    "NO_CERT_PAIR_MISMATCH",
    Severity.ERROR,
    "Signing and key-agreement certificates of one role come from different organisations.",
    (
        "GBCS section 13 (a device holds a digital-signing and a key-agreement cell per remote "
        "party role); SEC Appendix B (one organisation's certificate pair)"
    ),
    "pairing",
    incident=True,
    meaning=(
        "The digital-signing and key-agreement certificates placed for one remote party role come "
        "from two organisations (two entity ids)."
    ),
    why=(
        "Both Network Operator cells of a device must hold one organisation's certificates: a "
        "mixed pair means at least one of them is wrong, and neither organisation can both sign "
        "commands and receive protected responses."
    ),
    remedy=(
        "Find which of the two organisations answers for the meter's network, and have the other "
        "replace its certificate."
    ),
    example=(
        "A handover carries distributor LOND's signing certificate and distributor SEEB's "
        "key-agreement certificate."
    ),
)


@NO_CERT_PAIR_MISMATCH.check
def pair_mismatch(subject: Subject) -> Iterator[Finding]:
    by_role: dict[int, list[Placement]] = defaultdict(list)
    for placement in subject.replacements:
        if placement.cell is not None and placement.certificate.entity_id:
            by_role[placement.cell.role].append(placement)
    for role, placements in by_role.items():
        entities = dict.fromkeys(p.certificate.entity_id for p in placements)
        if len(entities) < 2:
            continue
        first = placements[0].certificate.entity_id
        for placement in placements[1:]:
            if placement.certificate.entity_id == first:
                continue
            yield NO_CERT_PAIR_MISMATCH.finding(
                f"{role_name(role)} cells get certificates of two organisations: "
                f"{first} ({placements[0].cell.label()}) and "  # type: ignore[union-attr]
                f"{placement.certificate.entity_id} ({placement.cell.label()})",  # type: ignore[union-attr]
                placement.certificate.sha256,
                placement.where,
                subject.context.organisation(placement.certificate.entity_id),
            )
