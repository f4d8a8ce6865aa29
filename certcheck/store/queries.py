"""Read the audit store: runs, stored records, and the deduplicated facts reports count.

Counting rule: an item is identified by (``source``, ``digest``). Reports count each identity
once, with the record of the latest run that holds it (a higher run id wins; within a run, the
last written). Records committed by a run that was killed count like any other: auditing the
same items again replaces them rather than adding to them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from certcheck.store.engine import Database


@dataclass(frozen=True)
class RunInfo:
    """One run as stored."""

    id: int
    started_at: str
    finished_at: str | None
    arguments: list[str]
    tool_version: str
    complete: bool
    counts: dict[str, int] | None
    items: int


def runs(db: Database) -> list[RunInfo]:
    """Every run, oldest first, with the number of items it recorded."""
    rows = db.execute(
        "SELECT r.id, r.started_at, r.finished_at, r.arguments, r.tool_version, r.complete, "
        "r.counts, (SELECT count(*) FROM items i WHERE i.run_id = r.id) FROM runs r ORDER BY r.id"
    ).fetchall()
    return [
        RunInfo(
            id=row[0],
            started_at=row[1],
            finished_at=row[2],
            arguments=json.loads(row[3]),
            tool_version=row[4],
            complete=bool(row[5]),
            counts=json.loads(row[6]) if row[6] else None,
            items=row[7],
        )
        for row in rows
    ]


def records(db: Database, run_id: int | None = None) -> Iterator[dict[str, Any]]:
    """The stored SPEC.md records in write order, of one run or of all runs (not deduplicated)."""
    if run_id is None:
        rows = db.stream("SELECT record FROM items ORDER BY id")
    else:
        rows = db.stream("SELECT record FROM items WHERE run_id = ? ORDER BY id", (run_id,))
    for (text,) in rows:
        yield json.loads(text)


class StoredItem(NamedTuple):
    """One item a report counts: its record and where it stands in time."""

    record: dict[str, Any]
    day: str  # the day it was sent, else its run's day
    when: str  # when it was sent, else when its run started: the order of events
    run_id: int
    complete: bool  # its run finished


def current_items(
    db: Database, since: str | None = None, until: str | None = None
) -> Iterator[StoredItem]:
    """The latest record of every item identity sent (else run) between two days, inclusive.

    In the order events happened: by ``sent``, else the run's start, then the order audited.
    Streams: memory does not grow with the number of items.
    """
    day = "coalesce(substr(i.sent, 1, 10), i.day)"
    query = (
        f"SELECT i.record, {day}, coalesce(i.sent, r.started_at), i.run_id, r.complete "
        "FROM items i JOIN latest l ON l.item_id = i.id JOIN runs r ON r.id = i.run_id"
    )
    where: list[str] = []
    parameters: list[Any] = []
    if since is not None:
        where.append(f"{day} >= ?")
        parameters.append(since)
    if until is not None:
        where.append(f"{day} <= ?")
        parameters.append(until)
    if where:
        query += " WHERE " + " AND ".join(where)
    query += " ORDER BY coalesce(i.sent, r.started_at), i.id"
    for text, item_day, when, run_id, complete in db.stream(query, parameters):
        yield StoredItem(json.loads(text), item_day, when, run_id, bool(complete))


def offered_suppliers(db: Database) -> dict[str, tuple[str, str | None]]:
    """Pair key -> (Supplier, its entity id) of the stored DUIS requests that share their key
    with a stored GBCS command (see :mod:`certcheck.audit.pairing`); the latest request wins."""
    rows = db.stream(
        "SELECT o.pair_key, o.supplier, o.originator FROM items o "
        "WHERE o.kind = 'duis-request' AND o.supplier IS NOT NULL AND o.pair_key IN ("
        "SELECT w.pair_key FROM items w WHERE w.kind = 'gbcs-command' AND w.pair_key IS NOT NULL"
        ") ORDER BY o.id"
    )
    return {key: (supplier, originator) for key, supplier, originator in rows}
