"""A hardened XML parser for untrusted payloads (DUIS requests, responses and alerts).

DUIS never uses a document type declaration, so any DOCTYPE is refused outright: that closes
external entities (XXE), entity expansion ("billion laughs"), parameter entities and external
DTD fetches in one rule. The lxml parser is also configured never to resolve entities, load a
DTD or touch the network, and oversize or over-deep documents are refused.

The DOCTYPE rule must see the document as text, so encodings are checked first: UTF-16 input
is transcoded for the scan, and encodings in which ``<!DOCTYPE`` is not plain ASCII bytes
(UTF-7, UTF-32, EBCDIC and any other not on the short accepted list) are refused before the
parser sees them. XInclude is never processed (certcheck never calls ``xinclude()``).

One parser per thread is kept and reused: lxml parsers are reusable, and parsing is the
throughput ceiling of DUIS batches.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

from certcheck.audit import where as location

MAX_BYTES = 8_000_000
MAX_DEPTH = 64

_LOCAL = threading.local()
_DOCTYPE = b"<!DOCTYPE"
_ENTITY = b"<!ENTITY"
# Encodings in which "<!DOCTYPE" is ASCII bytes (after UTF-16 transcoding): DUIS is UTF-8.
_ASCII_BASED = ("utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1")
_UTF16_NAMES = ("utf-16", "utf-16le", "utf-16be", "utf-16-le", "utf-16-be")
ACCEPTED_ENCODINGS = frozenset((*_ASCII_BASED, *_UTF16_NAMES))
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*?\sencoding\s*=\s*["']([^"']{0,40})["']""")
_UTF32_STARTS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"<\x00\x00\x00", b"\x00\x00\x00<")
_UTF16_STARTS = {
    b"\xff\xfe": "utf-16",
    b"\xfe\xff": "utf-16",
    b"<\x00": "utf-16-le",
    b"\x00<": "utf-16-be",
}


class XmlRefused(ValueError):
    """The document is not well-formed, or is refused as unsafe; ``where`` says where."""

    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where


def _new_parser(remove_blank_text: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
        remove_blank_text=remove_blank_text,
    )


def _parser(remove_blank_text: bool = False) -> etree.XMLParser:
    parsers = getattr(_LOCAL, "parsers", None)
    if parsers is None:
        parsers = _LOCAL.parsers = (_new_parser(), _new_parser(remove_blank_text=True))
    return parsers[remove_blank_text]


_DEPTH_PROBES: dict[int, etree.XPath] = {}


def _depth_probe(max_depth: int) -> etree.XPath:
    """A compiled XPath that is true when some element is deeper than ``max_depth``."""
    probe = _DEPTH_PROBES.get(max_depth)
    if probe is None:
        probe = etree.XPath("boolean(/" + "*/" * max_depth + "*)")
        _DEPTH_PROBES[max_depth] = probe
    return probe


def _position(error: etree.XMLSyntaxError) -> str | None:
    line, column = getattr(error, "position", (None, None)) or (None, None)
    if line is None:
        return None
    return location.line(line, column)


def parse_xml(
    data: bytes,
    source: str,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    keep_blank_text: bool = True,
) -> etree._Element:
    """Parse untrusted XML ``data`` and return its root element.

    Raises :class:`XmlRefused` for malformed XML and for any DOCTYPE/DTD, entity declaration,
    input over ``max_bytes`` or element nesting deeper than ``max_depth``. ``source`` names the
    input in messages.

    With ``keep_blank_text=False`` a document without comments, CDATA sections and processing
    instructions is parsed dropping whitespace-only text between elements (libxml2's
    keepBlanks=0), which builds, walks and frees fewer nodes. In such a document libxml2
    drops whitespace only where a start tag follows it or where it ends an element that has
    children, so the text of every element without children is as written; an element with
    children may lose whitespace-only text before its first child (its ``text`` is then None
    instead). Errors and line numbers are those of the parse that keeps it.
    """
    if len(data) > max_bytes:
        raise XmlRefused(
            f"{source}: XML of {len(data)} bytes is over the {max_bytes}-byte limit",
            location.offset(0),
        )
    if data[:1] == b"<" and data[1:2] != b"\x00":  # ASCII-based as it stands: UTF-8 in practice
        text = data
        if data.startswith(b"<?xml"):
            _check_declared(data, source, utf16=False)
    else:
        text = _scan_text(data, source)
    # Entity declarations can only sit inside a DOCTYPE, so one scan covers both. Without a
    # "!" (one memchr, against a 9-byte search) there is no DOCTYPE to find, nor a comment or
    # CDATA section. ``find`` rather than ``in``: bytes' ``in`` first tries its operand as an
    # integer and clears the TypeError (0.23 against 0.44 us on a DUIS 6.21 request).
    bang = text.find(b"!") >= 0
    at = text.find(_DOCTYPE) if bang else -1
    if at >= 0:
        what, where = _doctype_reason(text, at)
        raise XmlRefused(
            f"{source}: XML refused: {what}; a document type declaration (DTD) is never "
            "accepted in untrusted input",
            _line_column(text, where),
        )
    try:
        lean = not (keep_blank_text or bang) and _no_processing_instruction(text)
        root = etree.fromstring(data, _parser(remove_blank_text=lean))
    except etree.XMLSyntaxError as error:
        raise XmlRefused(f"{source}: not well-formed XML: {error.msg}", _position(error)) from None
    except ValueError as error:  # e.g. unicode string with encoding declaration
        raise XmlRefused(f"{source}: not parseable XML: {error}") from None
    if root is None:
        raise XmlRefused(f"{source}: empty XML document", location.line(1, 1))
    # Catches a DOCTYPE the byte scan might not see, should the parser read the bytes
    # otherwise than the scan did. A document has a doctype exactly when it has an internal or
    # external subset, which these two read. Without a "!" in the scan's text there is no
    # "<!DOCTYPE" to read: every accepted encoding writes "!" as that one byte, and no other
    # character with it (about 1.7 us a document saved).
    if bang and _has_doctype(root):
        raise XmlRefused(
            f"{source}: a DOCTYPE is refused: untrusted XML may not carry a document type "
            "declaration (DTD)",
            location.line(1, 1),
        )
    # Every element starts with a "<" of its own: with at most max_depth of them, no element
    # can be nested deeper, and the probe (a tree walk) is not needed.
    if _more_than(text, b"<", max_depth) and _depth_probe(max_depth)(root):
        raise XmlRefused(
            f"{source}: XML elements nested deeper than {max_depth} levels are refused",
            _deep_element_where(root, max_depth),
        )
    return root


def _has_doctype(root: etree._Element) -> bool:
    docinfo = root.getroottree().docinfo
    return docinfo.internalDTD is not None or docinfo.externalDTD is not None


def _more_than(text: bytes, byte: bytes, limit: int) -> bool:
    """Whether ``text`` holds ``byte`` more than ``limit`` times. ``bytes.count`` looks at every
    byte; ``replace`` jumps from one to the next: about 8 against 15 thousand instructions for
    a DUIS 6.21 request (callgrind)."""
    return len(text) - len(text.replace(byte, b"")) > limit


def _no_processing_instruction(text: bytes) -> bool:
    """True when ``text`` has no "?" after its XML declaration, so no processing instruction
    (one memchr: a search for "<?" reads the document several times slower)."""
    start = text.find(b"?>", 5, 400) + 2 if text.startswith(b"<?xml") else 0
    return text.find(b"?", start) < 0


def _scan_text(data: bytes, source: str) -> bytes:
    """The document as ASCII-compatible bytes for the DOCTYPE scan; refuse other encodings."""
    if data[:4] in _UTF32_STARTS:
        raise XmlRefused(
            f"{source}: XML encoding UTF-32 is not accepted (expected UTF-8 or UTF-16)",
            location.offset(0),
        )
    utf16 = _UTF16_STARTS.get(data[:2])
    if utf16 is not None:
        try:
            text = data.decode(utf16).encode("utf-8")
        except UnicodeDecodeError as error:
            raise XmlRefused(
                f"{source}: not well-formed XML: bytes at offset 0x{error.start:X} are not "
                f"{utf16.upper()}",
                location.offset(error.start),
            ) from None
        _check_declared(text.lstrip(b"\xef\xbb\xbf"), source, utf16=True)
        return text
    if data[:1] != b"<" and not data.startswith(b"\xef\xbb\xbf<") and not data[:1].isspace():
        raise XmlRefused(
            f"{source}: not well-formed XML: expected '<' (in UTF-8 or UTF-16) at offset 0x0, "
            f"found byte 0x{data[0]:02X}"
            if data
            else f"{source}: empty XML document",
            location.offset(0),
        )
    _check_declared(data.lstrip(b"\xef\xbb\xbf \t\r\n"), source, utf16=False)
    return data


# The accepted declarations met so far (UTF-8 side), each up to the quote that closes its
# encoding name: a document that starts with one has the same first match, so the same verdict.
_ACCEPTED_DECLARATIONS: tuple[bytes, ...] = ()
_MAX_ACCEPTED_DECLARATIONS = 16  # DUIS batches spell one or two; hostile ones add no more


def _check_declared(text: bytes, source: str, utf16: bool) -> None:
    """Refuse an XML declaration naming an encoding outside ACCEPTED_ENCODINGS."""
    global _ACCEPTED_DECLARATIONS
    if not text.startswith(b"<?xml") or (not utf16 and text.startswith(_ACCEPTED_DECLARATIONS)):
        return
    match = _DECLARED_ENCODING.match(text, 0, 400)
    if match is None:
        return
    name = match.group(1).decode("ascii", "replace").strip().lower()
    if name in ACCEPTED_ENCODINGS and name.startswith("utf-16") == utf16:
        if not utf16 and len(_ACCEPTED_DECLARATIONS) < _MAX_ACCEPTED_DECLARATIONS:
            _ACCEPTED_DECLARATIONS = (*_ACCEPTED_DECLARATIONS, text[: match.end()])
        return
    raise XmlRefused(
        f"{source}: XML encoding {match.group(1).decode('ascii', 'replace')!r} is not accepted "
        "(expected UTF-8, or UTF-16 with a matching byte order mark; DUIS is UTF-8)",
        location.line(1, match.start(1) + 1),
    )


def _doctype_reason(data: bytes, at: int) -> tuple[str, int]:
    """Say what a refused DOCTYPE tries to do, and the offset of the worst part."""
    region = data[at : at + 65536]
    entity = region.find(_ENTITY)
    if entity >= 0:
        declaration = region[entity : region.find(b">", entity) + 1 or None]
        if declaration[len(_ENTITY) :].lstrip().startswith(b"%"):
            return "parameter entity declaration (<!ENTITY %)", at + entity
        if b"SYSTEM" in declaration or b"PUBLIC" in declaration:
            return "external entity declaration (<!ENTITY ... SYSTEM)", at + entity
        return "entity declaration (<!ENTITY), a route to entity expansion", at + entity
    head = region[: min(i for i in (region.find(b"["), region.find(b">"), len(region)) if i >= 0)]
    if b"SYSTEM" in head or b"PUBLIC" in head:
        return "external DTD reference (<!DOCTYPE ... SYSTEM)", at
    return "DOCTYPE declaration", at


def _line_column(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return location.line(line, column)


def _deep_element_where(root: etree._Element, max_depth: int) -> str | None:
    found = etree.XPath("/" + "*/" * max_depth + "*")(root)
    if found and found[0].sourceline:
        return location.line(found[0].sourceline)
    return None
