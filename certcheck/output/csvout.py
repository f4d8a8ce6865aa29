"""CSV: one row per finding (an item without findings gets one row with empty finding fields).

``expected_parties`` lists the organisations answering for the expected network (``; ``-joined).
"""

from __future__ import annotations

import csv
from typing import Any

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
        self.writer = csv.writer(out.stream, lineterminator="\n")
        self.writer.writerow(COLUMNS)

    def write(self, record: dict[str, Any]) -> None:
        expected = record.get("expected") or {}
        parties = "; ".join(p["party"] for p in expected.get("parties", ()))
        base = [parties if c == "expected_parties" else record.get(c) for c in RECORD_COLUMNS]
        for finding in record["findings"] or [{}]:
            self.writer.writerow(base + [finding.get(k) for k in FINDING_COLUMNS])

    def close(self) -> None:
        self.out.commit()

    def abort(self) -> None:
        self.out.discard()
