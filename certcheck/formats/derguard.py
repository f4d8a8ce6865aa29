"""A fast pre-check of DER bytes before they reach an ASN.1 decoder.

:func:`guard_der` walks the tag-length-value tree iteratively (no recursion, so no stack to
exhaust), measures how deeply constructed elements nest, and refuses what no certificate or
GBCS content needs and what decoders handle badly: indefinite lengths (BER ``0x80``), lengths
that run past their container or the buffer, and nesting deeper than ``max_depth``
(``Limits.max_der_depth``). Only constructed elements are entered; primitive contents (an
OCTET STRING that wraps more DER, for example) are skipped whole.
"""

from __future__ import annotations

from functools import lru_cache

from certcheck.audit.where import offset

_MAX_LENGTH_OCTETS = 4  # no item is near 4 GiB; longer length forms are refused
# Elements accepted whole (certificates, mostly) and their nesting depth. A walk meets the
# same certificates inside message after message: an element found here is skipped when its
# depth fits below the current level, which is exactly what walking it again would decide.
_KNOWN: dict[bytes, int] = {}
_KNOWN_MAX = 4096
_KNOWN_MIN_LENGTH = 128  # shorter elements cost less to walk than to look up


class DerRefused(ValueError):
    """DER refused before decoding; ``offset`` is where the walk stopped."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(f"{message} at offset 0x{offset:X}")
        self.offset = offset
        self.message = message

    @property
    def where(self) -> str:
        return offset(self.offset)


def guard_der(
    data: bytes, max_depth: int, base_offset: int = 0, *, remember: bool = True
) -> int:
    """Check the first DER element of ``data``; return its constructed nesting depth.

    Raises :class:`DerRefused` (offsets are ``base_offset`` + position) for a truncated tag
    or length, an indefinite length, a length past its container, or constructed nesting
    deeper than ``max_depth``. Accepted bytes are remembered, since the same certificates
    recur across a batch (``remember=False`` for bytes seen once, such as a message); later
    walks skip a remembered element wherever they meet it. Bytes after the first element are
    left to the decoder.
    """
    data = bytes(data)
    known = _KNOWN.get(data)
    if known is not None and known <= max_depth:
        return known
    try:
        depth = _walk(data, max_depth)
    except DerRefused as refused:
        if not base_offset:
            raise
        raise DerRefused(base_offset + refused.offset, refused.message) from None
    if remember and len(data) >= _KNOWN_MIN_LENGTH:
        if len(_KNOWN) >= _KNOWN_MAX:
            _KNOWN.clear()
        _KNOWN[data[: element_end(data)]] = depth
    return depth


def element_end(data: bytes) -> int:
    """The offset just after the first element of ``data`` (raises DerRefused if unreadable)."""
    _tag, content, length = element_header(data, 0, len(data), False)
    return content + length


@lru_cache(maxsize=4096)
def _walk(data: bytes, max_depth: int) -> int:
    ends: list[int] = []  # end offsets of the open constructed elements
    deepest = 0
    pos = 0
    limit = len(data)
    while True:
        # Fast path: one-byte tag, one- or two-byte definite length inside the container.
        if pos + 2 <= limit and data[pos] & 0x1F != 0x1F and data[pos + 1] != 0x80:
            tag = data[pos]
            first = data[pos + 1]
            if first < 0x80:
                content, length = pos + 2, first
            elif first == 0x81 and pos + 3 <= limit:
                content, length = pos + 3, data[pos + 2]
            elif first == 0x82 and pos + 4 <= limit:
                content, length = pos + 4, (data[pos + 2] << 8) | data[pos + 3]
            else:
                tag, content, length = element_header(data, pos, limit, bool(ends))
            if content + length > limit:
                element_header(data, pos, limit, bool(ends))  # raises with the full reason
        else:
            tag, content, length = element_header(data, pos, limit, bool(ends))
        stop = content + length
        if tag & 0x20 and ends and length >= _KNOWN_MIN_LENGTH:
            known = _KNOWN.get(data[pos:stop])
            if known is not None and len(ends) + known <= max_depth:
                deepest = max(deepest, len(ends) + known)
                tag = 0  # walked before and accepted at this depth: step over it
        if tag & 0x20:
            if len(ends) >= max_depth:
                raise DerRefused(
                    pos,
                    f"DER nesting deeper than {max_depth} levels exceeds "
                    f"max_der_depth={max_depth}",
                )
            ends.append(stop)
            if len(ends) > deepest:
                deepest = len(ends)
            pos = content
            limit = stop
        else:
            pos = stop
        while ends and pos == ends[-1]:
            ends.pop()
            limit = ends[-1] if ends else len(data)
        if not ends:
            return deepest


def element_header(data: bytes, pos: int, limit: int, inside: bool) -> tuple[int, int, int]:
    """(first tag byte, content offset, content length) of the element at ``pos``, which
    ends by ``limit``; ``inside`` says whether that limit is a container's (for messages)."""
    room = "its container" if inside else "the data"
    if pos >= limit:
        raise DerRefused(pos, "DER element: expected a tag, found no bytes")
    tag = data[pos]
    at = pos + 1
    if tag & 0x1F == 0x1F:  # high tag number form: base-128 continuation bytes
        while True:
            if at >= limit:
                raise DerRefused(pos, f"DER tag: expected more tag bytes before the end of {room}")
            more = data[at] & 0x80
            at += 1
            if not more:
                break
    if at >= limit:
        raise DerRefused(at, f"DER element 0x{tag:02X}: expected a length, found the end of {room}")
    first = data[at]
    at += 1
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise DerRefused(at - 1, f"DER element 0x{tag:02X}: indefinite length (0x80) is not DER")
    else:
        count = first & 0x7F
        if count > _MAX_LENGTH_OCTETS:
            raise DerRefused(
                at - 1,
                f"DER element 0x{tag:02X}: expected at most {_MAX_LENGTH_OCTETS} length octets, "
                f"found {count}",
            )
        if at + count > limit:
            raise DerRefused(
                at - 1, f"DER element 0x{tag:02X}: length octets run past the end of {room}"
            )
        length = int.from_bytes(data[at : at + count], "big")
        at += count
    if at + length > limit:
        raise DerRefused(
            pos,
            f"DER element 0x{tag:02X}: length {length} runs past the end of {room} "
            f"({limit - at} byte(s) left)",
        )
    return tag, at, length
