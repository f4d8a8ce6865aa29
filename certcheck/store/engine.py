"""The dialect seam: one connection to an audit store, SQLite or PostgreSQL, behind one API.

The store's SQL (schema, writer, queries) is written once, with ``?`` placeholders and
``ON CONFLICT`` upserts that both engines accept. What differs lives here and in the two
engine modules, and nowhere else:

- placeholders (``?`` for SQLite, ``%s`` for psycopg), translated by :meth:`Database.execute`;
- DDL words (:attr:`Database.ddl`: key columns, ``WITHOUT ROWID``) filled into migrations;
- write transactions and locking: SQLite takes its single write lock at ``BEGIN IMMEDIATE``;
  PostgreSQL lets writers run side by side and serialises migrations with an advisory lock;
- item id allocation: ``max(id) + 1`` under SQLite's write lock, a sequence in PostgreSQL;
- bulk rows: ``executemany`` in SQLite, ``COPY`` in PostgreSQL;
- streaming reads: a plain cursor in SQLite, a server-side cursor in PostgreSQL.

``--store`` takes a path (SQLite) or a ``postgresql://`` URL; :func:`open_database` picks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

URL_SCHEMES = ("postgresql://", "postgres://")


class StoreError(Exception):
    """The target is not an audit store this certcheck can use, or cannot be reached."""


class Database(ABC):
    """An open connection to an audit store (not shared between threads or processes)."""

    engine: str
    name: str  # for messages: the path, or the URL without its password
    ddl: Mapping[str, str]  # words filled into migrations' {placeholders}
    Error: type[Exception]  # the driver's base error
    IntegrityError: type[Exception]

    @abstractmethod
    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        """Run one statement (``?`` placeholders); return the driver's cursor."""

    @abstractmethod
    def stream(self, sql: str, parameters: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of a query, fetched a batch at a time (memory flat in the result size)."""

    @abstractmethod
    def transaction(self, exclusive: bool = False) -> AbstractContextManager[None]:
        """One write transaction: committed on success, rolled back on any exception.

        ``exclusive`` serialises it against every other exclusive transaction on the store
        (used by migrations).
        """

    @abstractmethod
    def new_ids(self, table: str, count: int) -> Sequence[int]:
        """``count`` unused, increasing ids for ``table``'s key (inside a transaction)."""

    @abstractmethod
    def insert_rows(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Insert ``rows`` into ``table`` in bulk."""

    @abstractmethod
    def upsert_rows(
        self, statement: str, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        """Run ``statement`` (an ``INSERT INTO table (columns) {rows} ON CONFLICT ...``) for
        ``rows`` in bulk. ``rows`` hold distinct keys, sorted by key so that concurrent
        writers take row locks in the same order."""

    @abstractmethod
    def has_table(self, table: str) -> bool:
        """True when ``table`` exists (read without writing anything)."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""


def is_url(target: str | Path) -> bool:
    """True for a PostgreSQL URL, false for a path to an SQLite file."""
    return isinstance(target, str) and target.startswith(URL_SCHEMES)


def shown(target: str | Path) -> str:
    """``target`` fit for messages and the runs table: a URL loses its password."""
    if not is_url(target):
        return str(target)
    parts = urlsplit(str(target))
    if parts.password is None:
        return str(target)
    user, _, host = parts.netloc.rpartition("@")
    user = user.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def first_line(exc: BaseException) -> str:
    """A driver error in one line (PostgreSQL's carry DETAIL and HINT lines)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def open_database(
    target: str | Path, *, create: bool = True, durable: bool = True, read_only: bool = False
) -> Database:
    """Connect to the store at ``target``: a ``postgresql://`` URL, else an SQLite path.

    Raises :class:`StoreError` when it cannot be opened (``create=False`` and no such file,
    not a database, server unreachable, psycopg not installed).
    """
    if is_url(target):
        from certcheck.store.postgres import PostgresDatabase

        return PostgresDatabase.connect(str(target))
    from certcheck.store.sqlite import SqliteDatabase

    return SqliteDatabase.connect(Path(target), create=create, durable=durable, read_only=read_only)
