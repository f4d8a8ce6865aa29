"""Where a finding or a decoding problem sits in an item: one grammar for every reader.

A ``where`` is a path of steps joined by ``/``, read from the outside in, like pkilint's node
paths::

    where    = step *( "/" step )
    step     = node / position
    node     = name [ "[" index "]" ]        ; an XML element, an ASN.1 field, a list entry
                                             ; (a name holds no "/", "[", "]", space or comma)
    position = "offset 0x" HEX               ; a byte offset into the node before it
             / "line " N [ ", column " M ]   ; a line (and column) of the item's text

Indexes count from 0 (``replacements[0]`` is the first replacement, whichever format carries
it); lines and columns count from 1, as editors do; offsets are upper-case hexadecimal. A
position is always the last step, and a path without a node is a position in the item
itself. Examples: ``Body/UpdateSecurityCredentialsKRP/KeyAgreementCertificate``,
``replacements[1]``, ``offset 0x4C``, ``Body/.../GBCSPayload/replacements[0]`` (inside the
GBCS message a DUIS request carries), ``certificates[2]/offset 0x1A``, ``line 2, column 14``.

Readers build every ``where`` with these functions, so the grammar has one home.
"""

from __future__ import annotations

import re

_NAME = r"[^/\[\]\s,]+"  # an XML or ASN.1 name: no separator, bracket, space or comma
_NODE = rf"{_NAME}(?:\[(?:0|[1-9][0-9]*)\])?"
_POSITION = r"offset 0x[0-9A-F]+|line [1-9][0-9]*(?:, column [1-9][0-9]*)?"
# compiled on first use (re caches it): only checkers of the grammar match against it
GRAMMAR = rf"(?:{_NODE})(?:/{_NODE})*(?:/(?:{_POSITION}))?|(?:{_POSITION})"


def node(name: str, index: int | None = None) -> str:
    """One node step: ``name``, or ``name[index]`` for an entry of a list."""
    return name if index is None else f"{name}[{index}]"


def offset(position: int) -> str:
    """A byte-offset step: ``offset 0x4C``."""
    return f"offset 0x{position:X}"


def line(number: int, column: int | None = None) -> str:
    """A text-position step: ``line 2`` or ``line 2, column 14``."""
    return f"line {number}" if column is None else f"line {number}, column {column}"


def at(*steps: str | None) -> str:
    """The steps joined with ``/`` into one ``where``, leaving out empty ones.

    A step may itself be a path (``at("Body/Service", "GBCSPayload", inner_where)``).
    """
    return "/".join([step for step in steps if step])


def is_where(text: str) -> bool:
    """True when ``text`` follows the grammar above."""
    return re.fullmatch(GRAMMAR, text) is not None
