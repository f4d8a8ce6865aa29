"""The SQLite side of the dialect seam: one file, WAL, one writer at a time."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
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


def _write_ahead(db: sqlite3.Connection) -> None:
    """Put the store in WAL mode, waiting out another process doing the same.

    The switch needs the file to itself, and SQLite answers "database is locked" at once,
    without its busy handler, when two connections ask together (two verify runs starting on
    a new store): the switch is asked again until BUSY_TIMEOUT_MS have passed.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


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
    def connect(
        cls, path: Path, *, create: bool = True, durable: bool = True, read_only: bool = False
    ) -> SqliteDatabase:
        """An autocommit connection tuned for the store (WAL, synchronous=NORMAL, busy timeout);
        ``durable=False`` is for a scratch store that dies with the process.

        A file that is not certcheck's (another application's database, any other file, an
        empty file unless ``create``) is refused before anything is written to it or beside
        it. ``read_only`` opens with ``mode=ro`` and changes nothing; on a read-only file
        system, where no WAL index can be made beside the store, with ``immutable=1``.
        """
        if not create and not path.is_file():
            raise StoreError(f"{path}: no such audit store")
        _refuse_foreign(path, create=create)
        if read_only:
            try:
                return cls(_read_only(path), path)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{path}: not an audit store ({exc})") from exc
        _refuse_unwritable(path)
        try:
            db = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if durable:
                _write_ahead(db)
                db.execute("PRAGMA synchronous = NORMAL")
            else:
                db.execute("PRAGMA journal_mode = OFF")
                db.execute("PRAGMA synchronous = OFF")
            db.execute("PRAGMA foreign_keys = OFF")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot open the audit store ({exc})") from exc
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
            # SQLite has rolled back already after a full disk: the error that stopped the
            # transaction is the one to report, never "cannot rollback".
            if self.connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):
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


def _read_only(path: Path, *, immutable: bool = False) -> sqlite3.Connection:
    uri = path.absolute().as_uri()
    if immutable:
        return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)
    try:
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:  # no WAL index can be made: a read-only file system
        db = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return db


def _refuse_unwritable(path: Path) -> None:
    """Say why (read-only file system, permission) the store cannot be written; a new store
    starts here as an empty file with the umask's mode."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o666))
    except OSError as exc:
        raise StoreError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _refuse_foreign(path: Path, *, create: bool) -> None:
    """Refuse, leaving it untouched, a file that is not a certcheck store (read without
    writing anything: with no WAL beside it, as an immutable file)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if size == 0:
        if create:
            return
        raise StoreError(f"{path}: an empty file, not an audit store")
    try:
        db = _read_only(path, immutable=not Path(f"{path}-wal").exists())
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not an audit store ({exc})") from exc
    if "schema_version" not in tables and (tables or not create):
        held = f"tables {', '.join(sorted(tables)[:5])}" if tables else "an empty database"
        raise StoreError(
            f"{path}: not an audit store ({held}, not certcheck's); certcheck leaves it untouched"
        )
