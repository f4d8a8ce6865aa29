"""SMKI certificates decoded from DER into an immutable record.

Fields follow SPEC.md's ``certificates`` entry; layouts follow ``reference/smki.md``
sections 1 and 3. Decoding uses asn1crypto so that well-formed DER which
``cryptography`` refuses (for example explicit NULL ECDSA parameters) still decodes;
``cryptography_error`` records that refusal for the profile check.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from asn1crypto import core, x509

from certcheck.smki.eui import format_eui64
from certcheck.smki.roles import (
    NAME_LABELS,
    ExtensionOID,
    NameOID,
    OtherNameFormOID,
    PublicKeyAlgorithmOID,
    role_name,
)

KIND_ORGANISATION = "organisation"
KIND_DEVICE = "device"
KIND_CA = "ca"
KIND_OTHER = "other"


# What asn1crypto raises for DER that does not match its declaration (a bad length, a wrong
# tag, text that is not of its string type, a value out of range, an OID its tables lack).
# Anything else raised while decoding (AttributeError, say) is a defect in certcheck and is
# left to the reader's last-resort handler, which flags it as one.
MALFORMED = (ValueError, TypeError, KeyError, IndexError, OverflowError)


class CertificateError(ValueError):
    """The bytes are not a decodable X.509 certificate."""


class _HardwareModuleName(core.Sequence):
    """RFC 4108 HardwareModuleName."""

    _fields = [("hw_type", core.ObjectIdentifier), ("hw_serial_num", core.OctetString)]  # noqa: RUF012


@dataclass(frozen=True, slots=True)
class Extension:
    """An extension's identifier, criticality and DER value."""

    oid: str
    critical: bool
    value: bytes


@dataclass(frozen=True, eq=False)
class SmkiCertificate:
    """An SMKI certificate with its fields decoded (one per distinct DER).

    Equality and hashing use the DER's SHA-256, so caches key on content.
    """

    der: bytes
    sha256: str
    serial: str
    subject: str
    issuer: str
    subject_der: bytes
    issuer_der: bytes
    kind: str
    entity_id: str | None
    role: int | None
    ou: str | None
    common_name: str | None
    key_usage: tuple[str, ...]
    not_before: datetime
    not_after: datetime
    subject_key_id: str | None
    authority_key_id: str | None
    is_ca: bool
    path_length: int | None
    signature_algorithm: str
    signature_parameters_present: bool
    public_key_algorithm: str
    public_key_curve: str | None
    public_key_point: bytes
    policies: tuple[str, ...]
    extensions: tuple[Extension, ...]
    tbs: bytes
    signature: bytes
    problems: tuple[str, ...]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SmkiCertificate) and other.sha256 == self.sha256

    def __hash__(self) -> int:
        return hash(self.sha256)

    @property
    def role_name(self) -> str | None:
        return role_name(self.role)

    @cached_property
    def sha1(self) -> str:
        """SHA-1 of the DER (DUIS N42 ``CertificateHash`` candidates)."""
        return hashlib.sha1(self.der).hexdigest()

    def extension(self, oid: str) -> Extension | None:
        """The extension with ``oid``, or None."""
        for ext in self.extensions:
            if ext.oid == oid:
                return ext
        return None

    def summary(self) -> dict[str, Any]:
        """The SPEC.md certificate fields that come from the certificate itself."""
        return {
            "sha256": self.sha256,
            "serial": self.serial,
            "subject": self.subject,
            "issuer": self.issuer,
            "entity_id": self.entity_id,
            "role": self.role,
            "role_name": self.role_name,
            "key_usage": list(self.key_usage),
            "not_before": iso(self.not_before),
            "not_after": iso(self.not_after),
            "subject_key_id": self.subject_key_id,
        }


def serial_hex(value: int) -> str:
    """A serial number as ``openssl x509 -serial`` spells it: upper-case hex of whole octets
    (an even number of digits, a leading zero kept), ``-`` before a negative one."""
    digits = f"{abs(value):X}"
    if len(digits) % 2:
        digits = "0" + digits
    return f"-{digits}" if value < 0 else digits


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with a ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _name_text(name: x509.Name) -> str:
    parts: list[str] = []
    for rdn in name.chosen:
        for attr in rdn:
            oid = attr["type"].dotted
            label = NAME_LABELS.get(oid, oid)
            value = attr["value"]
            if oid == NameOID.X500_UNIQUE_IDENTIFIER:
                text = (
                    _bitstring_bytes(value.parsed if hasattr(value, "parsed") else value)
                    .hex()
                    .upper()
                )
            else:
                try:
                    text = str(value.native)
                except MALFORMED:
                    text = value.contents.hex()
            parts.append(f"{label}={text}")
    return ",".join(parts)


def _bitstring_bytes(value: Any) -> bytes:
    """Bytes of a BIT STRING attribute value (the unused-bits octet dropped)."""
    contents = value.contents if hasattr(value, "contents") else bytes(value)
    return contents[1:] if contents else b""


def _subject_fields(name: x509.Name) -> tuple[str | None, str | None, str | None, list[str]]:
    """(OU, entity id, CN, problems) from an organisation subject."""
    ou = eid = cn = None
    problems: list[str] = []
    for rdn in name.chosen:
        for attr in rdn:
            oid = attr["type"].dotted
            value = attr["value"]
            if oid == NameOID.ORGANIZATIONAL_UNIT_NAME:
                ou = str(value.native)
            elif oid == NameOID.COMMON_NAME:
                cn = str(value.native)
            elif oid == NameOID.X500_UNIQUE_IDENTIFIER:
                raw = value.contents
                if len(raw) != 9 or raw[0] != 0:
                    problems.append(
                        f"x500UniqueIdentifier is not a 64-bit BIT STRING ({len(raw) - 1} octets)"
                    )
                if len(raw) >= 9:
                    eid = format_eui64(raw[-8:])
    return ou, eid, cn, problems


def _role_from_ou(ou: str | None, problems: list[str]) -> int | None:
    if ou is None:
        return None
    if len(ou) == 2:
        try:
            return int(ou, 16)
        except ValueError:
            pass
    problems.append(f"subject OU {ou!r} is not a remote party role in two hex digits")
    return None


def _device_eui(san_value: bytes, problems: list[str]) -> str | None:
    """Device EUI-64 from a subjectAltName hardwareModuleName otherName."""
    try:
        names = x509.GeneralNames.load(san_value)
        for general_name in names:
            if general_name.name != "other_name":
                continue
            other = general_name.chosen
            if other["type_id"].dotted != OtherNameFormOID.HARDWARE_MODULE_NAME:
                continue
            hmn = other["value"].parse(_HardwareModuleName)
            serial = hmn["hw_serial_num"].native
            if len(serial) == 8:
                return format_eui64(serial)
            problems.append(f"hardwareModuleName hwSerialNum is {len(serial)} octets, not 8")
            return serial.hex().upper()
    except MALFORMED as exc:
        problems.append(f"subjectAltName unreadable: {exc}")
    return None


def decode_certificate(der: bytes) -> SmkiCertificate:
    """Decode one DER certificate; raise :class:`CertificateError` when it is not one."""
    try:
        cert = x509.Certificate.load(der, strict=True)
        tbs = cert["tbs_certificate"]
        native_version = tbs["version"].native
        serial_int = tbs["serial_number"].native
        subject = tbs["subject"]
        issuer = tbs["issuer"]
        validity = tbs["validity"]
        not_before = validity["not_before"].native
        not_after = validity["not_after"].native
        spki = tbs["subject_public_key_info"]
        algorithm = spki["algorithm"]
        pk_alg = algorithm["algorithm"].dotted
        params = algorithm["parameters"]
        # An EC key without its parameters has a Void there (no curve: a profile problem).
        curve = (
            params.chosen.dotted
            if pk_alg == PublicKeyAlgorithmOID.EC_PUBLIC_KEY
            and not isinstance(params, core.Void)
            and params.name == "named"
            else None
        )
        point = spki["public_key"].contents[1:]
        sig_alg = cert["signature_algorithm"]
        sig_params_present = sig_alg["parameters"].contents is not None and not isinstance(
            sig_alg["parameters"], core.Void
        )
        extensions: list[Extension] = []
        for ext in tbs["extensions"]:
            extensions.append(
                Extension(
                    oid=ext["extn_id"].dotted,
                    critical=bool(ext["critical"].native),
                    value=ext["extn_value"].contents,
                )
            )
        signature = cert["signature_value"].contents[1:]
        signature_algorithm = sig_alg["algorithm"].dotted  # parsed here, where errors are caught
        tbs_der = tbs.dump()
        subject_der = subject.dump()
        issuer_der = issuer.dump()
        subject_text = _name_text(subject)
        issuer_text = _name_text(issuer)
    except MALFORMED as exc:
        raise CertificateError(f"not a DER X.509 certificate: {_short(exc)}") from exc

    problems: list[str] = []
    if native_version != "v3":
        problems.append(f"certificate version is {native_version}, not v3")
    try:
        ou, eid, cn, subject_problems = _subject_fields(subject)
    except ValueError as exc:  # e.g. UnicodeDecodeError: a UTF8String that is not UTF-8
        raise CertificateError(f"not a DER X.509 certificate: subject: {_short(exc)}") from exc
    problems.extend(subject_problems)
    role = _role_from_ou(ou, problems)

    key_usage: tuple[str, ...] = ()
    ski = aki = None
    is_ca = False
    path_len = None
    policies: tuple[str, ...] = ()
    san = None
    for ext in extensions:
        try:
            if ext.oid == ExtensionOID.KEY_USAGE:
                key_usage = tuple(sorted(_camel(n) for n in x509.KeyUsage.load(ext.value).native))
            elif ext.oid == ExtensionOID.SUBJECT_KEY_IDENTIFIER:
                ski = core.OctetString.load(ext.value).native.hex()
            elif ext.oid == ExtensionOID.AUTHORITY_KEY_IDENTIFIER:
                key_id = x509.AuthorityKeyIdentifier.load(ext.value)["key_identifier"].native
                aki = key_id.hex() if key_id else None
            elif ext.oid == ExtensionOID.BASIC_CONSTRAINTS:
                bc = x509.BasicConstraints.load(ext.value)
                is_ca = bool(bc["ca"].native)
                path_len = bc["path_len_constraint"].native
            elif ext.oid == ExtensionOID.CERTIFICATE_POLICIES:
                policies = tuple(
                    p["policy_identifier"].dotted for p in x509.CertificatePolicies.load(ext.value)
                )
            elif ext.oid == ExtensionOID.SUBJECT_ALTERNATIVE_NAME:
                san = ext.value
        except MALFORMED as exc:
            problems.append(f"extension {ext.oid} unreadable: {_short(exc)}")

    if is_ca:
        kind = KIND_CA
    elif len(subject.chosen) == 0 and san is not None:
        kind = KIND_DEVICE
        eid = _device_eui(san, problems)
    elif ou is not None and eid is not None:
        kind = KIND_ORGANISATION
    else:
        kind = KIND_OTHER

    return SmkiCertificate(
        der=der,
        sha256=hashlib.sha256(der).hexdigest(),
        serial=serial_hex(serial_int),
        subject=subject_text,
        issuer=issuer_text,
        subject_der=subject_der,
        issuer_der=issuer_der,
        kind=kind,
        entity_id=eid,
        role=role,
        ou=ou,
        common_name=cn,
        key_usage=key_usage,
        not_before=not_before,
        not_after=not_after,
        subject_key_id=ski.upper() if ski else None,
        authority_key_id=aki.upper() if aki else None,
        is_ca=is_ca,
        path_length=path_len,
        signature_algorithm=signature_algorithm,
        signature_parameters_present=sig_params_present,
        public_key_algorithm=pk_alg,
        public_key_curve=curve,
        public_key_point=point,
        policies=policies,
        extensions=tuple(extensions),
        tbs=tbs_der,
        signature=signature,
        problems=tuple(problems),
    )


def _camel(snake: str) -> str:
    """``digital_signature`` -> ``digitalSignature`` (RFC 5280 KeyUsage bit names)."""
    head, *rest = snake.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
