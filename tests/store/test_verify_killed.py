"""End to end: ``certcheck verify --store`` killed part-way keeps the store intact.

A first run verifies a batch built from the demo world into the store; a second run over the
same batch is SIGKILLed once it has committed some chunks. The store still opens, every
committed record of the killed run is readable, that run is marked incomplete, and the report
is the same as after the first run (items are identified by source and content digest).
The same on an SQLite file and on a PostgreSQL database.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from certcheck.report.render import report_json
from certcheck.store import StoreError
from certcheck.store.engine import Database, open_database
from tests.conftest import FIXTURES

WORLD = FIXTURES / "world"
REPEAT = 120  # the demo batch repeated: a few thousand items, long enough to interrupt


def _batch(tmp_path: Path) -> Path:
    lines = (WORLD / "payloads" / "batch.jsonl").read_text().splitlines()
    batch = tmp_path / "batch.jsonl"
    with batch.open("w") as out:
        for round_ in range(REPEAT):
            for line in lines:
                entry = json.loads(line)
                entry["id"] = f"{entry.get('id', 'item')}-{round_}"
                out.write(json.dumps(entry) + "\n")
    return batch


def _verify_args(batch: Path, store: str) -> list[str]:
    return [
        sys.executable, "-m", "certcheck", "verify", str(batch),
        "--mapping", str(WORLD / "meters.csv"),
        "--operators", str(WORLD / "operators.csv"),
        "--trust", str(WORLD / "pki" / "root.pem"),
        "--certs", str(WORLD / "pki" / "orgs"),
        "--at", "2026-06-01", "--jobs", "1", "-f", "jsonl", "-o", str(batch.parent / "out.jsonl"),
        "--store", store,
    ]  # fmt: skip


def _report(store: str) -> dict:
    from certcheck.report.load import report_from_store

    return report_json(report_from_store(store), "supplier")


def _committed(store: str, run_id: int) -> int:
    try:
        db = open_database(store, create=False)
    except StoreError:
        return 0
    try:
        return db.execute("SELECT count(*) FROM items WHERE run_id = ?", (run_id,)).fetchone()[0]
    except db.Error:
        return 0
    finally:
        db.close()


def _intact(db: Database) -> bool:
    """The engine's own check (SQLite), and every latest row names a stored item of its run."""
    if db.engine == "sqlite" and db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        return False
    (dangling,) = db.execute(
        "SELECT count(*) FROM latest l LEFT JOIN items i ON i.id = l.item_id "
        "WHERE i.id IS NULL OR i.run_id <> l.run_id"
    ).fetchone()
    return dangling == 0


def test_killed_verify_run_leaves_store_intact(tmp_path: Path, store_target: str) -> None:
    batch = _batch(tmp_path)
    total = sum(1 for _ in batch.open())
    store = store_target
    first = subprocess.run(_verify_args(batch, store), capture_output=True, text=True, check=False)
    assert first.returncode == 1, first.stderr  # the demo batch has deliberate errors
    before = _report(store)
    assert sum(r["items"] for r in before["suppliers"] + before["other_senders"]) == total
    assert before["incomplete_runs"] == 0

    second = subprocess.Popen(_verify_args(batch, store), stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _committed(store, 2) == 0:
        assert second.poll() is None, "the second run finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    second.send_signal(signal.SIGKILL)
    second.wait(timeout=30)
    assert second.returncode == -signal.SIGKILL

    db = open_database(store, create=False)
    runs = db.execute("SELECT id, complete, finished_at FROM runs ORDER BY id").fetchall()
    assert runs[0][1:] != (0, None) and runs[0][1] == 1
    assert runs[1][0] == 2 and runs[1][1] == 0 and runs[1][2] is None
    killed = db.execute("SELECT record FROM items WHERE run_id = 2 ORDER BY id").fetchall()
    assert 0 < len(killed) < total
    sources = [json.loads(text)["source"] for (text,) in killed]
    assert sources == [f"{batch}#{n}" for n in range(1, len(killed) + 1)]
    assert _intact(db)
    db.close()
    after = _report(store)
    assert (after["suppliers"], after["other_senders"]) == (
        before["suppliers"],
        before["other_senders"],
    )
    assert after["incomplete_runs"] == 1  # the items re-audited by the killed run count
