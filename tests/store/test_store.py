"""The audit store: schema and migrations, records round-trip, identity, transactions."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from certcheck.audit.model import Record
from certcheck.store import SCHEMA_VERSION, AuditStore, StoreError
from certcheck.store.queries import current_facts, records, runs
from certcheck.store.schema import MIGRATIONS, migrate
from tests.store.sample_records import sample_records

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
T1 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _versions(path: Path) -> list[int]:
    with sqlite3.connect(path) as db:
        return [v for (v,) in db.execute("SELECT version FROM schema_version ORDER BY version")]


def test_a_new_store_has_every_migration_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    with AuditStore.open(path) as store:
        mode = store.db.execute("PRAGMA journal_mode").fetchone()[0]
        sync = store.db.execute("PRAGMA synchronous").fetchone()[0]
        timeout = store.db.execute("PRAGMA busy_timeout").fetchone()[0]
        tables = {n for (n,) in store.db.execute("SELECT name FROM sqlite_master")}
    assert mode == "wal"
    assert sync == 1  # NORMAL
    assert timeout > 0
    assert {"runs", "items", "findings", "latest", "schema_version"} <= tables
    assert _versions(path) == [m.version for m in MIGRATIONS]
    assert _versions(path)[-1] == SCHEMA_VERSION


def test_opening_a_version_1_store_applies_later_migrations_once(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    assert migrate(db, target=1) == [1]
    old, new = sample_records(1)[0].as_dict(), sample_records(1, version=1)[0].as_dict()
    digest = sample_records(1)[0].digest
    for run_id in (1, 2):
        db.execute(
            "INSERT INTO runs (id, started_at, arguments, tool_version) VALUES (?, 'a', '[]', 'x')",
            (run_id,),
        )
    for item_id, run_id, record in ((1, 2, new), (2, 1, old)):  # the later run written first
        db.execute(
            "INSERT INTO items (id, run_id, source, digest, verdict, record, day) "
            "VALUES (?, ?, ?, ?, ?, ?, '2026-03-01')",
            (item_id, run_id, record["source"], digest, record["verdict"], json.dumps(record)),
        )
    db.close()
    assert _versions(path) == [1]

    for _ in range(2):  # the second open finds nothing to do
        AuditStore.open(path).close()
        assert _versions(path) == [1, 2]
        with sqlite3.connect(path) as check:
            assert check.execute("SELECT run_id, item_id FROM latest").fetchall() == [(2, 1)]
    with AuditStore.open(path) as store:
        assert migrate(store.db) == []


def test_a_store_from_a_newer_certcheck_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    AuditStore.open(path).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO schema_version VALUES (99, 'now', 'future')")
    with pytest.raises(StoreError, match="newer"):
        AuditStore.open(path)


def test_a_file_that_is_not_sqlite_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("this is not a database\n" * 100)
    with pytest.raises(StoreError, match=r"notes\.db"):
        AuditStore.open(path)


def test_opening_without_create_requires_the_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"missing\.db"):
        AuditStore.open(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_records_round_trip_with_the_run(tmp_path: Path) -> None:
    batch = sample_records(300)
    with AuditStore.open(tmp_path / "audit.db") as store:
        run_id = store.start_run(["verify", "batch.jsonl"], "0.1.0", T0)
        store.add_records(run_id, batch[:120])
        store.add_records(run_id, batch[120:])
        store.finish_run(run_id, {"items": 300, "fail": 7}, T1)
        stored = list(records(store.db, run_id))
        (run,) = runs(store.db)
        day = store.db.execute("SELECT DISTINCT day FROM items").fetchall()
        finding_rows = store.db.execute("SELECT count(*) FROM findings").fetchone()[0]
    assert stored == [r.as_dict() for r in batch]
    assert run.complete and run.items == 300
    assert run.arguments == ["verify", "batch.jsonl"]
    assert run.counts == {"fail": 7, "items": 300}
    assert run.started_at == "2026-03-01T09:30:00Z" and run.finished_at == "2026-03-02T10:00:00Z"
    assert day == [("2026-03-01",)]
    assert finding_rows == sum(len(r.findings) for r in batch)


def test_a_run_never_finished_stays_incomplete(tmp_path: Path) -> None:
    with AuditStore.open(tmp_path / "audit.db") as store:
        run_id = store.start_run([], "0.1.0", T0)
        store.add_records(run_id, sample_records(5))
    with AuditStore.open(tmp_path / "audit.db") as store:
        (run,) = runs(store.db)
    assert not run.complete and run.finished_at is None and run.items == 5


def test_finishing_an_unknown_run_is_an_error(tmp_path: Path) -> None:
    with AuditStore.open(tmp_path / "audit.db") as store, pytest.raises(StoreError):
        store.finish_run(42, {}, T1)


def test_the_latest_run_decides_an_items_record(tmp_path: Path) -> None:
    first, second = sample_records(50, version=0), sample_records(50, version=1)
    with AuditStore.open(tmp_path / "audit.db") as store:
        for batch, moment in ((first, T0), (second, T1)):
            run_id = store.start_run([], "0.1.0", moment)
            store.add_records(run_id, batch)
            store.finish_run(run_id, {}, moment)
        facts = list(current_facts(store.db))
        since = list(current_facts(store.db, "2026-03-02"))
        after = list(current_facts(store.db, "2026-03-03"))
    assert len(facts) == 50
    assert {f.day for f in facts} == {"2026-03-02"}
    expected = [sorted(g.code for g in r.findings) for r in second]
    assert [sorted(f.code for f in fact.findings) for fact in facts] == expected
    assert len(since) == 50 and after == []


def test_an_older_run_written_later_does_not_replace_a_newer_record(tmp_path: Path) -> None:
    old, new = sample_records(3, version=0), sample_records(3, version=1)
    with AuditStore.open(tmp_path / "audit.db") as store:
        older = store.start_run([], "0.1.0", T0)
        newer = store.start_run([], "0.1.0", T1)
        store.add_records(newer, new)
        store.add_records(older, old)  # a slower concurrent run commits afterwards
        facts = list(current_facts(store.db))
    assert [f.day for f in facts] == ["2026-03-02"] * 3


def test_same_source_with_other_content_is_another_item(tmp_path: Path) -> None:
    a = sample_records(1, seed=1)[0]
    b = Record(**{**{k: getattr(a, k) for k in a.__slots__}, "digest": "f" * 64})
    with AuditStore.open(tmp_path / "audit.db") as store:
        run_id = store.start_run([], "0.1.0", T0)
        store.add_records(run_id, [a, b, a])
        assert len(list(current_facts(store.db))) == 2


def test_a_chunk_is_one_transaction(tmp_path: Path) -> None:
    good = sample_records(10)
    broken = Record(**{**{k: getattr(good[0], k) for k in good[0].__slots__}, "source": None})
    with AuditStore.open(tmp_path / "audit.db") as store:
        run_id = store.start_run([], "0.1.0", T0)
        store.add_records(run_id, good[:5])
        with pytest.raises(sqlite3.IntegrityError):
            store.add_records(run_id, [*good[5:], broken])
        assert [r["source"] for r in records(store.db)] == [r.source for r in good[:5]]
        store.add_records(run_id, good[5:])  # the store is usable after the failed chunk
        assert len(list(records(store.db))) == 10
