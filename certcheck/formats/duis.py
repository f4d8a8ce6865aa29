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
from functools import lru_cache
from typing import Any

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
_EUI = r"([0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7})"
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
    try:
        root = parse_xml(data, source, max_depth=limits.max_xml_depth)
    except XmlRefused as refused:
        return _unreadable(source, digest, refused.message, refused.where)
    try:
        if root.tag == T_REQUEST:
            return _Reader(source, digest, limits).request(root)
        if root.tag == T_RESPONSE:
            return _Reader(source, digest, limits).response(root)
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
    tag = element.tag
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


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip()


def _bool(text: str | None) -> bool | None:
    if text is None:
        return None
    return {"true": True, "1": True, "false": False, "0": False}.get(text)


def _b64(text: str | None) -> bytes:
    """Strictly decode xs:base64Binary (whitespace allowed, nothing else)."""
    if not text:
        raise ValueError("empty")
    return binascii.a2b_base64("".join(text.split()).encode("ascii"), strict_mode=True)


class _Reader:
    """State for decoding one document: problems found so far and the item fields."""

    __slots__ = (
        "certificates_seen",
        "details",
        "digest",
        "fields",
        "limits",
        "placements",
        "problems",
        "source",
    )

    def __init__(self, source: str, digest: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.source = source
        self.digest = digest
        self.limits = limits
        self.certificates_seen = 0
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
        if text is None:
            self.problem("missing RequestID", where)
            return
        match = _REQUEST_ID.match(text)
        if match is not None:  # the XSD RequestIDType spelling: hyphenated hex EUIs
            first, second, digits = match.groups()
            first, second, counter = first.upper(), second.upper(), int(digits)
        else:
            parts = text.split(":")
            if len(parts) != 3:
                self.problem(f"RequestID {text!r} is not originator:target:counter", where)
                return
            try:
                first, second = parse_eui64(parts[0]), parse_eui64(parts[1])
                counter = int(parts[2], 10)
            except (EuiError, ValueError) as error:
                self.problem(f"RequestID {text!r} not understood: {error}", where)
                return
        if not 0 <= counter <= _MAX_COUNTER:
            self.problem(f"RequestID counter {counter} is outside 0..2^64-1", where)
            return
        originator, target = (second, first) if reverse else (first, second)
        self.fields["originator"] = originator
        self.fields["device_id"] = target
        self.fields["counter"] = counter

    def header(self, root: etree._Element) -> tuple[dict[str, str | None], etree._Element | None]:
        """Header values by local name, and the Body element; raises _Unreadable."""
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
        if header is None:
            raise _Unreadable("no sr:Header element", _local(root))
        values: dict[str, str | None] = {}
        for child in header[:]:
            name = _HEADER_TAGS.get(child.tag)
            if name is not None:
                text = child.text
                values[name] = text.strip() if text is not None else None
        fields = self.fields
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
        details = self.details
        if "ServiceReference" in values:
            details["service_reference"] = values["ServiceReference"]
        details["schema_version"] = root.get("schemaVersion")
        details["signed_xml"] = signed
        return values, body

    # -- requests -----------------------------------------------------------------------------

    def request(self, root: etree._Element) -> Item:
        try:
            values, body = self.header(root)
        except _Unreadable as bad:
            return _unreadable(self.source, self.digest, f"{self.source}: {bad.message}", bad.where)
        self.request_id(values.get("RequestID"), "Header/RequestID")
        variant_text = values.get("CommandVariant")
        if variant_text is not None:
            try:
                self.details["command_variant"] = int(variant_text)
            except ValueError:
                self.problem(
                    f"CommandVariant {variant_text!r} is not a number", "Header/CommandVariant"
                )
        if "ServiceReferenceVariant" not in values:
            self.problem("missing ServiceReferenceVariant", "Header")
        if body is None or len(body) == 0:
            self.problem("no sr:Body content", "Body")
            return self.item(ItemKind.DUIS_REQUEST)
        element = body[0]
        name = _SR_LOCAL_NAMES.get(element.tag) or _local(element)
        self.details["body"] = name
        where = _path("Body", name)
        if name == SIGNED_PRE_COMMAND:
            self.execution_time(_text(element.find(_SR + "ExecutionDateTime")), where)
            self.gbcs(element.find(T_GBCS_PAYLOAD), _path(where, "GBCSPayload"))
            return self.item(ItemKind.DUIS_REQUEST)
        spec = SERVICES_BY_BODY.get(name)
        declared = SERVICES.get(self.fields.get("service") or "")
        if declared is not None and spec is not None and declared is not spec:
            self.problem(
                f"body {name} does not belong to service {declared.variant} ({declared.body})",
                where,
            )
        if spec is None:
            spec = declared
        if spec is not None:
            self.service_body(element, spec, where)
        return self.item(ItemKind.DUIS_REQUEST)

    def execution_time(self, text: str | None, where: str) -> None:
        if text is None:
            return
        try:
            self.fields["execution_time"] = iso_utc(text)
        except ValueError:
            self.problem(
                f"ExecutionDateTime {text!r} is not an xs:dateTime", at(where, "ExecutionDateTime")
            )

    def service_body(self, body: etree._Element, spec: ServiceSpec, where: str) -> None:
        """One pass over a service body: its scalar fields, roles and certificate elements."""
        details = self.details
        roles: list[str | None] = []
        container = device = path = None
        first_step = spec.certificates[0] if spec.certificates else None
        names = _BODY_NAMES[spec.variant]
        for child in body[:]:
            name = names.get(child.tag)
            if name is None:
                continue
            if name == "RemotePartyRole":
                text = child.text
                roles.append(text.strip() if text is not None else None)
            elif name == first_step:
                container = child
            elif name == "CertificationPathCertificates":
                path = child
            elif name == spec.device_certificate:
                device = child
            elif name == "ExecutionDateTime":
                self.execution_time(_text(child), where)
            elif name == "ApplyTimeBasedCPVChecks":
                flag = _bool(_text(child))
                if flag is not None:
                    details["apply_time_based_cpv_checks"] = flag
            elif name == "ImportMPxN":
                details["import_mpxn"] = _text(child)
            else:  # one of _FLOORS
                details[_FLOORS[name]] = _text(child)
        role = self.role(roles, spec, where)
        if spec.device_certificate is not None:
            if device is None:
                self.problem(f"missing {spec.device_certificate}", where)
            else:
                self.place(device, None, None, _path(where, spec.device_certificate))
        if first_step is not None:
            self.replacements(container, spec, role, where)
        if path is not None and spec.path_certificates:
            index = 0
            within = _path(where, "CertificationPathCertificates")
            for child in path[:]:
                if child.tag == T_CERTIFICATE:
                    self.place(child, None, None, _path(within, f"Certificate[{index}]"), True)
                    index += 1

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
        self, container: etree._Element | None, spec: ServiceSpec, role: int | None, where: str
    ) -> None:
        steps = spec.certificates
        for step in steps[1:]:
            if container is None:
                break
            container = container.find(_SR + step)
        path = _path(where, *steps)
        if container is None:
            self.problem(f"no {'/'.join(steps)} element", where)
            return
        for child in container[:]:
            name = _REPLACEMENT_NAMES.get(child.tag) or _local(child)
            usage = ELEMENT_CELLS.get(name)
            if usage is None:
                self.problem(f"unexpected element {name!r}; not read", at(path, name))
                continue
            self.place(child, role, usage, _path(path, name))

    def place(
        self,
        element: etree._Element,
        role: int | None,
        usage: tuple[str, str] | None,
        where: str,
        path: bool = False,
    ) -> None:
        """Place the certificate in ``element`` (into the cell of ``role`` and ``usage``, when
        both are known); a certificate that cannot be read is a problem at ``where``."""
        limits = self.limits
        self.certificates_seen += 1
        if self.certificates_seen > limits.max_certificates:
            raise _Unreadable(
                f"more than {limits.max_certificates} certificates in one item exceeds "
                f"max_certificates={limits.max_certificates}",
                where,
            )
        try:
            placement = _placement(
                element.text or "", role, usage, where, path, limits.max_der_depth
            )
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

    # -- GBCS payloads ------------------------------------------------------------------------

    def gbcs(self, element: etree._Element | None, where: str) -> None:
        """Decode a GBCSPayload through the GBCS reader and lift its fields into this item."""
        if element is None:
            self.problem("missing GBCSPayload", where)
            return
        try:
            raw = _b64(element.text)
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
        variant = _text(parts.get("ServiceReferenceVariant"))
        if variant is not None and "service" not in self.fields:
            self.fields["service"] = variant
        if message.tag == T_DEVICE_ALERT_MESSAGE:
            self.details["alert_code"] = _text(parts.get("AlertCode"))
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
        self.details["dcc_alert_code"] = _text(parts.get("DCCAlertCode"))
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
        device = _text(parts.get("DeviceID"))
        if device is not None:
            try:
                self.fields["device_id"] = parse_eui64(device)
            except EuiError as error:
                self.problem(str(error), at(where, "DeviceID"))
        role_name = _text(parts.get("RemotePartyRole"))
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
                {"certificate_type": _text(element), "certificate_hash": _text(hash_element)}
            )
        self.details["credentials_updated"] = listed


def _body_names(spec: ServiceSpec) -> dict[str, str]:
    """The sr-namespace tags of a service body's children that the reader reads, to their
    local names: the service's certificate elements and the fixed scalar fields."""
    names = [
        "RemotePartyRole",
        "CertificationPathCertificates",
        "ExecutionDateTime",
        "ApplyTimeBasedCPVChecks",
        "ImportMPxN",
        *_FLOORS,
    ]
    if spec.certificates:
        names.append(spec.certificates[0])
    if spec.device_certificate is not None:
        names.append(spec.device_certificate)
    return {_SR + name: name for name in names}


_BODY_NAMES = {variant: _body_names(spec) for variant, spec in SERVICES.items()}
# Replacement-certificate elements by namespaced tag (others are named by _local).
_REPLACEMENT_NAMES = {_SR + name: name for name in ELEMENT_CELLS}


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
