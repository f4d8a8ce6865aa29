"""EUI-64 entity identifiers: parsing the spellings users write, printing one canonical form."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[-:\s.]")
_HEX16 = re.compile(r"^[0-9A-Fa-f]{16}$")


class EuiError(ValueError):
    """The text is not an EUI-64."""


def parse_eui64(text: str) -> str:
    """Return the canonical ``90-B3-D5-1F-30-02-00-00`` form of an EUI-64 spelling.

    Accepts hyphens, colons, spaces or no separators, any case.
    """
    compact = _SEPARATORS.sub("", text.strip())
    if not _HEX16.match(compact):
        raise EuiError(
            f"not an EUI-64: {text!r} (expected 8 hex octets, e.g. 90-B3-D5-1F-30-02-00-00)"
        )
    return format_eui64(bytes.fromhex(compact))


def format_eui64(raw: bytes) -> str:
    """Canonical upper-case hyphenated form of 8 raw bytes."""
    return raw.hex("-").upper()
