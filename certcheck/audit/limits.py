"""Input limits that keep one hostile item from exhausting the machine."""

from __future__ import annotations

from dataclasses import dataclass, replace

from certcheck.audit import limit_defaults as default


@dataclass(frozen=True, slots=True)
class Limits:
    """Configurable bounds; an item over any of them is reported INPUT_UNREADABLE."""

    max_item_bytes: int = default.MAX_ITEM_BYTES
    max_line_bytes: int = default.MAX_LINE_BYTES
    max_der_depth: int = default.MAX_DER_DEPTH
    max_certificates: int = default.MAX_CERTIFICATES
    max_xml_depth: int = default.MAX_XML_DEPTH


DEFAULT_LIMITS = Limits()


def limits_with(**overrides: int | None) -> Limits:
    """DEFAULT_LIMITS with the given fields replaced (``None`` keeps the default)."""
    chosen = {name: value for name, value in overrides.items() if value is not None}
    return replace(DEFAULT_LIMITS, **chosen) if chosen else DEFAULT_LIMITS
