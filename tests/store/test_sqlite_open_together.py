"""Several processes opening one new SQLite store at the same moment all get it in WAL mode.

SQLite refuses a second connection's switch to WAL at once ("database is locked", without its
busy handler) while another makes the same switch; verify runs started together on a new
store must wait that out, not fail. Without the wait, about one opening in sixty failed here.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from certcheck.store.sqlite import SqliteDatabase

ROUNDS = 30
TOGETHER = 4


def _open(path: str, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    try:
        database = SqliteDatabase.connect(Path(path))
        mode = database.execute("PRAGMA journal_mode").fetchone()[0]
        database.connection.close()
        results.put(mode)
    except Exception as exc:  # reported to the test, which fails on it
        results.put(f"{type(exc).__name__}: {exc}")


def test_stores_opened_together_all_open(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    answers = []
    for round_ in range(ROUNDS):
        path = str(tmp_path / f"store-{round_}.sqlite")
        results = context.Queue()
        openers = [context.Process(target=_open, args=(path, results)) for _ in range(TOGETHER)]
        for opener in openers:
            opener.start()
        answers += [results.get(timeout=60) for _ in openers]
        for opener in openers:
            opener.join()
    assert answers == ["wal"] * (ROUNDS * TOGETHER)
