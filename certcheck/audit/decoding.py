"""Turn one RawInput into an Item (JSON Lines envelopes unwrapped, read errors kept)."""

from __future__ import annotations

import hashlib

from certcheck.audit.limits import DEFAULT_LIMITS, Limits
from certcheck.audit.model import Item
from certcheck.audit.sources import RawInput, jsonl_payload
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
                raw.source.rpartition("#")[2] and f"line {raw.source.rpartition('#')[2]}",
                digest,
            )
        return decode_item(payload, raw.source, limits)
    return decode_item(raw.data, raw.source, limits)
