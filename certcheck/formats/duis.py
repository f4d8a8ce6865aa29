"""DUIS XML reader: requests, responses and DCC alerts into :class:`Item` values.

Layout sources: ``reference/payloads.md`` sections 1 (envelope, RequestID, bodies), 2.7
(element name -> cell) and 5 (DCC alert N42); the service table lives in
:mod:`certcheck.formats.duis_services`. Elements are read by direct iteration over
namespaced tag constants; the reader never raises and never judges what it reads.
"""

from __future__ import annotations

import binascii
import contextlib
import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, NamedTuple

from lxml import etree

from certcheck.audit.limits import DEFAULT_LIMITS, Limits
from certcheck.audit.model import Cell, Item, ItemKind, Placement, Problem
from certcheck.audit.where import at
from certcheck.formats.derguard import DerRefused, guard_der
from certcheck.formats.duis_services import (
    DS_NS,
    ELEMENT_CELLS,
    RESPONSE_GBCS_CONTAINERS,
    SECURITY_CREDENTIALS_UPDATED,
    SERVICES,
    SERVICES_BY_BODY,
    SIGNED_PRE_COMMAND,
    SR_NS,
    ServiceSpec,
)
from certcheck.formats.duis_templates import TEMPLATES
from certcheck.formats.isotime import iso_utc
from certcheck.formats.xmlsafe import XmlRefused, parse_xml
from certcheck.smki.cache import CACHE_SIZE, certificate_from_der
from certcheck.smki.certificate import CertificateError, SmkiCertificate
from certcheck.smki.eui import EuiError, parse_eui64
from certcheck.smki.roles import DUIS_ROLE_CODES

_SR = "{" + SR_NS + "}"
_SR_LEN = len(_SR)
T_REQUEST = _SR + "Request"
T_RESPONSE = _SR + "Response"
T_HEADER = _SR + "Header"
T_BODY = _SR + "Body"
T_SIGNATURE = "{" + DS_NS + "}Signature"
T_CERT_PATH = _SR + "CertificationPathCertificates"
T_CERTIFICATE = _SR + "Certificate"
T_GBCS_PAYLOAD = _SR + "GBCSPayload"
T_DCC_ALERT_MESSAGE = _SR + "DCCAlertMessage"
T_DEVICE_ALERT_MESSAGE = _SR + "DeviceAlertMessage"

_MAX_COUNTER = 2**64 - 1  # RequestIDType counter range (payloads.md section 1.2)
# XSD RequestIDType: EUI:EUI:counter, EUIs as hyphenated hex octets (payloads.md section 1.2).
# Spelled out octet by octet: the same language as a repeated group, matched in about two
# thirds of the time.
_EUI = "(" + "-".join(["[0-9A-Fa-f]{2}"] * 8) + ")"
_REQUEST_ID = re.compile(_EUI + ":" + _EUI + r":([0-9]{1,20})\Z")

# Header elements that date the message itself (payloads.md 1.6: a response's ResponseDateTime;
# a request header's DateTimeStamp where a schema version has one). ExecutionDateTime is not
# one: it is when a future-dated command should run.
_SENT_ELEMENTS = ("DateTimeStamp", "ResponseDateTime")

# The header elements the reader uses, by namespaced tag (payloads.md sections 1.2, 1.6).
_HEADER_TAGS = {
    _SR + name: name
    for name in (
        "RequestID",
        "ResponseID",
        "CommandVariant",
        "ServiceReference",
        "ServiceReferenceVariant",
        "ResponseCode",
        *_SENT_ELEMENTS,
    )
}

_REQUEST_ID_NAME = _HEADER_TAGS[_SR + "RequestID"]

# Floor sequence numbers of the credential bodies (payloads.md sections 1.3, 1.5) -> details key.
_FLOORS = {
    "RemotePartyFloorSeqNumber": "remote_party_floor_seq_number",
    "RemotePartyPrepaymentTopUpFloorSeqNumber": "remote_party_prepayment_top_up_floor_seq_number",
    "SupplierFloorSeqNumber": "supplier_floor_seq_number",
    "SupplierPrepaymentTopUpFloorSeqNumber": "supplier_prepayment_top_up_floor_seq_number",
    "ACBFloorSeqNumber": "acb_floor_seq_number",
}


def decode_duis(
    data: bytes, source: str, digest: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> Item:
    """Decode DUIS XML ``data`` (named ``source``) into an Item; never raises.

    A document that cannot be read at all gives ``Item(kind=None, problems=(...))`` whose
    problem names the element path or ``line L, column C``. ``digest`` is the item's SHA-256
    when the caller has it already (otherwise it is computed over ``data``).
    """
    if digest is None:
        digest = hashlib.sha256(data).hexdigest()
    item = _decode(data, source, digest, limits, True)
    if item is None:  # the lean parse dropped whitespace-only text the reader reads
        item = _decode(data, source, digest, limits, False)
    return item


def _decode(data: bytes, source: str, digest: str, limits: Limits, lean: bool) -> Item | None:
    """:func:`decode_duis` of a parse that may drop whitespace-only text between elements
    (``lean``, see :func:`~certcheck.formats.xmlsafe.parse_xml`); None when the reader meets
    an element with children whose text it reads and that text is gone (it may have been
    whitespace), for the caller to read the document again from a parse that keeps it.

    A request made of a template's bytes around a plain RequestID text is the template's
    document but for that text: it is read from the template without being parsed again
    (:mod:`certcheck.formats.duis_templates` says why that is the same reading)."""
    memo = len(data) <= _MEMO_MAX_BYTES
    templated = memo and lean  # a template is found and kept for such a document
    if templated:
        found = TEMPLATES.find(data, limits)
        if found is not None:
            return _request_item(found[0], found[1], source, digest)
    try:
        root = parse_xml(data, source, max_depth=limits.max_xml_depth, keep_blank_text=not lean)
    except XmlRefused as refused:
        return _unreadable(source, digest, refused.message, refused.where)
    try:
        if root.tag == T_REQUEST:
            return _request(root, source, digest, limits, memo, lean, data if templated else None)
        if root.tag == T_RESPONSE:
            return _Reader(source, digest, limits, lean).response(root)
    except _BlankDropped:
        return None
    except _Unreadable as bad:  # a limit reached part-way through
        return _unreadable(source, digest, f"{source}: {bad.message}", bad.where)
    except Exception as error:  # a reader defect must not stop a batch
        problem = Problem.of_defect(error, _local(root))
        return Item(source=source, kind=None, digest=digest, problems=(problem,))
    return _unreadable(
        source,
        digest,
        f"{source}: root element {root.tag!r} is not a DUIS sr:Request or sr:Response "
        f"(namespace {SR_NS})",
        _local(root),
    )


def _unreadable(source: str, digest: str, message: str, where: str | None) -> Item:
    return Item(source=source, kind=None, digest=digest, problems=(Problem(message, where),))


def _local(element: etree._Element) -> str:
    """The local name of an element (no namespace, no prefix)."""
    return _tag_local(element.tag)


def _tag_local(tag: object) -> str:
    """The local name of an element's tag (no namespace, no prefix)."""
    if not isinstance(tag, str):
        return ""
    name = _sr_local(tag)
    return name if name is not None else tag.rpartition("}")[2]


def _children(element: etree._Element) -> dict[str, etree._Element]:
    """First child per local name (sr namespace only)."""
    found: dict[str, etree._Element] = {}
    for child in element:
        name = _sr_local(child.tag)
        if name is not None:
            found.setdefault(name, child)
    return found


_SR_LOCAL_NAMES: dict[str, str] = {}


def _sr_local(tag: object) -> str | None:
    """The local name of an sr-namespace tag, None for any other tag (or a comment)."""
    name = _SR_LOCAL_NAMES.get(tag)  # type: ignore[arg-type]
    if name is None:
        if not isinstance(tag, str) or not tag.startswith(_SR):
            return None
        name = tag[_SR_LEN:]
        if len(_SR_LOCAL_NAMES) < 1024:  # the schema's names; a hostile document adds few
            _SR_LOCAL_NAMES[tag] = name
    return name


@lru_cache(maxsize=1024)
def _path(*steps: str) -> str:
    """:func:`~certcheck.audit.where.at` for the reader's fixed element paths, built once."""
    return at(*steps)


def _written(element: etree._Element, lean: bool) -> str | None:
    """An element's text as written: in a ``lean`` tree an element with children whose text
    is None may have lost whitespace-only text, and raises _BlankDropped."""
    text = element.text
    if text is None and lean and len(element):
        raise _BlankDropped
    return text


def _text(element: etree._Element | None, lean: bool) -> str | None:
    """An element's stripped text, None without the element or its text."""
    return None if element is None else _stripped(_written(element, lean))


def _stripped(text: str | None) -> str | None:
    return text.strip() if text is not None else None


def _bool(text: str | None) -> bool | None:
    if text is None:
        return None
    return {"true": True, "1": True, "false": False, "0": False}.get(text)


def _b64(text: str | None) -> bytes:
    """Strictly decode xs:base64Binary (whitespace allowed, nothing else)."""
    if not text:
        raise ValueError("empty")
    return binascii.a2b_base64("".join(text.split()).encode("ascii"), strict_mode=True)


def clear_memos() -> None:
    """Forget every reading kept for later requests (headers, bodies, templates)."""
    _request_head.cache_clear()
    _service_outcome.cache_clear()
    TEMPLATES.clear()


# Documents up to this size have what their header and service body give memoised (by what
# the reader reads of them); larger ones are read without the memos, which then hold at most
# their entry count of such small readings.
_MEMO_MAX_BYTES = 32 * 1024


def _request(
    root: etree._Element,
    source: str,
    digest: str,
    limits: Limits,
    memo: bool,
    lean: bool,
    data: bytes | None = None,
) -> Item:
    """A DUIS request: its header and service body are read into plain values, and what those
    give is built once per distinct reading (:func:`_request_head`, :func:`_service_outcome`);
    the RequestID, which differs from request to request, and the problems' source are the
    item's own. With the document's ``data``, a request that gives a :class:`_Reading` is
    offered to the templates (:mod:`certcheck.formats.duis_templates`)."""
    header, body, signed = _envelope(root)
    if header is None:
        return _unreadable(source, digest, f"{source}: no sr:Header element", _local(root))
    request_id = None
    request_ids = 0
    pairs = []
    for child in header[:]:  # a slice: cheaper than lxml's child iterator
        name = _HEADER_TAGS.get(child.tag)
        if name is None:
            continue
        text = child.text
        if text is None and lean and len(child):
            raise _BlankDropped
        if name is _REQUEST_ID_NAME:
            request_id = text  # of repeated RequestIDs the last counts
            request_ids += 1
        else:
            pairs.append((name, text))
    head = (_request_head if memo else _request_head.__wrapped__)(
        root.get("schemaVersion"), signed, tuple(pairs)
    )
    element = body[0] if body is not None and len(body) else None
    name = None if element is None else _SR_LOCAL_NAMES.get(element.tag) or _local(element)
    if name == SIGNED_PRE_COMMAND:
        return _signed_pre_command_request(
            element, head, _stripped(request_id), source, digest, limits, lean
        )
    reading = _request_reading(head, element, name, limits, memo, lean)
    if data is not None and request_ids == 1:
        TEMPLATES.learn(data, request_id, reading, limits, root)
    return _request_item(reading, _stripped(request_id), source, digest)


class _Reading(NamedTuple):
    """What a request other than a SignedPreCommand gives its item apart from the RequestID
    and the source: problems as (message, where) without the source, in the order they are
    found, after any problem with the RequestID itself."""

    service: str | None
    sent: str | None
    details: dict[str, Any]
    problems: tuple[tuple[str, str | None], ...]
    remote_party_role: int | None
    execution_time: str | None
    placements: tuple[Placement, ...]


def _request_reading(
    head: _RequestHead,
    element: etree._Element | None,
    name: str | None,
    limits: Limits,
    memo: bool,
    lean: bool,
) -> _Reading:
    """What the request with header ``head`` and service body ``element`` (local ``name``)
    gives; raises _Unreadable past the limits, _BlankDropped as :func:`_written` does."""
    problems = list(head.problems)
    details = head.details.copy()
    if element is None:
        problems.append(("no sr:Body content", "Body"))
        outcome = _NO_OUTCOME
    else:
        details["body"] = name
        where = _path("Body", name)
        spec = SERVICES_BY_BODY.get(name)  # type: ignore[arg-type]
        declared = SERVICES.get(head.service or "")
        if declared is not None and spec is not None and declared is not spec:
            problems.append(
                (
                    f"body {name} does not belong to service {declared.variant} ({declared.body})",
                    where,
                )
            )
        if spec is None:
            spec = declared
        if spec is None:
            outcome = _NO_OUTCOME
        else:
            outcome = (_service_outcome if memo else _service_outcome.__wrapped__)(
                spec.variant, where, *_service_reads(element, spec, lean), limits.max_certificates,
                limits.max_der_depth,
            )  # fmt: skip
            problems += outcome.problems
            if outcome.details:
                details.update(outcome.details)
    return _Reading(
        head.service,
        head.sent,
        details,
        tuple(problems),
        outcome.remote_party_role,
        outcome.execution_time,
        outcome.placements,
    )


def _request_item(reading: _Reading, request_id: str | None, source: str, digest: str) -> Item:
    """The item of a request that gave ``reading``, with its (stripped) RequestID text."""
    parsed = _request_id(request_id)
    problems = []
    if isinstance(parsed, str):
        problems.append(Problem(f"{source}: {parsed}", "Header/RequestID"))
        parsed = (None, None, None)
    for message, where in reading.problems:
        problems.append(Problem(f"{source}: {message}", where))
    originator, device_id, counter = parsed
    item = _ItemSlots()  # every slot is stored, then the item takes its class: see _ItemSlots
    item.source = source
    item.kind = ItemKind.DUIS_REQUEST
    item.digest = digest
    item.service = reading.service
    item.message_code = None
    item.message_name = None
    item.originator = originator
    item.device_id = device_id
    item.counter = counter
    item.remote_party_role = reading.remote_party_role
    item.placements = reading.placements
    item.outcomes = ()
    item.signature = None
    item.execution_time = reading.execution_time
    item.request_id = request_id or None
    item.sent = reading.sent
    item.entry_id = None
    item.entry_time = None
    item.details = reading.details.copy()  # each item owns its details
    item.problems = tuple(problems)
    item.inner = None
    item.__class__ = Item
    return item  # type: ignore[return-value]


def _signed_pre_command_request(
    element: etree._Element,
    head: _RequestHead,
    request_id: str | None,
    source: str,
    digest: str,
    limits: Limits,
    lean: bool,
) -> Item:
    """A request whose body is a SignedPreCommand (CV 5), read by a :class:`_Reader`."""
    parsed = _request_id(request_id)
    reader = _Reader(source, digest, limits, lean)
    if isinstance(parsed, str):
        reader.problem(parsed, "Header/RequestID")
        parsed = (None, None, None)
    for message, where in head.problems:
        reader.problem(message, where)
    reader.details = head.details.copy()
    reader.details["body"] = SIGNED_PRE_COMMAND
    reader.fields = _request_fields(head, request_id, parsed)
    return reader.signed_pre_command(element, _path("Body", SIGNED_PRE_COMMAND))


class _ItemSlots:
    """Item's slot layout without its frozen ``__setattr__``: a request's item is stored
    slot by slot as plain attribute stores, then given its class (``__class__`` assignment
    between classes of one layout), which is what Item() builds, for about 9 kIr against
    Item.__init__'s 21 descriptor calls (20 kIr, by callgrind)."""

    __slots__ = Item.__slots__


def _envelope(root: etree._Element) -> tuple[etree._Element | None, etree._Element | None, bool]:
    """The Header and Body elements (the last of each), and whether a ds:Signature is there."""
    header = body = None
    signed = False
    for child in root[:]:  # a slice: cheaper than lxml's child iterator
        tag = child.tag
        if tag == T_HEADER:
            header = child
        elif tag == T_BODY:
            body = child
        elif tag == T_SIGNATURE:
            signed = True
    return header, body, signed


def _header_values(pairs: Iterable[tuple[str, str | None]]) -> dict[str, str | None]:
    """The header elements the reader uses, from their (local name, text) in document order:
    local name to stripped text (of repeated elements the last counts)."""
    return {name: _stripped(text) for name, text in pairs}


def _header_fields(
    values: dict[str, str | None], schema_version: str | None, signed: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The item fields and details a header gives, as requests and responses share them."""
    fields: dict[str, Any] = {}
    variant = values.get("ServiceReferenceVariant")
    if variant is not None:
        fields["service"] = variant
    request_id = values.get("RequestID")
    if request_id:
        fields["request_id"] = request_id
    stamp = values.get(_SENT_ELEMENTS[0]) or values.get(_SENT_ELEMENTS[1])
    if stamp:  # the first of them present and not empty
        with contextlib.suppress(ValueError):
            fields["sent"] = iso_utc(stamp)
    details: dict[str, Any] = {}
    if "ServiceReference" in values:
        details["service_reference"] = values["ServiceReference"]
    details["schema_version"] = schema_version
    details["signed_xml"] = signed
    return fields, details


class _RequestHead(NamedTuple):
    """What a request header gives an item apart from its RequestID: problems as
    (message, where) without the item's source."""

    service: str | None
    sent: str | None
    details: dict[str, Any]
    problems: tuple[tuple[str, str | None], ...]


@lru_cache(maxsize=256)  # a batch repeats a few headers; hostile variety cannot grow it
def _request_head(
    schema_version: str | None, signed: bool, pairs: tuple[tuple[str, str | None], ...]
) -> _RequestHead:
    """What a request header gives, from its root's schemaVersion, whether it is signed and
    the (local name, text) of the header elements the reader uses other than RequestID."""
    values = _header_values(pairs)
    fields, details = _header_fields(values, schema_version, signed)
    problems: list[tuple[str, str | None]] = []
    variant_text = values.get("CommandVariant")
    if variant_text is not None:
        try:
            details["command_variant"] = int(variant_text)
        except ValueError:
            problems.append(
                (f"CommandVariant {variant_text!r} is not a number", "Header/CommandVariant")
            )
    if "ServiceReferenceVariant" not in values:
        problems.append(("missing ServiceReferenceVariant", "Header"))
    return _RequestHead(fields.get("service"), fields.get("sent"), details, tuple(problems))


def _request_fields(
    head: _RequestHead, request_id: str | None, parsed: tuple[str | None, str | None, int | None]
) -> dict[str, Any]:
    """The item fields a request's header gives (for the reader of a SignedPreCommand)."""
    fields: dict[str, Any] = {}
    if parsed[0] is not None:
        fields["originator"], fields["device_id"], fields["counter"] = parsed
    if head.service is not None:
        fields["service"] = head.service
    if request_id:
        fields["request_id"] = request_id
    if head.sent is not None:
        fields["sent"] = head.sent
    return fields


def _request_id(text: str | None, reverse: bool = False) -> tuple[str, str, int] | str:
    """A RequestID ``originator:target:counter`` read as (originator, target, counter), or
    the problem with it (a ResponseID, ``reverse``, names the target first)."""
    if text is None:
        return "missing RequestID"
    match = _REQUEST_ID.match(text)
    if match is not None:  # the XSD RequestIDType spelling: hyphenated hex EUIs
        first, second, digits = match.groups()
        first, second, counter = first.upper(), second.upper(), int(digits)
    else:
        parts = text.split(":")
        if len(parts) != 3:
            return f"RequestID {text!r} is not originator:target:counter"
        try:
            first, second = parse_eui64(parts[0]), parse_eui64(parts[1])
            counter = int(parts[2], 10)
        except (EuiError, ValueError) as error:
            return f"RequestID {text!r} not understood: {error}"
    if not 0 <= counter <= _MAX_COUNTER:
        return f"RequestID counter {counter} is outside 0..2^64-1"
    return (second, first, counter) if reverse else (first, second, counter)


class _Reader:
    """State for decoding a response, an alert or a SignedPreCommand request: problems found so
    far and the item fields."""

    __slots__ = (
        "details",
        "digest",
        "fields",
        "lean",
        "limits",
        "placements",
        "problems",
        "source",
    )

    def __init__(
        self, source: str, digest: str, limits: Limits = DEFAULT_LIMITS, lean: bool = False
    ) -> None:
        self.source = source
        self.digest = digest
        self.limits = limits
        self.lean = lean
        self.problems: list[Problem] = []
        self.fields: dict[str, Any] = {}
        self.details: dict[str, Any] = {}
        self.placements: list[Placement] = []

    def problem(self, message: str, where: str | None) -> None:
        self.problems.append(Problem(f"{self.source}: {message}", where))

    def item(self, kind: ItemKind) -> Item:
        return Item(
            source=self.source,
            kind=kind,
            digest=self.digest,
            placements=tuple(self.placements),
            details=self.details,
            problems=tuple(self.problems),
            **self.fields,
        )

    # -- header -------------------------------------------------------------------------------

    def request_id(self, text: str | None, where: str, reverse: bool = False) -> None:
        """RequestID ``originator:target:counter`` (ResponseID reversed: target first)."""
        parsed = _request_id(text, reverse)
        if isinstance(parsed, str):
            self.problem(parsed, where)
            return
        self.fields["originator"], self.fields["device_id"], self.fields["counter"] = parsed

    def header(self, root: etree._Element) -> tuple[dict[str, str | None], etree._Element | None]:
        """Header values by local name, and the Body element; raises _Unreadable."""
        header, body, signed = _envelope(root)
        if header is None:
            raise _Unreadable("no sr:Header element", _local(root))
        lean = self.lean
        values = _header_values(
            [
                (name, _written(child, lean))
                for child in header[:]
                if (name := _HEADER_TAGS.get(child.tag))
            ]
        )
        fields, details = _header_fields(values, root.get("schemaVersion"), signed)
        self.fields.update(fields)
        self.details.update(details)
        return values, body

    # -- requests -----------------------------------------------------------------------------

    def signed_pre_command(self, element: etree._Element, where: str) -> Item:
        """A CV 5 request's SignedPreCommand: its execution time and GBCS payload."""
        self.execution_time(_text(element.find(_SR + "ExecutionDateTime"), self.lean), where)
        self.gbcs(element.find(T_GBCS_PAYLOAD), _path(where, "GBCSPayload"))
        return self.item(ItemKind.DUIS_REQUEST)

    def execution_time(self, text: str | None, where: str) -> None:
        _execution_time(self, text, where)

    # -- GBCS payloads ------------------------------------------------------------------------

    def gbcs(self, element: etree._Element | None, where: str) -> None:
        """Decode a GBCSPayload through the GBCS reader and lift its fields into this item."""
        if element is None:
            self.problem("missing GBCSPayload", where)
            return
        try:
            raw = _b64(_written(element, self.lean))
        except (ValueError, binascii.Error) as error:
            self.problem(f"GBCSPayload is not valid base64 ({error})", where)
            return
        from certcheck.formats.gbcs.reader import decode_gbcs  # never raises

        inner = decode_gbcs(raw, self.source, self.limits)
        self.fields["inner"] = inner
        for problem in inner.problems:
            self.problems.append(Problem(problem.message, at(where, problem.where), problem.defect))
        if inner.kind is None:
            return
        for name in ("message_code", "message_name", "signature"):
            value = getattr(inner, name)
            if value is not None:
                self.fields[name] = value
        if inner.outcomes:
            self.fields["outcomes"] = inner.outcomes
        for key in ("device_id", "execution_time", "remote_party_role", "sent"):
            if self.fields.get(key) is None and getattr(inner, key) is not None:
                self.fields[key] = getattr(inner, key)
        for placement in inner.placements:
            self.placements.append(
                Placement(
                    placement.certificate,
                    placement.cell,
                    at(where, placement.where),
                    placement.path,
                )
            )

    # -- responses and alerts -----------------------------------------------------------------

    def response(self, root: etree._Element) -> Item:
        try:
            fields, body = self.header(root)
        except _Unreadable as bad:
            return _unreadable(self.source, self.digest, f"{self.source}: {bad.message}", bad.where)
        request_id = fields.get("RequestID")
        response_id = fields.get("ResponseID")
        if request_id is not None:
            self.details["request_id"] = request_id
            self.request_id(request_id, "Header/RequestID")
        if response_id is not None:
            self.details["response_id"] = response_id
            if request_id is None:
                self.request_id(response_id, "Header/ResponseID", reverse=True)
        self.details["response_code"] = fields.get("ResponseCode")
        if "ResponseDateTime" in fields:
            self.details["response_date_time"] = fields["ResponseDateTime"]
        if body is None or len(body) == 0:
            return self.item(ItemKind.DUIS_RESPONSE)
        message = body[0]
        name = _local(message)
        self.details["body"] = name
        if message.tag == T_DCC_ALERT_MESSAGE:
            self.dcc_alert(message, at("Body", name))
            return self.item(ItemKind.DUIS_ALERT)
        parts = _children(message)
        variant = _text(parts.get("ServiceReferenceVariant"), self.lean)
        if variant is not None and "service" not in self.fields:
            self.fields["service"] = variant
        if message.tag == T_DEVICE_ALERT_MESSAGE:
            self.details["alert_code"] = _text(parts.get("AlertCode"), self.lean)
        for steps in RESPONSE_GBCS_CONTAINERS:
            if steps[0] != name:
                continue
            container: etree._Element | None = message
            for step in steps[1:]:
                container = container.find(_SR + step) if container is not None else None
            if container is None:
                continue
            payload = container.find(T_GBCS_PAYLOAD)
            if payload is not None:
                self.details["payload"] = "/".join(steps)
                if len(steps) > 1:
                    self.details["gbcs_container"] = steps[-1]
                self.gbcs(payload, at("Body", *steps, "GBCSPayload"))
                break
        kind = ItemKind.DUIS_ALERT if message.tag == T_DEVICE_ALERT_MESSAGE else None
        return self.item(kind or ItemKind.DUIS_RESPONSE)

    def dcc_alert(self, message: etree._Element, where: str) -> None:
        parts = _children(message)
        self.details["dcc_alert_code"] = _text(parts.get("DCCAlertCode"), self.lean)
        alert = parts.get("DCCAlert")
        if alert is None:
            return
        for body in alert:
            self.details["dcc_alert"] = _local(body)
            if _local(body) == SECURITY_CREDENTIALS_UPDATED:
                self.credentials_updated(body, at(where, "DCCAlert", SECURITY_CREDENTIALS_UPDATED))

    def credentials_updated(self, body: etree._Element, where: str) -> None:
        """N42 SecurityCredentialsUpdated: role and certificate hashes, no certificates."""
        parts = _children(body)
        device = _text(parts.get("DeviceID"), self.lean)
        if device is not None:
            try:
                self.fields["device_id"] = parse_eui64(device)
            except EuiError as error:
                self.problem(str(error), at(where, "DeviceID"))
        role_name = _text(parts.get("RemotePartyRole"), self.lean)
        if role_name is not None:
            code = DUIS_ROLE_CODES.get(role_name)
            if code is None:
                self.problem(f"unknown RemotePartyRole {role_name!r}", at(where, "RemotePartyRole"))
            else:
                self.fields["remote_party_role"] = code
        listed: list[dict[str, str | None]] = []
        for element in body.iter(_SR + "CertificateType"):
            parent = element.getparent()
            hash_element = parent.find(_SR + "CertificateHash") if parent is not None else None
            listed.append(
                {
                    "certificate_type": _text(element, self.lean),
                    "certificate_hash": _text(hash_element, self.lean),
                }
            )
        self.details["credentials_updated"] = listed


# Markers for a service body's certificate elements in _BODY_READS (other values: local names).
_REPLACED = "/replaced"
_PATH = "/path"
_DEVICE = "/device"
_SCALAR_NAMES = (
    "RemotePartyRole",
    "ExecutionDateTime",
    "ApplyTimeBasedCPVChecks",
    "ImportMPxN",
    *_FLOORS,
)


def _body_reads(spec: ServiceSpec) -> dict[str, str]:
    """The sr-namespace tags of a service body's children that the reader reads: the fixed
    scalar fields to their local names, the service's certificate elements to a marker."""
    reads = {_SR + name: name for name in _SCALAR_NAMES}
    if spec.path_certificates:
        reads[T_CERT_PATH] = _PATH
    if spec.device_certificate is not None:
        reads[_SR + spec.device_certificate] = _DEVICE
    if spec.certificates:
        reads[_SR + spec.certificates[0]] = _REPLACED
    return reads


_BODY_READS = {variant: _body_reads(spec) for variant, spec in SERVICES.items()}
# Replacement-certificate elements by namespaced tag (others are named by _tag_local).
_REPLACEMENT_NAMES = {_SR + name: name for name in ELEMENT_CELLS}

# What the reader reads of a service body (see _service_reads).
_ServiceReads = tuple[
    tuple[tuple[str, str | None], ...],
    str | None,
    tuple[tuple[str, str | None], ...] | None,
    tuple[str | None, ...] | None,
]


def _service_reads(body: etree._Element, spec: ServiceSpec, lean: bool) -> _ServiceReads:
    """Everything the reader reads of a service ``body``, as plain values:

    - the scalar fields and roles as (local name, text), in document order;
    - the device certificate's text ("" when empty), None without that element;
    - the (local name, text) of the replacement container's children, None without it;
    - the texts of the certification-path Certificate children, None without the path.

    Of repeated certificate elements the last counts, as the reader has always read them.
    Texts are read as :func:`_written` reads them in a ``lean`` tree (raising _BlankDropped).
    """
    reads = _BODY_READS[spec.variant]
    scalars: list[tuple[str, str | None]] = []
    replaced = path = device = None
    for child in body[:]:  # a slice: cheaper than lxml's child iterator
        name = reads.get(child.tag)
        if name is None:
            continue
        if name is _REPLACED:
            replaced = child
        elif name is _PATH:
            path = child
        elif name is _DEVICE:
            device = child
        else:
            text = child.text
            if text is None and lean and len(child):
                raise _BlankDropped
            scalars.append((name, text))
    if replaced is not None:
        for step in spec.certificates[1:]:
            replaced = replaced.find(_SR + step)
            if replaced is None:
                break
    placed: list[tuple[str, str | None]] | None = None
    if replaced is not None:
        placed = []
        for child in replaced[:]:
            tag = child.tag
            text = child.text
            if text is None and lean and len(child):
                raise _BlankDropped
            placed.append((_REPLACEMENT_NAMES.get(tag) or _tag_local(tag), text))
    certified: list[str | None] | None = None
    if path is not None:
        certified = []
        for child in path[:]:
            if child.tag == T_CERTIFICATE:
                text = child.text
                if text is None and lean and len(child):
                    raise _BlankDropped
                certified.append(text)
    return (
        tuple(scalars),
        None if device is None else _written(device, lean) or "",
        None if placed is None else tuple(placed),
        None if certified is None else tuple(certified),
    )


class _ServiceOutcome(NamedTuple):
    """What a service body gives an item: problems as (message, where) without the item's
    source, details in the order the reader sets them, its fields and placements."""

    problems: tuple[tuple[str, str | None], ...]
    details: dict[str, Any]
    remote_party_role: int | None
    execution_time: str | None
    placements: tuple[Placement, ...]


_NO_OUTCOME = _ServiceOutcome((), {}, None, None, ())


@lru_cache(maxsize=1024)  # a batch repeats a few bodies; hostile variety cannot grow it
def _service_outcome(
    variant: str,
    where: str,
    scalars: tuple[tuple[str, str | None], ...],
    device: str | None,
    replaced: tuple[tuple[str, str | None], ...] | None,
    path: tuple[str | None, ...] | None,
    max_certificates: int,
    max_der_depth: int,
) -> _ServiceOutcome:
    """What the service body read by :func:`_service_reads` gives, for service ``variant``
    with its body at ``where``. Raises _Unreadable past ``max_certificates`` (not cached)."""
    spec = SERVICES[variant]
    body = _ServiceBody(max_certificates, max_der_depth)
    details = body.details
    roles: list[str | None] = []
    for name, text in scalars:
        if name == "RemotePartyRole":
            roles.append(text.strip() if text is not None else None)
        elif name == "ExecutionDateTime":
            body.execution_time(_stripped(text), where)
        elif name == "ApplyTimeBasedCPVChecks":
            flag = _bool(_stripped(text))
            if flag is not None:
                details["apply_time_based_cpv_checks"] = flag
        elif name == "ImportMPxN":
            details["import_mpxn"] = _stripped(text)
        else:  # one of _FLOORS
            details[_FLOORS[name]] = _stripped(text)
    role = body.role(roles, spec, where)
    if spec.device_certificate is not None:
        if device is None:
            body.problem(f"missing {spec.device_certificate}", where)
        else:
            body.place(device, None, None, _path(where, spec.device_certificate))
    if spec.certificates:
        body.replacements(replaced, spec, role, where)
    if path is not None:
        within = _path(where, "CertificationPathCertificates")
        for index, text in enumerate(path):
            body.place(text or "", None, None, _path(within, f"Certificate[{index}]"), True)
    fields = body.fields
    return _ServiceOutcome(
        tuple(body.problems),
        details,
        fields.get("remote_party_role"),
        fields.get("execution_time"),
        tuple(body.placements),
    )


class _ServiceBody:
    """The state :func:`_service_outcome` builds: problems without a source, and the rest."""

    __slots__ = (
        "certificates_seen",
        "details",
        "fields",
        "max_certificates",
        "max_der_depth",
        "placements",
        "problems",
    )

    def __init__(self, max_certificates: int, max_der_depth: int) -> None:
        self.max_certificates = max_certificates
        self.max_der_depth = max_der_depth
        self.certificates_seen = 0
        self.problems: list[tuple[str, str | None]] = []
        self.details: dict[str, Any] = {}
        self.fields: dict[str, Any] = {}
        self.placements: list[Placement] = []

    def problem(self, message: str, where: str | None) -> None:
        self.problems.append((message, where))

    def execution_time(self, text: str | None, where: str) -> None:
        _execution_time(self, text, where)

    def role(self, names: list[str | None], spec: ServiceSpec, where: str) -> int | None:
        if len(names) == 1 and spec.fixed_role is None:  # the usual single RemotePartyRole
            role = DUIS_ROLE_CODES.get(names[0] or "")
            if role is not None:
                self.fields["remote_party_role"] = role
                return role
        codes: list[int] = []
        for name in names:
            code = DUIS_ROLE_CODES.get(name or "")
            if code is None:
                self.problem(f"unknown RemotePartyRole {name!r}", at(where, "RemotePartyRole"))
            else:
                codes.append(code)
        if spec.fixed_role is not None:
            role: int | None = int(spec.fixed_role)
        elif len(codes) == 1:
            role = codes[0]
        else:
            role = None
        if len(codes) > 1:
            self.details["remote_party_roles"] = codes
        if role is not None:
            self.fields["remote_party_role"] = role
        return role

    def replacements(
        self,
        replaced: tuple[tuple[str, str | None], ...] | None,
        spec: ServiceSpec,
        role: int | None,
        where: str,
    ) -> None:
        steps = spec.certificates
        path = _path(where, *steps)
        if replaced is None:
            self.problem(f"no {'/'.join(steps)} element", where)
            return
        for name, text in replaced:
            usage = ELEMENT_CELLS.get(name)
            if usage is None:
                self.problem(f"unexpected element {name!r}; not read", at(path, name))
                continue
            self.place(text or "", role, usage, _path(path, name))

    def place(
        self,
        text: str,
        role: int | None,
        usage: tuple[str, str] | None,
        where: str,
        path: bool = False,
    ) -> None:
        """Place the certificate in base64 ``text`` (into the cell of ``role`` and ``usage``,
        when both are known); a certificate that cannot be read is a problem at ``where``."""
        self.certificates_seen += 1
        if self.certificates_seen > self.max_certificates:
            raise _Unreadable(
                f"more than {self.max_certificates} certificates in one item exceeds "
                f"max_certificates={self.max_certificates}",
                where,
            )
        try:
            placement = _placement(text, role, usage, where, path, self.max_der_depth)
        except DerRefused as error:
            self.problem(
                f"not an X.509 certificate: {error.message} "
                f"(offset 0x{error.offset:X} of the certificate)",
                where,
            )
            return
        except CertificateError as error:
            self.problem(f"not an X.509 certificate: {error}", where)
            return
        except ValueError as error:  # binascii.Error is a ValueError
            self.problem(f"certificate is not valid base64 ({error})", where)
            return
        self.placements.append(placement)


def _execution_time(state: _Reader | _ServiceBody, text: str | None, where: str) -> None:
    """Set ``execution_time`` from an ExecutionDateTime's ``text``, or note why not."""
    if text is None:
        return
    try:
        state.fields["execution_time"] = iso_utc(text)
    except ValueError:
        state.problem(
            f"ExecutionDateTime {text!r} is not an xs:dateTime", at(where, "ExecutionDateTime")
        )


class _BlankDropped(Exception):
    """A lean tree lost whitespace-only text that the reader reads (see :func:`_decode`)."""


class _Unreadable(Exception):
    def __init__(self, message: str, where: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where


@lru_cache(maxsize=CACHE_SIZE)
def _certificate_from_text(
    text: str, max_der_depth: int = DEFAULT_LIMITS.max_der_depth
) -> SmkiCertificate:
    """Certificate from an element's base64 text, cached by the text itself.

    The same organisation certificates recur across a batch, so this skips base64 decoding
    as well as DER decoding. Raises DerRefused (nesting or lengths, before any ASN.1
    decoding), ValueError (bad base64) or CertificateError.
    """
    der = _b64(text)
    guard_der(der, max_der_depth)
    return certificate_from_der(der)


@lru_cache(maxsize=4 * CACHE_SIZE)
def _placement(
    text: str,
    role: int | None,
    usage: tuple[str, str] | None,
    where: str,
    path: bool,
    max_der_depth: int = DEFAULT_LIMITS.max_der_depth,
) -> Placement:
    """The placement of the certificate in an element's base64 ``text`` at ``where``.

    A batch places the same certificates into the same cells at the same element paths over
    and over; each distinct placement is built once and shared (placements are immutable).
    The cell is that of ``role`` and ``usage`` when both are known, else None. Raises as
    :func:`_certificate_from_text` does (failures are not cached).
    """
    certificate = _certificate_from_text(text, max_der_depth)
    cell = _cell(role, usage) if role is not None and usage is not None else None
    return Placement(certificate, cell, where, path)


@lru_cache(maxsize=64)
def _cell(role: int, usage: tuple[str, str]) -> Cell:
    """The (shared, immutable) cell for a role and an element's key and cell usage."""
    return Cell(role, usage[0], usage[1])
