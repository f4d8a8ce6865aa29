"""SPEC.md JSON for audit results: one home for serialisation, below checks and output.

Checks produce findings and output writers consume records; neither serialises. This module
holds the compact JSON encoding (:func:`dumps`), the ``certificates`` entry of a placed
certificate, the per-placement cache of those entries as JSON text, and the record line the
pipeline splices from them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

import orjson

from certcheck.audit.classify import Classification, classify
from certcheck.audit.model import (
    SCHEMA_VERSION,
    CellOutcome,
    Finding,
    Item,
    Organisation,
    Placement,
    Verdict,
)
from certcheck.market.operators import OperatorRegistry
from certcheck.smki.cache import CACHE_SIZE
from certcheck.smki.certificate import SmkiCertificate


class JsonText(str):
    """Text that is already compact JSON (a cached fragment), written as it is."""

    __slots__ = ()


def dumps(record: dict[str, Any]) -> str:
    """Stable compact JSON for one record."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def element(record: dict[str, Any]) -> str:
    """One record as an element of ``-f json``'s array (JSON's default separators)."""
    return json.dumps(record, ensure_ascii=False)


def as_elements(text: str) -> str:
    """JSON Lines records (:func:`dumps`, one ``\\n``-ended line each) as :func:`element`
    gives them, a line each."""
    lines = text.split("\n")  # not splitlines: a string may hold U+2028 or U+0085 as it is
    return "".join([element(record(line)) + "\n" for line in lines[:-1]])


def record(line: str) -> dict[str, Any]:
    """One record read back from its JSON (:func:`dumps`), as ``json.loads`` gives it: by
    orjson (15 us against 30 us for a DUIS 6.21 record), and by json for what orjson refuses
    (a lone surrogate, which a record may carry as it is)."""
    try:
        found: dict[str, Any] = orjson.loads(line)
    except orjson.JSONDecodeError:
        found = json.loads(line)
    return found


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


def certificate_entries(
    item: Item, registry: OperatorRegistry | None
) -> tuple[dict[str, Any], ...]:
    """The ``certificates`` entries of every certificate an item carries, in order."""
    return tuple(certificate_entry(p, classify(p.certificate, registry)) for p in item.placements)


class EntryCache:
    """Each placement's ``certificates`` entry as compact JSON text, serialised once.

    A batch places the same certificates into the same cells at the same element paths
    millions of times; each distinct placement is serialised once per run (and per worker).
    Placements are keyed by value (certificate, cell, element path, path flag); the readers
    share one Placement object per distinct placement and a Placement keeps its hash, so a
    hit costs an identity comparison.
    """

    LIMIT = 65536

    def __init__(self, classify_certificate: Callable[[SmkiCertificate], Classification]) -> None:
        self._classify = classify_certificate
        self._entries: dict[Placement, str] = {}

    def json(self, placement: Placement) -> str:
        """The placement's entry as JSON text."""
        found = self._entries.get(placement)
        if found is None:
            if len(self._entries) > self.LIMIT:
                self._entries.clear()
            entry = certificate_entry(placement, self._classify(placement.certificate))
            found = self._entries[placement] = dumps(entry)
        return found


def occupant_entries(
    item: Item, party_of: Callable[[str | None], str | None]
) -> list[dict[str, Any]]:
    """The record's ``occupants``: each cell a response, alert or read reports, with its new
    (or current) occupant's entity id, subject key id and party; empty for other items."""
    entries = []
    for outcome in item.outcomes:
        occupant = outcome.replacing
        entity_id = occupant.entity_id if occupant else None
        entries.append(
            {
                "cell": outcome.cell.as_dict(),
                "status": outcome.status,
                "entity_id": entity_id,
                "subject_key_id": occupant.subject_key_id if occupant else None,
                "party": party_of(entity_id),
                "where": outcome.where,
            }
        )
    return entries


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


# The string encoder json.dumps itself uses with ensure_ascii=False (the C one when present).
json_string = json.encoder.encode_basestring


_MEMBER_NAMES: dict[str, str] = {}


def json_members(fields: dict[str, Any]) -> str:
    """A dict's members as compact JSON without the braces, exactly as ``dumps`` writes them.

    A record head and a finding hold strings and None, encoded here directly: several times
    faster than ``json.dumps``, which builds a new encoder for each small dict. Member names
    are the record's own few, each encoded once.
    """
    names = _MEMBER_NAMES
    parts = []
    for key, value in fields.items():
        name = names.get(key)
        if name is None:
            name = names[key] = json_string(key) + ":"
        if value is None:
            parts.append(name + "null")
        elif value.__class__ is JsonText:
            parts.append(name + value)
        elif isinstance(value, str):  # str enums (kind, device type) included
            parts.append(name + json_string(value))
        else:
            parts.append(name + dumps(value))
    return ",".join(parts)


EMPTY_LIST = JsonText("[]")


_FINDING_TEXT: dict[int, tuple[Finding, str]] = {}  # by id, with the finding kept (so its id)
_FINDING_TEXT_LIMIT = 4096


def finding_json(finding: Finding) -> str:
    """A finding as compact JSON, as ``dumps(finding.as_dict())`` writes it. Findings on a set
    of certificates are shared by every item placing it (one object each) and are encoded
    once, found by identity: a finding's own hash is a Python call over its fields. Those
    naming one device never recur, so the cache is kept small (emptied when full): memory
    stays flat in the batch size.

    The members are written directly, the ``responsible`` organisation's once per
    organisation: a finding naming a device is encoded in about 1.3 us, against 3.4 us
    through ``as_dict`` (timeit, DUIS 6.21 findings).
    """
    known = _FINDING_TEXT.get(id(finding))
    if known is not None and known[0] is finding:
        return known[1]
    if len(_FINDING_TEXT) >= _FINDING_TEXT_LIMIT:
        _FINDING_TEXT.clear()
    certificate, responsible, where = finding.certificate, finding.responsible, finding.where
    text = (
        f'{{"code":{json_string(finding.code)},"severity":"{finding.severity.label}",'
        f'"message":{json_string(finding.message)},'
        f'"certificate":{"null" if certificate is None else json_string(certificate)},'
        f'"responsible":{"null" if responsible is None else organisation_json(responsible)},'
        f'"where":{"null" if where is None else json_string(where)}}}'
    )
    _FINDING_TEXT[id(finding)] = (finding, text)
    return text


@lru_cache(maxsize=1024)
def organisation_json(organisation: Organisation) -> JsonText:
    """An organisation's SPEC.md object (``sender``, ``responsible``) as compact JSON, encoded
    once per organisation."""
    return JsonText(dumps(organisation.as_dict()))


def record_line(
    head: dict[str, Any], certificates: Iterable[str], findings: Sequence[Finding]
) -> str:
    """The record as one JSON line, equal to ``dumps(Record.as_dict())``.

    ``head`` is the record's fields before ``certificates``; a value that is
    :class:`JsonText` is written as it is. ``certificates`` are the entries already serialised
    (cached per placement), so the line is spliced from the serialised head, the entries, the
    findings and the verdict (:func:`record_tail`).
    """
    return "{" + json_members(head) + record_tail(",".join(certificates), findings)


def record_tail(
    certificates: str, findings: Sequence[Finding], end: str = "", verdict: str | None = None
) -> str:
    """A record line after its head: certificates (the serialised entries, comma-joined),
    findings, verdict (``verdict`` when the caller has it: the findings' verdict's label);
    then ``end`` (a line's newline, say)."""
    found = ",".join([finding_json(f) for f in findings])
    if verdict is None:
        verdict = Verdict.of(findings).label
    return (
        f',"certificates":[{certificates}],'
        f'"findings":[{found}],"verdict":"{verdict}",'
        f'"schema_version":"{SCHEMA_VERSION}"}}{end}'
    )
