"""Report figures equal counts computed independently with plain Python over the same records."""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from certcheck.report import aggregate as aggregate_module
from certcheck.report.aggregate import INCIDENT_CODES, aggregate, view
from certcheck.report.load import ResultsError, report_from_results, report_from_store
from certcheck.report.render import render_csv, render_json, render_table, report_json
from certcheck.store import AuditStore
from certcheck.store.queries import current_facts
from tests.store.sample_records import expected_suppliers, latest_by_identity, sample_records

DAYS = (
    datetime(2026, 3, 1, 8, tzinfo=UTC),
    datetime(2026, 3, 2, 8, tzinfo=UTC),
    datetime(2026, 3, 4, 23, 59, tzinfo=UTC),
)
# (first index, count, findings version, finished) per run: runs 2 and 3 re-audit some items.
RUNS = ((0, 300, 0, True), (200, 300, 1, True), (450, 100, 2, False))


def _is_incorrect(finding: dict[str, Any]) -> bool:
    return finding["severity"] == "error" and finding["code"].startswith(("NO_CERT_", "CELL_"))


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    """A store of three runs (the last killed), and the latest record dicts with their day."""
    path = tmp_path / "audit.db"
    written: list[tuple[str, dict[str, Any]]] = []
    with AuditStore.open(path) as store:
        for (start, count, version, finished), moment in zip(RUNS, DAYS, strict=True):
            run_id = store.start_run(["verify"], "test", moment)
            batch = sample_records(count, start=start, version=version)
            for offset in range(0, count, 64):
                store.add_records(run_id, batch[offset : offset + 64])
            if finished:
                store.finish_run(run_id, {"items": count}, moment)
            day = moment.date().isoformat()
            written += [(r.digest, {**r.as_dict(), "day": day}) for r in batch]
    return path, latest_by_identity(written)


def test_supplier_figures_match_an_independent_count(world: tuple[Path, list]) -> None:
    path, latest = world
    report = report_from_store(path)
    expected = expected_suppliers(latest)
    shown = view(report, "supplier")
    got = {row["supplier"]: row for row in shown.rows}
    assert set(got) == set(expected)
    assert {"Alpha Energy", "Gamma & <Sons>", "90-B3-D5-1F-30-01-00-03", "(unknown)"} <= set(got)
    for name, row in got.items():
        for key in ("items", "incorrect", *INCIDENT_CODES):
            assert row[key] == expected[name].get(key, 0), (name, key)
        assert row["rate"] == pytest.approx(row["incorrect"] / row["items"])
    assert shown.totals is not None
    assert shown.totals["items"] == len(latest) == 550
    assert shown.totals["incorrect"] == sum(e.get("incorrect", 0) for e in expected.values())
    assert [r["incorrect"] for r in shown.rows] == sorted(
        (r["incorrect"] for r in shown.rows), reverse=True
    )


def test_a_no_cert_warning_alone_is_not_an_incorrect_load() -> None:
    from certcheck.store.queries import FindingFact, ItemFacts

    item = ItemFacts("S", None, "D", None, "LOND", "2026-03-01", (
        FindingFact("NO_CERT_UNKNOWN_ORGANISATION", "warning", "X"),
    ))
    report = aggregate([item])
    assert report.suppliers["S"].incorrect == 0 and report.devices == {}
    assert report.codes["NO_CERT_UNKNOWN_ORGANISATION"].items == 1


def test_network_figures_name_the_wrongly_placed_parties(world: tuple[Path, list]) -> None:
    path, latest = world
    expected: dict[str, Counter] = defaultdict(Counter)
    parties: dict[str, Counter] = defaultdict(Counter)
    for record in latest:
        network = record["expected_network"]
        if not network:
            continue
        expected[network]["items"] += 1
        wrong = [f for f in record["findings"] if _is_incorrect(f)]
        expected[network]["incorrect"] += bool(wrong)
        by_sha = {c["sha256"]: c["party"] for c in record["certificates"]}
        parties[network].update({by_sha[f["certificate"]] for f in wrong if f["certificate"]})
    rows = {r["network"]: r for r in view(report_from_store(path), "network").rows}
    assert set(rows) == set(expected)
    for network, row in rows.items():
        assert (row["items"], row["incorrect"]) == (
            expected[network]["items"],
            expected[network]["incorrect"],
        )
        assert row["wrong_parties"] == dict(parties[network])


def test_code_figures_count_items_and_findings(world: tuple[Path, list]) -> None:
    path, latest = world
    items: Counter = Counter()
    findings: Counter = Counter()
    for record in latest:
        items.update({f["code"] for f in record["findings"]})
        findings.update(f["code"] for f in record["findings"])
    rows = {r["code"]: r for r in view(report_from_store(path), "code").rows}
    assert {code: r["items"] for code, r in rows.items()} == dict(items)
    assert {code: r["findings"] for code, r in rows.items()} == dict(findings)
    assert rows["CHAIN_NOT_CHECKED"]["severity"] == "info"


def test_day_figures_use_the_day_of_the_latest_run(world: tuple[Path, list]) -> None:
    path, latest = world
    per_day: Counter = Counter(r["day"] for r in latest)
    rows = view(report_from_store(path), "day").rows
    assert [(r["day"], r["items"]) for r in rows] == sorted(per_day.items())
    assert [r["day"] for r in rows] == ["2026-03-01", "2026-03-02", "2026-03-04"]
    since = report_from_store(path, since=date(2026, 3, 2))
    assert since.totals.items == per_day["2026-03-02"] + per_day["2026-03-04"]
    assert since.since == "2026-03-02"


def test_auditing_the_same_items_again_does_not_double_count(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    batch = sample_records(120)
    figures = []
    with AuditStore.open(path) as store:
        for _ in range(3):
            run_id = store.start_run([], "test", DAYS[0])
            store.add_records(run_id, batch)
            store.finish_run(run_id, {}, DAYS[0])
            figures.append(report_json(aggregate(current_facts(store.db)), "supplier"))
    assert figures[0] == figures[1] == figures[2]
    assert figures[0]["totals"]["items"] == 120


def _write_jsonl(path: Path, records: list[dict[str, Any]], stamp: datetime) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    os.utime(path, (stamp.timestamp(), stamp.timestamp()))


def test_json_lines_results_give_the_same_figures_as_the_store(
    tmp_path: Path, world: tuple[Path, list]
) -> None:
    path, _latest = world
    files = []
    for index, ((start, count, version, _), moment) in enumerate(zip(RUNS, DAYS, strict=True)):
        results = tmp_path / f"results-{index}.jsonl"
        batch = sample_records(count, 1, start, version)
        _write_jsonl(results, [r.as_dict() for r in batch], moment)
        files.append(results)
    from_files = report_from_results(files)
    from_store = report_from_store(path)
    for by in ("supplier", "network", "code", "day"):
        assert report_json(from_files, by) == report_json(from_store, by), by
    one_day = report_from_results(files, day=date(2026, 1, 5))
    assert list(one_day.days) == ["2026-01-05"]


def test_a_bad_json_lines_line_is_named_by_file_and_line(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    good = json.dumps(sample_records(1)[0].as_dict())
    results.write_text(f"{good}\n\n{{not json\n", encoding="utf-8")
    with pytest.raises(ResultsError, match=r"results\.jsonl:3:2: not JSON"):
        report_from_results([results])
    results.write_text(f'{good}\n{{"source": "x", "findings": [1]}}\n', encoding="utf-8")
    with pytest.raises(ResultsError, match=r"results\.jsonl:2: \"findings\""):
        report_from_results([results])
    results.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(ResultsError, match=r"results\.jsonl:1: expected a certcheck record"):
        report_from_results([results])


def test_affected_devices_are_capped_per_supplier(monkeypatch: pytest.MonkeyPatch) -> None:
    from certcheck.store.queries import FindingFact, ItemFacts

    monkeypatch.setattr(aggregate_module, "MAX_DEVICES", 2)
    wrong = (FindingFact("NO_CERT_WRONG_NETWORK", "error", "P"),)
    items = [ItemFacts("S", None, f"D{i % 4}", None, "LOND", "d", wrong) for i in range(8)]
    listed = aggregate(items).devices["S"]
    assert sorted(listed.devices) == ["D0", "D1"]
    assert listed.devices["D0"].items == 2 and listed.omitted_items == 4


def test_table_csv_and_json_show_the_same_rows(world: tuple[Path, list]) -> None:
    path, _latest = world
    report = report_from_store(path)
    rows = view(report, "supplier").rows
    table = render_table(report, "supplier")
    for row in rows:
        assert row["supplier"] in table
    csv_lines = render_csv(report, "supplier").splitlines()
    assert csv_lines[0].split(",")[:4] == ["supplier", "items", "incorrect", "rate"]
    assert len(csv_lines) == len(rows) + 2  # header, rows, total
    document = json.loads(render_json(report, "supplier"))
    assert document["rows"] == rows
    assert list(document) == ["by", "since", "title", "columns", "rows", "totals",
                              "affected_devices"]
