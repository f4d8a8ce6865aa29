"""Append runs and records to the audit store (SQLite, WAL).

Usage by ``verify --store``::

    store = AuditStore.open("audit.db")
    run_id = store.start_run(sys.argv[1:], __version__, datetime.now(UTC))
    for chunk in chunks:
        store.add_records(run_id, chunk)          # one transaction per chunk
    store.finish_run(run_id, {"items": n, "fail": f}, datetime.now(UTC))
    store.close()

Every ``add_records`` call commits on its own, so a run killed part-way leaves each committed
chunk readable and the run ``complete = 0`` for ever.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from certcheck.audit.model import Record
from certcheck.store.schema import StoreError, migrate

BUSY_TIMEOUT_MS = 30_000
BATCH = 5_000  # rows per executemany call

_ITEM_COLUMNS = (
    "id, run_id, source, digest, kind, service, message_code, originator, supplier, device_id, "
    "device_type, mpan, expected_network, verdict, record, day"
)
_INSERT_ITEM = f"INSERT INTO items ({_ITEM_COLUMNS}) VALUES ({', '.join('?' * 16)})"
_INSERT_FINDING = (
    "INSERT INTO findings (item_id, code, severity, certificate, location, message, party) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_LATEST = (
    "INSERT INTO latest (source, digest, run_id, item_id) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (source, digest) DO UPDATE SET run_id = excluded.run_id, "
    "item_id = excluded.item_id WHERE excluded.run_id >= latest.run_id"
)


def utc_text(moment: datetime) -> str:
    """ISO 8601 UTC text of ``moment`` (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def connect(path: str | Path, *, durable: bool = True) -> sqlite3.Connection:
    """An autocommit connection tuned for the store (WAL, synchronous=NORMAL, busy timeout)."""
    try:
        db = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if durable:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
        else:  # a scratch store that dies with the process
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA foreign_keys = OFF")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not an audit store ({exc})") from exc
    return db


def _party_of(certificate: dict[str, Any]) -> str | None:
    return certificate.get("party") or certificate.get("entity_id")


class AuditStore:
    """An open audit store. Not shared between threads; open one per process."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db = db
        self.path = path
        self._days: dict[int, str] = {}

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True, durable: bool = True) -> AuditStore:
        """Open (creating if ``create``) and migrate the store at ``path``.

        Raises :class:`StoreError` if the file is missing (``create=False``), is not an SQLite
        database, or was written by a newer certcheck.
        """
        path = Path(path)
        if not create and not path.is_file():
            raise StoreError(f"{path}: no such audit store")
        db = connect(path, durable=durable)
        try:
            migrate(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise StoreError(f"{path}: not an audit store ({exc})") from exc
        except StoreError as exc:
            db.close()
            raise StoreError(f"{path}: {exc}") from exc
        return cls(db, path)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> AuditStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start_run(self, arguments: list[str], tool_version: str, started_at: datetime) -> int:
        """Record a new, incomplete run and return its id."""
        started = utc_text(started_at)
        cursor = self.db.execute(
            "INSERT INTO runs (started_at, arguments, tool_version, complete) VALUES (?, ?, ?, 0)",
            (started, json.dumps(list(arguments)), tool_version),
        )
        run_id = int(cursor.lastrowid or 0)
        self._days[run_id] = started[:10]
        return run_id

    def finish_run(self, run_id: int, counts: dict[str, int], finished_at: datetime) -> None:
        """Mark the run complete with its final counts."""
        cursor = self.db.execute(
            "UPDATE runs SET finished_at = ?, counts = ?, complete = 1 WHERE id = ?",
            (utc_text(finished_at), json.dumps(dict(counts), sort_keys=True), run_id),
        )
        if cursor.rowcount != 1:
            raise StoreError(f"{self.path}: no run {run_id}")

    def add_records(self, run_id: int, records: Sequence[Record]) -> None:
        """Append ``records`` to the run in one transaction."""
        self.add_dicts(
            run_id,
            ((r.as_dict(), None, r.digest) for r in records),
        )

    def add_dicts(
        self, run_id: int, entries: Iterable[tuple[dict[str, Any], str | None, str]]
    ) -> int:
        """Append SPEC.md record dicts in one transaction; return how many were written.

        Each entry is ``(record, text, digest)``: ``text`` is the record's JSON if already at
        hand (else it is serialised here), ``digest`` the item's identity beside its source.
        """
        day = self._day_of(run_id)
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            (next_id,) = db.execute("SELECT coalesce(max(id), 0) + 1 FROM items").fetchone()
            items: list[tuple[Any, ...]] = []
            findings: list[tuple[Any, ...]] = []
            latest: list[tuple[Any, ...]] = []
            written = 0
            for record, text, digest in entries:
                item_id = next_id
                next_id += 1
                written += 1
                items.append(_item_row(item_id, run_id, record, text, digest, day))
                latest.append((record["source"], digest, run_id, item_id))
                findings.extend(_finding_rows(item_id, record))
                if len(items) >= BATCH:
                    _flush(db, items, findings, latest)
            _flush(db, items, findings, latest)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return written

    def _day_of(self, run_id: int) -> str:
        if run_id not in self._days:
            row = self.db.execute("SELECT started_at FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise StoreError(f"{self.path}: no run {run_id}")
            self._days[run_id] = str(row[0])[:10]
        return self._days[run_id]


def _item_row(
    item_id: int,
    run_id: int,
    record: dict[str, Any],
    text: str | None,
    digest: str,
    day: str,
) -> tuple[Any, ...]:
    if text is None:
        text = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
    get = record.get
    return (
        item_id,
        run_id,
        record["source"],
        digest or "",
        get("kind"),
        get("service"),
        get("message_code"),
        get("originator"),
        get("supplier"),
        get("device_id"),
        get("device_type"),
        get("mpan"),
        get("expected_network"),
        get("verdict") or "pass",
        text,
        day,
    )


def _finding_rows(item_id: int, record: dict[str, Any]) -> list[tuple[Any, ...]]:
    found = record.get("findings") or ()
    if not found:
        return []
    parties = {
        c.get("sha256"): _party_of(c) for c in record.get("certificates") or () if c.get("sha256")
    }
    return [
        (
            item_id,
            f["code"],
            f["severity"],
            f.get("certificate"),
            f.get("where"),
            f.get("message") or "",
            parties.get(f.get("certificate")),
        )
        for f in found
    ]


def _flush(
    db: sqlite3.Connection,
    items: list[tuple[Any, ...]],
    findings: list[tuple[Any, ...]],
    latest: list[tuple[Any, ...]],
) -> None:
    if items:
        db.executemany(_INSERT_ITEM, items)
        db.executemany(_UPSERT_LATEST, latest)
    if findings:
        db.executemany(_INSERT_FINDING, findings)
    items.clear()
    findings.clear()
    latest.clear()
