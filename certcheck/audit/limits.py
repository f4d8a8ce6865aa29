"""Input limits that keep one hostile item from exhausting the machine."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Limits:
    """Configurable bounds; an item over any of them is reported INPUT_UNREADABLE."""

    max_item_bytes: int = 16 * 1024 * 1024
    max_line_bytes: int = 16 * 1024 * 1024
    max_der_depth: int = 32
    max_certificates: int = 64
    max_xml_depth: int = 64


DEFAULT_LIMITS = Limits()


def limits_with(**overrides: int | None) -> Limits:
    """DEFAULT_LIMITS with the given fields replaced (``None`` keeps the default)."""
    chosen = {name: value for name, value in overrides.items() if value is not None}
    return replace(DEFAULT_LIMITS, **chosen) if chosen else DEFAULT_LIMITS
