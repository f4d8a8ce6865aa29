"""CSV: one row per finding (an item without findings gets one row with empty finding fields)."""

from __future__ import annotations

import csv
from typing import Any

from certcheck.output.writers import AtomicOutput

COLUMNS = (
    "source",
    "kind",
    "service",
    "message_code",
    "originator",
    "supplier",
    "device_id",
    "device_type",
    "mpan",
    "expected_network",
    "verdict",
    "code",
    "severity",
    "message",
    "certificate",
    "where",
)


class CsvWriter:
    """One row per finding, header first."""

    def __init__(self, out: AtomicOutput) -> None:
        self.out = out
        self.writer = csv.writer(out.stream, lineterminator="\n")
        self.writer.writerow(COLUMNS)

    def write(self, record: dict[str, Any]) -> None:
        base = [record.get(c) for c in COLUMNS[:11]]
        findings = record["findings"] or [{}]
        for finding in findings:
            self.writer.writerow(
                base
                + [finding.get(k) for k in ("code", "severity", "message", "certificate", "where")]
            )

    def close(self) -> None:
        self.out.commit()

    def abort(self) -> None:
        self.out.discard()
