"""Recognise an item's format by its content (never by file name) and decode it."""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Callable

from certcheck.audit.limits import DEFAULT_LIMITS, Limits
from certcheck.audit.model import Item, Problem
from certcheck.audit.where import offset
from certcheck.formats.certfile import PEM_MARKER, decode_certificate_file, pem_blocks

_BOM = b"\xef\xbb\xbf"
GBCS_TAGS = (0xDD, 0xDF)
DER_SEQUENCE = 0x30
_GBCS_HEX_HEADS = frozenset(f"{tag:02X}".encode() for tag in GBCS_TAGS)


def is_reader_defect(problem: Problem) -> bool:
    """True when a problem came from a reader's catch-all (a bug) rather than from the input."""
    return problem.defect


def unreadable(source: str, message: str, where: str | None = None, digest: str = "") -> Item:
    """An item that could not be decoded."""
    return Item(source=source, kind=None, digest=digest, problems=(Problem(message, where),))


def decode_item(
    data: bytes, source: str, limits: Limits = DEFAULT_LIMITS, *, digest: bool = True
) -> Item:
    """Decode one item of any supported format within ``limits``; never raises.

    The item's ``digest`` (SHA-256 of ``data``, its identity in the audit store) is left empty
    when ``digest`` is False: a run without a store has no use for it.
    """
    digest_text = hashlib.sha256(data).hexdigest() if digest else ""
    return _decode_guarded(data, source, digest_text, limits)


def _decode_guarded(data: bytes, source: str, digest: str, limits: Limits) -> Item:
    try:
        return _decode(data, source, digest, limits)
    except Exception as exc:  # a reader defect: the item says so, the batch goes on
        return Item(
            source=source, kind=None, digest=digest, problems=(Problem.of_defect(exc, None),)
        )


# Text forms wrapped in hex or base64 are unwrapped this many times at most (base64 of a DUIS
# document, of PEM text, of hex...): SPEC.md "Inputs", JSON Lines payloads.
MAX_TEXT_WRAPPING = 2


def _decode(
    data: bytes, source: str, digest: str, limits: Limits = DEFAULT_LIMITS, depth: int = 0
) -> Item:
    if data[:1] == b"<":  # DUIS XML as written, the bulk of a batch: no copy to strip
        return (_DUIS or _duis())(data.rstrip(), source, digest, limits)
    if data[:2].upper() in _GBCS_HEX_HEADS:
        raw = _plain_hex(data)
        if raw:  # a GBCS message in hex as written, the bulk of a CS02b batch
            return _decode_binary(raw, source, digest, limits)
    body = data[3:] if data.startswith(_BOM) else data
    stripped = body.strip()
    if not stripped:
        return unreadable(source, "empty input", offset(0), digest)
    first = stripped[0]
    if first == ord("<"):
        from certcheck.formats.duis import decode_duis

        return decode_duis(stripped, source, digest=digest, limits=limits)
    if PEM_MARKER in stripped[:4096] or stripped.startswith(b"-----"):
        try:
            blocks = pem_blocks(stripped)
        except ValueError as exc:
            return unreadable(source, str(exc), None, digest)
        return decode_certificate_file(blocks, source, digest, limits)
    binary = _binary_form(body)
    if binary is None:
        return unreadable(
            source,
            "not a recognised format (expected PEM, DER, hex or base64 of a certificate or GBCS "
            "message, or DUIS XML)",
            offset(0),
            digest,
        )
    if binary is not body and depth < MAX_TEXT_WRAPPING and _wraps_text(binary):
        return _decode(binary, source, digest, limits, depth + 1)
    return _decode_binary(binary, source, digest, limits)


def _plain_hex(data: bytes) -> bytes | None:
    """``data`` read as hex by :func:`bytes.fromhex` (whitespace between bytes allowed), or
    None. For text starting with a GBCS tag's digits this is what the general path gives:
    such text is neither XML nor PEM, and bytes that start with a GBCS tag are not text."""
    try:
        return binascii.unhexlify(data)  # hex digits alone: no text copy to read them from
    except binascii.Error:
        pass
    try:
        return bytes.fromhex(data.decode("ascii"))
    except ValueError:  # UnicodeDecodeError is a ValueError
        return None


_DUIS: Callable[[bytes, str, str, Limits], Item] | None = None


def _duis() -> Callable[[bytes, str, str, Limits], Item]:
    """The DUIS reader, imported when XML is first met (so lxml only then); kept in ``_DUIS``
    for the next item rather than imported again per item."""
    global _DUIS
    from certcheck.formats.duis import decode_duis

    _DUIS = decode_duis
    return decode_duis


def _wraps_text(decoded: bytes) -> bool:
    """True when hex or base64 decoded to a text form (XML, PEM, or hex or base64 again)
    rather than to DER or a GBCS message."""
    head = decoded.lstrip(b" \t\r\n")
    head = head[3:] if head.startswith(_BOM) else head
    if not head or head[0] in (*GBCS_TAGS, DER_SEQUENCE):
        return False
    return head[:1] == b"<" or head.startswith(b"-----") or not _looks_binary(head)


def _binary_form(body: bytes) -> bytes | None:
    """Raw bytes of the item: as-is when binary, else decoded from hex or base64."""
    head = body.lstrip()[:1]
    if head and head[0] in (*GBCS_TAGS, DER_SEQUENCE) and _looks_binary(body):
        return body
    from certcheck.formats.hexb64 import text_to_bytes

    decoded = text_to_bytes(body)
    if decoded is None and head and head[0] == DER_SEQUENCE:
        return body  # DER whose first bytes happen to be printable (e.g. deep nesting)
    return decoded


def _looks_binary(body: bytes) -> bool:
    sample = body[:64]
    return any(b < 0x09 or b > 0x7E for b in sample)


_GBCS: Callable[[bytes, str, Limits, str], Item] | None = None


def _gbcs() -> Callable[[bytes, str, Limits, str], Item]:
    """The GBCS reader, imported when a GBCS message is first met (so asn1crypto only then);
    kept in ``_GBCS`` for the next item."""
    global _GBCS
    from certcheck.formats.gbcs.reader import decode_gbcs

    _GBCS = decode_gbcs
    return decode_gbcs


def _decode_binary(raw: bytes, source: str, digest: str, limits: Limits = DEFAULT_LIMITS) -> Item:
    if not raw:
        return unreadable(source, "empty input", offset(0), digest)
    if raw[0] in GBCS_TAGS:
        return (_GBCS or _gbcs())(raw, source, limits, digest)
    if raw[0] == DER_SEQUENCE:
        return decode_certificate_file([(0, raw)], source, digest, limits)
    return unreadable(
        source,
        f"unrecognised first byte 0x{raw[0]:02X} "
        "(expected 0x30 DER certificate, 0xDD or 0xDF GBCS)",
        offset(0),
        digest,
    )
