"""DUIS requests that differ only in their RequestID and signature values, parsed and read once.

A Supplier's batch repeats one request document many times over with another RequestID in
each (payloads.md section 1.2: ``originator:target:counter``) and, when the requests are
signed, another digest and signature value in each one's ``ds:Signature`` (payloads.md
section 1.1: enveloped, after ``sr:Body``). A document is parsed by the hardened parser
(:func:`~certcheck.formats.xmlsafe.parse_xml`) and read; what the reader took from the tree is
kept as a *template*: the document's bytes around those texts, with the reading. A later
document made of the same bytes around other such texts is the same document but for them,
so it gives the same reading, and is not parsed again.

That holds because a template is kept only for a document in which those texts are plain:
- the RequestID's: the only element named RequestID (the word occurs exactly twice, in its
  start and end tags, and the header's one RequestID element is that one), written
  ``<prefix:RequestID>`` with no attribute, holding only hex digits, hyphens, colons, spaces,
  tabs and newlines (no markup, no reference, no carriage return: the text in the tree is
  the bytes as written);
- each text after a ``<prefix:DigestValue>`` or ``<prefix:SignatureValue>`` tag that follows
  the RequestID: base64 and white space, with the ``&#13;`` line ends that XML signature
  tools write, in a document with no CDATA section whose every element of those names lies
  in the ``ds:Signature`` that is the root's last child. The reader notes only that the
  signature is there, so those texts (or, for a tag inside a comment, the comment's text)
  are never read.
A later document is matched only when its own texts are of those characters too. They cannot
end the text or start markup, a declaration or any reference but a character's, so the later
document has the template's tokens, tree, encoding declaration and nesting, with only those
texts changed: it is well-formed, free of any DOCTYPE and within the depth limit exactly as
the template was. A template is matched only under the limits it was parsed and read with,
by the reader's lean parse, and only for documents of at most the reader's memo size, far
under the parser's size limit.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import Any

from lxml import etree

from certcheck.audit.limits import Limits
from certcheck.formats.duis_services import DS_NS

_START = b"RequestID>"
_WORD = b"RequestID"
_PLAIN_BYTES = b"0123456789ABCDEFabcdef:- \t\n"  # what a plain RequestID text is written with
_PREFIX = re.compile(rb"<(?:[A-Za-z_][A-Za-z0-9_.\-]*:)?\Z")
# A signature value's start tag (found from the "Value>" that ends it).
_VALUE_TAG = re.compile(rb"<(?:[A-Za-z_][A-Za-z0-9_.\-]*:)?(?:Digest|Signature)Value>")
_VALUE_HINT = b"Value>"
# A signature ends the document (the root's last child), so its end tag is looked for only in
# the document's last bytes: an unsigned request is not searched through for value tags.
_SIGNATURE_END = b"Signature>"
_SIGNATURE_TAIL = 256
# What a plain signature value is written with: base64, white space and the character
# references for a carriage return that XML signature tools put at line ends.
_BASE64_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\n\r"
_CARRIAGE_RETURNS = (b"&#13;", b"&#xD;", b"&#xd;")
_VALUE_ELEMENTS = ("{*}DigestValue", "{*}SignatureValue")
_SIGNATURE = "{" + DS_NS + "}Signature"
MAX_TEMPLATES = 64  # a batch repeats a few documents; hostile variety cannot grow the store


@dataclass(frozen=True, slots=True)
class _Template:
    # the document's bytes around its RequestID text and signature values: up to the end of
    # the RequestID start tag, then between those texts, then to the document's end
    segments: tuple[bytes, ...]
    limits: tuple[int, int, int]  # the parse's and the reading's limits (:func:`_bounds`)
    reading: Any


class Templates:
    """Readings of request documents by the bytes around their RequestID text and signature
    values.

    Bounded: past :data:`MAX_TEMPLATES` the oldest template is forgotten.
    """

    def __init__(self) -> None:
        self.by_shape: dict[tuple[bytes, tuple[int, ...]], list[_Template]] = {}  # _shape
        self.order: deque[_Template] = deque()

    def clear(self) -> None:
        self.by_shape.clear()
        self.order.clear()

    def find(self, data: bytes, limits: Limits) -> tuple[Any, str] | None:
        """The reading and stripped RequestID text of a request document that matches a
        template, or None."""
        parts = _parts(data)
        if parts is None:
            return None
        segments, texts = parts
        for template in self.by_shape.get(_shape(segments), ()):
            if template.segments == segments:
                break
        else:
            return None
        if template.limits != _bounds(limits) or not _plain(texts):
            return None
        return template.reading, texts[0].decode("ascii").strip()

    def learn(
        self,
        data: bytes,
        request_id: str | None,
        reading: Any,
        limits: Limits,
        root: etree._Element,
    ) -> None:
        """Keep ``reading`` for documents like ``data`` (whose tree is ``root``), if its one
        header RequestID text (``request_id``, as the tree holds it) is plain, written where
        the bytes say, and its signature values are plain and unread."""
        parts = _parts(data)
        if request_id is None or parts is None or data.count(_WORD) != 2:
            return
        segments, texts = parts
        head = segments[0]
        opening = head.rfind(b"<")
        if opening < 0 or _PREFIX.match(head, opening, len(head) - len(_START)) is None:
            return
        closing = b"</" + head[opening + 1 :]
        if not segments[1].startswith(closing) or not _plain(texts):
            return
        if texts[0] != request_id.encode("ascii", "replace"):
            return
        if len(texts) > 1 and not _values_unread(data, root):
            return
        kept = self.by_shape.setdefault(_shape(segments), [])
        if any(template.segments == segments for template in kept):
            return  # read under other limits: the template stays as it was
        template = _Template(segments, _bounds(limits), reading)
        kept.append(template)
        self.order.append(template)
        if len(self.order) > MAX_TEMPLATES:
            self._forget(self.order.popleft())

    def _forget(self, oldest: _Template) -> None:
        key = _shape(oldest.segments)
        left = [template for template in self.by_shape[key] if template is not oldest]
        if left:
            self.by_shape[key] = left
        else:
            del self.by_shape[key]


def _shape(segments: tuple[bytes, ...]) -> tuple[bytes, tuple[int, ...]]:
    """Where a template is kept: by its first segment and the lengths of all (its bytes are
    then compared, which stops at the first that differs). Hashing a 6.21 request's whole
    2.5 to 3.5 KB instead cost it about 10 thousand instructions, by callgrind."""
    return segments[0], tuple(map(len, segments))


def _parts(data: bytes) -> tuple[tuple[bytes, ...], list[bytes]] | None:
    """The bytes around the RequestID text and the signature values after it, and those
    texts; None without a RequestID text (or with a value tag left open)."""
    span = _text_span(data)
    if span is None:
        return None
    text, end = span
    signed = data.find(_SIGNATURE_END, max(len(data) - _SIGNATURE_TAIL, end)) >= 0
    hint = data.find(_VALUE_HINT, end) if signed else -1
    if hint < 0:  # unsigned: the one text
        return (data[:text], data[end:]), [data[text:end]]
    segments, texts = [data[:text]], [data[text:end]]
    # a signed request: its value tags, from the last "<" before the first
    for tag in _VALUE_TAG.finditer(data, data.rfind(b"<", end, hint)):
        value = tag.end()
        segments.append(data[end:value])
        end = data.find(b"<", value)
        if end < 0:
            return None
        texts.append(data[value:end])
    segments.append(data[end:])
    return tuple(segments), texts


def _plain(texts: list[bytes]) -> bool:
    """Whether a document's texts left out of its template are plain: the RequestID's of
    :data:`_PLAIN_BYTES`, each signature value's by :func:`_plain_value`."""
    if texts[0].translate(None, _PLAIN_BYTES):  # a byte outside them is left
        return False
    return len(texts) == 1 or all(map(_plain_value, texts[1:]))


def _plain_value(text: bytes) -> bool:
    """Whether a signature value's text holds only base64, white space and carriage-return
    references."""
    if b"&" in text:
        for reference in _CARRIAGE_RETURNS:
            text = text.replace(reference, b"")
    return not text.translate(None, _BASE64_BYTES)


def _values_unread(data: bytes, root: etree._Element) -> bool:
    """Whether the value tags :func:`_parts` finds open elements the reader never reads (or
    sit in comments): the document has no CDATA section (whose text could hold such a tag)
    and every element named DigestValue or SignatureValue is in the root's last child, its
    ds:Signature, which the reader only notes is there."""
    if b"<![CDATA[" in data or not len(root):
        return False
    signature = root[-1]
    if signature.tag != _SIGNATURE:
        return False
    inside = sum(1 for _ in signature.iter(*_VALUE_ELEMENTS))
    return inside == sum(1 for _ in root.iter(*_VALUE_ELEMENTS))


def _text_span(data: bytes) -> tuple[int, int] | None:
    """Where the text after the first RequestID start tag begins and ends (at the next
    "<"); None without such a tag or with no text (the tree holds None, not "", which the
    reader tells apart)."""
    start = data.find(_START)
    if start < 0:
        return None
    text = start + len(_START)
    end = data.find(b"<", text)
    return (text, end) if end > text else None


def _bounds(limits: Limits) -> tuple[int, int, int]:
    """The limits a template depends on: XML depth (the parse), certificates per item and
    DER depth (the reading)."""
    return limits.max_xml_depth, limits.max_certificates, limits.max_der_depth


TEMPLATES = Templates()
