"""The verify pipeline: raw inputs to records, streamed in blocks, optionally on workers.

Items are read, decoded, checked and serialised one block at a time; nothing holds the whole
batch. A block (see :mod:`certcheck.audit.sources`) goes to a worker process as one object:
whole JSON Lines (as a byte range of the file when the worker shares its descriptor, else in
one ``bytes``), or a few file items. The worker (forked after the first block was audited
here, so it shares the read-only context and warm caches) splits it into items, audits them
and returns one :class:`BlockResult`: the records as one JSON Lines text and their counts.
Results are taken in submission order, so output order is input order for any ``jobs``, and
the reading process does a few operations per block, not per item. When the records go to a
regular JSON Lines file, a worker writes its block's records into it itself, where the reading
process says, when the block's turn comes (see :func:`verify_blocks`).
"""

from __future__ import annotations

import gc
import itertools
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from certcheck.audit.context import AuditContext
from certcheck.audit.decoding import decode_raw
from certcheck.audit.limits import DEFAULT_LIMITS, Limits
from certcheck.audit.model import Finding, Item, Organisation, Record, Verdict
from certcheck.audit.pairing import (
    OFFER,
    Offers,
    PackedOffers,
    PairedKey,
    batch_key,
    offers_of,
    placed_digests,
    role_of,
    supplier_growth,
    with_suppliers,
)
from certcheck.audit.serialise import (
    EMPTY_LIST,
    EntryCache,
    as_elements,
    certificate_entry,
    dumps,
    json_members,
    json_string,
    occupant_entries,
    organisation_json,
    record,
    record_tail,
)
from certcheck.audit.sources import Block, LineBlock, block_items
from certcheck.checks.registry import Plan, check_item, check_items
from certcheck.checks.subject import Subject, find_meters, verify_signatures
from certcheck.market.operators import UserRole
from certcheck.smki import strict

if TYPE_CHECKING:
    from certcheck.audit.workers import Held
    from certcheck.market.meters import Meter
    from certcheck.market.meters.model import MeterProfile

IN_FLIGHT_PER_WORKER = 8  # blocks submitted ahead per worker: enough to keep each one busy


@dataclass(slots=True)
class BlockResult:
    """The records of one block: JSON Lines text (one ``\\n``-ended line each) and counts.

    ``digests`` holds each record's item digest, in order, when the caller asked for them
    (the audit store); it is empty otherwise.
    """

    text: str = ""
    utf8: bytes | bytearray = b""  # the text UTF-8 encoded instead, as a worker returns it
    items: int = 0
    verdicts: dict[str, int] = field(default_factory=lambda: {v.label: 0 for v in Verdict})
    codes: dict[str, int] = field(default_factory=dict)
    worst: int = -1  # the highest Severity among the findings; -1 without any
    digests: list[str] = field(default_factory=list)
    # (record index, offer|want, pair key, supplier) of the records supplier pairing concerns
    pairing: list[tuple[int, str, PairedKey, str | None]] = field(default_factory=list)
    # when those are all offers: the same as one dict (pairing.offers_of), and ``pairing``
    # is empty (taken at once by pairing, and sent from a worker packed, unpickled by the
    # reading process only when pairing looks an offer up)
    offers: Offers | None = None
    ranks: bytearray = field(default_factory=bytearray)  # each record's worst rank + 1
    # the text's UTF-8 bytes when a worker holds them, to be placed in the output (see
    # :func:`verify_blocks`, :meth:`place`)
    held: Held | None = None
    # Suppliers found by pairing for records whose ``supplier`` is null, by record index: set
    # in the text all at once when it is next read (:meth:`as_text`), or by the worker that
    # holds it when it is placed
    suppliers: dict[int, str] = field(default_factory=dict)
    # the text holds each record as an element of -f json's array (serialise.element), not as
    # JSON Lines: made so by a worker, for a block pairing leaves as it is
    elements: bool = False
    # the batch's last result, from workers: what pairing holds back may be placed now, while
    # the workers holding it are still there to place it
    last: bool = False
    # from a worker: the strict parser's verdicts it worked out on this block, by the DER's
    # SHA-256 (certcheck.smki.strict.found_since), for the reading process to keep
    strict_found: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def set_supplier(self, index: int, supplier: str) -> None:
        """Give record ``index`` (whose ``supplier`` is null) its Supplier."""
        if self.held is None:
            self._decode()  # the text from here on: the bytes as they came are not the records
        self.suppliers[index] = supplier

    def place(self, offset: int) -> int:
        """Have the worker holding the records write them at ``offset`` of the output file,
        with the Suppliers pairing set; the size they take there."""
        assert self.held is not None
        held, self.held = self.held, None
        if not self.suppliers:
            held.place(offset)
            return held.size
        size = held.size + sum(supplier_growth(s) for s in self.suppliers.values())
        held.place(offset, self.suppliers, size)
        return size

    def _decode(self) -> None:
        """Keep the records as text (decoded here, once, when they came as UTF-8)."""
        if self.held is not None:
            raise RuntimeError("the records are held by a worker, to be placed")
        if self.utf8:
            self.text, self.utf8 = self.utf8.decode(), b""

    def as_text(self) -> str:
        """The records' JSON Lines text, with the Suppliers set since it was last read."""
        self._decode()
        if self.suppliers:
            self.text = with_suppliers(self.text, self.suppliers)
            self.suppliers.clear()
        return self.text

    def lines(self) -> list[str]:
        """The records' JSON lines (split on ``\\n`` only: JSON text escapes no other break)."""
        text = self.as_text()
        return text.split("\n")[:-1] if text else []

    def records(self) -> Iterator[dict[str, Any]]:
        """The records as dicts, in order."""
        return (record(line) for line in self.lines())


def _listed_sender(item: Item, context: AuditContext) -> Organisation | None:
    """The organisation that sent the item, when operators.csv lists its originator."""
    sender = context.organisation(item.originator)
    return sender if sender is not None and sender.party is not None else None


def _supplier(sender: Organisation | None) -> str | None:
    """The record's ``supplier``: the sender's party when the sender is a Supplier; a DCC
    command's Supplier is found later, by pairing (:mod:`certcheck.audit.pairing`)."""
    return sender.party if sender is not None and sender.user_role == UserRole.SUPPLIER else None


def _record_head(item: Item, subject: Subject, sender: Organisation | None) -> dict[str, Any]:
    """The record fields before ``certificates``, in SPEC.md order (:func:`_head_json`
    writes the same as JSON, for verify's records). ``sender`` is :func:`_listed_sender`'s."""
    meter = subject.meter
    context = subject.context
    network = meter.expected_network if meter else None
    return {
        "source": item.source,
        "id": item.entry_id,
        "request_id": item.request_id,
        "sent": item.sent_at,
        "kind": item.kind.value if item.kind else None,
        "service": item.service,
        "message_code": item.message_code,
        "originator": item.originator,
        "sender": sender.as_dict() if sender else None,
        "supplier": _supplier(sender),
        "expected": context.expected(network) if network else None,
        "device_id": item.device_id,
        "device_type": meter.device_type if meter else None,
        "mpan": (meter.mpan or meter.mprn) if meter else None,
        "expected_network": network,
        "occupants": occupant_entries(item, context.party_of) if item.outcomes else [],
    }


def audit_item(item: Item, context: AuditContext) -> Record:
    """Run every check on one item and assemble its record."""
    subject = Subject(item, context)
    findings = tuple(check_item(subject)[0])
    certificates = tuple(
        certificate_entry(p, context.classify(p.certificate)) for p in item.placements
    )
    return Record(
        **_record_head(item, subject, _listed_sender(item, context)),
        certificates=certificates,
        findings=findings,
        digest=item.digest,
    )


class _Shared(NamedTuple):
    """What a record takes from its item's kind, service, message code and originator and its
    meter's network, which a batch repeats: found once per distinct set in a run."""

    members: str  # the record's members from ``kind`` to ``expected``, as compact JSON
    supplier: str | None  # the record's ``supplier`` (:func:`_supplier`)
    role: str | None  # its part in supplier pairing (audit.pairing.role_of)


def _shared(item: Item, network: str | None, context: AuditContext) -> _Shared:
    sender = _listed_sender(item, context)
    supplier = _supplier(sender)
    kind = item.kind.value if item.kind else None
    members = json_members(
        {
            "kind": kind,
            "service": item.service,
            "message_code": item.message_code,
            "originator": item.originator,
            "sender": organisation_json(sender) if sender else None,
            "supplier": supplier,
            "expected": context.expected(network, True) if network else None,
        }
    )
    return _Shared(members, supplier, role_of(kind, sender.user_role if sender else None, supplier))


def _head_json(item: Item, meter: Meter | None, shared: str, context: AuditContext) -> str:
    """A record line's start: ``{`` and :func:`_record_head`'s fields as compact JSON
    members, as ``record_line`` writes them, the ``shared`` ones (:class:`_Shared`) as given.

    A meter profile's device type and expected network are encoded once (:func:`_meter_json`);
    an MPAN or MPRN of digits needs no escaping."""
    entry_id = item.entry_id
    if entry_id is None:
        identifier = "null"
    elif entry_id.__class__ is str:
        identifier = json_string(entry_id)
    else:
        identifier = dumps(entry_id)  # type: ignore[arg-type]
    occupants = dumps(occupant_entries(item, context.party_of)) if item.outcomes else EMPTY_LIST
    source, request_id, device_id = item.source, item.request_id, item.device_id
    sent = item.sent or item.entry_time
    if meter is None:
        device_type = mpan = network = "null"
    else:
        device_type, network = _METER_JSON.get(meter.profile) or _meter_json(meter.profile)
        number = meter.mpan or meter.mprn
        if number is None:
            mpan = "null"
        elif number.isdigit():  # no quote, backslash or control character to escape
            mpan = f'"{number}"'
        else:
            mpan = json_string(number)
    return (
        f'{{"source":{json_string(source)},"id":{identifier},'
        f'"request_id":{"null" if request_id is None else json_string(request_id)},'
        f'"sent":{"null" if sent is None else json_string(sent)},{shared},'
        f'"device_id":{"null" if device_id is None else json_string(device_id)},'
        f'"device_type":{device_type},"mpan":{mpan},"expected_network":{network},'
        f'"occupants":{occupants}'
    )


_KEPT = 4096  # entries _METER_JSON and AuditContext.heads keep at most (emptied when full)
_METER_JSON: dict[MeterProfile, tuple[str, str]] = {}  # by profile (hashed by identity)


def _meter_json(profile: MeterProfile) -> tuple[str, str]:
    """A meter profile's record values as JSON: its device type and expected network."""
    if len(_METER_JSON) >= _KEPT:
        _METER_JSON.clear()
    network = profile.expected_network
    found = _METER_JSON[profile] = (
        json_string(profile.device_type),
        "null" if network is None else json_string(network),
    )
    return found


class Tally(NamedTuple):
    """What a block's counts take from one record: its finding codes, worst rank and verdict."""

    codes: tuple[str, ...]
    rank: int  # the highest Severity among the findings; -1 without any
    verdict: str

    @classmethod
    def of(cls, findings: Sequence[Finding]) -> Tally:
        rank = max([f.severity for f in findings], default=-1)
        return cls(tuple([f.code for f in findings]), rank, _VERDICT_LABELS[max(rank, 0)])


_VERDICT_LABELS = tuple(v.label for v in Verdict)  # by rank: a finding's severity gives its own


def _subjects(block: Block, context: AuditContext, limits: Limits, digest: bool) -> list[Subject]:
    """The block's items decoded (within ``limits``, with their digests when ``digest``), as
    subjects whose GBCS signatures are verified and meters looked up: each step over the whole
    block before the next, so that its code and data stay in the processor's caches (a CS02b
    command costs about a fifth less CPU than decoded, verified and checked one at a time)."""
    subjects = [
        Subject(decode_raw(raw, limits, digest), context)
        for raw in block_items(block, limits, views=True)
    ]
    verify_signatures(subjects)
    find_meters(subjects)
    return subjects


def _audit_subject(
    subject: Subject,
    findings: list[Finding] | tuple[Finding, ...],
    plan: Plan | None,
    entries: EntryCache,
) -> tuple[Item, Tally, str, str, tuple[str, PairedKey, str | None] | None]:
    """Serialise one checked item (its findings and plan, as :func:`check_item` gave them):
    the item, its tally, its record line in two parts (the head from ``{``, the tail to the
    line's end) and its part in supplier pairing (role, key, supplier), or None.

    The record's certificate entries and the pairing digests follow from the placements, the
    same for every item of a plan; when the item's findings are its plan's ready ones (most
    items), so do the record's tail (certificates, findings, verdict) and its tally. Each is
    derived once per plan (``Plan.memo``).
    """
    item, context = subject.item, subject.context
    if plan is None:
        tail = record_tail(",".join([entries.json(p) for p in item.placements]), findings, "\n")
        tally = Tally.of(findings)
        placed = None
    else:
        memo = plan.memo
        certificates = memo.get("certificates")
        if certificates is None:
            certificates = memo["certificates"] = ",".join(
                [entries.json(p) for p in item.placements]
            )
            memo["placed"] = placed_digests(p.certificate.sha256 for p in subject.replacements)
        placed = memo["placed"]
        if findings is plan.ready:
            tail = memo.get("tail")
            if tail is None:
                tail = memo["tail"] = record_tail(certificates, findings, "\n")
                memo["tally"] = Tally.of(findings)
            tally = memo["tally"]
        else:  # worded for the item: the codes (so the tally) mostly repeat the plan's last
            tally = memo.get("worded")
            if tally is None or tally.codes != tuple([f.code for f in findings]):
                tally = memo["worded"] = Tally.of(findings)
            tail = record_tail(certificates, findings, "\n", tally.verdict)
    meter = subject.meter
    network = meter.profile.expected_network if meter else None
    key = (item.kind, item.service, item.message_code, item.originator, network)
    heads = context.heads
    shared = heads.get(key)
    if shared is None:
        if len(heads) >= _KEPT:
            heads.clear()
        shared = heads[key] = _shared(item, network, context)
    head = _head_json(item, meter, shared.members, context)
    pairing = None
    if shared.role is not None:
        if placed is None:
            placed = placed_digests(p.certificate.sha256 for p in subject.replacements)
        key = batch_key(item.device_id, placed)
        if key is not None:
            pairing = (shared.role, key, shared.supplier)
    return item, tally, head, tail, pairing


def verify_block(
    block: Block,
    context: AuditContext,
    limits: Limits = DEFAULT_LIMITS,
    digests: bool = False,
    entries: EntryCache | None = None,
) -> BlockResult:
    """Audit every item of a block; the records as one text, with their counts.

    ``entries`` carries serialised certificate entries from block to block of one run.
    """
    if entries is None:
        entries = EntryCache(context.classify)
    result = BlockResult()
    parts: list[str] = []  # each record's head and tail, joined once: no copy per line
    verdicts, codes, kept, ranks = result.verdicts, result.codes, result.digests, result.ranks
    worst = -1
    subjects = _subjects(block, context, limits, digests)
    checked = check_items(subjects)  # one step over the block too
    for index, (subject, (findings, plan)) in enumerate(zip(subjects, checked, strict=True)):
        item, tally, head, tail, pairing = _audit_subject(subject, findings, plan, entries)
        if pairing is not None:
            result.pairing.append((index, *pairing))
        parts += (head, tail)
        for code in tally.codes:
            codes[code] = codes.get(code, 0) + 1
        verdicts[tally.verdict] += 1
        rank = tally.rank
        ranks.append(rank + 1)
        if rank > worst:
            worst = rank
        if digests:
            kept.append(item.digest)
    result.text = "".join(parts)
    result.items = len(subjects)
    result.worst = worst
    result.offers = offers_of(result.pairing)
    if result.offers is not None:
        result.pairing = []
    return result


_WORKER_CONTEXT: AuditContext | None = None
_WORKER_LIMITS: Limits = DEFAULT_LIMITS
_WORKER_DIGESTS = False
_WORKER_ENTRIES: EntryCache | None = None
_WORKER_ELEMENTS = False


def _file_of(block: Block) -> tuple[int, int, int] | None:
    """The descriptor a LineBlock was read through, with its file's device and inode."""
    if not isinstance(block, LineBlock) or block.fd < 0:
        return None
    status = os.fstat(block.fd)
    return block.fd, status.st_dev, status.st_ino


def _to_send(block: Block, shared: tuple[int, int, int] | None) -> Block:
    """What a worker is sent for a block: where its lines are, when the worker shares the
    file's descriptor (open in the parent when the workers were forked, the same file still);
    else the lines themselves."""
    if isinstance(block, LineBlock) and (shared is None or _file_of(block) != shared):
        return block.read()
    return block


def _verify_in_worker(task: Block) -> tuple[BlockResult, bytes]:
    """A block's result as a worker returns it: the records' text as UTF-8 bytes, encoded
    once here rather than decoded and encoded again by the parent on its way to the output,
    and sent as they are, beside the rest of the result (kept in it as text in the rare block
    that holds a lone surrogate, which UTF-8 cannot carry). A block of the file the worker
    shares with the parent comes as where its lines are: they are read here. For ``-f json``
    (``elements``), a block that pairing leaves as it is comes as the array's elements,
    serialised here rather than by the reading process, which then only joins them."""
    assert _WORKER_CONTEXT is not None
    judged = strict.found_count()
    result = verify_block(task, _WORKER_CONTEXT, _WORKER_LIMITS, _WORKER_DIGESTS, _WORKER_ENTRIES)
    result.strict_found = strict.found_since(judged)
    if _WORKER_ELEMENTS and _asks_for_no_supplier(result):
        result.text, result.elements = as_elements(result.text), True
    if result.offers:
        result.offers = PackedOffers.pack(result.offers)  # type: ignore[arg-type]
    try:
        utf8 = result.text.encode()
    except UnicodeEncodeError:
        return result, b""
    result.text = ""
    return result, utf8


def verify_blocks(
    blocks: Iterable[Block],
    context: AuditContext,
    jobs: int = 1,
    limits: Limits = DEFAULT_LIMITS,
    digests: bool = False,
    place: int | None = None,
    elements: bool = False,
) -> Iterator[BlockResult]:
    """Each block's records, in input order, audited here or on ``jobs`` workers.

    With ``elements`` (the records go to ``-f json``'s array and nowhere else), a worker's
    block that pairing leaves as it is comes with its records as the array's elements
    (:attr:`BlockResult.elements`).

    ``place`` is the descriptor of the regular file the records are written to, when the
    caller writes them as they are: then a worker's block comes with ``held`` set, and the
    caller has the worker write it into the file (:meth:`BlockResult.place`), in order, with
    the Suppliers pairing found for it. Blocks held back may be placed after later ones have
    come, but by the time the batch's ``last`` result has been taken: after it, the workers
    leave.

    With workers, the first block is still audited here, before they are forked: the modules
    and caches auditing needs are then loaded once and shared, not once per worker.

    While the blocks are audited, here and in the workers, the garbage collector's youngest
    generation is collected every :data:`BATCH_GC_ALLOCATIONS` allocations rather than
    Python's 700 (restored after). Auditing makes many short-lived containers and almost no
    reference cycles (about 500 objects collected in 100,000 DUIS requests), and each
    collection walks the live young objects: about a tenth of a run's CPU went to it.
    """
    saved = gc.get_threshold()
    gc.set_threshold(BATCH_GC_ALLOCATIONS, *saved[1:])
    try:
        yield from _verify_blocks(blocks, context, jobs, limits, digests, place, elements)
    finally:
        gc.set_threshold(*saved)


BATCH_GC_ALLOCATIONS = 10_000


def _verify_blocks(
    blocks: Iterable[Block],
    context: AuditContext,
    jobs: int,
    limits: Limits,
    digests: bool,
    place: int | None,
    elements: bool,
) -> Iterator[BlockResult]:
    global _WORKER_CONTEXT, _WORKER_LIMITS, _WORKER_DIGESTS, _WORKER_ENTRIES, _WORKER_ELEMENTS
    entries = EntryCache(context.classify)
    blocks = iter(blocks)
    for block in blocks:
        yield verify_block(block, context, limits, digests, entries)
        if jobs > 1:
            break
    else:
        return
    _WORKER_CONTEXT, _WORKER_LIMITS, _WORKER_DIGESTS = context, limits, digests
    _WORKER_ENTRIES = entries  # each forked worker goes on filling its own copy
    _WORKER_ELEMENTS = elements
    yield from _on_workers(blocks, jobs, place)


def _asks_for_no_supplier(result: BlockResult) -> bool:
    """Whether pairing leaves a block's text as it is: it holds no command awaiting its
    Supplier (audit.pairing)."""
    return all(role == OFFER for _, role, _, _ in result.pairing)


def _on_workers(blocks: Iterator[Block], jobs: int, place: int | None) -> Iterator[BlockResult]:
    """Blocks audited on ``jobs`` forked workers, in order, with few blocks in flight.

    Blocks of the JSON Lines file being read when the workers are forked go to them as byte
    ranges, which they read through the descriptor they inherited. A block is submitted only
    while fewer than ``IN_FLIGHT_PER_WORKER * jobs`` are pending, so memory stays bounded at
    both ends. Finished results are handed out before the next block is read, so a slow input
    (a pipe) does not hold back output already made.
    """
    from certcheck.audit.workers import Held, Workers

    first = next(blocks, None)
    if first is None:
        return
    shared = _file_of(first)  # open now, so every worker inherits the descriptor
    workers = Workers(_verify_in_worker, jobs, place, with_suppliers)

    def result() -> BlockResult:
        value, payload = workers.next()
        if isinstance(payload, Held):
            value.held = payload
        else:
            value.utf8 = payload
        if value.strict_found:  # kept for the next run with this process's own
            strict.adopt(value.strict_found)
        return value  # type: ignore[no-any-return]

    try:
        for block in itertools.chain((first,), blocks):
            workers.submit(_to_send(block, shared))
            if workers.pending >= IN_FLIGHT_PER_WORKER * jobs:
                yield result()
            while workers.ready():
                yield result()
        workers.end()
        while workers.pending:
            value = result()
            value.last = not workers.pending
            yield value
    except BaseException:
        workers.stop()
        raise
    workers.close()
