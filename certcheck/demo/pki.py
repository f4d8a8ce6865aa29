"""A deterministic demonstration SMKI hierarchy: root, issuing OCA, DCA and leaf certificates.

Layouts follow ``reference/smki.md``: Organisation certificates per sections 1.2-1.3 (subject
[CN], OU = role in two hex digits, x500UniqueIdentifier = EUI-64 as a 64-bit BIT STRING;
critical keyUsage with one bit; 8-byte method-2 SKI; AKI keyid only; one critical policy;
ecdsa-with-SHA256), the OCA per section 1.4 and Device certificates per section 3.1.

Every key is derived from ``SHA-256(seed || label)`` and every signature uses RFC 6979
deterministic ECDSA, so one seed always gives byte-identical certificates.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asn1crypto import core
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ObjectIdentifier
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from certcheck.smki.roles import (
    DEVICE_HW_TYPE,
    DIGITAL_SIGNATURE,
    KEY_AGREEMENT,
    CertificatePoliciesOID,
    OtherNameFormOID,
    RemotePartyRole,
)

# Order of the P-256 group (SEC 2, section 2.4.2).
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

# Device certificate policy and hwType of the DCC test device PKI (smki.md section 3.1, E357 certs).

# Fixed validity windows (smki.md sections 1.2 and 3.1: organisation certificates run ten years,
# 00:00:00 to 23:59:59; device certificates never expire).
CA_NOT_BEFORE = datetime(2025, 1, 1, tzinfo=UTC)
CA_NOT_AFTER = datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)
ORG_NOT_BEFORE = datetime(2025, 9, 1, tzinfo=UTC)
ORG_NOT_AFTER = datetime(2035, 9, 1, 23, 59, 59, tzinfo=UTC)
DEVICE_NOT_BEFORE = datetime(2025, 6, 1, tzinfo=UTC)
DEVICE_NOT_AFTER = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def derive_private_key(seed: str, label: str) -> ec.EllipticCurvePrivateKey:
    """P-256 private key whose scalar is ``SHA-256(seed || label) mod n`` (never zero)."""
    digest = hashlib.sha256(f"{seed}\x00{label}".encode()).digest()
    scalar = int.from_bytes(digest, "big") % P256_ORDER or 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def derive_serial(seed: str, label: str) -> int:
    """A 16-byte positive serial number (first octet 0x01-0x7F, so always 16 octets in DER)."""
    raw = bytearray(hashlib.sha256(f"{seed}\x00serial\x00{label}".encode()).digest()[:16])
    raw[0] = (raw[0] & 0x7F) or 0x01
    return int.from_bytes(raw, "big")


def public_point(key: ec.EllipticCurvePublicKey) -> bytes:
    """The 65-byte uncompressed EC point."""
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def method2_key_id(key: ec.EllipticCurvePublicKey) -> bytes:
    """RFC 5280 section 4.2.1.2 method (2): ``0100`` + low 60 bits of SHA-1 of the key point."""
    low = bytearray(hashlib.sha1(public_point(key)).digest()[-8:])
    low[0] = 0x40 | (low[0] & 0x0F)
    return bytes(low)


def sign_ecdsa(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """Deterministic (RFC 6979) ECDSA-SHA256 signature, DER-encoded."""
    return key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))


@dataclass(frozen=True)
class Issued:
    """A certificate with the private key of its subject."""

    label: str
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey = field(repr=False)

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def key_id(self) -> bytes:
        return method2_key_id(self.key.public_key())

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()


def _ca_name(role: RemotePartyRole | None, common_name: str) -> x509.Name:
    """CA subject ``OU=<role>, CN=<name>`` in PrintableString, as the ZAZ1 CAs (smki.md 1.4)."""
    attrs = []
    if role is not None:
        attrs.append(
            x509.NameAttribute(
                NameOID.ORGANIZATIONAL_UNIT_NAME, f"{role:02X}", _type=_ASN1Type.PrintableString
            )
        )
    attrs.append(
        x509.NameAttribute(NameOID.COMMON_NAME, common_name, _type=_ASN1Type.PrintableString)
    )
    return x509.Name(attrs)


def organisation_name(entity_id: bytes, role: int, common_name: str | None = None) -> x509.Name:
    """Organisation subject: [CN], OU = role (UTF8String, two hex digits), x500UniqueIdentifier."""
    attrs = []
    if common_name:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    attrs.append(
        x509.NameAttribute(
            NameOID.ORGANIZATIONAL_UNIT_NAME, f"{role:02X}", _type=_ASN1Type.UTF8String
        )
    )
    # cryptography writes a BitString attribute value as given, so it carries the
    # unused-bits octet (0) in front of the 8 EUI-64 octets.
    attrs.append(
        x509.NameAttribute(
            NameOID.X500_UNIQUE_IDENTIFIER,
            b"\x00" + entity_id,
            _type=_ASN1Type.BitString,
        )
    )
    return x509.Name(attrs)


def _policy(oid: str) -> x509.CertificatePolicies:
    return x509.CertificatePolicies([x509.PolicyInformation(ObjectIdentifier(oid), None)])


def _key_usage(usage: str) -> x509.KeyUsage:
    flags = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    if usage == DIGITAL_SIGNATURE:
        flags["digital_signature"] = True
    elif usage == KEY_AGREEMENT:
        flags["key_agreement"] = True
    elif usage == "ca":
        flags["key_cert_sign"] = flags["crl_sign"] = True
    else:
        raise ValueError(f"unknown key usage {usage!r}")
    return x509.KeyUsage(**flags)


def _sign(
    builder: x509.CertificateBuilder, issuer_key: ec.EllipticCurvePrivateKey
) -> x509.Certificate:
    return builder.sign(issuer_key, hashes.SHA256(), ecdsa_deterministic=True)


def _authority_key_id(issuer: Issued) -> x509.AuthorityKeyIdentifier:
    return x509.AuthorityKeyIdentifier(issuer.key_id, None, None)


def make_root(seed: str, common_name: str) -> Issued:
    """A self-signed root CA ``OU=00, CN=<name>`` (no AKI, as GBCS allows for self-signed)."""
    label = f"root:{common_name}"
    key = derive_private_key(seed, label)
    name = _ca_name(RemotePartyRole.ROOT, common_name)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(derive_serial(seed, label))
        .not_valid_before(CA_NOT_BEFORE)
        .not_valid_after(CA_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage("ca"), critical=True)
        .add_extension(x509.SubjectKeyIdentifier(method2_key_id(key.public_key())), critical=False)
        .add_extension(_policy(CertificatePoliciesOID.TEST_ORGANISATION), critical=True)
    )
    return Issued(label, _sign(builder, key), key)


def make_issuing_ca(
    seed: str,
    root: Issued,
    common_name: str,
    *,
    role: RemotePartyRole | None = RemotePartyRole.ISSUING_AUTHORITY,
    policy: str = CertificatePoliciesOID.TEST_ORGANISATION,
) -> Issued:
    """An issuing CA under ``root``: basicConstraints critical cA pathLen 0 (smki.md 1.4).

    The OCA subject is ``OU=07, CN=<name>``; a DCA (``role=None``) has a CN only, as E357.
    """
    label = f"ca:{common_name}"
    key = derive_private_key(seed, label)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_ca_name(role, common_name))
        .issuer_name(root.certificate.subject)
        .public_key(key.public_key())
        .serial_number(derive_serial(seed, label))
        .not_valid_before(CA_NOT_BEFORE)
        .not_valid_after(CA_NOT_AFTER)
        .add_extension(_key_usage("ca"), critical=True)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_policy(policy), critical=True)
        .add_extension(x509.SubjectKeyIdentifier(method2_key_id(key.public_key())), critical=False)
        .add_extension(_authority_key_id(root), critical=False)
    )
    return Issued(label, _sign(builder, root.key), key)


def issue_organisation(
    seed: str,
    issuer: Issued,
    entity_id: bytes,
    role: int,
    key_usage: str,
    *,
    common_name: str | None = None,
    key_label: str | None = None,
) -> Issued:
    """An SMKI Organisation Certificate for ``entity_id`` (8 bytes) with one key usage.

    Extension order is that of the Z1-issued certificates: keyUsage, SKI, policies, AKI.
    ``key_label`` names the key pair; by default one pair per entity, role and usage.
    """
    if len(entity_id) != 8:
        raise ValueError("entity id must be 8 bytes")
    usage_tag = "ds" if key_usage == DIGITAL_SIGNATURE else "ka"
    label = f"org:{entity_id.hex()}:{role:02x}:{usage_tag}:{issuer.label}"
    key = derive_private_key(seed, key_label or label)
    builder = (
        x509.CertificateBuilder()
        .subject_name(organisation_name(entity_id, role, common_name))
        .issuer_name(issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(derive_serial(seed, label))
        .not_valid_before(ORG_NOT_BEFORE)
        .not_valid_after(ORG_NOT_AFTER)
        .add_extension(_key_usage(key_usage), critical=True)
        .add_extension(x509.SubjectKeyIdentifier(method2_key_id(key.public_key())), critical=False)
        .add_extension(_policy(CertificatePoliciesOID.TEST_ORGANISATION), critical=True)
        .add_extension(_authority_key_id(issuer), critical=False)
    )
    return Issued(label, _sign(builder, issuer.key), key)


class _HardwareModuleName(core.Sequence):
    """RFC 4108 HardwareModuleName."""

    _fields = [("hw_type", core.ObjectIdentifier), ("hw_serial_num", core.OctetString)]  # noqa: RUF012


def issue_device(seed: str, dca: Issued, device_id: bytes, key_usage: str) -> Issued:
    """A Device Certificate: empty subject, critical SAN hardwareModuleName = device EUI-64."""
    if len(device_id) != 8:
        raise ValueError("device id must be 8 bytes")
    usage_tag = "ds" if key_usage == DIGITAL_SIGNATURE else "ka"
    label = f"device:{device_id.hex()}:{usage_tag}"
    key = derive_private_key(seed, label)
    hmn = _HardwareModuleName({"hw_type": DEVICE_HW_TYPE, "hw_serial_num": device_id}).dump()
    san = x509.SubjectAlternativeName(
        [x509.OtherName(ObjectIdentifier(OtherNameFormOID.HARDWARE_MODULE_NAME), hmn)]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(dca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(derive_serial(seed, label))
        .not_valid_before(DEVICE_NOT_BEFORE)
        .not_valid_after(DEVICE_NOT_AFTER)
        .add_extension(_key_usage(key_usage), critical=True)
        .add_extension(x509.SubjectKeyIdentifier(method2_key_id(key.public_key())), critical=False)
        .add_extension(san, critical=True)
        .add_extension(_policy(CertificatePoliciesOID.TEST_DEVICE), critical=True)
        .add_extension(_authority_key_id(dca), critical=False)
    )
    return Issued(label, _sign(builder, dca.key), key)
