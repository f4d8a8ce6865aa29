"""Deterministic audit records for store and report tests, and plain-Python expected figures.

``sample_records`` stands in for what ``certcheck verify`` produces; a test that switches to the
real pipeline only needs another source of records (or of JSON Lines lines).
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from certcheck.audit.model import Finding, Organisation, Record, Severity

SUPPLIERS: tuple[tuple[str | None, str | None], ...] = (
    ("Alpha Energy", "90-B3-D5-1F-30-01-00-00"),
    ("Beta Power", "90-B3-D5-1F-30-01-00-01"),
    ("Gamma & <Sons>", "90-B3-D5-1F-30-01-00-02"),
    (None, "90-B3-D5-1F-30-01-00-03"),  # an originator missing from operators.csv
    (None, None),  # an unreadable item
)
NETWORKS = ("LOND", "SEEB", "MANW")
PARTIES = {
    "LOND": ("UKPN London", "90-B3-D5-1F-30-02-00-01"),
    "SEEB": ("UKPN South East", "90-B3-D5-1F-30-02-00-02"),
    "MANW": ("SP Manweb", "90-B3-D5-1F-30-02-00-03"),
    "GAS": ("Cadent Gas", "90-B3-D5-1F-30-03-00-01"),
}
# (code, severity): the incident codes, a NO_CERT_ warning that is not an incorrect load, and
# context findings.
FINDINGS: tuple[tuple[str, Severity], ...] = (
    ("NO_CERT_WRONG_NETWORK", Severity.ERROR),
    ("NO_CERT_GAS_ON_ESME", Severity.ERROR),
    ("NO_CERT_ELECTRICITY_ON_GAS_DEVICE", Severity.ERROR),
    ("CELL_ROLE_MISMATCH", Severity.ERROR),
    ("CELL_KEY_USAGE_MISMATCH", Severity.ERROR),
    ("NO_CERT_PAIR_MISMATCH", Severity.ERROR),
    ("CERT_CHAIN_UNTRUSTED", Severity.ERROR),
    ("NO_CERT_UNKNOWN_ORGANISATION", Severity.WARNING),
    ("CERT_EXPIRED", Severity.WARNING),
    ("DEVICE_NOT_IN_MAPPING", Severity.WARNING),
    ("CHAIN_NOT_CHECKED", Severity.INFO),
)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _certificate(party: str, entity_id: str, key_usage: str) -> dict[str, Any]:
    return {
        "sha256": _sha(f"{entity_id}/{key_usage}"),
        "serial": "0A1B",
        "subject": f"CN={party}",
        "issuer": "CN=Test Issuing OCA",
        "entity_id": entity_id,
        "role": 3,
        "role_name": "networkOperator",
        "key_usage": [key_usage],
        "not_before": "2025-01-01T00:00:00Z",
        "not_after": "2035-01-01T00:00:00Z",
        "subject_key_id": "AB" * 8,
        "cell": {"role": 3, "key_usage": key_usage, "cell_usage": "management"},
        "party": party,
        "network_kind": "gas" if party == "Cadent Gas" else "electricity",
        "mpids": [],
    }


def sample_record(index: int, seed: int = 1, version: int = 0, source: str = "") -> Record:
    """Record ``index`` of batch ``seed``; ``version`` changes its findings but not its identity.

    The identity (source, digest) depends only on ``index`` and ``seed`` (and ``source``).
    """
    rng = random.Random(f"{seed}:{index}:{version}")
    supplier, originator = SUPPLIERS[rng.randrange(len(SUPPLIERS))]
    network = rng.choice(NETWORKS)
    device = f"00-DB-12-34-56-78-{index // 256 % 256:02X}-{index % 256:02X}"
    placed = rng.choice([*NETWORKS, "GAS"]) if rng.random() < 0.5 else network
    party, entity = PARTIES[placed]
    certificates = (
        _certificate(party, entity, "digitalSignature"),
        _certificate(party, entity, "keyAgreement"),
    )
    findings: list[Finding] = []
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        code, severity = rng.choice(FINDINGS)
        placed = rng.choice(certificates) if rng.random() < 0.8 else None
        cert = placed["sha256"] if placed else None
        responsible = None
        if placed and severity is Severity.ERROR and code.startswith(("NO_CERT_", "CELL_")):
            responsible = Organisation(
                placed["entity_id"], placed["party"], "electricity_distributor"
            )
        findings.append(
            Finding(code, severity, f"{code} on {device}", cert, "replacements[0]", responsible)
        )
    source = source or f"batch-{seed}.jsonl#{index + 1}"
    unreadable = supplier is None and originator is None
    return Record(
        source=source,
        kind=None if unreadable else "duis-request",
        service=None if unreadable else "6.21",
        message_code=None,
        originator=originator,
        sender=(
            {"party": supplier, "entity_id": originator, "user_role": "supplier"}
            if supplier
            else None
        ),
        supplier=supplier,
        device_id=None if unreadable else device,
        device_type=None if unreadable else "ESME",
        mpan=None if unreadable else f"{1000000000000 + index}",
        expected_network=None if unreadable else network,
        certificates=() if unreadable else certificates,
        findings=tuple(findings),
        digest=_sha(f"payload {seed}:{index}"),
    )


def sample_records(count: int, seed: int = 1, start: int = 0, version: int = 0) -> list[Record]:
    """Records ``start`` .. ``start + count - 1`` of batch ``seed``."""
    return [sample_record(i, seed, version) for i in range(start, start + count)]


# ----- expected figures, computed without certcheck.report ---------------------------------------

INCIDENT_COLUMNS = [code for code, severity in FINDINGS if severity is Severity.ERROR]


def latest_by_identity(dicts: Iterable[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The last record dict for each (source, digest) among ``(digest, record)`` pairs."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for digest, record in dicts:
        latest[(record["source"], digest)] = record
    return list(latest.values())


def expected_suppliers(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per Supplier: items, incorrect items and items per incident code."""
    table: dict[str, dict[str, int]] = defaultdict(Counter)
    for record in records:
        name = record["supplier"] or record["originator"] or "(unknown)"
        row = table[name]
        row["items"] += 1
        codes = {f["code"] for f in record["findings"]}
        if any(
            f["severity"] == "error"
            and (f["code"].startswith("NO_CERT_") or f["code"].startswith("CELL_"))
            for f in record["findings"]
        ):
            row["incorrect"] += 1
        for code in INCIDENT_COLUMNS:
            row[code] += code in codes
    return {name: dict(row) for name, row in table.items()}
