"""CSV: one row per finding (an item without findings gets one row with empty finding fields).

``expected_parties`` lists the organisations answering for the expected network (``; ``-joined).
Cells are neutralised and quoted by :mod:`certcheck.output.csvcell`.
"""

from __future__ import annotations

from typing import Any

from certcheck.output.csvcell import row
from certcheck.output.writers import AtomicOutput

RECORD_COLUMNS = (
    "source",
    "id",
    "request_id",
    "sent",
    "kind",
    "service",
    "message_code",
    "originator",
    "supplier",
    "device_id",
    "device_type",
    "mpan",
    "expected_network",
    "expected_parties",
    "verdict",
)
FINDING_COLUMNS = (
    "code",
    "severity",
    "message",
    "certificate",
    "where",
)
COLUMNS = RECORD_COLUMNS + FINDING_COLUMNS


class CsvWriter:
    """One row per finding, header first."""

    def __init__(self, out: AtomicOutput) -> None:
        self.out = out
        out.stream.write(row(COLUMNS))

    def write(self, record: dict[str, Any]) -> None:
        expected = record.get("expected") or {}
        parties = "; ".join(p["party"] for p in expected.get("parties", ()))
        base = [parties if c == "expected_parties" else record.get(c) for c in RECORD_COLUMNS]
        findings = record["findings"] or [{}]
        self.out.stream.write(
            "".join(row(base + [f.get(k) for k in FINDING_COLUMNS]) for f in findings)
        )

    def close(self) -> None:
        self.out.commit()

    def abort(self) -> None:
        self.out.discard()
