"""Report figures equal counts computed independently with plain Python over the same records."""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from certcheck.report.aggregate import aggregate, code_rows, day_rows, network_rows
from certcheck.report.load import ResultsError, report_from_results, report_from_store
from certcheck.report.render import render_csv, render_json, render_table, report_json
from certcheck.store import AuditStore
from certcheck.store.queries import StoredItem, current_items
from tests.report.expected import INCIDENT, as_figures, senders
from tests.store.sample_records import latest_by_identity, sample_records

DAYS = (
    datetime(2026, 3, 1, 8, tzinfo=UTC),
    datetime(2026, 3, 2, 8, tzinfo=UTC),
    datetime(2026, 3, 4, 23, 59, tzinfo=UTC),
)
# (first index, count, findings version, finished) per run: runs 2 and 3 re-audit some items.
RUNS = ((0, 300, 0, True), (200, 300, 1, True), (450, 100, 2, False))


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
    document = report_json(report_from_store(path), "supplier")
    suppliers, others = senders(latest)
    got = {row["party"]: as_figures(row) for row in document["suppliers"]}
    assert got == {name: +row for name, row in suppliers.items()}
    assert {"Alpha Energy", "Gamma & <Sons>"} <= set(got)
    assert {row["entity_id"]: as_figures(row) for row in document["other_senders"]} == {
        entity: +row for entity, row in others.items()
    }
    assert all(row["user_role"] == "supplier" for row in document["suppliers"])
    for row in document["suppliers"] + document["other_senders"]:
        assert row["rate"] == pytest.approx(row["incorrect"] / row["items"], abs=1e-6)
    assert sum(r["items"] for r in document["suppliers"] + document["other_senders"]) == 550
    assert [r["incorrect"] for r in document["suppliers"]] == sorted(
        (r["incorrect"] for r in document["suppliers"]), reverse=True
    )
    assert document["incomplete_runs"] == 1  # the third run never finished
    assert document["period"] == {"from": "2026-03-01", "to": "2026-03-04"}


def _stored(record: dict[str, Any], day: str = "2026-03-01") -> StoredItem:
    return StoredItem(record, day, day + "T00:00:00Z", 1, True)


def test_a_no_cert_warning_alone_is_not_an_incident() -> None:
    record = {
        **sample_records(1)[0].as_dict(),
        "findings": [
            {
                "code": "NO_CERT_UNKNOWN_ORGANISATION",
                "severity": "warning",
                "certificate": None,
                "responsible": None,
                "where": None,
                "message": "x",
            },
        ],
    }
    report = aggregate([_stored(record)])
    assert report.totals.incorrect == 0 and report.estate.worklist() == []
    assert code_rows(report)[0]["items"] == 1


def test_network_figures_name_the_responsible_parties(world: tuple[Path, list]) -> None:
    path, latest = world
    expected: dict[str, Counter] = defaultdict(Counter)
    parties: dict[str, Counter] = defaultdict(Counter)
    for record in latest:
        network = record["expected_network"]
        if not network:
            continue
        wrong = [
            f for f in record["findings"] if f["severity"] == "error" and f["code"] in INCIDENT
        ]
        expected[network]["items"] += 1
        expected[network]["incorrect"] += bool(wrong)
        parties[network].update(
            {
                f["responsible"]["party"] or f["responsible"]["entity_id"]
                for f in wrong
                if f["responsible"]
            }
        )
    rows = {r["network"]: r for r in network_rows(report_from_store(path))}
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
    rows = {r["code"]: r for r in code_rows(report_from_store(path))}
    assert {code: r["items"] for code, r in rows.items()} == dict(items)
    assert {code: r["findings"] for code, r in rows.items()} == dict(findings)
    assert rows["CHAIN_NOT_CHECKED"]["severity"] == "info"


def test_items_without_sent_are_dated_by_their_run(world: tuple[Path, list]) -> None:
    path, latest = world
    per_day: Counter = Counter(r["day"] for r in latest)
    rows = day_rows(report_from_store(path))
    assert [(r["day"], r["items"]) for r in rows] == sorted(per_day.items())
    since = report_from_store(path, since=date(2026, 3, 2))
    assert since.totals.items == per_day["2026-03-02"] + per_day["2026-03-04"]
    until = report_from_store(path, until=date(2026, 3, 2))
    assert until.totals.items == per_day["2026-03-01"] + per_day["2026-03-02"]
    assert report_json(until, "day")["period"] == {"from": "2026-03-01", "to": "2026-03-02"}


def test_items_are_dated_and_selected_by_sent(tmp_path: Path) -> None:
    batch = sample_records(6)
    with AuditStore.open(tmp_path / "a.db") as store:
        run_id = store.start_run([], "test", DAYS[0])
        store.add_dicts(
            run_id,
            [
                ({**r.as_dict(), "sent": f"2026-02-0{1 + i % 3}T10:00:00Z"}, None, r.digest)
                for i, r in enumerate(batch)
            ],
        )
        store.finish_run(run_id, {}, DAYS[0])
    path = tmp_path / "a.db"
    assert [(r["day"], r["items"]) for r in day_rows(report_from_store(path))] == [
        ("2026-02-01", 2),
        ("2026-02-02", 2),
        ("2026-02-03", 2),
    ]
    narrow = report_from_store(path, since=date(2026, 2, 2), until=date(2026, 2, 2))
    assert narrow.totals.items == 2
    assert report_json(narrow, "supplier")["period"] == {"from": "2026-02-02", "to": "2026-02-02"}


def test_auditing_the_same_items_again_does_not_double_count(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    batch = sample_records(120)
    figures = []
    with AuditStore.open(path) as store:
        for _ in range(3):
            run_id = store.start_run([], "test", DAYS[0])
            store.add_records(run_id, batch)
            store.finish_run(run_id, {}, DAYS[0])
            shown = report_json(aggregate(current_items(store.db)), "supplier")
            figures.append((shown["suppliers"], shown["other_senders"]))
    assert figures[0] == figures[1] == figures[2]
    assert sum(r["items"] for part in figures[0] for r in part) == 120


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
    for by in ("supplier", "responsible", "device", "network", "code", "day"):
        files_view, store_view = report_json(from_files, by), report_json(from_store, by)
        for document in (files_view, store_view):
            document.pop("generated")
            document.pop("incomplete_runs")  # results files hold no run that did not finish
        assert files_view == store_view, by
    one_day = report_from_results(files, day=date(2026, 1, 5))
    assert list(one_day.days) == ["2026-01-05"]


def test_a_bad_json_lines_line_is_named_by_file_and_line(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    good = json.dumps(sample_records(1)[0].as_dict())
    results.write_text(f"{good}\n\n{{not json\n", encoding="utf-8")
    with pytest.raises(ResultsError, match=r"results\.jsonl:3:2: not JSON"):
        report_from_results([results])
    results.write_text(f'{good}\n{{"source": "x", "findings": [1]}}\n', encoding="utf-8")
    with pytest.raises(ResultsError, match=r"results\.jsonl:2: \"findings\[0\]\" must be an"):
        report_from_results([results])
    results.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(ResultsError, match=r"results\.jsonl:1: expected a certcheck record"):
        report_from_results([results])


def test_table_fits_the_width_and_csv_holds_every_row(world: tuple[Path, list]) -> None:
    path, _latest = world
    report = report_from_store(path)
    suppliers = report_json(report, "supplier")["suppliers"]
    for width in (80, 120):
        table = render_table(report, "supplier", width=width)
        assert max(len(line) for line in table.splitlines()) <= width
        assert "Other senders" in table
        for row in suppliers:
            assert row["party"].split()[0] in table
    csv_lines = render_csv(report, "supplier").splitlines()
    assert csv_lines[0].split(",")[:4] == ["part", "party", "entity_id", "user_role"]
    document = json.loads(render_json(report, "supplier"))
    assert len(csv_lines) == 1 + len(document["suppliers"]) + len(document["other_senders"])
    assert list(document) == [
        "period",
        "generated",
        "tool_version",
        "incomplete_runs",
        "suppliers",
        "other_senders",
    ]
