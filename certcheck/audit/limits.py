"""Input limits that keep one hostile item from exhausting the machine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Configurable bounds; an item over any of them is reported INPUT_UNREADABLE."""

    max_item_bytes: int = 16 * 1024 * 1024
    max_line_bytes: int = 16 * 1024 * 1024
    max_der_depth: int = 32
    max_certificates: int = 64
    max_xml_depth: int = 64


DEFAULT_LIMITS = Limits()
