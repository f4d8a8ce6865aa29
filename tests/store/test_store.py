"""The audit store on both engines: schema and migrations, records round-trip, identity,
transactions. Each test runs on an SQLite file and on a PostgreSQL database (``store_target``)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from certcheck.audit.model import Record
from certcheck.store import SCHEMA_VERSION, AuditStore, StoreError
from certcheck.store.engine import open_database
from certcheck.store.queries import current_items, records, runs
from certcheck.store.schema import MIGRATIONS, migrate
from tests.store.sample_records import sample_records

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
T1 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TABLES = ("runs", "items", "findings", "latest", "schema_version")


def _versions(target: str) -> list[int]:
    db = open_database(target)
    try:
        return [v for (v,) in db.execute("SELECT version FROM schema_version ORDER BY version")]
    finally:
        db.close()


def test_migrations_build_every_table_in_an_empty_database(store_target: str) -> None:
    db = open_database(store_target)
    try:
        assert not any(db.has_table(t) for t in TABLES)
        assert migrate(db) == [m.version for m in MIGRATIONS]
        assert all(db.has_table(t) for t in TABLES)
        assert migrate(db) == []
    finally:
        db.close()
    assert _versions(store_target) == [m.version for m in MIGRATIONS]
    assert _versions(store_target)[-1] == SCHEMA_VERSION


def test_a_new_sqlite_store_uses_wal(tmp_path: Path) -> None:
    with AuditStore.open(tmp_path / "audit.db") as store:
        mode = store.db.execute("PRAGMA journal_mode").fetchone()[0]
        sync = store.db.execute("PRAGMA synchronous").fetchone()[0]
        timeout = store.db.execute("PRAGMA busy_timeout").fetchone()[0]
    assert mode == "wal"
    assert sync == 1  # NORMAL
    assert timeout > 0


def test_opening_a_version_1_store_applies_later_migrations_once(store_target: str) -> None:
    db = open_database(store_target)
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
    assert _versions(store_target) == [1]

    for _ in range(2):  # the second open finds nothing to do
        AuditStore.open(store_target).close()
        assert _versions(store_target) == [m.version for m in MIGRATIONS]
        with AuditStore.open(store_target) as store:
            assert store.db.execute("SELECT run_id, item_id FROM latest").fetchall() == [(2, 1)]
    with AuditStore.open(store_target) as store:
        assert migrate(store.db) == []


def test_a_store_from_a_newer_certcheck_is_refused(store_target: str) -> None:
    with AuditStore.open(store_target) as store:
        store.db.execute("INSERT INTO schema_version VALUES (99, 'now', 'future')")
    with pytest.raises(StoreError, match="newer"):
        AuditStore.open(store_target)


def test_an_empty_database_is_not_a_store_to_read(store_target: str) -> None:
    open_database(store_target).close()  # creates an empty SQLite file; PostgreSQL's is empty
    with pytest.raises(StoreError, match="not an audit store"):
        AuditStore.open(store_target, create=False)
    db = open_database(store_target)
    try:
        assert not db.has_table("schema_version")  # and nothing was written
    finally:
        db.close()


def test_a_file_that_is_not_sqlite_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("this is not a database\n" * 100)
    with pytest.raises(StoreError, match=r"notes\.db"):
        AuditStore.open(path)


def test_opening_without_create_requires_the_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"missing\.db"):
        AuditStore.open(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_records_round_trip_with_the_run(store_target: str) -> None:
    batch = sample_records(300)
    with AuditStore.open(store_target) as store:
        run_id = store.start_run(["verify", "batch.jsonl"], "0.1.0", T0)
        store.add_records(run_id, batch[:120])
        store.add_records(run_id, batch[120:])
        store.finish_run(run_id, {"items": 300, "fail": 7}, T1)
        stored = list(records(store.db, run_id))
        (run,) = runs(store.db)
        day = store.db.execute("SELECT DISTINCT day FROM items").fetchall()
        finding_rows = store.db.execute("SELECT count(*) FROM findings").fetchone()[0]
        parties = store.db.execute(
            "SELECT count(*) FROM findings WHERE party IS NOT NULL"
        ).fetchone()[0]
    assert stored == [r.as_dict() for r in batch]
    assert run.complete and run.items == 300
    assert run.arguments == ["verify", "batch.jsonl"]
    assert run.counts == {"fail": 7, "items": 300}
    assert run.started_at == "2026-03-01T09:30:00Z" and run.finished_at == "2026-03-02T10:00:00Z"
    assert day == [("2026-03-01",)]
    assert finding_rows == sum(len(r.findings) for r in batch)
    assert parties == sum(1 for r in batch for f in r.findings if f.certificate and r.certificates)


def test_a_chunk_larger_than_one_bulk_insert(store_target: str, monkeypatch) -> None:
    from certcheck.store import writer

    monkeypatch.setattr(writer, "BATCH", 7)  # the chunk spans several bulk inserts
    batch = sample_records(30)
    with AuditStore.open(store_target) as store:
        run_id = store.start_run([], "0.1.0", T0)
        store.add_records(run_id, [*batch, *batch[:5]])
        assert len(list(records(store.db, run_id))) == 35
        assert len(list(current_items(store.db))) == 30


def test_a_run_never_finished_stays_incomplete(store_target: str) -> None:
    with AuditStore.open(store_target) as store:
        run_id = store.start_run([], "0.1.0", T0)
        store.add_records(run_id, sample_records(5))
    with AuditStore.open(store_target) as store:
        (run,) = runs(store.db)
    assert not run.complete and run.finished_at is None and run.items == 5


def test_finishing_an_unknown_run_is_an_error(store_target: str) -> None:
    with AuditStore.open(store_target) as store, pytest.raises(StoreError):
        store.finish_run(42, {}, T1)


def test_the_latest_run_decides_an_items_record(store_target: str) -> None:
    first, second = sample_records(50, version=0), sample_records(50, version=1)
    with AuditStore.open(store_target) as store:
        for batch, moment in ((first, T0), (second, T1)):
            run_id = store.start_run([], "0.1.0", moment)
            store.add_records(run_id, batch)
            store.finish_run(run_id, {}, moment)
        facts = list(current_items(store.db))
        since = list(current_items(store.db, "2026-03-02"))
        after = list(current_items(store.db, "2026-03-03"))
    assert len(facts) == 50
    assert {f.day for f in facts} == {"2026-03-02"}
    expected = [sorted(g.code for g in r.findings) for r in second]
    assert [sorted(f["code"] for f in fact.record["findings"]) for fact in facts] == expected
    assert len(since) == 50 and after == []


def test_an_item_audited_twice_counts_once(store_target: str) -> None:
    batch = sample_records(40)
    with AuditStore.open(store_target) as store:
        for moment in (T0, T1):
            run_id = store.start_run([], "0.1.0", moment)
            store.add_records(run_id, batch[:25])
            store.add_records(run_id, batch[15:])  # items 15..24 twice within the run too
            store.finish_run(run_id, {}, moment)
        facts = list(current_items(store.db))
        (stored,) = store.db.execute("SELECT count(*) FROM items").fetchone()
    assert stored == 2 * 50
    assert len(facts) == 40
    assert sorted(str(f.record["mpan"]) for f in facts) == sorted(str(r.mpan) for r in batch)
    assert {f.day for f in facts} == {"2026-03-02"}


def test_an_older_run_written_later_does_not_replace_a_newer_record(store_target: str) -> None:
    old, new = sample_records(3, version=0), sample_records(3, version=1)
    with AuditStore.open(store_target) as store:
        older = store.start_run([], "0.1.0", T0)
        newer = store.start_run([], "0.1.0", T1)
        store.add_records(newer, new)
        store.add_records(older, old)  # a slower concurrent run commits afterwards
        facts = list(current_items(store.db))
    assert [f.day for f in facts] == ["2026-03-02"] * 3


def test_same_source_with_other_content_is_another_item(store_target: str) -> None:
    a = sample_records(1, seed=1)[0]
    b = Record(**{**{k: getattr(a, k) for k in a.__slots__}, "digest": "f" * 64})
    with AuditStore.open(store_target) as store:
        run_id = store.start_run([], "0.1.0", T0)
        store.add_records(run_id, [a, b, a])
        assert len(list(current_items(store.db))) == 2


def test_a_chunk_is_one_transaction(store_target: str) -> None:
    good = sample_records(10)
    broken = Record(**{**{k: getattr(good[0], k) for k in good[0].__slots__}, "source": None})
    with AuditStore.open(store_target) as store:
        run_id = store.start_run([], "0.1.0", T0)
        store.add_records(run_id, good[:5])
        with pytest.raises(store.db.IntegrityError):
            store.add_records(run_id, [*good[5:], broken])
        assert [r["source"] for r in records(store.db)] == [r.source for r in good[:5]]
        store.add_records(run_id, good[5:])  # the store is usable after the failed chunk
        assert len(list(records(store.db))) == 10


def test_sqlite_integrity_error_is_the_drivers(tmp_path: Path) -> None:
    with AuditStore.open(tmp_path / "audit.db") as store:
        assert store.db.IntegrityError is sqlite3.IntegrityError
