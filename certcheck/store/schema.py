"""The audit store's SQLite schema and its migrations.

The schema is versioned: ``schema_version`` holds one row per applied migration. Opening a store
applies, in order and each in its own transaction, every migration above the recorded version, so
a store written by an older certcheck is brought up to date and opening it again changes nothing.
Append a new :class:`Migration` to :data:`MIGRATIONS` to change the schema; never edit one that
has shipped.

Tables (version 2):

- ``runs``: one row per ``verify --store`` run: start and finish times (ISO 8601 UTC), the
  arguments (JSON array), the tool version, ``complete`` (0 until the run finishes; a killed run
  stays 0) and the final counts (JSON object).
- ``items``: one row per audited item: its identity (``source``, ``digest``), the record's
  scalar fields, the verdict, the whole SPEC.md record as JSON and ``day`` (the run's start date).
- ``findings``: one row per finding of an item; ``location`` is the finding's ``where`` and
  ``party`` the organisation (party name, else entity id) of the certificate it names.
- ``latest`` (v2): for each item identity (``source``, ``digest``) the item row of the latest run
  that recorded it, so reports count each item once however often it was audited.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime


class StoreError(Exception):
    """The file is not an audit store this certcheck can use."""


@dataclass(frozen=True)
class Migration:
    """One schema step: its version, a one-line purpose, and how to apply it."""

    version: int
    purpose: str
    apply: Callable[[sqlite3.Connection], None]


def _v1_tables(db: sqlite3.Connection) -> None:
    for statement in (
        """CREATE TABLE IF NOT EXISTS runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            arguments TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            complete INTEGER NOT NULL DEFAULT 0,
            counts TEXT
        )""",
        """CREATE TABLE IF NOT EXISTS items (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            source TEXT NOT NULL,
            digest TEXT NOT NULL,
            kind TEXT,
            service TEXT,
            message_code TEXT,
            originator TEXT,
            supplier TEXT,
            device_id TEXT,
            device_type TEXT,
            mpan TEXT,
            expected_network TEXT,
            verdict TEXT NOT NULL,
            record TEXT NOT NULL,
            day TEXT NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS findings (
            item_id INTEGER NOT NULL REFERENCES items(id),
            code TEXT NOT NULL,
            severity TEXT NOT NULL,
            certificate TEXT,
            location TEXT,
            message TEXT NOT NULL,
            party TEXT
        )""",
        "CREATE INDEX IF NOT EXISTS findings_item ON findings(item_id)",
        "CREATE INDEX IF NOT EXISTS items_run ON items(run_id)",
    ):
        db.execute(statement)


def _v2_latest(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS latest (
            source TEXT NOT NULL,
            digest TEXT NOT NULL,
            run_id INTEGER NOT NULL,
            item_id INTEGER NOT NULL,
            PRIMARY KEY (source, digest)
        ) WITHOUT ROWID"""
    )
    # Backfill from items a version-1 store already holds: the highest run wins, then the
    # last row written within it.
    db.execute(
        """INSERT OR REPLACE INTO latest (source, digest, run_id, item_id)
           SELECT source, digest, run_id, id FROM (
               SELECT source, digest, run_id, id, ROW_NUMBER() OVER (
                   PARTITION BY source, digest ORDER BY run_id DESC, id DESC) AS rank
               FROM items)
           WHERE rank = 1"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS latest_item ON latest(item_id)")
    db.execute("CREATE INDEX IF NOT EXISTS items_day ON items(day)")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "runs, items and findings", _v1_tables),
    Migration(2, "latest record per item identity; report indexes", _v2_latest),
)

SCHEMA_VERSION = MIGRATIONS[-1].version


def current_version(db: sqlite3.Connection) -> int:
    """The highest applied migration (0 for an empty database)."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, purpose TEXT NOT NULL)"
    )
    (version,) = db.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(version)


def _peek_version(db: sqlite3.Connection) -> int:
    """The recorded version without writing anything (0 when there is no version table)."""
    try:
        (version,) = db.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(version)


def migrate(db: sqlite3.Connection, target: int = SCHEMA_VERSION) -> list[int]:
    """Apply pending migrations up to ``target``; return the versions applied.

    ``db`` must be in autocommit mode (``isolation_level=None``). Each migration and its
    ``schema_version`` row commit together, so an interrupted upgrade is retried whole.
    """
    if _peek_version(db) == target:
        return []
    applied: list[int] = []
    for migration in MIGRATIONS:
        if migration.version > target:
            break
        db.execute("BEGIN IMMEDIATE")
        try:
            version = current_version(db)
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"schema version {version} is newer than this certcheck supports "
                    f"({SCHEMA_VERSION}); upgrade certcheck"
                )
            if migration.version > version:
                migration.apply(db)
                db.execute(
                    "INSERT INTO schema_version (version, applied_at, purpose) VALUES (?, ?, ?)",
                    (
                        migration.version,
                        datetime.now(UTC).isoformat(timespec="seconds"),
                        migration.purpose,
                    ),
                )
                applied.append(migration.version)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return applied
