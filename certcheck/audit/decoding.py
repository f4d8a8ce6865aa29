"""Turn one RawInput into an Item (JSON Lines envelopes unwrapped, read errors kept)."""

from __future__ import annotations

import hashlib

from certcheck.audit.limits import DEFAULT_LIMITS, Limits
from certcheck.audit.model import Item
from certcheck.audit.sources import RawInput, jsonl_payload
from certcheck.audit.where import line
from certcheck.formats.sniff import decode_item, unreadable


def decode_raw(raw: RawInput, limits: Limits = DEFAULT_LIMITS) -> Item:
    """Decode a RawInput within ``limits``; a read failure or bad JSON Lines entry is an
    unreadable item."""
    if raw.data is None:
        return unreadable(raw.source, raw.error or "cannot read", raw.where)
    if raw.jsonl:
        payload, problem = jsonl_payload(raw.data)
        if payload is None:
            digest = hashlib.sha256(raw.data).hexdigest()
            return unreadable(
                raw.source,
                problem or "bad entry",
                _line_of(raw.source),
                digest,
            )
        return decode_item(payload, raw.source, limits)
    return decode_item(raw.data, raw.source, limits)


def _line_of(source: str) -> str | None:
    """The ``where`` of a JSON Lines entry named ``PATH#LINE``; None for a file."""
    number = source.rpartition("#")[2]
    return line(int(number)) if number.isdigit() else None
