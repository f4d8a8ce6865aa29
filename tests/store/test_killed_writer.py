"""A writer killed part-way (SIGKILL) leaves every committed record readable, on both engines.

The writer here is a subprocess driving the store API directly with sample records; an
end-to-end variant replaces ``_start_writer`` by ``certcheck verify --store`` on a batch.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from certcheck.report.aggregate import aggregate
from certcheck.report.render import report_json
from certcheck.store import AuditStore
from certcheck.store.queries import current_items, records, runs
from tests.store.sample_records import sample_records

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ITEMS = 400  # the batch the first run audits completely
CHUNK = 150  # records per transaction of the killed writer (not a divisor of ITEMS)
COMMITS_BEFORE_KILL = 6

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    sys.path.insert(0, sys.argv[2])
    from sample_records import sample_record
    from certcheck.store import AuditStore

    store = AuditStore.open(sys.argv[1])
    run_id = store.start_run(["verify", "--store", sys.argv[1]], "test", datetime.now(UTC))
    index = 0
    while True:  # audits the same batch again and again until killed
        chunk = [sample_record((index + k) % {items}) for k in range({chunk})]
        store.add_records(run_id, chunk)
        index += {chunk}
        print(index, flush=True)
    """
).format(items=ITEMS, chunk=CHUNK)


def _start_writer(store_path: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)])}
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, store_path, str(HERE)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )


def _summary(store_path: str) -> dict:
    with AuditStore.open(store_path, create=False) as store:
        return report_json(aggregate(current_items(store.db)), "supplier")


def test_a_killed_run_keeps_its_commits_and_stays_incomplete(store_target: str) -> None:
    store_path = store_target
    batch = sample_records(ITEMS)
    with AuditStore.open(store_path) as store:
        first = store.start_run(["verify"], "test", datetime(2026, 3, 1, tzinfo=UTC))
        for start in range(0, ITEMS, 100):
            store.add_records(first, batch[start : start + 100])
        store.finish_run(first, {"items": ITEMS}, datetime(2026, 3, 1, 1, tzinfo=UTC))
    before = _summary(store_path)

    writer = _start_writer(store_path)
    assert writer.stdout is not None
    seen = 0
    try:
        for _ in range(COMMITS_BEFORE_KILL):
            line = writer.stdout.readline()
            assert line, "the writer stopped before it was killed"
            seen = int(line)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL

    with AuditStore.open(store_path, create=False) as store:
        complete_run, killed_run = runs(store.db)
        killed = list(records(store.db, killed_run.id))
        first_again = list(records(store.db, first))
    assert complete_run.complete and not killed_run.complete
    assert killed_run.finished_at is None
    # Whole chunks only, at least every chunk the writer reported committed.
    assert len(killed) % CHUNK == 0 and len(killed) >= seen
    assert killed == [batch[i % ITEMS].as_dict() for i in range(len(killed))]
    assert first_again == [r.as_dict() for r in batch]
    # The killed run audited the same items: the report counts each once, unchanged.
    after = _summary(store_path)
    assert sum(r["items"] for r in after["suppliers"] + after["other_senders"]) == ITEMS
    assert (after["suppliers"], after["other_senders"]) == (
        before["suppliers"],
        before["other_senders"],
    )
    # The items now counted come from the killed run, and the report says so.
    assert (before["incomplete_runs"], after["incomplete_runs"]) == (0, 1)
