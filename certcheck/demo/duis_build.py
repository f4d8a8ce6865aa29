"""Build DUIS request XML that places certificates (6.15.1, 6.21, 6.23, 8.5), and responses.

The envelope follows DUIS Schema V5.4 as described in ``reference/payloads.md`` section 1
(``sr:Request``, ``schemaVersion`` 5.4, Header RequestID / CommandVariant / ServiceReference /
ServiceReferenceVariant, one body element, optional enveloped ``ds:Signature``); body shapes
come from :mod:`certcheck.formats.duis_services`. Text is assembled directly (the values are
EUIs, numbers, enumerations and base64, checked here), which keeps building a large batch cheap.
The optional signature is a placeholder block with the shape of a real one; it verifies nothing.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from certcheck.formats.duis_services import (
    DS_NS,
    ELEMENT_ORDER,
    SCHEMA_VERSION,
    SERVICES,
    SR_NS,
)
from certcheck.smki.eui import parse_eui64
from certcheck.smki.roles import DUIS_ROLE_CODES

# Command variant each service is normally sent with (payloads.md section 1.4 and 1.5;
# templates-HEAD: 6.15.1 CV 4 "transform", 6.21 / 6.23 / 8.5 CV 1 non-critical).
DEFAULT_COMMAND_VARIANT: dict[str, int] = {"6.15.1": 4, "6.21": 1, "6.23": 1, "8.5": 1}
BUILDABLE = tuple(DEFAULT_COMMAND_VARIANT)

_MPXN = re.compile(r"^[0-9]{6,15}$")
_PLACEHOLDER = base64.b64encode(b"placeholder").decode()
# The signer a signature names by default (issuer and serial, as in the DCC's DUIS templates'
# KeyInfo: payloads.md section 1.1).
SIGNER_ISSUER = "CN=Z1, OU=07"
SIGNER_SERIAL = 1234567890


def build_duis_request(
    service: str,
    originator: str,
    device: str,
    counter: int,
    role: str | None,
    certificates: Mapping[str, bytes],
    path_certificates: Sequence[bytes] = (),
    execution_time: datetime | None = None,
    *,
    command_variant: int | None = None,
    import_mpxn: str | None = None,
    floor_seq_number: int = 0,
    apply_time_based_cpv_checks: bool = True,
    signature: bool = False,
    signer_issuer: str = SIGNER_ISSUER,
    signer_serial: int = SIGNER_SERIAL,
) -> bytes:
    """DUIS request XML (UTF-8 bytes) for ``service`` placing ``certificates``.

    ``originator`` and ``device`` are EUI-64s in any spelling; ``role`` is a DUIS
    RemotePartyRole name (``"NetworkOperator"``, ``"Supplier"``, ...), required for 6.15.1 and
    6.21 and ignored for 6.23 (Supplier) and 8.5 (ACB). ``certificates`` maps a replacement
    element name (``DigitalSigningCertificate``, ``KeyAgreementCertificate``,
    ``KeyAgreementTopUpCertificate``) to DER; they are written in schema order.
    ``path_certificates`` are the certification-path (issuing CA) certificates. 6.23 needs
    ``import_mpxn``; 8.5 needs ``execution_time``. ``signature`` adds a placeholder
    ``ds:Signature``. Raises ValueError on arguments the schema would not accept.
    """
    spec = SERVICES.get(service)
    if service not in BUILDABLE or spec is None:
        raise ValueError(f"cannot build service {service!r}; buildable: {', '.join(BUILDABLE)}")
    unknown = set(certificates) - set(ELEMENT_ORDER)
    if unknown:
        raise ValueError(f"unknown replacement elements {sorted(unknown)}; use {ELEMENT_ORDER}")
    if not certificates:
        raise ValueError("at least one replacement certificate is needed")
    if not 0 <= counter < 2**64:
        raise ValueError(f"counter {counter} is outside 0..2^64-1")
    request_id = f"{parse_eui64(originator)}:{parse_eui64(device)}:{counter}"
    variant = DEFAULT_COMMAND_VARIANT[service] if command_variant is None else command_variant
    reference = ".".join(service.split(".")[:2])

    lines: list[str] = []
    indent = "      "
    if execution_time is not None:
        lines.append(f"{indent}<sr:ExecutionDateTime>{_xs_datetime(execution_time)}"
                     "</sr:ExecutionDateTime>")
    elif service == "8.5":
        raise ValueError("8.5 ServiceOptOut needs an execution time")
    top_up = "KeyAgreementTopUpCertificate" in certificates
    if service in ("6.15.1", "6.21"):
        if role not in DUIS_ROLE_CODES:
            raise ValueError(f"RemotePartyRole {role!r} is not one of {sorted(DUIS_ROLE_CODES)}")
        lines.append(f"{indent}<sr:RemotePartyRole>{role}</sr:RemotePartyRole>")
        lines.append(_element(indent, "RemotePartyFloorSeqNumber", floor_seq_number))
        if top_up:
            lines.append(
                _element(indent, "RemotePartyPrepaymentTopUpFloorSeqNumber", floor_seq_number)
            )
    elif service == "6.23":
        lines.append(_element(indent, "SupplierFloorSeqNumber", floor_seq_number))
        if top_up:
            name = "SupplierPrepaymentTopUpFloorSeqNumber"
            lines.append(_element(indent, name, floor_seq_number))
    else:
        lines.append(_element(indent, "ACBFloorSeqNumber", floor_seq_number))
    lines.extend(_replacements(indent, spec.certificates, certificates))
    if path_certificates:
        lines.append(f"{indent}<sr:CertificationPathCertificates>")
        for der in path_certificates:
            lines.append(f"{indent}  <sr:Certificate>{_b64(der)}</sr:Certificate>")
        lines.append(f"{indent}</sr:CertificationPathCertificates>")
    flag = "true" if apply_time_based_cpv_checks else "false"
    lines.append(f"{indent}<sr:ApplyTimeBasedCPVChecks>{flag}</sr:ApplyTimeBasedCPVChecks>")
    if service == "6.23":
        if import_mpxn is None or not _MPXN.match(import_mpxn):
            raise ValueError(f"6.23 needs an ImportMPxN of 6 to 15 digits, not {import_mpxn!r}")
        lines.append(f"{indent}<sr:ImportMPxN>{import_mpxn}</sr:ImportMPxN>")

    body = "\n".join(lines)
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sr:Request xmlns:ds="{DS_NS}" xmlns:sr="{SR_NS}" '
        f'schemaVersion="{SCHEMA_VERSION}">\n'
        "  <sr:Header>\n"
        f"    <sr:RequestID>{request_id}</sr:RequestID>\n"
        f"    <sr:CommandVariant>{int(variant)}</sr:CommandVariant>\n"
        f"    <sr:ServiceReference>{reference}</sr:ServiceReference>\n"
        f"    <sr:ServiceReferenceVariant>{service}</sr:ServiceReferenceVariant>\n"
        "  </sr:Header>\n"
        "  <sr:Body>\n"
        f"    <sr:{spec.body}>\n{body}\n    </sr:{spec.body}>\n"
        "  </sr:Body>\n"
        f"{signature_element(signer_issuer, signer_serial) if signature else ''}"
        "</sr:Request>\n"
    )
    return text.encode("utf-8")


def build_duis_response(
    service: str,
    request_id: str,
    response_time: datetime,
    gbcs: bytes,
    response_code: str = "I0",
) -> bytes:
    """A DUIS ``sr:Response`` carrying a device's GBCS response (payloads.md section 1.6).

    ``request_id`` is the request's ``originator:device:counter``; the ResponseID reverses the
    two EUIs. ``service`` is the variant, e.g. ``"6.24.1"`` (Read Security Credentials).
    """
    originator, device, counter = request_id.split(":")
    reference = ".".join(service.split(".")[:2])
    payload = base64.b64encode(gbcs).decode("ascii")
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sr:Response xmlns:sr="{SR_NS}" schemaVersion="{SCHEMA_VERSION}">\n'
        "  <sr:Header>\n"
        f"    <sr:RequestID>{escape(request_id)}</sr:RequestID>\n"
        f"    <sr:ResponseID>{escape(f'{device}:{originator}:{counter}')}</sr:ResponseID>\n"
        f"    <sr:ResponseCode>{escape(response_code)}</sr:ResponseCode>\n"
        f"    <sr:ResponseDateTime>{_xs_datetime(response_time)}</sr:ResponseDateTime>\n"
        "  </sr:Header>\n"
        "  <sr:Body>\n"
        "    <sr:ResponseMessage>\n"
        f"      <sr:ServiceReference>{escape(reference)}</sr:ServiceReference>\n"
        f"      <sr:ServiceReferenceVariant>{escape(service)}</sr:ServiceReferenceVariant>\n"
        f"      <sr:GBCSPayload>{payload}</sr:GBCSPayload>\n"
        "    </sr:ResponseMessage>\n"
        "  </sr:Body>\n"
        "</sr:Response>\n"
    )
    return text.encode("utf-8")


def _element(indent: str, name: str, value: int) -> str:
    if not 0 <= int(value) <= 9223372036854775807:
        raise ValueError(f"{name} {value} is out of range")
    return f"{indent}<sr:{name}>{int(value)}</sr:{name}>"


def _replacements(
    indent: str, steps: tuple[str, ...], certificates: Mapping[str, bytes]
) -> list[str]:
    lines = [f"{indent}{'  ' * depth}<sr:{step}>" for depth, step in enumerate(steps)]
    inner = indent + "  " * len(steps)
    for name in ELEMENT_ORDER:
        if name in certificates:
            lines.append(f"{inner}<sr:{name}>{_b64(certificates[name])}</sr:{name}>")
    lines.extend(
        f"{indent}{'  ' * depth}</sr:{step}>" for depth, step in reversed(list(enumerate(steps)))
    )
    return lines


def _b64(der: bytes) -> str:
    return base64.b64encode(der).decode("ascii")


def _xs_datetime(moment: datetime) -> str:
    """xs:dateTime in UTC with a ``Z``, as the DUIS templates write it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 10000:02d}Z"


def signature_element(
    issuer: str = SIGNER_ISSUER,
    serial: int = SIGNER_SERIAL,
    digest: str = _PLACEHOLDER,
    value: str = _PLACEHOLDER,
) -> str:
    """An enveloped signature shaped like a DUIS one (xml-exc-c14n, ecdsa-sha256), with the
    base64 ``digest`` and signature ``value`` texts given (placeholders by default); it is not
    checked, as certcheck notes only that a request is signed."""
    return (
        '  <ds:Signature>\n'
        "    <ds:SignedInfo>\n"
        '      <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>\n'
        '      <ds:SignatureMethod '
        'Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>\n'
        '      <ds:Reference URI="">\n'
        "        <ds:Transforms>\n"
        '          <ds:Transform '
        'Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>\n'
        "        </ds:Transforms>\n"
        '        <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>\n'
        f"        <ds:DigestValue>{digest}</ds:DigestValue>\n"
        "      </ds:Reference>\n"
        "    </ds:SignedInfo>\n"
        f"    <ds:SignatureValue>{value}</ds:SignatureValue>\n"
        "    <ds:KeyInfo>\n"
        "      <ds:X509Data>\n"
        "        <ds:X509IssuerSerial>\n"
        f"          <ds:X509IssuerName>{escape(issuer)}</ds:X509IssuerName>\n"
        f"          <ds:X509SerialNumber>{int(serial)}</ds:X509SerialNumber>\n"
        "        </ds:X509IssuerSerial>\n"
        "      </ds:X509Data>\n"
        "    </ds:KeyInfo>\n"
        "  </ds:Signature>\n"
    )
