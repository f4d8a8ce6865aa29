"""``certcheck report`` end to end: inputs, formats, atomic output and usage errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from certcheck.store import AuditStore
from tests.report.expected import as_figures, senders
from tests.store.sample_records import sample_records

ROOT = Path(__file__).resolve().parents[2]


def certcheck(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "certcheck", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "audit.db"
    with AuditStore.open(path) as opened:
        for day, start in ((1, 0), (3, 100)):
            run_id = opened.start_run(["verify"], "test", datetime(2026, 3, day, tzinfo=UTC))
            opened.add_records(run_id, sample_records(100, start=start))
            opened.finish_run(run_id, {"items": 100}, datetime(2026, 3, day, 1, tzinfo=UTC))
    return path


def test_json_to_a_file_matches_the_records(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    done = certcheck("report", "--store", str(store), "-f", "json", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    document = json.loads(out.read_text())
    suppliers, others = senders(r.as_dict() for r in sample_records(200))
    assert {r["party"]: as_figures(r) for r in document["suppliers"]} == {
        name: +row for name, row in suppliers.items()
    }
    assert {r["entity_id"]: as_figures(r) for r in document["other_senders"]} == {
        entity: +row for entity, row in others.items()
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temporary left


def test_csv_by_day_with_since(store: Path) -> None:
    done = certcheck("report", "--store", str(store), "--by", "day", "--since", "2026-03-02",
                     "-f", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["day"], r["items"]) for r in rows] == [("2026-03-03", "100")]
    until = certcheck("report", "--store", str(store), "--by", "day", "--until", "2026-03-02",
                      "-f", "csv")
    assert [r["day"] for r in csv.DictReader(io.StringIO(until.stdout))] == ["2026-03-01"]


def test_table_names_every_supplier(store: Path) -> None:
    done = certcheck("report", "--store", str(store), "--by", "supplier")
    assert done.returncode == 0, done.stderr
    for name in ("Alpha Energy", "Beta Power", "Gamma & <Sons>", "Other senders"):
        assert name in done.stdout


def test_json_lines_results_with_a_given_day(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    lines = [json.dumps(r.as_dict()) for r in sample_records(40)]
    results.write_text("\n".join(lines + lines[:10]) + "\n")  # ten items twice
    done = certcheck("report", str(results), "--by", "day", "--day", "2026-01-05", "-f", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert [(r["day"], r["items"]) for r in document["days"]] == [("2026-01-05", 40)]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--store", "{tmp}/missing.db"], "missing.db: no such audit store"),
        (["--by", "code"], "nothing to report"),
        (["--store", "{tmp}/a.db", "{tmp}/r.jsonl"], "not both"),
        (["{tmp}/r.jsonl", "--since", "March"], "--since 'March'"),
        (["{tmp}/nope.jsonl"], "nope.jsonl: no such file"),
        (["{tmp}/bad.jsonl"], "bad.jsonl:2:2: not JSON"),
        (["{tmp}/r.jsonl", "-o", "{tmp}/no/such/dir/out.txt"], "out.txt: cannot write"),
        (["{tmp}/notes.db.jsonl", "--store", "{tmp}/notes.db"], "not both"),
        (["--store", "{tmp}/notes.db"], "notes.db: not an audit store"),
    ],
)
def test_usage_errors_exit_2_and_name_the_problem(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    (tmp_path / "r.jsonl").write_text(json.dumps(sample_records(1)[0].as_dict()) + "\n")
    (tmp_path / "bad.jsonl").write_text(json.dumps(sample_records(1)[0].as_dict()) + "\n{oops\n")
    (tmp_path / "notes.db").write_text("not a database\n" * 200)
    done = certcheck("report", *(a.format(tmp=tmp_path) for a in arguments))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr
    assert done.stdout == ""
    assert not (tmp_path / "missing.db").exists()


def test_help_shows_an_example() -> None:
    done = certcheck("report", "--help")
    assert done.returncode == 0
    assert "Example: certcheck report --store audit.db" in done.stdout
