"""The SQLite side of the dialect seam: one file, WAL, one writer at a time."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from certcheck.store.engine import Database, StoreError

BUSY_TIMEOUT_MS = 30_000

DDL = {
    "run_key": "INTEGER PRIMARY KEY AUTOINCREMENT",
    "item_key": "INTEGER PRIMARY KEY",
    "id_ref": "INTEGER",
    "without_rowid": " WITHOUT ROWID",
}


class SqliteDatabase(Database):
    """An autocommit SQLite connection; writes serialise on ``BEGIN IMMEDIATE``."""

    engine = "sqlite"
    ddl = DDL
    Error = sqlite3.Error
    IntegrityError = sqlite3.IntegrityError

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.name = str(path)

    @classmethod
    def connect(cls, path: Path, *, create: bool = True, durable: bool = True) -> SqliteDatabase:
        """An autocommit connection tuned for the store (WAL, synchronous=NORMAL, busy timeout);
        ``durable=False`` is for a scratch store that dies with the process."""
        if not create and not path.is_file():
            raise StoreError(f"{path}: no such audit store")
        try:
            db = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if durable:
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")
            else:
                db.execute("PRAGMA journal_mode = OFF")
                db.execute("PRAGMA synchronous = OFF")
            db.execute("PRAGMA foreign_keys = OFF")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not an audit store ({exc})") from exc
        return cls(db, path)

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, parameters)

    def stream(self, sql: str, parameters: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        yield from self.connection.execute(sql, parameters)

    @contextmanager
    def transaction(self, exclusive: bool = False) -> Iterator[None]:
        # BEGIN IMMEDIATE takes the database's single write lock: every write transaction is
        # exclusive already.
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def new_ids(self, table: str, count: int) -> range:
        (first,) = self.connection.execute(
            f"SELECT coalesce(max(id), 0) + 1 FROM {table}"
        ).fetchone()
        return range(first, first + count)

    def insert_rows(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        marks = ", ".join("?" * len(columns))
        self.connection.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
        )

    def upsert_rows(
        self, statement: str, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        marks = ", ".join("?" * len(columns))
        self.connection.executemany(statement.format(rows=f"VALUES ({marks})"), rows)

    def has_table(self, table: str) -> bool:
        row = self.connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        return row is not None

    def close(self) -> None:
        self.connection.close()
