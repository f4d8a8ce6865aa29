"""``verify --store``: append the run and its records to the SQLite audit store."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from certcheck import __version__
from certcheck.audit.pipeline import BlockResult
from certcheck.cli.common import UsageProblem


class RunRecorder:
    """One verify run in the store (opened, created or migrated): started on creation, blocks
    appended, finished at the end."""

    def __init__(self, path: str, arguments: list[str]) -> None:
        from certcheck.store.writer import AuditStore

        try:
            self.store = AuditStore.open(path)
        except Exception as exc:
            raise UsageProblem(f"{path}: cannot open the audit store: {exc}") from exc
        self.run_id = self.store.start_run(arguments, __version__, datetime.now(UTC))
        self.counts = {"items": 0, "pass": 0, "warn": 0, "fail": 0}

    def add_block(self, result: BlockResult) -> None:
        """Append a block's records to this run (one transaction) and count them."""
        lines = result.lines()
        records = (json.loads(line) for line in lines)
        self.store.add_dicts(self.run_id, zip(records, lines, result.digests, strict=True))
        self.counts["items"] += result.items
        for verdict, count in result.verdicts.items():
            self.counts[verdict] += count

    def finish(self) -> None:
        """Mark the run complete with its counts, and close the store."""
        self.store.finish_run(self.run_id, self.counts, datetime.now(UTC))
        self.store.close()
