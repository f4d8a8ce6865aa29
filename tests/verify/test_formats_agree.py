"""verify on the demo world says the same thing in every output format."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

from tests.verify.cli import WORLD, world_output, world_records

VERDICT_LINE = re.compile(r"^(FAIL|WARN) {1,2}(\S+)")
FINDING_LINE = re.compile(r"^ {6}([A-Z][A-Z_]+)(?::|  cells? )")
SUMMARY_ROW = re.compile(r"^\s*([A-Z][A-Z_]+)\s+(error|warning|info)\s+(\d+)\s*$")
TOTALS = re.compile(r"^(\d+) item\(s\): (\d+) pass, (\d+) warn, (\d+) fail$")


def output(fmt: str) -> str:
    code, out, err = world_output(fmt)
    assert code == 1, f"{fmt}: {err}"
    return out


def test_every_format_exits_1_with_nothing_on_stderr_but_messages() -> None:
    for fmt in ("table", "json", "jsonl", "csv", "sarif"):
        code, out, err = world_output(fmt)
        assert code == 1, fmt
        assert out.strip(), fmt
        assert "Traceback" not in err, fmt


def test_json_and_jsonl_hold_the_same_records_in_the_same_order() -> None:
    array = json.loads(output("json"))
    lines = world_records()
    assert [r["source"] for r in array] == [r["source"] for r in lines]
    assert array == lines
    truth = json.loads((WORLD / "truth.json").read_text())["items"]
    assert len({r["source"] for r in lines}) == len(lines) == len(truth)


def test_csv_has_one_row_per_finding_and_one_per_clean_item() -> None:
    records = world_records()
    rows = list(csv.DictReader(io.StringIO(output("csv"))))
    assert len(rows) == sum(max(1, len(r["findings"])) for r in records)
    expected: Counter[tuple[str, str, str, str]] = Counter()
    for record in records:
        for f in record["findings"] or [{}]:
            expected[
                (
                    record["source"],
                    f.get("code") or "",
                    f.get("certificate") or "",
                    f.get("where") or "",
                )
            ] += 1
    got = Counter((r["source"], r["code"], r["certificate"], r["where"]) for r in rows)
    assert got == expected
    verdicts = {r["source"]: r["verdict"] for r in records}
    assert all(row["verdict"] == verdicts[row["source"]] for row in rows)
    assert [s for s in dict.fromkeys(r["source"] for r in rows)] == list(verdicts)


def test_sarif_results_are_the_jsonl_findings() -> None:
    records = world_records()
    results = json.loads(output("sarif"))["runs"][0]["results"]
    got = Counter((r["properties"]["source"], r["ruleId"]) for r in results)
    expected = Counter((r["source"], f["code"]) for r in records for f in r["findings"])
    assert got == expected
    level = {"error": "error", "warning": "warning", "info": "note"}
    got_levels = Counter((r["ruleId"], r["level"]) for r in results)
    expected_levels = Counter(
        (f["code"], level[f["severity"]]) for r in records for f in r["findings"]
    )
    assert got_levels == expected_levels


def parse_table(text: str) -> tuple[list[tuple[str, str, Counter[str]]], Counter, tuple]:
    """(verdict, source, codes shown) per listed item; summary counts; the totals line."""
    items: list[tuple[str, str, Counter[str]]] = []
    summary: Counter[tuple[str, str]] = Counter()
    totals: tuple[int, ...] = ()
    for line in text.splitlines():
        if match := VERDICT_LINE.match(line):
            items.append((match.group(1).lower(), match.group(2), Counter()))
        elif match := FINDING_LINE.match(line):
            assert items, line
            items[-1][2][match.group(1)] += 1
        elif match := SUMMARY_ROW.match(line):
            summary[(match.group(1), match.group(2))] += int(match.group(3))
        elif match := TOTALS.match(line.strip()):
            totals = tuple(int(g) for g in match.groups())
    return items, summary, totals


def shown_codes(record: dict) -> list[str]:
    """The codes the table shows for an item: every finding but the info ones."""
    return [f["code"] for f in record["findings"] if f["severity"] != "info"]


def test_table_lists_exactly_the_failing_and_warning_items_one_line_per_code() -> None:
    records = world_records()
    items, _, _ = parse_table(output("table"))
    expected = [
        (r["verdict"], r["source"], Counter(set(shown_codes(r))))
        for r in records
        if r["verdict"] != "pass"
    ]
    assert items == expected


def test_table_summary_counts_equal_the_jsonl_counts() -> None:
    records = world_records()
    _, summary, totals = parse_table(output("table"))
    expected = Counter((f["code"], f["severity"]) for r in records for f in r["findings"])
    assert summary == expected
    verdicts = Counter(r["verdict"] for r in records)
    assert totals == (len(records), verdicts["pass"], verdicts["warn"], verdicts["fail"])


def test_the_table_prints_the_same_from_counts_and_the_records_it_shows(tmp_path: Path) -> None:
    """verify gives the table each block's counts and only the records that are not a pass
    (the rest are never read back): the same page as every record written."""
    from certcheck.output.table import TableWriter
    from certcheck.output.writers import AtomicOutput

    records = world_records()
    every = TableWriter(AtomicOutput(str(tmp_path / "every.txt")))
    for record in records:
        every.write(record)
    every.close()
    counted = TableWriter(AtomicOutput(str(tmp_path / "counted.txt")))
    codes = Counter((f["code"], f["severity"]) for r in records for f in r["findings"])
    counted.count(len(records), Counter(r["verdict"] for r in records), codes)
    for record in records:
        if record["verdict"] != "pass":
            counted.show(record)
    counted.close()
    page = (tmp_path / "every.txt").read_text()
    assert "FAIL" in page and "item(s):" in page
    assert (tmp_path / "counted.txt").read_text() == page


def test_a_finding_s_severity_is_its_rule_s() -> None:
    """What lets verify count a block's findings by code and severity from its codes alone."""
    from certcheck.checks.registry import REGISTRY, load_all

    load_all()
    findings = [f for record in world_records() for f in record["findings"]]
    assert len({f["code"] for f in findings}) > 5
    assert all(REGISTRY[f["code"]].severity.label == f["severity"] for f in findings)
