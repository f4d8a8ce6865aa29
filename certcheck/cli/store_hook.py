"""``verify --store``: append the run and its records to the audit store (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from certcheck import __version__
from certcheck.audit.pipeline import BlockResult
from certcheck.cli.common import UsageProblem
from certcheck.output.writers import OutputError
from certcheck.store.engine import is_url, shown


class RunRecorder:
    """One verify run in the store (opened, created or migrated): started on creation, blocks
    appended, finished at the end."""

    def __init__(self, target: str, arguments: list[str]) -> None:
        from certcheck.store import AuditStore, StoreError

        try:
            self.store = AuditStore.open(target)
        except StoreError as exc:  # names the store already
            raise UsageProblem(str(exc)) from exc
        except Exception as exc:
            raise UsageProblem(f"{shown(target)}: cannot open the audit store: {exc}") from exc
        stored = [_without_password(argument) for argument in arguments]
        with self._writing():
            self.run_id = self.store.start_run(stored, __version__, datetime.now(UTC))
        self.counts = {"items": 0, "pass": 0, "warn": 0, "fail": 0}

    def add_block(self, result: BlockResult) -> None:
        """Append a block's records to this run (one transaction) and count them."""
        lines = result.lines()
        records = (json.loads(line) for line in lines)
        with self._writing():
            self.store.add_dicts(self.run_id, zip(records, lines, result.digests, strict=True))
        self.counts["items"] += result.items
        for verdict, count in result.verdicts.items():
            self.counts[verdict] += count

    def supplier_for(self, pair_key: str) -> str | None:
        """The Supplier of a stored DUIS request with this pair key (see audit/pairing)."""
        return self.store.offered_supplier(pair_key)

    def finish(self) -> None:
        """Mark the run complete with its counts, and close the store."""
        with self._writing():
            self.store.finish_run(self.run_id, self.counts, datetime.now(UTC))
        self.store.close()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The database's errors while writing (disk full, read-only, damaged) as one line:
        exit 2, like any output that cannot be written."""
        try:
            yield
        except self.store.db.Error as exc:
            raise OutputError(
                f"{self.store.db.name}: cannot write to the audit store ({exc})"
            ) from None


def _without_password(argument: str) -> str:
    """An argument as the runs table keeps it: a store URL (also as --store=URL) loses its
    password."""
    option, equals, value = argument.partition("=")
    if equals and is_url(value):
        return f"{option}={shown(value)}"
    return shown(argument)
