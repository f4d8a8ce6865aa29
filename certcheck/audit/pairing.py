"""Which Supplier a handover command signed by the DCC Access Control Broker was made for.

A Supplier asks for a handover with a DUIS request (6.21 with RemotePartyRole
NetworkOperator); the DCC turns it into a GBCS CS02b command that the ACB signs with its own
originator and counter (reference/payloads.md section 1.2, reference/smki.md section 5). The
command names neither the Supplier nor the request; what it shares with the request is the
target device and the certificates, byte for byte (payloads.md section 2.7). So the command's
``supplier`` is the Supplier of a DUIS request for the same device with the same set of
certificates, when the batch, the store or the reported results hold one.

:func:`pair_key` is that common key. A record *offers* a Supplier when it is a DUIS request
whose ``supplier`` is set; it *wants* one when it is a GBCS command sent by a DCC identity
(user role ``dcc``) whose ``supplier`` is still null. :class:`BatchPairing` pairs the records
of one verify run as they stream by.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, AnyStr, NamedTuple

from certcheck.audit.model import ItemKind
from certcheck.market.operators import UserRole

if TYPE_CHECKING:
    from certcheck.audit.pipeline import BlockResult

# The kinds a pair key is kept for: the Supplier's request and the ACB's command.
PAIRED_KINDS = frozenset({ItemKind.DUIS_REQUEST.value, ItemKind.GBCS_COMMAND.value})
OFFER = "offer"
WANT = "want"
INDEX_LIMIT = 200_000  # offers remembered by a verify run (the most recent win)
# At most this many bytes of packed offers wait to be added to the index, about 180,000 DUIS
# 6.21 requests' offers: a batch of requests alone up to that size never unpickles them, and
# a batch that repeats its devices holds few repeats the index would keep once.
LATER_BYTES = 8 << 20
HOLD_LIMIT = 64  # blocks held back while a command waits for its request (about 16,000 items)


def pair_key(device_id: str | None, digests: Iterable[str]) -> str | None:
    """The key a handover command shares with its DUIS request: device and certificate digests.

    ``digests`` are the SHA-256 of the certificates placed in cells (certification-path
    certificates excluded); None without a device or a certificate.
    """
    return keyed_pair(device_id, placed_digests(digests))


def placed_digests(digests: Iterable[str]) -> str:
    """The distinct digests, sorted and comma-joined: :func:`pair_key`'s certificate part."""
    return ",".join(sorted(set(digests)))


def keyed_pair(device_id: str | None, placed: str) -> str | None:
    """:func:`pair_key` from the device and :func:`placed_digests`."""
    if not device_id or not placed:
        return None
    return hashlib.sha256(f"{device_id}|{placed}".encode()).hexdigest()[:32]


PairedKey = tuple[str, str]  # (device id, placed digests): what one verify run pairs by


def batch_key(device_id: str | None, placed: str) -> PairedKey | None:
    """What a verify run pairs records by: :func:`keyed_pair`'s parts, unhashed.

    Equal exactly when the hashed keys are (a device id never holds ``|``, a digest list
    never holds one either). The hash is taken only when the audit store is asked
    (:meth:`BatchPairing._ask_lookup`): about 1.5 us an offer saved on a batch of requests.
    """
    if not device_id or not placed:
        return None
    return (device_id, placed)


def record_pair_key(record: dict[str, Any]) -> str | None:
    """:func:`pair_key` of a SPEC.md record."""
    return pair_key(
        record.get("device_id"),
        (
            c["sha256"]
            for c in record.get("certificates") or ()
            if isinstance(c, dict) and c.get("sha256") and not c.get("path")
        ),
    )


def role_of(kind: str | None, sender_role: Any, supplier: str | None) -> str | None:
    """``offer``, ``want`` or None for a record's kind, its sender's user role and supplier."""
    if kind == ItemKind.DUIS_REQUEST and supplier:
        return OFFER
    if kind == ItemKind.GBCS_COMMAND and not supplier and sender_role == UserRole.DCC:
        return WANT
    return None


def record_role(record: dict[str, Any]) -> str | None:
    """:func:`role_of` a SPEC.md record."""
    sender = record.get("sender")
    sender_role = sender.get("user_role") if isinstance(sender, dict) else None
    return role_of(record.get("kind"), sender_role, record.get("supplier"))


def with_suppliers(text: AnyStr, suppliers: dict[int, str]) -> AnyStr:
    """Records' JSON Lines text (or its UTF-8 bytes) with the null ``supplier`` of each record
    ``suppliers`` names (by index) set.

    The record head is written by the pipeline in a fixed order and every string value in it
    is JSON-escaped, so a line's first ``"supplier":null`` member is the head's own.
    """
    lines = text.split(_like(text, "\n"))
    null = _like(text, '"supplier":null')
    for index, supplier in suppliers.items():
        member = _like(text, '"supplier":' + json.dumps(supplier, ensure_ascii=False))
        lines[index] = lines[index].replace(null, member, 1)
    return _like(text, "\n").join(lines)


def _like(text: AnyStr, value: str) -> AnyStr:
    """``value`` as ``text`` is: a str, or UTF-8 bytes."""
    return value if isinstance(text, str) else value.encode()  # type: ignore[return-value]


def supplier_growth(supplier: str) -> int:
    """How many bytes :func:`with_suppliers` adds to a record's UTF-8 line."""
    return len(json.dumps(supplier, ensure_ascii=False).encode()) - len(b"null")


def offers_of(pairing: list[tuple[int, str, PairedKey, str | None]]) -> dict[PairedKey, str] | None:
    """A block's pairing entries as one dict when every entry is an offer (else None: the
    entries are taken one by one): each key with its last Supplier, in the order of each
    key's last offer, as taking them one by one leaves them."""
    block = {key: supplier for _, role, key, supplier in pairing if role == OFFER}
    if not block or len(block) == len(pairing):
        return block or None  # type: ignore[return-value]
    if any(role != OFFER for _, role, _, _ in pairing):
        return None
    block = {}
    for _, _, key, supplier in pairing:  # a key offered again: to the end
        block.pop(key, None)
        block[key] = supplier  # type: ignore[assignment]
    return block  # type: ignore[return-value]


class PackedOffers(NamedTuple):
    """A block's offers (:func:`offers_of`) as a worker process sends them: pickled on their
    own, so that the reading process unpickles them only when pairing looks one up."""

    count: int
    data: bytes

    @classmethod
    def pack(cls, offers: dict[PairedKey, str]) -> PackedOffers:
        return cls(len(offers), pickle.dumps(offers, pickle.HIGHEST_PROTOCOL))

    def unpack(self) -> dict[PairedKey, str]:
        return pickle.loads(self.data)  # type: ignore[no-any-return]


Offers = dict[PairedKey, str] | PackedOffers  # a block's offers, as one dict or packed


def _unpacked(offers: Offers) -> dict[PairedKey, str]:
    return offers.unpack() if isinstance(offers, PackedOffers) else offers


class BatchPairing:
    """Pairs a verify run's ACB commands with its Suppliers' DUIS requests, in stream order.

    Each block's result lists its offers and wants (``BlockResult.pairing``; a block of
    offers alone holds them as one dict, ``BlockResult.offers``). A block holding
    an unresolved want is held back, with every block after it, until a later offer resolves
    it, :data:`HOLD_LIMIT` blocks are waiting, or the batch ends (its ``last`` result, or the
    end of ``results``); output order is kept.
    ``lookup`` (the audit store, with ``--store``) is asked for what the batch cannot answer.
    """

    def __init__(self, lookup: Callable[[str], str | None] | None = None) -> None:
        self.lookup = lookup
        # offered keys, least recently offered first (a plain dict: about a third of an
        # OrderedDict's time to take a block's offers in)
        self._index: dict[PairedKey, str] = {}
        # Blocks' offers as worker processes sent them (PackedOffers), taken but not yet
        # added to the index, oldest first, and their size: unpickled and added all at
        # once, in order, when the index is next read (a want to resolve) or LATER_BYTES of
        # them wait. A batch of requests alone never reads it.
        self._later: list[PackedOffers] = []
        self._later_bytes = 0
        self.held: list[BlockResult] = []
        self.waiting: dict[PairedKey, list[tuple[BlockResult, int]]] = {}

    @property
    def offers(self) -> dict[PairedKey, str]:
        """The index of offered keys, least recently offered first: the most recent
        INDEX_LIMIT, each with its latest Supplier."""
        self._add_later()
        return self._index

    def _add_later(self) -> None:
        """Add the packed offers waiting, in the order they came."""
        if self._later:
            later, self._later, self._later_bytes = self._later, [], 0
            for block in later:
                self._offers(block.unpack())

    def feed(self, results: Iterable[BlockResult]) -> Iterator[BlockResult]:
        """The results, in order, with every want the batch or the store can answer resolved."""
        for result in results:
            offered = result.offers  # verify_block found them all offers (offers_of)
            if self.waiting or offered is None or not self._take(offered):
                for index, role, key, supplier in _entries(result):
                    if role == OFFER:
                        self._offer(key, supplier)  # type: ignore[arg-type]
                    elif not self._resolve(result, index, key):
                        self.waiting.setdefault(key, []).append((result, index))
            self.held.append(result)
            if not self.waiting:
                yield from self._release()
            elif len(self.held) > HOLD_LIMIT:
                yield self._give_up_first()
            if result.last:  # the workers holding what is held back leave after it
                yield from self._end()
        yield from self._end()

    def _end(self) -> Iterator[BlockResult]:
        """The batch's end: the store is asked for what still waits, and all is released."""
        self._ask_lookup(self.waiting)
        self.waiting.clear()
        yield from self._release()

    def _take(self, block: Offers) -> bool:
        """Take a block's offers (:func:`offers_of`) at once, added to the index now (a dict)
        or when it is next read (packed); False for a block of more than INDEX_LIMIT,
        taken one by one."""
        if (len(block) if isinstance(block, dict) else block.count) > INDEX_LIMIT:
            return False
        if isinstance(block, dict):
            self._add_later()  # the packed offers before it first
            self._offers(block)
            return True
        self._later.append(block)
        self._later_bytes += len(block.data)
        if self._later_bytes >= LATER_BYTES:
            self._add_later()  # now: what waits stays bounded
        return True

    def _offers(self, block: dict[PairedKey, str]) -> None:
        """Add a block's offers to the index at once: it ends as :meth:`_offer` one at a
        time leaves it, the keys most recently offered, each with its latest Supplier."""
        offers = self._index
        for key in block.keys() & offers.keys():  # offered again: to the end, in block order
            del offers[key]
        offers.update(block)
        excess = len(offers) - INDEX_LIMIT
        if excess > 0:
            for key in list(islice(offers, excess)):
                del offers[key]

    def _offer(self, key: PairedKey, supplier: str) -> None:
        offers = self.offers
        offers.pop(key, None)  # offered again: to the end
        offers[key] = supplier
        if len(offers) > INDEX_LIMIT:
            del offers[next(iter(offers))]
        for result, index in self.waiting.pop(key, ()):
            _set(result, index, supplier)

    def _resolve(self, result: BlockResult, index: int, key: PairedKey) -> bool:
        supplier = self.offers.get(key)
        if supplier is None:
            return False
        _set(result, index, supplier)
        return True

    def _ask_lookup(self, waiting: dict[PairedKey, list[tuple[BlockResult, int]]]) -> None:
        if self.lookup is None:
            return
        for key, wants in waiting.items():
            supplier = self.lookup(keyed_pair(*key) or "")
            if supplier is not None:
                for result, index in wants:
                    _set(result, index, supplier)

    def _give_up_first(self) -> BlockResult:
        """Release the oldest held block; its wants the batch could not answer go to the store."""
        first = self.held.pop(0)
        mine = self._waiting_in(first)
        self._ask_lookup(mine)
        for key in mine:
            left = [w for w in self.waiting[key] if w[0] is not first]
            if left:
                self.waiting[key] = left
            else:
                del self.waiting[key]
        return first

    def _waiting_in(self, result: BlockResult) -> dict[PairedKey, list[tuple[BlockResult, int]]]:
        """A held block's wants that still wait, by key: found from its own pairing entries,
        not by a look through all that wait (up to HOLD_LIMIT blocks of them, for every block
        released)."""
        mine: dict[PairedKey, list[tuple[BlockResult, int]]] = {}
        for _, role, key, _ in result.pairing:
            if role == OFFER or key in mine or key not in self.waiting:
                continue
            own = [w for w in self.waiting[key] if w[0] is result]
            if own:
                mine[key] = own
        return mine

    def _release(self) -> Iterator[BlockResult]:
        held, self.held = self.held, []
        yield from held


def _entries(result: BlockResult) -> Iterable[tuple[int, str, PairedKey, str | None]]:
    """A block's pairing entries, its offers dict's too (their record indexes are not kept:
    only a want's is used)."""
    if result.offers is None:
        return result.pairing
    return ((-1, OFFER, key, supplier) for key, supplier in _unpacked(result.offers).items())


def _set(result: BlockResult, index: int, supplier: str) -> None:
    """Set the supplier of record ``index`` of a block's JSON Lines text (once the block's
    text is read: one pass over it however many of its records are paired)."""
    result.set_supplier(index, supplier)
