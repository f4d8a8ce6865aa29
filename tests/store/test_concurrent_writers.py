"""Two processes write to one store at the same time, from an empty database on: both runs are
complete, no record is lost or mixed up, and an item both audited counts once, with the record
of the later run. On an SQLite file and on a PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from certcheck.report.aggregate import aggregate
from certcheck.store import AuditStore
from certcheck.store.queries import current_items, records, runs
from tests.store.sample_records import sample_records

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CHUNK = 40
# (first index, count, findings version) per writer: items 300..599 are audited by both.
WRITERS = ((0, 600, 0), (300, 600, 1))

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    sys.path.insert(0, sys.argv[2])
    from sample_records import sample_records
    from certcheck.store import AuditStore

    start, count, version = (int(a) for a in sys.argv[3:6])
    batch = sample_records(count, start=start, version=version)
    with AuditStore.open(sys.argv[1]) as store:  # both open (and migrate) the empty store at once
        run_id = store.start_run(["writer", str(start)], "test", datetime.now(UTC))
        print(run_id, flush=True)
        sys.stdin.readline()  # go
        for offset in range(0, count, {chunk}):
            store.add_records(run_id, batch[offset : offset + {chunk}])
        store.finish_run(run_id, {{"items": count}}, datetime.now(UTC))
    """
).format(chunk=CHUNK)


def _start(target: str, start: int, count: int, version: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)])}
    arguments = [str(start), str(count), str(version)]
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, target, str(HERE), *arguments],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )


def test_two_concurrent_writers(store_target: str) -> None:
    writers = [_start(store_target, *spec) for spec in WRITERS]
    run_ids = []
    for writer in writers:
        assert writer.stdout is not None
        line = writer.stdout.readline()
        assert line, writer.communicate()[1]
        run_ids.append(int(line))
    for writer in writers:  # both write from now on
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        _, errors = writer.communicate(timeout=300)
        assert writer.returncode == 0, errors

    batches = {
        run_id: sample_records(count, start=start, version=version)
        for run_id, (start, count, version) in zip(run_ids, WRITERS, strict=True)
    }
    with AuditStore.open(store_target, create=False) as store:
        stored_runs = runs(store.db)
        assert [r.id for r in stored_runs] == sorted(run_ids)
        assert all(r.complete and r.items == 600 for r in stored_runs)
        for run_id, batch in batches.items():
            assert list(records(store.db, run_id)) == [r.as_dict() for r in batch]
        facts = list(current_items(store.db))
        (ids, distinct) = store.db.execute(
            "SELECT count(*), count(DISTINCT id) FROM items"
        ).fetchone()
        winners = dict(
            store.db.execute(
                "SELECT l.source, l.run_id FROM latest l JOIN items i ON i.id = l.item_id "
                "WHERE i.run_id = l.run_id"
            ).fetchall()
        )
    assert ids == distinct == 1200
    later = max(run_ids)
    expected = {r.source: run_id for run_id, batch in sorted(batches.items()) for r in batch}
    assert winners == expected  # the later run's record wins where both audited an item
    assert sum(1 for run_id in winners.values() if run_id == later) == 600
    assert aggregate(facts).totals.items == len(facts) == 900
