"""CSV: one row per finding (an item without findings gets one row with empty finding fields).

Cells are neutralised and quoted by :mod:`certcheck.output.csvcell`.
"""

from __future__ import annotations

from typing import Any

from certcheck.output.csvcell import row
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
FINDING_COLUMNS = COLUMNS[11:]


class CsvWriter:
    """One row per finding, header first."""

    def __init__(self, out: AtomicOutput) -> None:
        self.out = out
        out.stream.write(row(COLUMNS))

    def write(self, record: dict[str, Any]) -> None:
        base = [record.get(c) for c in COLUMNS[:11]]
        findings = record["findings"] or [{}]
        self.out.stream.write(
            "".join(row(base + [f.get(k) for k in FINDING_COLUMNS]) for f in findings)
        )

    def close(self) -> None:
        self.out.commit()

    def abort(self) -> None:
        self.out.discard()
