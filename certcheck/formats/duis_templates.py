"""DUIS requests that differ only in their RequestID, parsed and read once.

A Supplier's batch repeats one request document many times over with another RequestID in
each (payloads.md section 1.2: ``originator:target:counter``). A document is parsed by the
hardened parser (:func:`~certcheck.formats.xmlsafe.parse_xml`) and read; what the reader took
from the tree is kept as a *template*: the document's bytes before and after the RequestID's
text, with the reading. A later document made of the same bytes around another RequestID text
is the same document but for that text, so it gives the same reading, and is not parsed again.

That holds because a template is kept only for a document in which the RequestID's text is
plain: the only element named RequestID (the word occurs exactly twice, in its start and end
tags, and the header's one RequestID element is that one), written ``<prefix:RequestID>`` with
no attribute, holding only hex digits, hyphens, colons, spaces, tabs and newlines (no markup,
no reference, no carriage return: the text in the tree is the bytes as written). A later
document is matched only when its own RequestID text is of those characters too. Those
characters cannot end the text or start markup, a reference or a declaration, so the later
document has the template's tokens, tree, encoding declaration and nesting, with only that
text changed: it is well-formed, free of any DOCTYPE and within the depth limit exactly as
the template was. A template is matched only under the limits it was parsed and read with,
by the reader's lean parse, and only for documents of at most the reader's memo size, far
under the parser's size limit.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import Any

from certcheck.audit.limits import Limits

_START = b"RequestID>"
_WORD = b"RequestID"
_PLAIN_BYTES = b"0123456789ABCDEFabcdef:- \t\n"  # what a plain RequestID text is written with
_PREFIX = re.compile(rb"<(?:[A-Za-z_][A-Za-z0-9_.\-]*:)?\Z")
MAX_TEMPLATES = 64  # a batch repeats a few documents; hostile variety cannot grow the store


@dataclass(frozen=True, slots=True)
class _Template:
    head: bytes  # the document up to the end of the RequestID start tag
    tail: bytes  # from the RequestID end tag to the document's end
    limits: tuple[int, int, int]  # the parse's and the reading's limits (:func:`_bounds`)
    reading: Any


class Templates:
    """Readings of request documents by the bytes around their RequestID text.

    Bounded: past :data:`MAX_TEMPLATES` the oldest template is forgotten.
    """

    def __init__(self) -> None:
        self.by_text: dict[tuple[bytes, bytes], _Template] = {}  # by (head, tail)
        self.order: deque[_Template] = deque()

    def clear(self) -> None:
        self.by_text.clear()
        self.order.clear()

    def find(self, data: bytes, limits: Limits) -> tuple[Any, str] | None:
        """The reading and stripped RequestID text of a request document that matches a
        template, or None."""
        span = _text_span(data)
        if span is None:
            return None
        text, end = span
        template = self.by_text.get((data[:text], data[end:]))
        if template is None or template.limits != _bounds(limits):
            return None
        request_id = data[text:end]
        if request_id.translate(None, _PLAIN_BYTES):  # a byte outside them is left
            return None
        return template.reading, request_id.decode("ascii").strip()

    def learn(self, data: bytes, request_id: str | None, reading: Any, limits: Limits) -> None:
        """Keep ``reading`` for documents like ``data``, if its one header RequestID text
        (``request_id``, as the tree holds it) is plain, written where the bytes say."""
        span = _text_span(data)
        if request_id is None or span is None or data.count(_WORD) != 2:
            return
        text, end = span
        start = text - len(_START)
        opening = data.rfind(b"<", 0, start)
        if opening < 0 or _PREFIX.match(data, opening, start) is None:
            return
        closing = b"</" + data[opening + 1 : text]
        written = data[text:end]
        if not data.startswith(closing, end) or written.translate(None, _PLAIN_BYTES):
            return
        if written != request_id.encode("ascii", "replace"):
            return
        template = _Template(data[:text], data[end:], _bounds(limits), reading)
        key = (template.head, template.tail)
        if key in self.by_text:  # read under other limits: the template stays as it was
            return
        self.by_text[key] = template
        self.order.append(template)
        if len(self.order) > MAX_TEMPLATES:
            oldest = self.order.popleft()
            self.by_text.pop((oldest.head, oldest.tail), None)


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
