"""GBCS framing: the MAC header (General-Ciphering) and the General-Signing APDU.

Layout from ``reference/payloads.md`` section 2.1, checked on every RTDS 4.5.0 sample::

    [DD 00 00 00 00 00 00  len  11 <4-byte invocation counter>]      MAC header (optional)
    DF                                                                General-Signing tag
    09 <CRA flag> <8-byte originator counter>                        transaction-id
    08 <originator system title>  08 <recipient system title>
    00 | 0C <12-byte date-time>
    len <other-information: 2-byte message code first>
    len <content>
    [00 | 40 <64-byte r||s>]                                          signature (optional)
    [<12-byte MAC>]                                                   only with the MAC header

The signed bytes run from the byte after ``DF`` to the end of the content.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from certcheck.audit.where import offset

GENERAL_CIPHERING = 0xDD
GENERAL_SIGNING = 0xDF
SECURITY_CONTROL_AUTHENTICATED = 0x11
MAC_LENGTH = 12
SIGNATURE_LENGTH = 64
SYSTEM_TITLE_LENGTH = 8
DATE_TIME_LENGTH = 12


# DLMS date-time (IEC 62056-62, octet-string of 12): year(2) month day weekday hour minute second
# hundredths deviation(2, signed minutes, UTC = local + deviation) clock-status; 0xFF / 0xFFFF
# mean "not specified" and deviation 0x8000 "unknown", taken as UTC (GBCS times are UTC).
_NOT_SPECIFIED = 0xFF
_DEVIATION_UNKNOWN = 0x8000


def dlms_date_time(raw: bytes | None) -> str | None:
    """A grouping header's 12-byte date-time as ISO 8601 UTC, or None when absent or vague."""
    if raw is None or len(raw) != DATE_TIME_LENGTH:
        return None
    year = int.from_bytes(raw[0:2], "big")
    month, day, _, hour, minute, second = raw[2:8]
    if year == 0xFFFF or _NOT_SPECIFIED in (month, day, hour, minute):
        return None
    second = 0 if second == _NOT_SPECIFIED else second
    try:
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    deviation = int.from_bytes(raw[9:11], "big", signed=True)
    if deviation != -_DEVIATION_UNKNOWN and -720 <= deviation <= 720:
        moment += timedelta(minutes=deviation)
    return moment.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GbcsDecodeError(ValueError):
    """The bytes are not a GBCS message; ``offset`` is where decoding stopped."""

    def __init__(self, offset: int, expected: str) -> None:
        super().__init__(f"{expected} at offset 0x{offset:X}")
        self.offset = offset
        self.expected = expected

    @property
    def where(self) -> str:
        return offset(self.offset)


class GbcsFrame(NamedTuple):
    """A GBCS message split into its header fields, content and signature (a named tuple:
    built for every message, at a tenth of a frozen dataclass's cost)."""

    mac_header: bool
    security_control: int | None
    invocation_counter: bytes | None
    mac: bytes | None
    cra_flag: int
    counter: int
    originator: bytes
    recipient: bytes
    date_time: bytes | None
    other_information: bytes
    message_code: int
    content: bytes
    content_offset: int
    signed: bytes
    signature_state: str  # absent | null | present
    signature: bytes | None


class _Cursor:
    """Reads forward through ``data`` up to ``end``, raising with the offset on failure."""

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def take(self, count: int, what: str) -> bytes:
        if count > self.end - self.pos:
            have = max(self.end - self.pos, 0)
            raise GbcsDecodeError(
                self.pos, f"{what}: expected {count} byte(s), only {have} left"
            )
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def byte(self, what: str) -> int:
        return self.take(1, what)[0]

    def expect(self, value: int, what: str) -> None:
        at = self.pos
        got = self.byte(what)
        if got != value:
            raise GbcsDecodeError(at, f"{what}: expected 0x{value:02X}, found 0x{got:02X}")

    def length(self, what: str) -> int:
        """A BER definite length (short form, or 0x81..0x84 long form)."""
        at = self.pos
        first = self.byte(f"{what} length")
        if first < 0x80:
            return first
        count = first & 0x7F
        if count == 0 or count > 4:
            raise GbcsDecodeError(
                at, f"{what} length: expected a definite BER length, found 0x{first:02X}"
            )
        return int.from_bytes(self.take(count, f"{what} length"), "big")


def read_length(data: bytes, pos: int, what: str) -> tuple[int, int]:
    """BER length at ``pos``: (length, position after it)."""
    cursor = _Cursor(data, pos)
    value = cursor.length(what)
    return value, cursor.pos


def parse_frame(data: bytes) -> GbcsFrame:
    """Split ``data`` (raw bytes) into a :class:`GbcsFrame`; raise :class:`GbcsDecodeError`."""
    if not data:
        raise GbcsDecodeError(0, "GBCS message: expected 0xDD or 0xDF, found no bytes")
    first = data[0]
    if first == GENERAL_CIPHERING:
        return _parse_ciphering(data)
    if first == GENERAL_SIGNING:
        return _parse_signing(data, 0, len(data), mac_header=False)
    raise GbcsDecodeError(
        0, f"GBCS message: expected 0xDD (MAC header) or 0xDF (General-Signing), "
        f"found 0x{first:02X}"
    )


def _parse_ciphering(data: bytes) -> GbcsFrame:
    cursor = _Cursor(data, 1)
    if len(data) > 1 and data[1] != 0:
        raise GbcsDecodeError(
            1, "GBT (segmented) message: not supported (expected 0x00 after 0xDD for a "
            "General-Ciphering MAC header)"
        )
    for name in ("transaction-id", "originator system title", "recipient system title",
                 "date-time", "other-information", "key-info"):
        cursor.expect(0x00, f"MAC header {name} (empty)")
    length_at = cursor.pos
    length = cursor.length("MAC header ciphered service")
    body_start = cursor.pos
    if body_start + length != len(data):
        raise GbcsDecodeError(
            length_at,
            f"MAC header ciphered service length: expected {len(data) - body_start} "
            f"(the bytes present), found {length}",
        )
    if length < 5 + MAC_LENGTH:
        raise GbcsDecodeError(length_at, f"MAC header: ciphered service of {length} bytes is "
                              "too short for a security header and a 12-byte MAC")
    control_at = cursor.pos
    control = cursor.byte("security header security-control")
    if control != SECURITY_CONTROL_AUTHENTICATED:
        raise GbcsDecodeError(
            control_at, f"security-control: expected 0x11 (authenticated), found 0x{control:02X}"
        )
    invocation = cursor.take(4, "security header invocation counter")
    mac_start = len(data) - MAC_LENGTH
    if cursor.pos >= mac_start or data[cursor.pos] != GENERAL_SIGNING:
        found = f"0x{data[cursor.pos]:02X}" if cursor.pos < mac_start else "the MAC"
        raise GbcsDecodeError(
            cursor.pos, f"General-Signing APDU: expected 0xDF, found {found}"
        )
    inner = _parse_signing(data, cursor.pos, mac_start, mac_header=True)
    return inner._replace(
        security_control=control, invocation_counter=invocation, mac=data[mac_start:]
    )


def _parse_signing(data: bytes, start: int, end: int, *, mac_header: bool) -> GbcsFrame:
    plain = _plain_signing(data, start, end, mac_header)
    return plain if plain is not None else _read_signing(data, start, end, mac_header=mac_header)


# Offsets in a General-Signing APDU up to the date-time (its fixed-length part).
_TRANSACTION_ID = 2  # CRA flag, then the 8-byte originator counter
_ORIGINATOR = 12
_RECIPIENT = 21
_DATE_TIME = 29


def _plain_signing(data: bytes, start: int, end: int, mac_header: bool) -> GbcsFrame | None:
    """The APDU read by plain indexing (about a third of :func:`_read_signing`'s time), or
    None for anything unusual, which :func:`_read_signing` then reads or reports."""
    head = data[start : start + _DATE_TIME + 1]
    if (
        len(head) <= _DATE_TIME
        or head[0] != GENERAL_SIGNING
        or head[1] != 9
        or head[_TRANSACTION_ID] not in (1, 2, 3)
        or head[_ORIGINATOR - 1] != SYSTEM_TITLE_LENGTH
        or head[_RECIPIENT - 1] != SYSTEM_TITLE_LENGTH
    ):
        return None
    pos = start + _DATE_TIME
    dt_length = head[_DATE_TIME]
    if dt_length not in (0, DATE_TIME_LENGTH):
        return None
    date_time = data[pos + 1 : pos + 1 + dt_length] if dt_length else None
    pos += 1 + dt_length
    if pos + 1 >= end or not 2 <= data[pos] < 0x80:
        return None
    other = data[pos + 1 : pos + 1 + data[pos]]
    pos += 1 + data[pos]
    if pos >= end:
        return None
    content_length = data[pos]
    pos += 1
    if content_length >= 0x80:
        count = content_length & 0x7F
        if not 1 <= count <= 2:
            return None
        content_length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    content_offset = pos
    pos += content_length
    if pos > end:
        return None
    if pos == end:
        state, signature = "absent", None
    elif data[pos] == 0 and pos + 1 == end:
        state, signature = "null", None
    elif data[pos] == SIGNATURE_LENGTH and pos + 1 + SIGNATURE_LENGTH == end:
        state, signature = "present", data[pos + 1 : end]
    else:
        return None
    return _new_frame(
        GbcsFrame,
        (
            mac_header,
            None,  # security_control
            None,  # invocation_counter
            None,  # mac
            head[_TRANSACTION_ID],  # cra_flag
            int.from_bytes(head[_TRANSACTION_ID + 1 : _ORIGINATOR - 1], "big"),  # counter
            head[_ORIGINATOR : _ORIGINATOR + SYSTEM_TITLE_LENGTH],  # originator
            head[_RECIPIENT : _RECIPIENT + SYSTEM_TITLE_LENGTH],  # recipient
            date_time,
            other,  # other_information
            int.from_bytes(other[:2], "big"),  # message_code
            data[content_offset:pos],  # content
            content_offset,
            data[start + 1 : pos],  # signed
            state,  # signature_state
            signature,
        ),
    )


# A GbcsFrame from its fields in order, made as the tuple it is: the named tuple's own
# constructor, with keywords, takes 15 thousand instructions against 5 thousand.
_new_frame = tuple.__new__


def _read_signing(data: bytes, start: int, end: int, *, mac_header: bool) -> GbcsFrame:
    """The APDU read step by step, naming where and why it stops when it does."""
    cursor = _Cursor(data, start, end)
    cursor.expect(GENERAL_SIGNING, "General-Signing tag")
    cursor.expect(9, "transaction-id length")
    cra_at = cursor.pos
    cra = cursor.byte("transaction-id CRA flag")
    if cra not in (1, 2, 3):
        raise GbcsDecodeError(
            cra_at, f"CRA flag: expected 1 (command), 2 (response) or 3 (alert), found {cra}"
        )
    counter = int.from_bytes(cursor.take(8, "transaction-id originator counter"), "big")
    cursor.expect(SYSTEM_TITLE_LENGTH, "originator system title length")
    originator = cursor.take(SYSTEM_TITLE_LENGTH, "originator system title")
    cursor.expect(SYSTEM_TITLE_LENGTH, "recipient system title length")
    recipient = cursor.take(SYSTEM_TITLE_LENGTH, "recipient system title")
    dt_at = cursor.pos
    dt_length = cursor.byte("date-time length")
    if dt_length not in (0, DATE_TIME_LENGTH):
        raise GbcsDecodeError(
            dt_at, f"date-time length: expected 0x00 or 0x0C, found 0x{dt_length:02X}"
        )
    date_time = cursor.take(DATE_TIME_LENGTH, "date-time") if dt_length else None
    oi_at = cursor.pos
    oi_length = cursor.length("other-information")
    if oi_length < 2:
        raise GbcsDecodeError(
            oi_at, f"other-information length: expected at least 2 (message code), "
            f"found {oi_length}"
        )
    other = cursor.take(oi_length, "other-information")
    content_length = cursor.length("content")
    content_offset = cursor.pos
    content = cursor.take(content_length, "content")
    signed = data[start + 1 : cursor.pos]
    state, signature = _signature(cursor)
    if cursor.pos != end:
        what = "12-byte MAC" if mac_header else "end of message"
        raise GbcsDecodeError(
            cursor.pos, f"{what}: expected after the signature, found "
            f"{end - cursor.pos} more byte(s)"
        )
    return GbcsFrame(
        mac_header=mac_header,
        security_control=None,
        invocation_counter=None,
        mac=None,
        cra_flag=cra,
        counter=counter,
        originator=originator,
        recipient=recipient,
        date_time=date_time,
        other_information=other,
        message_code=int.from_bytes(other[:2], "big"),
        content=content,
        content_offset=content_offset,
        signed=signed,
        signature_state=state,
        signature=signature,
    )


def _signature(cursor: _Cursor) -> tuple[str, bytes | None]:
    if cursor.pos == cursor.end:
        return "absent", None
    at = cursor.pos
    marker = cursor.byte("signature length")
    if marker == 0:
        return "null", None
    if marker != SIGNATURE_LENGTH:
        raise GbcsDecodeError(
            at, f"signature length: expected 0x00 (null) or 0x40 (64-byte ECDSA), "
            f"found 0x{marker:02X}"
        )
    return "present", cursor.take(SIGNATURE_LENGTH, "signature")
