"""Read the items a report counts: from an audit store, or from JSON Lines results files.

JSON Lines results (``verify -f jsonl``) are streamed line by line into a scratch store in a
temporary directory, one run per file in the order given, and reported from there like a real
store. So memory stays flat for millions of records, and an item that appears more than once
(identified by its ``source``; the JSON record carries no digest) is counted once, with its last
occurrence. A file's items are dated by the file's modification day (UTC), or by ``day`` when
given.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from certcheck.report.aggregate import Report, aggregate
from certcheck.store import AuditStore, StoreError
from certcheck.store.queries import current_items, offered_suppliers

CHUNK = 5_000  # JSON Lines records per transaction of the scratch store
MAX_LINE_CHARS = 64 << 20  # one results line: far above any record verify writes


class ResultsError(ValueError):
    """A results file cannot be read; the message names the file and line."""


def report_from_store(
    target: str | Path, since: date | None = None, until: date | None = None
) -> Report:
    """Aggregate the store at ``target``, an SQLite path or a ``postgresql://`` URL (raises
    StoreError if it is missing or not a store)."""
    with AuditStore.open(target, create=False, read_only=True) as store:
        try:
            return store_report(store, since, until)
        except store.db.Error as exc:  # a damaged page, or tables changed by hand
            raise StoreError(f"{store.db.name}: the audit store cannot be read ({exc})") from exc


def report_from_results(
    paths: Sequence[str | Path],
    since: date | None = None,
    day: date | None = None,
    until: date | None = None,
) -> Report:
    """Aggregate JSON Lines results files (raises ResultsError naming a bad file or line)."""
    with _scratch_store() as store:
        for path in paths:
            load_results(store, Path(path), day)
        return store_report(store, since, until)


def store_report(store: AuditStore, since: date | None, until: date | None) -> Report:
    """The report of an open store: its items sent between ``since`` and ``until``."""
    first = since.isoformat() if since else None
    last = until.isoformat() if until else None
    return aggregate(
        current_items(store.db, first, last), first, last, offers=offered_suppliers(store.db)
    )


@contextmanager
def _scratch_store() -> Iterator[AuditStore]:
    with tempfile.TemporaryDirectory(prefix="certcheck-report-") as folder:
        store = AuditStore.open(Path(folder) / "results.db", durable=False)
        try:
            yield store
        finally:
            store.close()


def load_results(store: AuditStore, path: Path, day: date | None = None) -> int:
    """Append the records of one JSON Lines file to ``store`` as one run; return the count."""
    try:
        stamp = (
            datetime(day.year, day.month, day.day, tzinfo=UTC)
            if day
            else datetime.fromtimestamp(path.stat().st_mtime, UTC)
        )
        handle = path.open("r", encoding="utf-8")
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    run_id = store.start_run([str(path)], "jsonl", stamp)
    total = 0
    with handle:
        chunk: list[tuple[dict[str, Any], str | None, str]] = []
        for number, line in _lines(path, handle):
            text = line.strip()
            if not text:
                continue
            chunk.append((_record(path, number, line), text, ""))
            if len(chunk) >= CHUNK:
                total += store.add_dicts(run_id, chunk)
                chunk = []
        total += store.add_dicts(run_id, chunk)
    store.finish_run(run_id, {"items": total}, datetime.now(UTC))
    return total


def _lines(path: Path, handle: Any) -> Iterator[tuple[int, str]]:
    """Numbered lines of a results file, each read under MAX_LINE_CHARS."""
    number = 0
    try:
        while line := handle.readline(MAX_LINE_CHARS + 1):
            number += 1
            if len(line) > MAX_LINE_CHARS:
                raise ResultsError(
                    f"{path}:{number}: line of more than {MAX_LINE_CHARS} characters; "
                    "not a record written by certcheck verify"
                )
            yield number, line
    except UnicodeDecodeError as exc:
        raise ResultsError(f"{path}:{number + 1}: not UTF-8 text ({exc.reason})") from exc


def _record(path: Path, number: int, text: str) -> dict[str, Any]:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}:{number}:{exc.colno}: not JSON ({exc.msg})") from exc
    except RecursionError:
        raise ResultsError(f"{path}:{number}: not JSON (nested too deeply)") from None
    if not isinstance(record, dict):
        raise ResultsError(f"{path}:{number}: expected a certcheck record (a JSON object)")
    problem = _shape_problem(record)
    if problem:
        raise ResultsError(f"{path}:{number}: {problem}")
    return record


# The shape of a SPEC.md record as far as a report reads it: text fields (or null), the
# objects naming an organisation, findings and certificates.
_TEXT = (str, type(None))
_RECORD_TEXT = (
    "id",
    "request_id",
    "sent",
    "kind",
    "service",
    "message_code",
    "originator",
    "supplier",
    "device_id",
    "device_type",
    "mpan",
    "expected_network",
    "schema_version",
)
_ORGANISATION_TEXT = ("party", "entity_id", "user_role")
_FINDING_TEXT = ("message", "certificate", "where")
_CERTIFICATE_TEXT = ("sha256", "entity_id", "party", "network_kind", "subject", "issuer")
SEVERITIES = ("error", "warning", "info")
VERDICTS = ("pass", "warn", "fail")


def _shape_problem(record: dict[str, Any]) -> str | None:
    """What is wrong with a record's shape (naming the field), or None."""
    if not isinstance(record.get("source"), str):
        return 'record has no "source" string'
    problem = _texts(record, _RECORD_TEXT, "")
    if problem:
        return problem
    if record.get("verdict") not in (None, *VERDICTS):
        return f'"verdict" must be one of {", ".join(VERDICTS)}'
    problem = _organisation(record.get("sender"), "sender")
    if problem:
        return problem
    findings = record.get("findings", [])
    if not isinstance(findings, list):
        return '"findings" must be a list of objects with code and severity'
    for index, finding in enumerate(findings):
        at = f"findings[{index}]"
        if not isinstance(finding, dict) or not isinstance(finding.get("code"), str):
            return f'"{at}" must be an object with a "code" string'
        if finding.get("severity") not in SEVERITIES:
            return f'"{at}.severity" must be one of {", ".join(SEVERITIES)}'
        problem = _texts(finding, _FINDING_TEXT, f"{at}.") or _organisation(
            finding.get("responsible"), f"{at}.responsible"
        )
        if problem:
            return problem
    certificates = record.get("certificates", [])
    if not isinstance(certificates, list):
        return '"certificates" must be a list of objects'
    for index, certificate in enumerate(certificates):
        at = f"certificates[{index}]"
        if not isinstance(certificate, dict):
            return f'"{at}" must be an object'
        problem = _texts(certificate, _CERTIFICATE_TEXT, f"{at}.")
        if problem:
            return problem
    return None


def _texts(value: dict[str, Any], names: tuple[str, ...], prefix: str) -> str | None:
    for name in names:
        if not isinstance(value.get(name), _TEXT):
            return f'"{prefix}{name}" must be text or null'
    return None


def _organisation(value: Any, at: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return f'"{at}" must be an object or null'
    return _texts(value, _ORGANISATION_TEXT, f"{at}.")
