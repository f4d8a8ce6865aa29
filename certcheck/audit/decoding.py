"""Turn one RawInput into an Item (JSON Lines envelopes unwrapped, read errors kept)."""

from __future__ import annotations

import hashlib

from certcheck.audit.limits import DEFAULT_LIMITS, Limits
from certcheck.audit.model import Item
from certcheck.audit.sources import RawInput, jsonl_entry
from certcheck.audit.where import line
from certcheck.formats.sniff import decode_item, unreadable


def decode_raw(raw: RawInput, limits: Limits = DEFAULT_LIMITS, digest: bool = True) -> Item:
    """Decode a RawInput within ``limits``; a read failure or bad JSON Lines entry is an
    unreadable item. A JSON Lines entry's ``id`` and ``time`` are kept on the item. Without
    ``digest`` the item's digest is left empty (only the audit store needs it)."""
    if raw.data is None:
        return unreadable(raw.source, raw.error or "cannot read", raw.where)
    if not raw.jsonl:
        return decode_item(raw.data, raw.source, limits, digest=digest)
    entry = jsonl_entry(raw.data)
    if entry.payload is None:
        item = unreadable(
            raw.source,
            entry.problem or "bad entry",
            _line_of(raw.source),
            hashlib.sha256(raw.data).hexdigest() if digest else "",
        )
    else:
        item = decode_item(entry.payload, raw.source, limits, digest=digest)
    if entry.id is None and entry.time is None:
        return item
    return _stamped(item, entry.id, entry.time)


def _stamped(item: Item, entry_id: str | int | None, entry_time: str | None) -> Item:
    """``item`` with its JSON Lines entry's ``id`` and ``time``.

    The item was made by a reader a moment ago and nothing else holds it yet, so the two
    fields are set in place, through their slots: what ``dataclasses.replace`` gives, without
    copying the other twenty fields (about 9 us an item, measured with timeit).
    """
    _set_entry_id(item, entry_id)
    _set_entry_time(item, entry_time)
    return item


_set_entry_id = Item.entry_id.__set__  # type: ignore[attr-defined]
_set_entry_time = Item.entry_time.__set__  # type: ignore[attr-defined]


def _line_of(source: str) -> str | None:
    """The ``where`` of a JSON Lines entry named ``PATH#LINE``; None for a file."""
    number = source.rpartition("#")[2]
    return line(int(number)) if number.isdigit() else None
