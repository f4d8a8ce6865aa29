"""``verify --store``: append the run and its records to the SQLite audit store."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from certcheck import __version__
from certcheck.audit.pipeline import BlockResult
from certcheck.cli.common import UsageProblem


class RunRecorder:
    """One verify run in the store: started on open, chunks appended, finished at the end."""

    def __init__(self, path: str, arguments: list[str]) -> None:
        from certcheck.store.writer import AuditStore

        try:
            self.store = AuditStore.open(path)
        except Exception as exc:
            raise UsageProblem(f"{path}: cannot open the audit store: {exc}") from exc
        self.run_id = self.store.start_run(arguments, __version__, datetime.now(UTC))
        self.counts = {"items": 0, "pass": 0, "warn": 0, "fail": 0}

    def add_block(self, run_id: int, result: BlockResult) -> None:
        """Append a block's records (one transaction) and count them."""
        lines = result.lines()
        records = (json.loads(line) for line in lines)
        self.store.add_dicts(run_id, zip(records, lines, result.digests, strict=True))
        self.counts["items"] += result.items
        for verdict, count in result.verdicts.items():
            self.counts[verdict] += count

    def finish(self, run_id: int, count: int) -> None:
        self.store.finish_run(run_id, self.counts, datetime.now(UTC))
        self.store.close()


def open_store(path: str, arguments: list[str]) -> tuple[RunRecorder, int]:
    """Open (creating or migrating) the store and start a run."""
    recorder = RunRecorder(path, arguments)
    return recorder, recorder.run_id
