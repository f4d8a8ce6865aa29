"""The verify pipeline: raw inputs to records, streamed in chunks, optionally on workers.

Items are read, decoded, checked and serialised one chunk at a time; nothing holds the whole
batch. Worker processes (forked, so they share the read-only context) take chunks in order and
return each record already serialised, so output order is input order for any ``jobs``.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from certcheck.audit.decoding import decode_raw
from certcheck.audit.limits import DEFAULT_LIMITS, Limits
from certcheck.audit.model import Finding, Item, Record, verdict_of
from certcheck.audit.records import certificate_entry, certificate_entry_json
from certcheck.audit.sources import RawInput
from certcheck.checks.registry import run_checks
from certcheck.checks.subject import AuditContext, Subject
from certcheck.output.writers import dumps

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult

CHUNK_SIZE = 256
IN_FLIGHT_PER_WORKER = 4  # chunks submitted ahead per worker: enough to keep each one busy


@dataclass(frozen=True, slots=True)
class Verified:
    """One audited item: its serialised record and what the caller needs without parsing it."""

    source: str
    digest: str
    line: str
    verdict: str
    codes: tuple[tuple[str, str], ...]

    @property
    def record(self) -> dict[str, Any]:
        return json.loads(self.line)


def _record_head(item: Item, subject: Subject) -> dict[str, Any]:
    """The record fields before ``certificates``, in SPEC.md order."""
    meter = subject.meter
    registry = subject.context.registry
    supplier = None
    if registry is not None and item.originator:
        operator = registry.by_entity(item.originator)
        supplier = operator.party if operator else None
    return {
        "source": item.source,
        "kind": item.kind.value if item.kind else None,
        "service": item.service,
        "message_code": item.message_code,
        "originator": item.originator,
        "supplier": supplier,
        "device_id": item.device_id,
        "device_type": meter.device_type if meter else None,
        "mpan": (meter.mpan or meter.mprn) if meter else None,
        "expected_network": meter.expected_network if meter else None,
    }


def audit_item(item: Item, context: AuditContext) -> Record:
    """Run every check on one item and assemble its record."""
    subject = Subject(item, context)
    findings = tuple(run_checks(subject))
    certificates = tuple(
        certificate_entry(p, context.classify(p.certificate)) for p in item.placements
    )
    return Record(
        **_record_head(item, subject),
        certificates=certificates,
        findings=findings,
        digest=item.digest,
    )


def record_line(
    head: dict[str, Any], certificates: Iterable[str], findings: tuple[Finding, ...]
) -> str:
    """The record as one JSON line, equal to ``dumps(Record.as_dict())``.

    ``certificates`` are the entries already serialised (cached per placement), so the line
    is spliced from three serialised parts: the head object, the entries and the tail object.
    """
    tail = {
        "findings": [f.as_dict() for f in findings],
        "verdict": verdict_of(findings),
        "schema_version": "1",
    }
    return f'{dumps(head)[:-1]},"certificates":[{",".join(certificates)}],{dumps(tail)[1:]}'


def verify_raw(raw: RawInput, context: AuditContext, limits: Limits = DEFAULT_LIMITS) -> Verified:
    """Decode (within ``limits``), check and serialise one raw input."""
    item = decode_raw(raw, limits)
    subject = Subject(item, context)
    findings = tuple(run_checks(subject))
    classify = context.classify
    line = record_line(
        _record_head(item, subject),
        [certificate_entry_json(p, classify(p.certificate)) for p in item.placements],
        findings,
    )
    return Verified(
        source=item.source,
        digest=item.digest,
        line=line,
        verdict=verdict_of(findings),
        codes=tuple((f.code, f.severity.value) for f in findings),
    )


def _chunks(raws: Iterable[RawInput], size: int) -> Iterator[list[RawInput]]:
    iterator = iter(raws)
    while chunk := list(islice(iterator, size)):
        yield chunk


_WORKER_CONTEXT: AuditContext | None = None
_WORKER_LIMITS: Limits = DEFAULT_LIMITS


def _verify_chunk(chunk: list[RawInput]) -> list[Verified]:
    assert _WORKER_CONTEXT is not None
    return [verify_raw(raw, _WORKER_CONTEXT, _WORKER_LIMITS) for raw in chunk]


def _ignore_sigint() -> None:
    """Worker initialiser: Ctrl-C is the parent's to handle (it terminates the pool)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _quiet_pool(pool_context, jobs: int):  # type: ignore[no-untyped-def]
    """A pool whose workers ignore SIGINT from the moment they are forked."""
    import signal

    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: the initialiser alone covers the workers
        return pool_context.Pool(processes=jobs, initializer=_ignore_sigint)
    try:
        return pool_context.Pool(processes=jobs, initializer=_ignore_sigint)
    finally:
        signal.signal(signal.SIGINT, previous)


def verify_stream(
    raws: Iterable[RawInput],
    context: AuditContext,
    jobs: int = 1,
    chunk_size: int = CHUNK_SIZE,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[list[Verified]]:
    """Verified records chunk by chunk, in input order."""
    global _WORKER_CONTEXT, _WORKER_LIMITS
    _WORKER_CONTEXT = context
    _WORKER_LIMITS = limits
    if jobs <= 1:
        for chunk in _chunks(raws, chunk_size):
            yield _verify_chunk(chunk)
        return
    yield from _on_workers(_chunks(raws, chunk_size), jobs)


def _on_workers(chunks: Iterator[list[RawInput]], jobs: int) -> Iterator[list[Verified]]:
    """Chunks verified on ``jobs`` forked workers, in order, with few chunks in flight.

    ``Pool.imap`` reads the input ahead of the workers and queues their results for as long
    as the consumer lags; here a chunk is submitted only while fewer than
    ``IN_FLIGHT_PER_WORKER * jobs`` are pending, so memory stays bounded at both ends.
    """
    import multiprocessing

    pool_context = multiprocessing.get_context("fork")
    pending: deque[AsyncResult] = deque()
    with _quiet_pool(pool_context, jobs) as pool:
        for chunk in chunks:
            pending.append(pool.apply_async(_verify_chunk, (chunk,)))
            if len(pending) >= IN_FLIGHT_PER_WORKER * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


class Progress:
    """Counts for the summary line."""

    def __init__(self) -> None:
        self.items = 0
        self.verdicts: dict[str, int] = {"pass": 0, "warn": 0, "fail": 0}
        self.codes: dict[str, int] = {}

    def add(self, verified: Verified) -> None:
        self.items += 1
        self.verdicts[verified.verdict] += 1
        for code, _severity in verified.codes:
            self.codes[code] = self.codes.get(code, 0) + 1
