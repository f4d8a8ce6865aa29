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


class FindingFact(NamedTuple):
    code: str
    severity: str
    party: str | None


class ItemFacts(NamedTuple):
    """What a report needs of one (deduplicated) item."""

    supplier: str | None
    originator: str | None
    device_id: str | None
    mpan: str | None
    expected_network: str | None
    day: str
    findings: tuple[FindingFact, ...]


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


def current_facts(db: Database, since: str | None = None) -> Iterator[ItemFacts]:
    """One :class:`ItemFacts` per item identity (latest record wins), from ``since`` (a day).

    Streams: memory does not grow with the number of items.
    """
    query = (
        "SELECT i.id, i.supplier, i.originator, i.device_id, i.mpan, i.expected_network, i.day, "
        "f.code, f.severity, f.party "
        "FROM items i LEFT JOIN findings f ON f.item_id = i.id "
        "WHERE EXISTS (SELECT 1 FROM latest l WHERE l.item_id = i.id)"
    )
    parameters: tuple[Any, ...] = ()
    if since is not None:
        query += " AND i.day >= ?"
        parameters = (since,)
    query += " ORDER BY i.id"
    current: int | None = None
    head: tuple[Any, ...] = ()
    found: list[FindingFact] = []
    for row in db.stream(query, parameters):
        if row[0] != current:
            if current is not None:
                yield ItemFacts(*head, tuple(found))
            current = row[0]
            head = row[1:7]
            found = []
        if row[7] is not None:
            found.append(FindingFact(row[7], row[8], row[9]))
    if current is not None:
        yield ItemFacts(*head, tuple(found))
