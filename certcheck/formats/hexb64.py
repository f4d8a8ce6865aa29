"""Text to bytes: hexadecimal or base64, whitespace and line breaks ignored.

Shared by the GBCS and certificate readers, which accept either spelling.
"""

from __future__ import annotations

import base64
import binascii
import re

_HEX = re.compile(rb"^[0-9A-Fa-f]*$")
_BASE64 = re.compile(rb"^[A-Za-z0-9+/]*={0,2}$")


def text_to_bytes(data: bytes) -> bytes | None:
    """Decode ``data`` as hex (even length, hex digits only), else strict base64, else None.

    Whitespace anywhere is ignored. Base64 must be complete (a multiple of four characters,
    ``=`` padding where due), so a mistyped odd-length hex string is None, not garbage.
    Empty or whitespace-only input gives None. Hex wins when both readings are possible (``"ABCD"``
    is hex, not base64).
    """
    try:  # the common case, plain hex (whitespace between byte pairs too): no copy, no regex
        raw = bytes.fromhex(data.decode("ascii"))
    except ValueError:  # UnicodeDecodeError is a ValueError
        raw = b""
    if raw:
        return raw
    compact = b"".join(data.split())  # bytes.split() splits on the ASCII whitespace \s means
    if not compact:
        return None
    if len(compact) % 2 == 0 and _HEX.match(compact):
        return bytes.fromhex(compact.decode("ascii"))
    if len(compact) % 4 == 0 and _BASE64.match(compact):
        try:
            return base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError):
            return None
    return None
