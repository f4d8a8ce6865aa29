"""GBCS signature verification: ECDSA P-256 / SHA-256 over the signed bytes.

Recipe from ``reference/payloads.md`` section 2.1: the signed bytes run from the byte after
the ``DF`` tag to the end of the content; the signature is IEEE P1363 ``r || s`` (64 bytes).
The public key is taken from the certificate's point, so certificates that ``cryptography``
refuses to load (for example with explicit NULL ECDSA parameters) still serve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from certcheck.smki.certificate import SmkiCertificate
from certcheck.smki.ecdsa import der_signature, verify_p256, verify_p256_raw
from certcheck.smki.roles import DIGITAL_SIGNATURE, EllipticCurveOID

if TYPE_CHECKING:  # the audit contract's types; smki needs nothing else from above
    from certcheck.audit.model import Item, SignatureInfo

VALID = "valid"
INVALID = "invalid"
NOT_CHECKED = "not-checked"

# A certificate's key curve that can verify: P-256, or unnamed (explicit NULL parameters).
_P256 = (EllipticCurveOID.SECP256R1, None)


def verify_gbcs_signature(
    signature: SignatureInfo, signer_certificate_der: bytes | SmkiCertificate
) -> bool:
    """True when ``signature`` verifies with the certificate's public key; False otherwise.

    False also for an absent or null signature, or a key that is not a P-256 point.
    """
    value = signature.value
    if value is None:
        return False
    certificate = signer_certificate_der
    if not isinstance(certificate, SmkiCertificate):
        from certcheck.smki.cache import certificate_from_der

        try:
            certificate = certificate_from_der(bytes(certificate))
        except ValueError:
            return False
    if certificate.public_key_curve not in _P256:
        return False
    return verify_p256_raw(certificate.public_key_point, value, signature.signed)


def signature_status(
    item: Item, certificates_by_entity: Mapping[str, Sequence[SmkiCertificate]]
) -> str:
    """``valid``, ``invalid`` or ``not-checked`` for a GBCS item's signature.

    ``certificates_by_entity`` maps canonical EUI-64 strings (``90-B3-D5-1F-30-02-00-00``)
    to the certificates known for that entity. Every digital-signing certificate of the
    signer is tried; the signature is valid if any verifies. Not checked when there is no
    signature, a null one, or no digital-signing certificate of the signer is known.
    """
    signature = item.signature
    if signature is None or signature.state != "present" or signature.signer is None:
        return NOT_CHECKED
    candidates = [
        certificate
        for certificate in certificates_by_entity.get(signature.signer, ())
        if DIGITAL_SIGNATURE in certificate.key_usage
    ]
    if not candidates:
        return NOT_CHECKED
    # verify_gbcs_signature for each candidate, with the signature encoded once.
    encoded = der_signature(signature.value) if signature.value is not None else None
    if encoded is not None:
        for certificate in candidates:
            if certificate.public_key_curve in _P256 and verify_p256(
                certificate.public_key_point, encoded, signature.signed
            ):
                return VALID
    return INVALID


def signature_state(
    item: Item, certificates_by_entity: Mapping[str, Sequence[SmkiCertificate]] | None
) -> str | None:
    """The signature of an item's GBCS layer (the inner message of a DUIS envelope, if any).

    None without a GBCS layer; ``absent`` (a pre-command) or ``null`` (a MAC-protected
    message) when it carries no signature value; else ``valid``, ``invalid``, or
    ``not-checked`` when no certificates are given (``None``) or none of the signer's.
    """
    gbcs = item.inner or item
    if gbcs.signature is None:
        return None
    if gbcs.signature.value is None:
        return gbcs.signature.state
    if certificates_by_entity is None:
        return NOT_CHECKED
    return signature_status(gbcs, certificates_by_entity)
