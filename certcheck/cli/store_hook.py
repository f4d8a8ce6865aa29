"""``verify --store``: append the run and its records to the SQLite audit store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from certcheck import __version__
from certcheck.audit.pipeline import Verified
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

    def add_verified(self, run_id: int, chunk: Sequence[Verified]) -> None:
        self.store.add_dicts(run_id, ((v.record, v.line, v.digest) for v in chunk))
        for verified in chunk:
            self.counts["items"] += 1
            self.counts[verified.verdict] += 1

    def finish(self, run_id: int, count: int) -> None:
        self.store.finish_run(run_id, self.counts, datetime.now(UTC))
        self.store.close()


def open_store(path: str, arguments: list[str]) -> tuple[RunRecorder, int]:
    """Open (creating or migrating) the store and start a run."""
    recorder = RunRecorder(path, arguments)
    return recorder, recorder.run_id
