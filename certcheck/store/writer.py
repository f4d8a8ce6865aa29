"""Append runs and records to the audit store (SQLite file or PostgreSQL database).

Usage by ``verify --store``::

    store = AuditStore.open("audit.db")           # or "postgresql://host/db"
    run_id = store.start_run(sys.argv[1:], __version__, datetime.now(UTC))
    for chunk in chunks:
        store.add_records(run_id, chunk)          # one transaction per chunk
    store.finish_run(run_id, {"items": n, "fail": f}, datetime.now(UTC))
    store.close()

Every ``add_records`` call commits on its own, so a run killed part-way leaves each committed
chunk readable and the run ``complete = 0`` for ever. Several processes may write to one store
at once (SQLite serialises their transactions; PostgreSQL runs them side by side).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from certcheck.audit.model import Record
from certcheck.audit.pairing import PAIRED_KINDS, record_pair_key
from certcheck.store.engine import Database, StoreError, first_line, open_database
from certcheck.store.schema import SCHEMA_VERSION, migrate, recorded_version

BATCH = 5_000  # rows per bulk insert

ITEM_COLUMNS = (
    "id", "run_id", "source", "digest", "kind", "service", "message_code", "originator",
    "supplier", "device_id", "device_type", "mpan", "expected_network", "verdict", "record", "day",
    "sent", "pair_key",
)  # fmt: skip
FINDING_COLUMNS = ("item_id", "code", "severity", "certificate", "location", "message", "party")
LATEST_COLUMNS = ("source", "digest", "run_id", "item_id")  # the key first
UPSERT_LATEST = (
    "INSERT INTO latest (source, digest, run_id, item_id) {rows} "
    "ON CONFLICT (source, digest) DO UPDATE SET run_id = excluded.run_id, "
    "item_id = excluded.item_id WHERE excluded.run_id >= latest.run_id"
)


def utc_text(moment: datetime) -> str:
    """ISO 8601 UTC text of ``moment`` (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _party_of(certificate: dict[str, Any]) -> str | None:
    return certificate.get("party") or certificate.get("entity_id")


class AuditStore:
    """An open audit store. Not shared between threads; open one per process."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.name = db.name
        self._days: dict[int, str] = {}

    @classmethod
    def open(
        cls,
        target: str | Path,
        *,
        create: bool = True,
        durable: bool = True,
        read_only: bool = False,
    ) -> AuditStore:
        """Open and migrate the store at ``target``: an SQLite path or a ``postgresql://`` URL.

        With ``create`` an SQLite file is created and an empty database gets the schema;
        without, the store must exist already. ``read_only`` writes nothing to a store at the
        current schema version (one on a read-only file system can be read); an older one is
        migrated first. Raises :class:`StoreError` if it cannot be reached, is not an audit
        store (then left untouched), or was written by a newer certcheck.
        """
        db = open_database(target, create=create, durable=durable, read_only=read_only)
        try:
            if not create and not db.has_table("schema_version"):
                raise StoreError("not an audit store (no certcheck schema)")
            if read_only and recorded_version(db) == SCHEMA_VERSION:
                return cls(db)
            if read_only:
                db.close()
                db = open_database(target, create=create, durable=durable)
            migrate(db)
        except db.Error as exc:
            db.close()
            raise StoreError(f"{db.name}: cannot open the audit store ({first_line(exc)})") from exc
        except StoreError as exc:
            db.close()
            raise StoreError(f"{db.name}: {exc}") from exc
        return cls(db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> AuditStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start_run(self, arguments: list[str], tool_version: str, started_at: datetime) -> int:
        """Record a new, incomplete run and return its id."""
        started = utc_text(started_at)
        (run_id,) = self.db.execute(
            "INSERT INTO runs (started_at, arguments, tool_version, complete) "
            "VALUES (?, ?, ?, 0) RETURNING id",
            (started, json.dumps(list(arguments)), tool_version),
        ).fetchone()
        self._days[run_id] = started[:10]
        return int(run_id)

    def finish_run(self, run_id: int, counts: dict[str, int], finished_at: datetime) -> None:
        """Mark the run complete with its final counts."""
        cursor = self.db.execute(
            "UPDATE runs SET finished_at = ?, counts = ?, complete = 1 WHERE id = ?",
            (utc_text(finished_at), json.dumps(dict(counts), sort_keys=True), run_id),
        )
        if cursor.rowcount != 1:
            raise StoreError(f"{self.name}: no run {run_id}")

    def add_records(self, run_id: int, records: Sequence[Record]) -> None:
        """Append ``records`` to the run in one transaction."""
        self.add_dicts(run_id, ((r.as_dict(), None, r.digest) for r in records))

    def add_dicts(
        self, run_id: int, entries: Iterable[tuple[dict[str, Any], str | None, str]]
    ) -> int:
        """Append SPEC.md record dicts in one transaction; return how many were written.

        Each entry is ``(record, text, digest)``: ``text`` is the record's JSON if already at
        hand (else it is serialised here), ``digest`` the item's identity beside its source.
        """
        day = self._day_of(run_id)
        db = self.db
        written = 0
        pending = iter(entries)
        with db.transaction():
            while batch := list(itertools.islice(pending, BATCH)):
                ids = db.new_ids("items", len(batch))
                items: list[tuple[Any, ...]] = []
                findings: list[tuple[Any, ...]] = []
                latest: dict[tuple[str, str], tuple[Any, ...]] = {}
                for item_id, (record, text, digest) in zip(ids, batch, strict=True):
                    row = _item_row(item_id, run_id, record, text, digest, day)
                    items.append(row)
                    latest[(row[2], row[3])] = (row[2], row[3], run_id, item_id)
                    findings.extend(_finding_rows(item_id, record))
                db.insert_rows("items", ITEM_COLUMNS, items)
                if findings:
                    db.insert_rows("findings", FINDING_COLUMNS, findings)
                db.upsert_rows(
                    UPSERT_LATEST, "latest", LATEST_COLUMNS, [latest[k] for k in sorted(latest)]
                )
                written += len(batch)
        return written

    def offered_supplier(self, pair_key: str) -> str | None:
        """The Supplier of the latest stored DUIS request with ``pair_key``, or None."""
        row = self.db.execute(
            "SELECT supplier FROM items WHERE pair_key = ? AND kind = 'duis-request' "
            "AND supplier IS NOT NULL ORDER BY id DESC LIMIT 1",
            (pair_key,),
        ).fetchone()
        return row[0] if row else None

    def _day_of(self, run_id: int) -> str:
        if run_id not in self._days:
            row = self.db.execute("SELECT started_at FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise StoreError(f"{self.name}: no run {run_id}")
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
        get("sent"),
        record_pair_key(record) if get("kind") in PAIRED_KINDS else None,
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
