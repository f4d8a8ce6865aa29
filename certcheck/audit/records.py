"""Assemble SPEC.md records from decoded items (shared by decode, classify and verify)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from certcheck.audit.classify import Classification, RegistryLike, classify
from certcheck.audit.model import CellOutcome, Finding, Item, Placement, Severity
from certcheck.output.writers import dumps
from certcheck.smki.cache import CACHE_SIZE
from certcheck.smki.certificate import SmkiCertificate

INPUT_UNREADABLE = "INPUT_UNREADABLE"


@lru_cache(maxsize=CACHE_SIZE)
def _summary(certificate: SmkiCertificate) -> dict[str, Any]:
    """The certificate's own SPEC.md fields, built once per certificate (callers copy it)."""
    return certificate.summary()


def certificate_entry(placement: Placement, classification: Classification) -> dict[str, Any]:
    """SPEC.md ``certificates`` entry for a placed certificate."""
    entry = dict(_summary(placement.certificate))
    entry["key_usage"] = list(entry["key_usage"])
    entry["cell"] = placement.cell.as_dict() if placement.cell else None
    entry["party"] = classification.party
    entry["network_kind"] = classification.network_kind
    entry["mpids"] = list(classification.mpids)
    entry["where"] = placement.where
    entry["path"] = placement.path
    return entry


@lru_cache(maxsize=4 * CACHE_SIZE)
def certificate_entry_json(placement: Placement, classification: Classification) -> str:
    """:func:`certificate_entry` as compact JSON text, cached per placement.

    A batch places the same certificates into the same cells at the same element paths
    millions of times; each distinct placement is serialised once per process.
    """
    return dumps(certificate_entry(placement, classification))


def certificate_entries(item: Item, registry: RegistryLike | None) -> tuple[dict[str, Any], ...]:
    return tuple(certificate_entry(p, classify(p.certificate, registry)) for p in item.placements)


def unreadable_findings(item: Item) -> list[Finding]:
    """One INPUT_UNREADABLE finding per decoding problem, saying where decoding stopped."""
    return [
        Finding(INPUT_UNREADABLE, Severity.ERROR, problem.message, None, problem.where)
        for problem in item.problems
    ]


def outcome_entry(
    outcome: CellOutcome, known: dict[str, SmkiCertificate] | None = None
) -> dict[str, Any]:
    """A response/alert cell outcome, with occupants matched to known certificates by SKI."""

    def occupant(occ: Any) -> dict[str, Any] | None:
        if occ is None:
            return None
        match = known.get(occ.subject_key_id) if known and occ.subject_key_id else None
        return {
            "entity_id": occ.entity_id,
            "subject_key_id": occ.subject_key_id,
            "certificate": match.sha256 if match else None,
        }

    return {
        "cell": outcome.cell.as_dict(),
        "status": outcome.status,
        "existing": occupant(outcome.existing),
        "replacing": occupant(outcome.replacing),
        "where": outcome.where,
    }
