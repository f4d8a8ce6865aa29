"""Turn one RawInput into an Item (JSON Lines envelopes unwrapped, read errors kept)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from certcheck.audit.limits import DEFAULT_LIMITS, Limits
from certcheck.audit.model import Item
from certcheck.audit.sources import RawInput, jsonl_entry
from certcheck.audit.where import line
from certcheck.formats.sniff import decode_item, unreadable


def decode_raw(raw: RawInput, limits: Limits = DEFAULT_LIMITS) -> Item:
    """Decode a RawInput within ``limits``; a read failure or bad JSON Lines entry is an
    unreadable item. A JSON Lines entry's ``id`` and ``time`` are kept on the item."""
    if raw.data is None:
        return unreadable(raw.source, raw.error or "cannot read", raw.where)
    if not raw.jsonl:
        return decode_item(raw.data, raw.source, limits)
    entry = jsonl_entry(raw.data)
    if entry.payload is None:
        item = unreadable(
            raw.source,
            entry.problem or "bad entry",
            _line_of(raw.source),
            hashlib.sha256(raw.data).hexdigest(),
        )
    else:
        item = decode_item(entry.payload, raw.source, limits)
    if entry.id is None and entry.time is None:
        return item
    return replace(item, entry_id=entry.id, entry_time=entry.time)


def _line_of(source: str) -> str | None:
    """The ``where`` of a JSON Lines entry named ``PATH#LINE``; None for a file."""
    number = source.rpartition("#")[2]
    return line(int(number)) if number.isdigit() else None
