"""The report from a store equals counts computed independently from the same run's JSON Lines."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from tests.verify.cli import WORLD, certcheck, world_options_anywhere

INCORRECT = ("NO_CERT_", "CELL_")


def _expected_per_supplier(lines: list[dict]) -> dict[str, dict[str, int]]:
    """Items sent, incorrect items and items per code, per Supplier, in plain Python."""
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for record in lines:
        supplier = record["supplier"] or record["originator"] or "(unknown)"
        row = table[supplier]
        row["items"] += 1
        errors = {f["code"] for f in record["findings"] if f["severity"] == "error"}
        if any(code.startswith(INCORRECT) for code in errors):
            row["incorrect"] += 1
        for code in errors:
            row[code] += 1
    return {name: dict(row) for name, row in table.items()}


def test_store_report_equals_jsonl_counts(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    store = tmp_path / "audit.db"
    done = certcheck(
        "verify", str(WORLD / "payloads"), *world_options_anywhere(),
        "-f", "jsonl", "-o", str(out), "--store", str(store),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    expected = _expected_per_supplier(lines)

    for source in (["--store", str(store)], [str(out)]):
        report = certcheck("report", *source, "-f", "json")
        assert report.returncode == 0, report.stderr
        document = json.loads(report.stdout)
        rows = {row["supplier"]: row for row in document["rows"]}
        assert set(rows) == set(expected)
        for supplier, row in rows.items():
            want = expected[supplier]
            assert row["items"] == want["items"], supplier
            assert row["incorrect"] == want.get("incorrect", 0), supplier
            for code in document["columns"][4:]:
                assert row[code] == want.get(code, 0), (supplier, code)
        assert sum(r["items"] for r in rows.values()) == len(lines)
