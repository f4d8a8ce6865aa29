"""Control characters shown escaped: the text of every message and table certcheck prints.

An ESC (``\\x1b``) from a party name or a file name could clear the screen, retitle the
window or plant an OSC-8 link (SPEC.md, "Output safety"). Kept free of rich so that error
messages need no heavy import. :func:`note` writes every message certcheck prints.
"""

from __future__ import annotations

import re
import sys

# C0 and C1 controls, DEL, bidirectional overrides and isolates (they reorder what is shown),
# and lone surrogates (undecodable bytes of a file name, kept by surrogateescape).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as surrogateescape keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\u202e``)."""
    return _UNSAFE.sub(_escape, text)


def note(message: str) -> None:
    """One line on standard error, ``certcheck: `` first, control characters escaped."""
    sys.stderr.write(f"certcheck: {printable(message)}\n")
    sys.stderr.flush()
