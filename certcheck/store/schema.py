"""The audit store's schema and its migrations, declared once for SQLite and PostgreSQL.

The schema is versioned: ``schema_version`` holds one row per applied migration. Opening a store
applies, in order and each in its own exclusive transaction, every migration above the recorded
version, so a store written by an older certcheck is brought up to date and opening it again
changes nothing. Append a new :class:`Migration` to :data:`MIGRATIONS` to change the schema;
never edit one that has shipped. A migration is plain SQL that both engines accept; the few words
that differ are ``{placeholders}`` filled from the engine's ``ddl`` (see
:mod:`certcheck.store.engine`): ``{run_key}``, ``{item_key}``, ``{id_ref}``, ``{without_rowid}``.

Tables (version 3):

- ``runs``: one row per ``verify --store`` run: start and finish times (ISO 8601 UTC), the
  arguments (JSON array), the tool version, ``complete`` (0 until the run finishes; a killed run
  stays 0) and the final counts (JSON object).
- ``items``: one row per audited item: its identity (``source``, ``digest``), the record's
  scalar fields, the verdict, the whole SPEC.md record as JSON and ``day`` (the run's start date).
- ``findings``: one row per finding of an item; ``location`` is the finding's ``where`` and
  ``party`` the organisation (party name, else entity id) of the certificate it names.
- ``latest`` (v2): for each item identity (``source``, ``digest``) the item row of the latest run
  that recorded it, so reports count each item once however often it was audited.
- ``items.sent`` and ``items.pair_key`` (v3): the record's ``sent``, and the key a handover
  command signed by the DCC ACB shares with the Supplier's DUIS request
  (:mod:`certcheck.audit.pairing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from certcheck.store.engine import Database, StoreError


@dataclass(frozen=True)
class Migration:
    """One schema step: its version, a one-line purpose, and its statements."""

    version: int
    purpose: str
    statements: tuple[str, ...]

    def apply(self, db: Database) -> None:
        for statement in self.statements:
            db.execute(statement.format_map(db.ddl))


V1_TABLES = (
    """CREATE TABLE IF NOT EXISTS runs (
        id {run_key},
        started_at TEXT NOT NULL,
        finished_at TEXT,
        arguments TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        complete INTEGER NOT NULL DEFAULT 0,
        counts TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS items (
        id {item_key},
        run_id {id_ref} NOT NULL REFERENCES runs(id),
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
        item_id {id_ref} NOT NULL REFERENCES items(id),
        code TEXT NOT NULL,
        severity TEXT NOT NULL,
        certificate TEXT,
        location TEXT,
        message TEXT NOT NULL,
        party TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS findings_item ON findings(item_id)",
    "CREATE INDEX IF NOT EXISTS items_run ON items(run_id)",
)

V2_LATEST = (
    """CREATE TABLE IF NOT EXISTS latest (
        source TEXT NOT NULL,
        digest TEXT NOT NULL,
        run_id {id_ref} NOT NULL,
        item_id {id_ref} NOT NULL,
        PRIMARY KEY (source, digest)
    ){without_rowid}""",
    # Backfill from items a version-1 store already holds: the highest run wins, then the last
    # row written within it.
    """INSERT INTO latest (source, digest, run_id, item_id)
       SELECT source, digest, run_id, id FROM (
           SELECT source, digest, run_id, id, ROW_NUMBER() OVER (
               PARTITION BY source, digest ORDER BY run_id DESC, id DESC) AS rank
           FROM items) ranked
       WHERE rank = 1""",
    "CREATE INDEX IF NOT EXISTS latest_item ON latest(item_id)",
    "CREATE INDEX IF NOT EXISTS items_day ON items(day)",
)

# Rows of older stores keep NULL: their records (schema "1") carry no ``sent``, and the Supplier
# of their DCC commands cannot be paired.
V3_SENT_AND_PAIRING = (
    "ALTER TABLE items ADD COLUMN sent TEXT",
    "ALTER TABLE items ADD COLUMN pair_key TEXT",
    "CREATE INDEX IF NOT EXISTS items_pair ON items(pair_key)",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "runs, items and findings", V1_TABLES),
    Migration(2, "latest record per item identity; report indexes", V2_LATEST),
    Migration(3, "sent; pair key of ACB commands and requests", V3_SENT_AND_PAIRING),
)

SCHEMA_VERSION = MIGRATIONS[-1].version

_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, purpose TEXT NOT NULL)"
)


def current_version(db: Database) -> int:
    """The highest applied migration (0 for an empty database); creates the version table."""
    db.execute(_VERSION_TABLE)
    (version,) = db.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(version)


def recorded_version(db: Database) -> int:
    """The recorded version without writing anything (0 when there is no version table)."""
    if not db.has_table("schema_version"):
        return 0
    (version,) = db.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(version)


def migrate(db: Database, target: int = SCHEMA_VERSION) -> list[int]:
    """Apply pending migrations up to ``target``; return the versions applied.

    Each migration and its ``schema_version`` row commit together in one exclusive transaction,
    so an interrupted upgrade is retried whole and concurrent openers apply it once.
    """
    if recorded_version(db) == target:
        return []
    applied: list[int] = []
    for migration in MIGRATIONS:
        if migration.version > target:
            break
        with db.transaction(exclusive=True):
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
    return applied
